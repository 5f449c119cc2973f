import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p tcp -m tcpmss --mss 1400 -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss ! --mss 1:500 -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss --mss 500: -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss --mss :500 -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss --mss 9:8 -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss --mss 70000 -j ACCEPT',
  '-A INPUT -p tcp -m tcpmss --mss 1 --mss 2 -j ACCEPT',
  '-A INPUT -m tcpmss --mss 1400 -j ACCEPT',
  '-A INPUT -p udp -m tcpmss --mss 5 -j ACCEPT',
  '-A INPUT ! -p tcp -m tcpmss --mss 5 -j ACCEPT',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -m tcpmss --mss 1400:65535 -j ACCEPT',
];

test('tcpmss match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('tcpmss match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
