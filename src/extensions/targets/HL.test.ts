import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A PREROUTING -j HL --hl-set 64',
  '-t mangle -A FORWARD -j HL --hl-dec 1',
  '-t mangle -A POSTROUTING -j HL --hl-inc 255',
  '-t mangle -A OUTPUT -j HL --hl-set 0',
  '-t mangle -A INPUT -j HL --hl-set 0x40',
  '-t mangle -A PREROUTING -j HL --hl-dec 0',
  '-t mangle -A PREROUTING -j HL --hl-inc 0',
  '-t mangle -A PREROUTING -j HL --hl-set 256',
  '-t mangle -A PREROUTING -j HL ! --hl-inc 1',
  '-t mangle -A PREROUTING -j HL',
  '-t mangle -A PREROUTING -j HL --hl-set 3 --hl-inc 4',
  '-t mangle -A PREROUTING -j HL --hl-dec 3 --hl-inc 4',
  '-t mangle -A PREROUTING -j HL --hl-set 3 --hl-inc 4 --hl-dec 1',
  '-t mangle -A PREROUTING -j HL --hl-dec 3 --hl-dec 4',
  '-t mangle -A PREROUTING -j HL --ttl-set 3',
  '-t filter -A INPUT -j HL --hl-inc 2',
  '-t raw -A OUTPUT -j HL --hl-inc 2',
  '-t mangle -D FORWARD -j HL --hl-dec 1',
];

test('HL target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});

test('HL target does not exist in iptables', (t) => {
  assertSameAsKernel(t, 4, [['-t mangle -A PREROUTING -j HL --hl-set 64', '-t mangle -N HL']]);
});
