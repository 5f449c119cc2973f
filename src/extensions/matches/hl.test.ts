import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m hl --hl-eq 64 -j ACCEPT',
  '-A INPUT -m hl ! --hl-eq 1 -j ACCEPT',
  '-A INPUT -m hl --hl-lt 10 -j ACCEPT',
  '-A INPUT -m hl --hl-gt 250 -j ACCEPT',
  '-A INPUT -m hl --hl-eq 0x10 -j ACCEPT',
  '-A INPUT -m hl ! --hl-lt 5 -j ACCEPT',
  '-A INPUT -m hl --hl-eq 256 -j ACCEPT',
  '-A INPUT -m hl --hl-eq 1 --hl-lt 2 -j ACCEPT',
  '-A INPUT -m hl --hl-lt 1 --hl-gt 2 -j ACCEPT',
  '-A INPUT -m hl --hl-gt 1 --hl-eq 2 -j ACCEPT',
  '-A INPUT -m hl -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 1 -j ACCEPT',
];

test('hl match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
