import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m helper --helper ftp -j ACCEPT',
  '-A INPUT -m helper ! --helper "sip 2"',
  '-A INPUT -m helper --helper ""',
  '-A INPUT -m helper --helper abcdefghijklmnopqrstuvwxyz0123456789',
  '-A INPUT -m helper --helper abcdefghijklmnopqrstuvwxyz012',
  '-A INPUT -m helper --helper ftp-21',
  '-A FORWARD -m helper --helper irc -j ACCEPT',
  '-t raw -A OUTPUT -m helper --helper tftp',
  // parameter problems
  '-A INPUT -m helper',
  '-A INPUT -m helper --helper a --helper b',
  '-A INPUT -m helper ! ! --helper a',
  '-A INPUT -m helper --helper',
  '-D INPUT -m helper --helper ftp -j ACCEPT',
];

test('helper match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('helper match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
