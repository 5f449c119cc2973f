import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t raw -A PREROUTING -j TRACE',
  '-t raw -A OUTPUT -p tcp --dport 80 -j TRACE',
  '-t raw -A OUTPUT -j TRACE --foo',
  '-t raw -A OUTPUT -j TRACE x',
  '-t mangle -A PREROUTING -j TRACE',
  '-t filter -A INPUT -j TRACE',
  '-t nat -A OUTPUT -j TRACE',
  '-t raw -N T',
  '-t raw -A T -j TRACE',
  '-t raw -A PREROUTING -j T',
  '-t raw -D OUTPUT -p tcp --dport 80 -j TRACE',
  '-t raw -C PREROUTING -j TRACE',
];

test('TRACE target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('TRACE target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
