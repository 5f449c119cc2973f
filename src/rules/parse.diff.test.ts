/**
 * The core command language against iptables-legacy: the fixed header
 * options, every command, positional words, counters and the errors of
 * each, for both families.
 */
import { test } from 'node:test';
import { assertSameAsKernel } from '../testing/harness';

const HEADER = [
  '-A INPUT -s 192.168.1.10 -j ACCEPT',
  '-A INPUT -s 192.168.1.10/24 -j ACCEPT',
  '-A INPUT ! -s 10.0.0.0/8 -j DROP',
  '-A INPUT -d 10.1.2.3/255.255.0.0 -j DROP',
  '-A INPUT -d 10.1.2.3/255.0.255.0 -j DROP',
  '-A INPUT -s 10 -j DROP',
  '-A INPUT -s 10.1 -j DROP',
  '-A INPUT -s 0/0 -j DROP',
  '-A INPUT -s 0.0.0.0/0 -j DROP',
  '! -s 0.0.0.0/0 -A INPUT -j DROP',
  '-A INPUT -s 1.2.3.4,5.6.7.8 -d 9.9.9.9,8.8.8.8 -j ACCEPT',
  '-A INPUT --source 1.1.1.1 --destination 2.2.2.2 -j ACCEPT',
  '-A INPUT --src 1.1.1.1 --dst 2.2.2.2 -j ACCEPT',
  '-A INPUT -s localhost -j ACCEPT',
  '-A INPUT -s 1.2.3.4/33 -j ACCEPT',
  '-A INPUT -s 1.2.3.4/-1 -j ACCEPT',
  '-A INPUT -s 256.1.1.1 -j ACCEPT',
  '-A INPUT -s 1.2.3.4/255.255.255.256 -j ACCEPT',
  '-A INPUT -s 1.2.3.4 -s 1.1.1.1 -j ACCEPT',
  '-A INPUT -i eth0 -j ACCEPT',
  '-A INPUT ! -i eth+ -j ACCEPT',
  '-A OUTPUT -o ppp0 -j ACCEPT',
  '-A FORWARD -i eth0 -o ppp0 -j ACCEPT',
  '-A FORWARD ! -i lo ! -o lo -j ACCEPT',
  '-A INPUT -i 0123456789abcdef -j ACCEPT',
  '-A INPUT -i 0123456789abcde -j ACCEPT',
  '-A INPUT -i eth0 -i eth1',
  '-A INPUT -p udp -j ACCEPT',
  '-A INPUT -p UDP -j ACCEPT',
  '-A INPUT -p 17 -j ACCEPT',
  '-A INPUT ! -p icmp -j ACCEPT',
  '-A INPUT -p gre -j ACCEPT',
  '-A INPUT -p 47 -j ACCEPT',
  '-A INPUT -p all -j ACCEPT',
  '-A INPUT ! -p all -j ACCEPT',
  '-A INPUT -p 0 -j ACCEPT',
  '-A INPUT -p 255 -j ACCEPT',
  '-A INPUT -p 256 -j ACCEPT',
  '-A INPUT -p foo -j ACCEPT',
  '-A INPUT -p esp -j ACCEPT',
  '-A INPUT -p sctp -j ACCEPT',
  '-A INPUT -p ah -j ACCEPT',
  '-A INPUT -p udplite -j ACCEPT',
  '-A INPUT -p icmpv6 -j ACCEPT',
  '-A INPUT -p ipv6-icmp -j ACCEPT',
  '-A INPUT -f -j DROP',
  '-A INPUT ! -f -j DROP',
  '-A INPUT -s 1.2.3.4 -d 5.6.7.8 -i eth0 -p tcp -f -j DROP',
  '-A INPUT',
  '-A INPUT -j RETURN',
  '-A INPUT -j QUEUE',
  '-A INPUT -p tcp -j DROP -s 1.2.3.4',
];

