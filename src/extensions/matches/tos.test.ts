import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m tos --tos Minimize-Delay -j ACCEPT',
  '-A INPUT -m tos ! --tos 0x10/0x3f -j ACCEPT',
  '-A INPUT -m tos --tos normal-service -j ACCEPT',
  '-A INPUT -m tos --tos 0x08 -j ACCEPT',
  '-A INPUT -m tos --tos 5/0xff -j ACCEPT',
  '-A INPUT -m tos --tos Maximize-Throughput -j ACCEPT',
  '-A INPUT -m tos --tos maximize-reliability -j ACCEPT',
  '-A INPUT -m tos --tos 0x01/0x3f -j ACCEPT',
  '-A INPUT -m tos ! --tos minimize-cost -j ACCEPT',
  '-A INPUT -m tos --tos " 5" -j ACCEPT',
  '-A INPUT -m tos --tos 256 -j ACCEPT',
  '-A INPUT -m tos --tos foo -j ACCEPT',
  '-A INPUT -m tos --tos 0x10/ -j ACCEPT',
  '-A INPUT -m tos --tos 5x -j ACCEPT',
  '-A INPUT -m tos --tos 0x10/0x100 -j ACCEPT',
  '-A INPUT -m tos --tos "" -j ACCEPT',
  '-A INPUT -m tos -j ACCEPT',
  '-A INPUT -m tos --tos 1 --tos 2 -j ACCEPT',
];

test('tos match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('tos match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
