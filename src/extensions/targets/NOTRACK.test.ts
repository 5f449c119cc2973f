import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

/*
 * -L shows "CT" in the target column (the kernel's name for NOTRACK) while
 * -S keeps "-j NOTRACK"; the rules left at the end check both.
 */
const LINES = [
  '-t raw -A PREROUTING -j NOTRACK',
  '-t raw -A OUTPUT -p udp --dport 53 -j NOTRACK',
  '-t raw -C PREROUTING -j NOTRACK',
  // The alias is a distinct rule from CT --notrack (it carries an alias flag):
  // deleting one leaves the other; -D/-C of a missing one fails on the target lookup.
  '-t raw -I PREROUTING -j CT --notrack',
  '-t raw -D PREROUTING -j NOTRACK',
  '-t raw -D OUTPUT -p udp --dport 53 -j NOTRACK',
  '-t raw -A OUTPUT -j NOTRACK --notrack',
  '-t raw -A OUTPUT -j NOTRACK --helper ftp',
  '-t mangle -A PREROUTING -j NOTRACK',
  '-t filter -A INPUT -j NOTRACK',
  '-t raw -N N',
  '-t raw -A N -j NOTRACK',
  '-t raw -A OUTPUT -j N',
  '-t raw -D N -j NOTRACK',
  '-t raw -D N -j NOTRACK',
  '-t raw -C OUTPUT -j NOTRACK',
  '-t raw -A PREROUTING -i eth0 -j NOTRACK',
  '-t raw -A N -p tcp -j NOTRACK',
];

test('NOTRACK target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('NOTRACK target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
