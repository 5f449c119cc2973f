import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m limit',
  '-A INPUT -m limit --limit 3/hour --limit-burst 5 -j ACCEPT',
  '-A INPUT -m limit --limit 5/sec -j LOG',
  '-A INPUT -m limit --limit 10/minute --limit-burst 20',
  '-A INPUT -m limit --limit 60/minute',
  '-A INPUT -m limit --limit 1/day',
  '-A INPUT -m limit --limit 7/h',
  '-A INPUT -m limit --limit 2/S',
  '-A INPUT -m limit --limit 100',
  '-A INPUT -m limit --limit 3x/min',
  '-A INPUT -m limit --limit 9999/sec',
  '-A INPUT -m limit --limit 10000/sec',
  '-A INPUT -m limit --limit 7/day',
  '-A INPUT -m limit --limit 1000/hour',
  '-A INPUT -m limit --limit 25/minute --limit-burst 100',
  '-A INPUT -m limit --limit-burst 10000',
  '-A INPUT -m limit --limit-burst 0x10',
  '-A INPUT -m limit --limit 1/sec --limit-burst 10000',
  '-A INPUT -m limit --limit 1/day --limit-burst 10000',
  '-A INPUT -m limit --limit 1/hour --limit-burst 5000',
  // failures
  '-A INPUT -m limit --limit 10001/sec',
  '-A INPUT -m limit --limit-burst 0',
  '-A INPUT -m limit --limit-burst 10001',
  '-A INPUT -m limit --limit 0/sec',
  '-A INPUT -m limit --limit -1/sec',
  '-A INPUT -m limit --limit 3/week',
  '-A INPUT -m limit --limit 3/',
  '-A INPUT -m limit --limit foo',
  '-A INPUT -m limit ! --limit 3/sec',
  '-A INPUT -m limit ! --limit-burst 3',
  '-A INPUT -m limit --limit 1/sec --limit 2/sec',
  '-A INPUT -m limit --limit-burst 1 --limit-burst 2',
  '-D INPUT -m limit --limit 5/sec -j LOG',
];

test('limit match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('limit match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
