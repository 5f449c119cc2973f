import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t raw -A PREROUTING -m rpfilter -j DROP',
  '-t raw -A PREROUTING -m rpfilter --invert -j DROP',
  '-t raw -A PREROUTING -m rpfilter --invert --accept-local --validmark --loose',
  '-t mangle -A PREROUTING -m rpfilter --loose',
  '-t mangle -A PREROUTING -m rpfilter --validmark --accept-local',
  '-t raw -A PREROUTING -m rpfilter --inv',
  // user chains: fine when reached only from PREROUTING, refused otherwise
  '-t raw -N RPF',
  '-t raw -A RPF -m rpfilter --loose -j DROP',
  '-t raw -A PREROUTING -j RPF',
  '-t raw -A OUTPUT -j RPF',
  '-t mangle -N M',
  '-t mangle -A M -m rpfilter',
  '-t mangle -A FORWARD -j M',
  '-t mangle -A PREROUTING -j M',
  // wrong table or hook
  '-A INPUT -m rpfilter',
  '-t mangle -A INPUT -m rpfilter',
  '-t raw -A OUTPUT -m rpfilter',
  '-t nat -A PREROUTING -m rpfilter',
  // parameter problems
  '-t mangle -A PREROUTING -m rpfilter --loose --loose',
  '-t raw -A PREROUTING -m rpfilter ! --loose',
  '-t raw -A PREROUTING -m rpfilter ! --invert',
  '-t raw -A PREROUTING -m rpfilter --strict',
  '-t raw -D PREROUTING -m rpfilter -j DROP',
];

test('rpfilter match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('rpfilter match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
