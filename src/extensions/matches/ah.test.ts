import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const V4 = [
  '-A INPUT -p ah --ahspi 5 -j ACCEPT',
  '-A INPUT -p ah ! --ahspi 5:',
  '-A INPUT -p ah --ahspi 10:5',
  '-A INPUT -p ah -m ah',
  '-A INPUT -p ah ! --ahspi 0:4294967295',
  '-A INPUT -p 51 --ahspi 0x20',
  // kernel: needs -p ah
  '-A INPUT -m ah --ahspi 3',
  '-A INPUT ! -p ah -m ah',
  // parameter problems: --ahlen/--ahres exist only for IPv6
  '-A INPUT -p ah --ahlen 5',
  '-A INPUT -p ah --ahres',
  '-A INPUT -p ah --ahspi x',
  '-A INPUT -p ah --ahspi 1:2:3',
  '-A INPUT -p ah --ahspi 1 --ahspi 1',
  '-D INPUT -p ah --ahspi 5 -j ACCEPT',
];

// "-p ah" with ip6tables prints a "never matched protocol" warning (see report), so -m ah alone.
const V6 = [
  '-A INPUT -m ah --ahspi 5 -j ACCEPT',
  '-A INPUT -m ah ! --ahspi 5: ! --ahlen 3 --ahres',
  '-A INPUT -m ah --ahlen 0',
  '-A INPUT -m ah ! --ahlen 0',
  '-A INPUT -m ah',
  '-A INPUT -m ah --ahlen 256 --ahspi 7:9',
  '-A INPUT -m ah --ahres',
  '-A INPUT -m ah ! --ahspi 0:4294967295 --ahres',
  '-A OUTPUT -p tcp -m ah --ahspi 1',
  // parameter problems
  '-A INPUT -m ah --ahres --ahres',
  '-A INPUT -m ah ! --ahres',
  '-A INPUT -m ah --ahlen x',
  '-A INPUT -m ah --ahlen 4294967296',
  '-A INPUT -m ah --ahlen 1:2',
  '-A INPUT -m ah --ahspi 1:2:3',
  '-D INPUT -m ah --ahspi 5 -j ACCEPT',
];

test('ah match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [V4]);
});

test('ah match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [V6]);
});
