import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p tcp -m ecn --ecn-tcp-cwr -j ACCEPT',
  '-A INPUT -p tcp -m ecn ! --ecn-tcp-ece -j ACCEPT',
  '-A INPUT -m ecn --ecn-ip-ect 1 -j ACCEPT',
  '-A INPUT -m ecn ! --ecn-ip-ect 3 -j ACCEPT',
  '-A INPUT -p tcp -m ecn --ecn-tcp-cwr --ecn-tcp-ece --ecn-ip-ect 2 -j ACCEPT',
  '-A INPUT -p tcp -m ecn ! --ecn-tcp-cwr ! --ecn-tcp-ece -j ACCEPT',
  '-A INPUT -m ecn --ecn-tcp-cwr -j ACCEPT',
  '-A INPUT -p udp -m ecn --ecn-tcp-ece -j ACCEPT',
  '-A INPUT ! -p tcp -m ecn --ecn-tcp-ece -j ACCEPT',
  '-A INPUT -m ecn --ecn-ip-ect 4 -j ACCEPT',
  '-A INPUT -m ecn -j ACCEPT',
  '-A INPUT -m ecn --ecn-ip-ect 1 --ecn-ip-ect 2 -j ACCEPT',
  '-A INPUT -p tcp -m ecn --ecn-tcp-cwr --ecn-tcp-cwr -j ACCEPT',
];

test('ecn match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('ecn match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