const COMMANDS = [
  '-N TCP', '-N UDP', '-N TCP', '-N INPUT', '-N ACCEPT', '-N -x', '-N !x', '-N abcdefghijabcdefghijabcdefghi', '-N abcdefghijabcdefghijabcdefgh',
  '-A INPUT -j TCP', '-A INPUT -g UDP', '-A INPUT -j NOPE', '-A INPUT -g ACCEPT', '-A NOPE -j ACCEPT',
  '-I INPUT -j DROP', '-I INPUT 2 -j ACCEPT', '-I INPUT 9 -j ACCEPT', '-I INPUT 0 -j ACCEPT', '-I INPUT x -j ACCEPT',
  '-R INPUT 1 -j REJECT', '-R INPUT 1 -p tcp -j ACCEPT', '-R INPUT 99 -j ACCEPT', '-R INPUT', '-R INPUT 1 -s 1.1.1.1,2.2.2.2 -j ACCEPT',
  '-C INPUT -p tcp -j ACCEPT', '-C INPUT -p udp -j ACCEPT', '-C INPUT -j TCP', '-C INPUT -j UDP', '-D INPUT -j UDP', '-D INPUT -p udp -j ACCEPT', '-C INPUT -j LOG', '-D INPUT -p tcp -j REJECT',
  '-A TCP -p tcp -j RETURN', '-A TCP -j UDP', '-A UDP -j TCP',
  '-X TCP', '-X UDP', '-X NOPE', '-X INPUT',
  '-D INPUT -p tcp -j ACCEPT', '-D INPUT -p tcp -j ACCEPT', '-D INPUT 1', '-D INPUT 99', '-D INPUT 0', '-D INPUT x',
  '-E TCP TCP2', '-E TCP2 UDP', '-E INPUT IN2', '-E NOPE X', '-E UDP', '-E UDP ACCEPT',
  '-P INPUT DROP', '-P FORWARD DROP', '-P INPUT ACCEPT', '-P TCP2 DROP', '-P INPUT REJECT', '-P INPUT', '-P OUTPUT DROP -c 10 20',
  '-A INPUT -c 5 500 -j ACCEPT', '-I INPUT 1 -c 7 700 -j DROP', '-A INPUT -c 5', '-A INPUT -c x 1', '-A INPUT -c 1 y',
  '-Z INPUT 1', '-Z INPUT 99', '-Z NOPE',
  '-L INPUT', '-L NOPE', '-L INPUT 1', '-L INPUT 99', '-S INPUT 1', '-S INPUT 99', '-S NOPE', '-nL INPUT --line-numbers',
  '-L -Z INPUT', '-S -Z', '-Z -L', '-L -F', '-A INPUT -D INPUT', '-A INPUT -I INPUT',
  '-L -s 1.1.1.1', '-S -n', '-F -v', '-A INPUT -n', '-A INPUT -x', '-A INPUT --line-numbers', '-D INPUT -c 1 1 -j ACCEPT', '-C INPUT -c 1 1 -j ACCEPT',
  '-F INPUT', '-F NOPE', '-F', '-X', '-Z',
  '', '-A', '-j ACCEPT', 'INPUT', '--append INPUT --jump ACCEPT', '--apend INPUT -j ACCEPT', '--foo', '-y',
  '! -A INPUT', '-A INPUT ! -j ACCEPT', '-A INPUT ! ! -s 1.1.1.1', '-A INPUT -s 1.1.1.1 !', '-A INPUT ! -m tcp',
  '-A INPUT -j abcdefghijabcdefghijabcdefghijab', '-A INPUT -m nosuchmatch', '-A INPUT -j NOSUCHTARGET',
  '-A INPUT -j ACCEPT -j DROP', '-A INPUT -p tcp -p udp', '-v -A INPUT -s 1.2.3.4 ! -d 5.6.7.0/24 -i eth0 -p tcp --dport 22 -j ACCEPT', '-v -I INPUT ! -p udp -j TCP2', '-v -C INPUT -p tcp -j ACCEPT', '-v -A INPUT -s 1.1.1.1,2.2.2.2 -p tcp', '-v -Z', '-v -X NOPE', '-v -F', '-v -L -Z INPUT', '-w 3 -W 5 -A INPUT', '-t nat -A PREROUTING -j DROP', '-t nat -P PREROUTING DROP',
  '-t nosuch -L', '-t nat -A INPUT -j ACCEPT', '-t raw -A INPUT -j ACCEPT', '-t raw -A PREROUTING -j ACCEPT', '-t mangle -N M', '-t mangle -A M -j RETURN',
  '-t security -A INPUT -j ACCEPT', '-t filter -A FORWARD -j ACCEPT', '-t nat -L -n', '-w -A INPUT -j ACCEPT', '-w 5 -A INPUT -j ACCEPT', '-W 100 -A INPUT -j ACCEPT',
  '-V', '-4 -A INPUT -j ACCEPT', '-A INPUT extra', '-L INPUT 1 extra',
];

