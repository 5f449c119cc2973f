import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac ! --mac-source aa:BB:cc:dd:ee:ff -j ACCEPT',
  '-A FORWARD -m mac --mac-source 0:1:2:3:4:5 -j ACCEPT',
  '-A INPUT -m mac --mac-source :11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac --mac-source 1:2:3:4:5: -j ACCEPT',
  '-A INPUT -m mac --mac-source " 1:11:22:33:44:55" -j ACCEPT',
  '-A INPUT -m mac --mac-source -1:11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac --mac-source 00:11:22:33:44 -j ACCEPT',
  '-A INPUT -m mac --mac-source 00:11:22:33:44:55:66 -j ACCEPT',
  '-A INPUT -m mac --mac-source 000:11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac --mac-source 00-11-22-33-44-55 -j ACCEPT',
  '-A INPUT -m mac --mac-source gg:11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac --mac-source 0x1:11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac --mac-source 0x:11:22:33:44:55 -j ACCEPT',
  '-A INPUT -m mac --mac-source "" -j ACCEPT',
  '-A INPUT -m mac --mac-source 1:2:3:4:5:6 --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-A INPUT -m mac -j ACCEPT',
  '-A OUTPUT -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-N X',
  '-A X -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-A INPUT -j X',
  '-A OUTPUT -j X',
  '-t nat -A POSTROUTING -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-t nat -A PREROUTING -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-t nat -A INPUT -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-t mangle -A PREROUTING -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-t raw -A OUTPUT -m mac --mac-source 1:2:3:4:5:6 -j ACCEPT',
  '-D INPUT -m mac --mac-source 00:11:22:33:44:55 -j ACCEPT',
];

test('mac match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('mac match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
