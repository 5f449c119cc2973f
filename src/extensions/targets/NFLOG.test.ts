import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

/*
 * --nflog-range prints a deprecation warning on stderr, with exit status 0
 * when it succeeds and before the error when it conflicts with --nflog-size.
 */
const LINES = [
  '-A INPUT -j NFLOG --nflog-range 50',
  '-A INPUT -j NFLOG --nflog-range 0 --nflog-group 3',
  '-A INPUT -j NFLOG',
  '-A INPUT -j NFLOG --nflog-group 5 --nflog-prefix "a b" --nflog-size 100 --nflog-threshold 10',
  '-A INPUT -j NFLOG --nflog-threshold 3 --nflog-size 7 --nflog-prefix x --nflog-group 2',
  '-A INPUT -j NFLOG --nflog-group 0 --nflog-size 0 --nflog-threshold 1',
  '-A INPUT -j NFLOG --nflog-group 65535',
  '-A INPUT -j NFLOG --nflog-group 65536',
  '-A INPUT -j NFLOG --nflog-group 0x20',
  '-A INPUT -j NFLOG --nflog-group x',
  '-A INPUT -j NFLOG --nflog-threshold 0',
  '-A INPUT -j NFLOG --nflog-threshold 65535',
  '-A INPUT -j NFLOG --nflog-threshold 65536',
  '-A INPUT -j NFLOG --nflog-size 4294967295',
  '-A INPUT -j NFLOG --nflog-size 4294967296',
  '-A INPUT -j NFLOG --nflog-range 50 --nflog-size 3',
  '-A INPUT -j NFLOG --nflog-prefix ""',
  '-A INPUT -j NFLOG --nflog-prefix "it\'s"',
  '-A INPUT -j NFLOG --nflog-prefix 1234567890123456789012345678901234567890123456789012345678901234',
  '-A INPUT -j NFLOG --nflog-prefix 123456789012345678901234567890123456789012345678901234567890123',
  '-A INPUT -j NFLOG ! --nflog-group 1',
  '-A INPUT -j NFLOG --nflog-group 1 --nflog-group 2',
  '-A INPUT -j NFLOG --nflog-group',
  '-A INPUT -j NFLOG --nflog-g 3',
  '-t mangle -A POSTROUTING -j NFLOG --nflog-group 1',
  '-t raw -A PREROUTING -j NFLOG --nflog-group 1',
  '-t nat -A PREROUTING -j NFLOG',
  '-D INPUT -j NFLOG --nflog-group 5 --nflog-prefix "a b" --nflog-size 100 --nflog-threshold 10',
  '-C INPUT -j NFLOG --nflog-group 0x20',
];

test('NFLOG target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('NFLOG target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