const LOOPS = [
  '-N A', '-N B', '-N C', '-A A -j B', '-A B -j C', '-A C -j A', '-A INPUT -j A', '-A INPUT -j B', '-D C 1', '-A INPUT -j B', '-A C -g B', '-A FORWARD -j C', '-X', '-F A', '-X',
];

test('core options and commands: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [HEADER, COMMANDS, LOOPS], { listTables: ['filter', 'nat', 'mangle', 'raw', 'security'] });
});

const HEADER6 = [
  '-A INPUT -s fe80::/10 -j ACCEPT', '-A INPUT -s 2001:db8::1 -j ACCEPT', '-A INPUT ! -d 2001:DB8:0:0:0:0:0:1/64 -j DROP',
  '-A INPUT -s ::1 -j ACCEPT', '-A INPUT -s ::ffff:1.2.3.4 -j ACCEPT', '-A INPUT -s ::1.2.3.4 -j ACCEPT', '-A INPUT -s 1:0:0:1:0:0:0:1 -j ACCEPT',
  '-A INPUT -s 2001:db8::/ffff:ffff:: -j ACCEPT', '-A INPUT -s 2001:db8::/ffff:0:ffff:: -j ACCEPT', '-A INPUT -s 2001:db8::1/129 -j ACCEPT',
  '-A INPUT -s 1.2.3.4 -j ACCEPT', '-A INPUT -s localhost -j ACCEPT', '-A INPUT -s ::1,::2 -j ACCEPT', '-A INPUT -d 0::0/0 -j ACCEPT',
  '-A INPUT -p icmpv6 -j ACCEPT', '-A INPUT -p ipv6-icmp -j ACCEPT', '-A INPUT -p 58 -j ACCEPT', '-A INPUT ! -p udp -j ACCEPT',
  '-A INPUT -f -j ACCEPT', '-A INPUT -i eth0 ! -o eth1 -p tcp -j ACCEPT', '-A INPUT -p all -j ACCEPT', '-A INPUT -p 0 -j ACCEPT', '-6 -A INPUT -j ACCEPT',
  '-A INPUT -s 2001:db8::1:0:0:1 -j ACCEPT', '-A INPUT -p 43 -j ACCEPT', '-A INPUT -p IPV6-Route -j ACCEPT', '-A INPUT ! -p 43 -j ACCEPT',
  '-A INPUT -p 44 -j ACCEPT', '-A INPUT -p ah -j ACCEPT', '-A INPUT -p 60 -j ACCEPT', '-A INPUT -p esp -j ACCEPT', '-A INPUT -p 0x2b -j ACCEPT', '-A INPUT -s 2001:db8:0:0:1:0:0:1 -j ACCEPT', '-A INPUT -s fe80::1%eth0 -j ACCEPT',
];

test('core options and commands: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [HEADER6, COMMANDS, LOOPS], { listTables: ['filter', 'nat', 'mangle', 'raw', 'security'] });
});
