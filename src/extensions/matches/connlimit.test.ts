import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const COMMON = [
  '-A INPUT -p tcp --syn --dport 22 -m connlimit --connlimit-above 2 -j REJECT',
  '-A INPUT -m connlimit --connlimit-upto 10',
  '-A INPUT -m connlimit ! --connlimit-upto 2 --connlimit-mask 24 --connlimit-daddr',
  '-A INPUT -m connlimit ! --connlimit-above 2 --connlimit-saddr',
  '-A INPUT -m connlimit --connlimit-above 0',
  '-A INPUT -m connlimit --connlimit-above 4294967295 --connlimit-mask 0',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 0x10',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-daddr --connlimit-mask 8',
  '-A FORWARD -m connlimit --connlimit-upto 3 --connlimit-mask 255.255.0.0',
  // parameter problems
  '-A INPUT -m connlimit',
  '-A INPUT -m connlimit --connlimit-mask 24',
  '-A INPUT -m connlimit --connlimit-saddr --connlimit-daddr',
  '-A INPUT -m connlimit --connlimit-upto 2 --connlimit-above 3',
  '-A INPUT -m connlimit --connlimit-above 2 --connlimit-above 3',
  '-A INPUT -m connlimit --connlimit-above 2 --connlimit-saddr --connlimit-daddr',
  '-A INPUT -m connlimit --connlimit-above x',
  '-A INPUT -m connlimit --connlimit-above 4294967296',
  '-A INPUT -m connlimit --connlimit-above 1 ! --connlimit-mask 8',
  '-A INPUT -m connlimit --connlimit-above 1 ! --connlimit-daddr',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask x',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask ""',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 129',
  '-D INPUT -m connlimit --connlimit-upto 10',
];

const V4 = [
  '-A INPUT -m connlimit --connlimit-above 2 --connlimit-mask 33',
  '-A INPUT -m connlimit --connlimit-above 2 --connlimit-mask 255.0.255.0',
  '-A INPUT -m connlimit --connlimit-above 2 --connlimit-mask ::',
];

const V6 = [
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 64',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask ffff:ff00::',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask ff::ff',
  '-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 1.2.3.4',
];

test('connlimit match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [[...COMMON, ...V4]]);
});

test('connlimit match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [[...COMMON, ...V6]]);
});
