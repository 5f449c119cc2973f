import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m dscp --dscp 10 -j ACCEPT',
  '-A INPUT -m dscp ! --dscp 0x3f -j ACCEPT',
  '-A INPUT -m dscp --dscp 64 -j ACCEPT',
  '-A INPUT -m dscp --dscp-class EF -j ACCEPT',
  '-A INPUT -m dscp --dscp-class af11 -j ACCEPT',
  '-A INPUT -m dscp ! --dscp-class cs0 -j ACCEPT',
  '-A INPUT -m dscp --dscp-class BE -j ACCEPT',
  '-A INPUT -m dscp --dscp-class CS7 -j ACCEPT',
  '-A INPUT -m dscp --dscp-class xx -j ACCEPT',
  '-A INPUT -m dscp --dscp-class CS8 -j ACCEPT',
  '-A INPUT -m dscp --dscp 1 --dscp-class EF -j ACCEPT',
  '-A INPUT -m dscp --dscp-class EF --dscp 1 -j ACCEPT',
  '-A INPUT -m dscp --dscp-class EF --dscp-class EF -j ACCEPT',
  '-A INPUT -m dscp -j ACCEPT',
  '-A INPUT -m dscp --dscp 1 --dscp 2 -j ACCEPT',
];

test('dscp match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('dscp match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
