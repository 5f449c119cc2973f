import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p esp --espspi 5 -j ACCEPT',
  '-A INPUT -p esp ! --espspi 5:10',
  '-A INPUT -p esp --espspi 10:5',
  '-A INPUT -p esp --espspi :',
  '-A INPUT -p esp --espspi 7:',
  '-A INPUT -p esp --espspi :7',
  '-A INPUT -p esp ! --espspi 0:4294967295',
  '-A INPUT -p esp --espspi 0x10',
  '-A INPUT -p esp -m esp',
  '-A INPUT -p 50 --espspi 7',
  '-A INPUT -p esp -m esp ! --espspi 4294967295',
  // kernel: needs -p esp
  '-A INPUT -m esp --espspi 5',
  '-A INPUT ! -p esp -m esp --espspi 5',
  '-A INPUT -p tcp -m esp --espspi 5',
  // parameter problems
  '-A INPUT -p esp --espspi x',
  '-A INPUT -p esp --espspi 5x',
  '-A INPUT -p esp --espspi 1:2:3',
  '-A INPUT -p esp --espspi 4294967296',
  '-A INPUT -p esp --espspi 1 --espspi 2',
  '-D INPUT -p esp --espspi 5 -j ACCEPT',
];

test('esp match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('esp match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
