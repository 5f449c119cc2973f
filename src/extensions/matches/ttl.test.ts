import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m ttl --ttl-eq 64 -j ACCEPT',
  '-A INPUT -m ttl ! --ttl-eq 1 -j ACCEPT',
  '-A INPUT -m ttl --ttl-lt 10 -j ACCEPT',
  '-A INPUT -m ttl --ttl-gt 250 -j ACCEPT',
  '-A INPUT -m ttl --ttl-lt 0 -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 0x10 -j ACCEPT',
  '-A INPUT -m ttl ! --ttl-lt 5 -j ACCEPT',
  '-A INPUT -m ttl ! --ttl-gt 5 -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 256 -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq x -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 1 --ttl-lt 2 -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 1 --ttl-gt 2 -j ACCEPT',
  '-A INPUT -m ttl --ttl-lt 1 --ttl-gt 2 -j ACCEPT',
  '-A INPUT -m ttl --ttl-gt 1 --ttl-lt 2 -j ACCEPT',
  '-A INPUT -m ttl --ttl-gt 1 --ttl-eq 2 -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 1 --ttl-eq 2 -j ACCEPT',
  '-A INPUT -m ttl --ttl-eq 1 --ttl-lt 999 -j ACCEPT',
  '-A INPUT -m ttl -j ACCEPT',
  '-A INPUT -m hl --hl-eq 1 -j ACCEPT',
];

test('ttl match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});
