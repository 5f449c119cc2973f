import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m mark --mark 1 -j ACCEPT',
  '-A INPUT -m mark ! --mark 0x10/0xff -j ACCEPT',
  '-A INPUT -m mark --mark 0xffffffff/0xffffffff -j ACCEPT',
  '-A INPUT -m mark --mark 5/0 -j ACCEPT',
  '-A INPUT -m mark --mark 010 -j ACCEPT',
  '-A INPUT -m mark --mark " 7/ 8" -j ACCEPT',
  '-A INPUT -m mark --mark 0 -j ACCEPT',
  '-A INPUT -m mark --mark 0XAB/0Xf0 -j ACCEPT',
  '-A INPUT -m mark --mark 4294967295/4294967294 -j ACCEPT',
  '-A INPUT -m mark --mark 4294967296 -j ACCEPT',
  '-A INPUT -m mark --mark 1/4294967296 -j ACCEPT',
  '-A INPUT -m mark --mark 1/ -j ACCEPT',
  '-A INPUT -m mark --mark /1 -j ACCEPT',
  '-A INPUT -m mark --mark x -j ACCEPT',
  '-A INPUT -m mark --mark 1x -j ACCEPT',
  '-A INPUT -m mark --mark 1/2/3 -j ACCEPT',
  '-A INPUT -m mark --mark -1 -j ACCEPT',
  '-A INPUT -m mark --mark "" -j ACCEPT',
  '-A INPUT -m mark --mark 1 --mark 2 -j ACCEPT',
  '-A INPUT -m mark -j ACCEPT',
  '-A INPUT -m mark --mark 1 -m mark ! --mark 2 -j ACCEPT',
  '-t mangle -A PREROUTING -m mark --mark 0x1/0x1 -j ACCEPT',
  '-D INPUT -m mark --mark 0x1 -j ACCEPT',
];

test('mark match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('mark match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
