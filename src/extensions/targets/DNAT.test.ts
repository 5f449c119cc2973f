import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

// Lines common to both families (no addresses, or errors before any address is read).
const COMMON = [
  '-t nat -A PREROUTING -p tcp -j DNAT',
  '-t nat -A PREROUTING -p tcp -j DNAT --random',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80',
  '-t nat -A PREROUTING -p udp -j DNAT --to-destination :http',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :http-90',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80-http',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :90-80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :90-80/5',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80x',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80-90x',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80/100',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80-90/0',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80-90/ssh',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :80-90/7x',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :0',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :65536',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :0x50',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :080',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination ""',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :1 --to-destination :2',
  '-t nat -A PREROUTING -p tcp -j DNAT ! --to-destination :1',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :1 ! --random',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :1 --random --random',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination :1 --persistent --persistent',
  '-t nat -A PREROUTING -j DNAT --to-destination :80',
  '-t nat -A PREROUTING -j DNAT --to-destination :80 -p tcp',
  '-t nat -A OUTPUT ! -p tcp -j DNAT --to-destination :5',
  '-t nat -A OUTPUT -p sctp -j DNAT --to-destination :5',
  '-t nat -A OUTPUT -p dccp -j DNAT --to-destination :5',
  '-t nat -A OUTPUT -p icmp -j DNAT --to-destination :5',
  '-t nat -A OUTPUT -p 17 -j DNAT --to-destination :5-6 --random --persistent',
];

const V4 = [
  ...COMMON,
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80',
  '-t nat -A PREROUTING -j DNAT --to 1.2.3.4',
  '-t nat -A PREROUTING -p udp -j DNAT --to-destination 1.2.3.4-1.2.3.9:80-90 --random --persistent',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90/100',
  '-t nat -A PREROUTING -p tcp -d 10.0.0.1 --dport 8080 -j DNAT --to-destination 192.168.1.5:http',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.1',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 12:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80:90',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.400',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 01.2.3.4',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 0x01020304',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination localhost',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [1.2.3.4]:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4-x:80',
  '-t nat -A PREROUTING -j DNAT --to-destination 1.2.3.400:80',
  '-t nat -A OUTPUT -o lo -j DNAT --to-destination 127.0.0.1 --persistent',
  '-t nat -A INPUT -p tcp -j DNAT --to-destination 1.2.3.4:5',
  '-t nat -A POSTROUTING -j DNAT --to-destination 1.2.3.4',
  '-t filter -A INPUT -j DNAT --to-destination 1.2.3.4',
  '-t mangle -A PREROUTING -j DNAT --to-destination 1.2.3.4',
  '-t nat -C PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80',
  '-t nat -D PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80-90/100',
];

const V6 = [
  ...COMMON,
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::1]:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination fd00::1',
  '-t nat -A PREROUTING -j DNAT --to [fd00::1]',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::1-fd00::5]:80-90',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination fd00::1-fd00::5 --random',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::1]:80-90/100',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination []:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination ::1',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::1',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination fd00::1:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination ::ffff:1.2.3.4 --random --persistent',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::1]x:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::1]x',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination x[fd00:0:0::1]:80',
  '-t nat -A PREROUTING -p tcp -j DNAT --to-destination [fd00::g]:80',
  '-t nat -A PREROUTING -p icmpv6 -j DNAT --to-destination [fd00::1]:80',
  '-t nat -A PREROUTING -j DNAT --to-destination [fd00::1]:80',
  '-t nat -A OUTPUT -p udp -j DNAT --to-destination [::]:53',
  '-t nat -A INPUT -j DNAT --to-destination fd00::1',
  '-t nat -A POSTROUTING -j DNAT --to-destination fd00::1',
  '-t filter -A INPUT -j DNAT --to-destination fd00::1',
  '-t nat -C PREROUTING -p tcp -j DNAT --to-destination [fd00::1]:80',
];

// User chains: allowed when reached only from PREROUTING/OUTPUT (or from nowhere).
const CHAINS = [
  '-t nat -N D1',
  '-t nat -A D1 -j DNAT --to-destination :1',
  '-t nat -A D1 -p tcp -j DNAT --to-destination :1',
  '-t nat -A PREROUTING -j D1',
  '-t nat -A OUTPUT -j D1',
  '-t nat -A INPUT -j D1',
  '-t nat -A POSTROUTING -j D1',
  '-t nat -N D2',
  '-t nat -A POSTROUTING -j D2',
  '-t nat -A D2 -p tcp -j DNAT --to-destination :2',
  '-t nat -N D3',
  '-t nat -A D3 -p tcp -j DNAT --to-destination :3',
  '-t nat -N D4',
  '-t nat -A D4 -j D3',
  '-t nat -A INPUT -j D4',
];

test('DNAT target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [V4, CHAINS]);
});

test('DNAT target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [V6, CHAINS]);
});
