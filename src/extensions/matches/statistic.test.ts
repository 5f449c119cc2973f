import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m statistic --mode random --probability 0.5 -j DROP',
  '-A INPUT -m statistic --mode random ! --probability 0.123456789012',
  '-A INPUT -m statistic --mode random --probability 1',
  '-A INPUT -m statistic --mode random --probability 0',
  '-A INPUT -m statistic --mode random --probability 1e-1',
  '-A INPUT -m statistic --mode random --probability .000244140625',
  '-A INPUT -m statistic --mode random --probability 0.33',
  '-A INPUT -m statistic --mode nth --every 3 --packet 2',
  '-A INPUT -m statistic --mode nth ! --every 3 --packet 0',
  '-A INPUT -m statistic --mode nth --every 1 --packet 0',
  '-A INPUT -m statistic --mode nth --every 4294967295 --packet 7',
  '-A INPUT -m statistic --mode nth --packet 1 --every 0x10',
  '-t nat -A PREROUTING -p tcp -m statistic --mode nth --every 2 --packet 1 -j ACCEPT',
  // parameter problems
  '-A INPUT -m statistic',
  '-A INPUT -m statistic --mode nth --every 3',
  '-A INPUT -m statistic ! --mode random --probability 0.5',
  '-A INPUT -m statistic --mode random --probability 1.5',
  '-A INPUT -m statistic --mode random --probability -0.5',
  '-A INPUT -m statistic --mode random --probability x',
  '-A INPUT -m statistic --mode random',
  '-A INPUT -m statistic --mode nth',
  '-A INPUT -m statistic --mode nth --packet 1',
  '-A INPUT -m statistic --mode nth --every 3 --packet 3',
  '-A INPUT -m statistic --mode nth --every 0 --packet 0',
  '-A INPUT -m statistic --mode foo',
  '-A INPUT -m statistic --mode Random --probability 0.5',
  '-A INPUT -m statistic --probability 0.5',
  '-A INPUT -m statistic --mode random --every 2',
  '-A INPUT -m statistic --mode nth --probability 0.5',
  '-A INPUT -m statistic --mode nth --every 2 ! --packet 1',
  '-A INPUT -m statistic --mode random --probability 0.5 --mode nth',
  '-A INPUT -m statistic --every 2 --packet 1 --mode random --probability 0.1',
  '-A INPUT -m statistic --mode nth --every 2 --packet 1 --probability 0.1',
  '-D INPUT -m statistic --mode random --probability 0.5 -j DROP',
];

test('statistic match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('statistic match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
