import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

// Reversed ranges are accepted with a warning on stderr, in the user's spelling.
const LINES4 = [
  '-A INPUT -m iprange --src-range 1.2.3.10-1.2.3.4 -j ACCEPT',
  '-A INPUT -m iprange --dst-range 010.0.0.9-10.0.0.1 -j ACCEPT',
  '-A INPUT -m iprange --src-range 1.2.3.4-1.2.3.10 -j ACCEPT',
  '-A INPUT -m iprange ! --dst-range 10.0.0.0-10.255.255.255 -j DROP',
  '-A INPUT -m iprange --src-range 1.2.3.4 -j DROP',
  '-A INPUT -m iprange --src-range 1.2.3-1.2.4 -j DROP',
  '-A INPUT -m iprange --src-range 0x1.2.3.4-1.2.3.04 -j DROP',
  '-A INPUT -m iprange --src-range 1.1.1.1 ! --dst-range 2.2.2.2-2.2.2.9 -j DROP',
  '-A INPUT -m iprange --dst-range 5.5.5.5-5.5.5.5 --src-range 1.1.1.1-1.1.1.2 -j DROP',
  '-A INPUT -m iprange --src-range 1.2.3.256-1.2.3.4 -j DROP',
  '-A INPUT -m iprange --src-range a-b -j DROP',
  '-A INPUT -m iprange --src-range 1.2.3.4- -j DROP',
  '-A INPUT -m iprange --src-range -1.2.3.4 -j DROP',
  '-A INPUT -m iprange --src-range 1.2.3.4-5.6.7.8-9.9.9.9 -j DROP',
  '-A INPUT -m iprange --src-range localhost -j DROP',
  '-A INPUT -m iprange --src-range ::1 -j DROP',
  '-A INPUT -m iprange --src-range 1.1.1.1 --src-range 2.2.2.2 -j DROP',
  '-A INPUT -m iprange -j DROP',
  '-A INPUT -m iprange --src-range 1.1.1.1 -m iprange --dst-range 2.2.2.2 -j DROP',
  '-D INPUT -m iprange --src-range 1.2.3.4-1.2.3.10 -j ACCEPT',
];

const LINES6 = [
  '-A INPUT -m iprange --src-range ::1-::2 -j ACCEPT',
  '-A INPUT -m iprange ! --src-range 2001:db8::1-2001:db8::ffff ! --dst-range ::ffff:1.2.3.4 -j ACCEPT',
  '-A INPUT -m iprange --dst-range 2001:DB8:0:0:0:0:0:1-2001:db8::1:0:0:1 -j ACCEPT',
  '-A INPUT -m iprange --src-range 1.2.3.4 -j ACCEPT',
  '-A INPUT -m iprange --dst-range fe80::1%eth0 -j ACCEPT',
  '-A INPUT -m iprange --dst-range ::1-::2-::3 -j ACCEPT',
  '-A INPUT -m iprange --dst-range ::1 --dst-range ::2 -j ACCEPT',
  '-A INPUT -m iprange -j ACCEPT',
];

test('iprange match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES4]);
});

test('iprange match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES6]);
});
