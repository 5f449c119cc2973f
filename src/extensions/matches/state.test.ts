import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m state --state NEW -j ACCEPT',
  '-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT',
  '-A INPUT -m state --state UNTRACKED,INVALID,NEW,RELATED,ESTABLISHED',
  '-A INPUT -m state ! --state INVALID -j DROP',
  // any case-insensitive prefix of a state name is accepted
  '-A INPUT -m state --state n,E,rel,u,i -j ACCEPT',
  '-A FORWARD -m state --state established -j ACCEPT',
  '-A OUTPUT -m state --sta NEW',
  '-A INPUT -p tcp --dport 22 -m state --state NEW -j ACCEPT',
  // failures
  '-A INPUT -m state --state NEW --state ESTABLISHED',
  '-A INPUT -m state --state NEW,,ESTABLISHED',
  '-A INPUT -m state --state NEW,',
  '-A INPUT -m state --state ""',
  '-A INPUT -m state --state NEWX',
  '-A INPUT -m state --state SNAT',
  '-A INPUT -m state --state bogus,NEW',
  '-A INPUT -m state',
  '-A INPUT -m state --state',
  '-A INPUT -m state ! ! --state NEW',
  '-t raw -A PREROUTING -m state --state NEW',
  '-t mangle -A POSTROUTING -m state ! --state RELATED,UNTRACKED',
  '-t nat -A OUTPUT -m state --state NEW',
  '-D INPUT -m state --state NEW -j ACCEPT',
  '-C INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT',
];

test('state match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('state match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
