import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m length --length 100 -j ACCEPT',
  '-A INPUT -m length ! --length 10:1500 -j ACCEPT',
  '-A INPUT -m length --length :100 -j ACCEPT',
  '-A INPUT -m length --length 100: -j ACCEPT',
  '-A INPUT -m length --length 5:4 -j ACCEPT',
  '-A INPUT -m length --length 0:65535 -j ACCEPT',
  '-A INPUT -m length --length 0x10:010 -j ACCEPT',
  '-A INPUT -m length --length 65536 -j ACCEPT',
  '-A INPUT -m length --length 1:2:3 -j ACCEPT',
  '-A INPUT -m length --length 1:: -j ACCEPT',
  '-A INPUT -m length --length x -j ACCEPT',
  '-A INPUT -m length --length 1x -j ACCEPT',
  '-A INPUT -m length --length -1 -j ACCEPT',
  '-A INPUT -m length -j ACCEPT',
  '-A INPUT -m length --length 1 --length 2 -j ACCEPT',
  '-D INPUT -m length --length 100 -j ACCEPT',
];

test('length match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('length match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
