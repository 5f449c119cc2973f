import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A PREROUTING -j TTL --ttl-set 64',
  '-t mangle -A FORWARD -j TTL --ttl-dec 1',
  '-t mangle -A POSTROUTING -j TTL --ttl-inc 255',
  '-t mangle -A OUTPUT -j TTL --ttl-set 0',
  '-t mangle -A INPUT -j TTL --ttl-set 0x40',
  '-t mangle -A PREROUTING -j TTL --ttl-dec 0',
  '-t mangle -A PREROUTING -j TTL --ttl-inc 0',
  '-t mangle -A PREROUTING -j TTL --ttl-set 256',
  '-t mangle -A PREROUTING -j TTL --ttl-set x',
  '-t mangle -A PREROUTING -j TTL ! --ttl-set 1',
  '-t mangle -A PREROUTING -j TTL',
  '-t mangle -A PREROUTING -j TTL --ttl-set 3 --ttl-inc 4',
  '-t mangle -A PREROUTING -j TTL --ttl-inc 3 --ttl-set 4',
  '-t mangle -A PREROUTING -j TTL --ttl-dec 3 --ttl-inc 4',
  '-t mangle -A PREROUTING -j TTL --ttl-dec 3 --ttl-inc 4 --ttl-set 5',
  '-t mangle -A PREROUTING -j TTL --ttl-set 3 --ttl-set 4',
  '-t mangle -A PREROUTING -j TTL --ttl 3',
  '-t mangle -A PREROUTING -j TTL --hl-set 3',
  '-t filter -A INPUT -j TTL --ttl-set 1',
  '-t raw -A PREROUTING -j TTL --ttl-set 1',
  '-t nat -A PREROUTING -j TTL --ttl-set 1',
  '-t mangle -D PREROUTING -j TTL --ttl-set 64',
];

test('TTL target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('TTL target does not exist in ip6tables', (t) => {
  assertSameAsKernel(t, 6, [['-t mangle -A PREROUTING -j TTL --ttl-set 64', '-t mangle -N TTL']]);
});
