import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LONG = 'x'.repeat(300);
const LINES = [
  '-A INPUT -m comment --comment hello -j ACCEPT',
  '-A INPUT -p tcp --dport 22 -m comment --comment "allow ssh" -j ACCEPT',
  '-A INPUT -m comment --comment "" -j ACCEPT',
  '-A INPUT -m comment --comment "a \\"b\\" c\\\\d\'e" -j ACCEPT',
  '-A INPUT -m comment --comment "*/ x" -j ACCEPT',
  '-A INPUT -m comment --comment a$b`c -j ACCEPT',
  '-A INPUT -m comment --comment under_score-dash09 -j ACCEPT',
  '-A INPUT -m comment --comment "tab\there" -j ACCEPT',
  `-A INPUT -m comment --comment ${LONG} -j ACCEPT`,
  `-A INPUT -m comment --comment ${'y'.repeat(255)} -j ACCEPT`,
  '-A INPUT -m comment --comment "é ü" -j ACCEPT',
  '-A INPUT -m comment --comment one -m comment --comment two -j ACCEPT',
  '-A INPUT -m comment ! --comment x -j ACCEPT',
  '-A INPUT -m comment -j ACCEPT',
  '-A INPUT -m comment --comment a --comment b -j ACCEPT',
  '-A INPUT -m comment --comment -j ACCEPT',
  '-A INPUT -m comment --com short -j ACCEPT',
  '-D INPUT -m comment --comment hello -j ACCEPT',
];

test('comment match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('comment match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
