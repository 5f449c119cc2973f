import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m addrtype --src-type LOCAL -j ACCEPT',
  '-A INPUT -m addrtype ! --dst-type UNICAST,multicast -j ACCEPT',
  '-A INPUT -m addrtype --src-type LOCAL --limit-iface-in -j ACCEPT',
  '-A INPUT -m addrtype ! --src-type local ! --dst-type anycast,local -j ACCEPT',
  '-A INPUT -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT',
  '-A OUTPUT -m addrtype --src-type LOCAL --limit-iface-out -j ACCEPT',
  '-A OUTPUT -m addrtype --src-type LOCAL --limit-iface-in -j ACCEPT',
  '-A FORWARD -m addrtype --src-type LOCAL --limit-iface-in -j ACCEPT',
  '-t nat -A POSTROUTING -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT',
  '-N X',
  '-A X -m addrtype --src-type LOCAL --limit-iface-out -j ACCEPT',
  '-A OUTPUT -j X',
  '-A INPUT -j X',
  '-A INPUT -m addrtype --dst-type BLACKHOLE,UNREACHABLE,PROHIBIT,THROW,NAT,XRESOLVE,UNSPEC,ANYCAST -j ACCEPT',
  '-A INPUT -m addrtype --dst-type BROADCAST -j ACCEPT',
  '-A INPUT -m addrtype --src-type THROW -j ACCEPT',
  '-A INPUT -m addrtype --src-type UNREACHABLE,ANYCAST,UNSPEC -j ACCEPT',
  '-A INPUT -m addrtype --dst-type XRESOLVE -j ACCEPT',
  '-A INPUT -m addrtype --src-type FOO -j ACCEPT',
  '-A INPUT -m addrtype --src-type LOCAL --limit-iface-in --limit-iface-out -j ACCEPT',
  '-A INPUT -m addrtype -j ACCEPT',
  '-A INPUT -m addrtype --limit-iface-in -j ACCEPT',
  '-A INPUT -m addrtype --src-type "" -j ACCEPT',
  '-A INPUT -m addrtype --src-type LOCAL, -j ACCEPT',
  '-A INPUT -m addrtype --src-type LOCAL --src-type LOCAL -j ACCEPT',
  '-A INPUT -m addrtype ! --limit-iface-in --src-type LOCAL -j ACCEPT',
];

test('addrtype match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('addrtype match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
