import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m time',
  '-A INPUT -m time --timestart 08:00 --timestop 17:30:15 --weekdays Mon,Tu,5 --monthdays 1,2,3,22,31 --kerneltz',
  '-A INPUT -m time --datestart 2020-01-02T03:04:05 --datestop 2030',
  '-A INPUT -m time ! --weekdays Sat,Sun ! --monthdays 11,12,13,21',
  '-A INPUT -m time --timestart 22:00 --timestop 06:00 --contiguous',
  '-A INPUT -m time --timestart 00:00:00 --timestop 23:59:59',
  '-A INPUT -m time --timestart 1:2:3',
  '-A INPUT -m time --utc --weekdays Monday,Friday',
  '-A INPUT -m time --weekdays 8',
  '-A INPUT -m time --weekdays 7,6,0x1',
  '-A INPUT -m time --monthdays 0',
  '-A INPUT -m time --monthdays 100,31',
  '-A INPUT -m time --monthdays 1,,2',
  '-A INPUT -m time --weekdays Mon,',
  '-A INPUT -m time --datestop 2038-12-31',
  '-A INPUT -m time --datestart 1970 --datestop 1970-01-01T00:00:01',
  '-A INPUT -m time --datestart 2021-02-30T25',
  '-A INPUT -m time --datestart 2021-02-30',
  '-A INPUT -m time --datestart 2021-00-00',
  '-A INPUT -m time --monthdays ""',
  // parameter problems
  '-A INPUT -m time --monthdays 0x1f',
  '-A INPUT -m time --monthdays 08',
  '-A INPUT -m time --timestart 06:00 --timestop 22:00 --contiguous',
  '-A INPUT -m time --contiguous',
  '-A INPUT -m time --utc --kerneltz',
  '-A INPUT -m time --kerneltz --utc',
  '-A INPUT -m time --localtz --timestart 01:00',
  '-A INPUT -m time --localtz --utc',
  '-A INPUT -m time --utc --localtz',
  '-A INPUT -m time --weekdays 0',
  '-A INPUT -m time --weekdays Mon,,Tue',
  '-A INPUT -m time --weekdays Xyz',
  '-A INPUT -m time --weekdays mon',
  '-A INPUT -m time --monthdays 32',
  '-A INPUT -m time --timestart 24:00',
  '-A INPUT -m time --timestart 8',
  '-A INPUT -m time --timestart 08:60',
  '-A INPUT -m time --timestop 08:00:61',
  '-A INPUT -m time --datestart 1969',
  '-A INPUT -m time --datestart 2039',
  '-A INPUT -m time --datestart 2020-13',
  '-A INPUT -m time --datestart 2020-01-01X',
  '-A INPUT -m time ! --timestart 01:00',
  '-A INPUT -m time --weekdays Mon --weekdays Tue',
  '-D INPUT -m time',
];

test('time match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('time match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
