import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const COMMON = [
  '-t nat -A PREROUTING -j NETMAP',
  '-t nat -A PREROUTING -j NETMAP --to ""',
  '-t nat -A PREROUTING -j NETMAP --to /8',
];

const V4 = [
  ...COMMON,
  '-t nat -A PREROUTING -d 192.168.1.0/24 -j NETMAP --to 10.0.0.0/24',
  '-t nat -A PREROUTING -j NETMAP --to 10.1.2.3/8',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/255.255.0.0',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/255.0.255.0',
  '-t nat -A PREROUTING -j NETMAP --to 10.1.2.3/255.0.255.0',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/33',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/0',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/32',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/0x10',
  '-t nat -A PREROUTING -j NETMAP --to "10.0.0.0/ 8"',
  '-t nat -A PREROUTING -j NETMAP --to 1.2.3.4/255.255.255.0x0',
  '-t nat -A PREROUTING -j NETMAP --to localhost/24',
  '-t nat -A PREROUTING -j NETMAP --to 1.2.3',
  '-t nat -A PREROUTING -j NETMAP --to 010.0.0.0/8',
  '-t nat -A PREROUTING -j NETMAP --to 0x7f.1',
  '-t nat -A PREROUTING -j NETMAP --to 4294967295',
  '-t nat -A PREROUTING -j NETMAP --to 4294967296',
  '-t nat -A PREROUTING -j NETMAP --to 1.2.3.256',
  '-t nat -A PREROUTING -j NETMAP --to 09.1.2.3',
  '-t nat -A PREROUTING -j NETMAP --to "1.2.3.4 "',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/',
  '-t nat -A PREROUTING -j NETMAP --to 10.0.0.0/abc',
  '-t nat -A PREROUTING -j NETMAP --to 1.2.3.4/8/9',
  '-t nat -A PREROUTING -j NETMAP --to fd00::1',
  '-t nat -A PREROUTING -j NETMAP ! --to 1.2.3.0/24',
  '-t nat -A PREROUTING -j NETMAP --to 1.2.3.0/24 --to 1.2.3.0/24',
  '-t nat -A INPUT -j NETMAP --to 1.2.3.0/24',
  '-t nat -A OUTPUT -j NETMAP --to 1.2.3.0/24',
  '-t nat -A POSTROUTING -s 10.0.0.0/8 -j NETMAP --to 1.2.3.0/24',
  '-t mangle -A PREROUTING -j NETMAP --to 1.2.3.0/24',
  '-A FORWARD -j NETMAP --to 1.2.3.0/24',
  '-t nat -D PREROUTING -j NETMAP --to 10.9.9.9/8',
];

const V6 = [
  ...COMMON,
  '-t nat -A PREROUTING -j NETMAP --to fd00::/64',
  '-t nat -A PREROUTING -j NETMAP --to fd00::1/64',
  '-t nat -A PREROUTING -j NETMAP --to fd00::1',
  '-t nat -A PREROUTING -j NETMAP --to ::/0',
  '-t nat -A PREROUTING -j NETMAP --to fd00::/ffff:ffff::',
  '-t nat -A PREROUTING -j NETMAP --to fd00::/ffff::ffff',
  '-t nat -A PREROUTING -j NETMAP --to fd00::1/129',
  '-t nat -A PREROUTING -j NETMAP --to fd00::1/0x40',
  '-t nat -A PREROUTING -j NETMAP --to 1.2.3.4/24',
  '-t nat -A PREROUTING -j NETMAP --to fd00::g/64',
  '-t nat -A INPUT -j NETMAP --to fd00::/64',
  '-t nat -A OUTPUT -j NETMAP --to 2001:db8::/48',
  '-t nat -A POSTROUTING -j NETMAP --to 2001:db8::/48',
  '-t filter -A INPUT -j NETMAP --to fd00::/64',
];

test('NETMAP target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [V4]);
});

test('NETMAP target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [V6]);
});
