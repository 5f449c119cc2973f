import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const COMMON = [
  '-t nat -A POSTROUTING -p tcp -j SNAT',
  '-t nat -A POSTROUTING -p tcp -j SNAT --random --persistent',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :80',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1024-65535 --random-fully',
  '-t nat -A POSTROUTING -p udp -j SNAT --to-source :domain',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :0',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :80x',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :90-80',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :80:90',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :80-90/0',
  // No base port in SNAT's kernel structure: kept as a flag, listed as /0.
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :80-90/100',
  '-t nat -A POSTROUTING -j SNAT --to-source :80',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1 --to-source :2',
  '-t nat -A POSTROUTING -p tcp -j SNAT ! --to-source :1',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1 ! --random-fully',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1 --random --random',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1 --random-fully --random-fully',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1 --persistent --persistent',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source :1 --random=1',
];

const V4 = [
  ...COMMON,
  '-t nat -A POSTROUTING -o eth0 -j SNAT --to-source 1.2.3.4',
  '-t nat -A POSTROUTING -o ppp0 -j SNAT --to 5.6.7.8',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:1024-2048',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4-1.2.3.5:1-2',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:http',
  '-t nat -A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4 --random --random-fully --persistent',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 12:80',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4:80:90',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source [1.2.3.4]',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source localhost',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 01.2.3.4',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4-1.2.3.256',
  '-t nat -A INPUT -j SNAT --to-source 1.2.3.4',
  '-t nat -A OUTPUT -j SNAT --to-source 1.2.3.4',
  '-t nat -A PREROUTING -j SNAT --to-source 1.2.3.4',
  '-t mangle -A POSTROUTING -j SNAT --to-source 1.2.3.4',
  '-t nat -D POSTROUTING -o eth0 -j SNAT --to-source 1.2.3.4',
];

const V6 = [
  ...COMMON,
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source [fd00::1]:80',
  '-t nat -A POSTROUTING -o eth0 -j SNAT --to-source fd00::1',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source [fd00::1-fd00::2]:80-90',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source []:80',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source fd00::1:80',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source 1.2.3.4',
  '-t nat -A POSTROUTING -p tcp -j SNAT --to-source [fd00::1]:0',
  '-t nat -A POSTROUTING -p udp -j SNAT --to-source [fd00::1] --random --random-fully --persistent',
  '-t nat -A POSTROUTING -p udp -j SNAT --to-source [2001:db8:0:0:0:0:0:1]:1-2',
  '-t nat -A INPUT -j SNAT --to-source ::1',
  '-t nat -A OUTPUT -j SNAT --to-source ::1',
  '-t nat -A PREROUTING -j SNAT --to-source ::1',
];

const CHAINS = [
  '-t nat -N S1',
  '-t nat -A S1 -j SNAT --to-source :1',
  '-t nat -A S1 -p udp -j SNAT --to-source :1',
  '-t nat -A POSTROUTING -j S1',
  '-t nat -A INPUT -j S1',
  '-t nat -A OUTPUT -j S1',
  '-t nat -N S2',
  '-t nat -A PREROUTING -j S2',
  '-t nat -A S2 -p udp -j SNAT --to-source :2',
];

test('SNAT target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [V4, CHAINS]);
});

test('SNAT target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [V6, CHAINS]);
});
