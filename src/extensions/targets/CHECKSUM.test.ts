import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A POSTROUTING -p udp --dport 68 -j CHECKSUM --checksum-fill',
  '-t mangle -A PREROUTING -j CHECKSUM --checksum-fill',
  '-t mangle -A PREROUTING -j CHECKSUM',
  '-t mangle -A PREROUTING -j CHECKSUM ! --checksum-fill',
  '-t mangle -A PREROUTING -j CHECKSUM --checksum-fill --checksum-fill',
  '-t mangle -A PREROUTING -j CHECKSUM --checksum',
  '-t filter -A INPUT -j CHECKSUM --checksum-fill',
  '-t raw -A OUTPUT -j CHECKSUM --checksum-fill',
  '-t mangle -D PREROUTING -j CHECKSUM --checksum-fill',
];

test('CHECKSUM target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('CHECKSUM target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
