import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LONG = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

const COMMON = [
  '-A INPUT -m recent --set',
  '-A INPUT -p tcp --dport 22 -m recent --name sshbf --rttl --rcheck --hitcount 3 --seconds 10 -j DROP',
  '-A INPUT -m recent --update --seconds 60 --name TCP-PORTSCAN -j DROP',
  '-A INPUT -m recent ! --update --rdest --seconds 60 --reap',
  '-A INPUT -m recent ! --set --name x',
  '-A INPUT -m recent --remove --rsource --rdest',
  '-A INPUT -m recent --remove --rdest --rsource',
  '-A INPUT -m recent --rcheck --hitcount 0',
  '-A INPUT -m recent --rcheck --hitcount 65535',
  '-A INPUT -m recent --rcheck --name "a b"',
  `-A INPUT -m recent --set --name ${LONG}`,
  `-A INPUT -m recent --set --name ${LONG}xyz`,
  '-t nat -A POSTROUTING -m recent --set',
  '-t raw -A PREROUTING -m recent --rcheck --seconds 5',
  // kernel refusals (recent_mt_check)
  '-A INPUT -m recent --set --seconds 5',
  '-A INPUT -m recent --remove --hitcount 2',
  '-A INPUT -m recent --rcheck --hitcount 65536',
  '-A INPUT -m recent --rcheck --hitcount 4294967295',
  '-A INPUT -m recent --set --name ""',
  '-A INPUT -m recent --set --name a/b',
  '-A INPUT -m recent --set --name .',
  '-A INPUT -m recent --rcheck --name ..',
  // parameter problems
  '-A INPUT -m recent',
  '-A INPUT -m recent --name foo',
  '-A INPUT -m recent --set --reap',
  '-A INPUT -m recent --rcheck --reap',
  '-A INPUT -m recent --set --rttl',
  '-A INPUT -m recent --remove --rttl --seconds 2',
  '-A INPUT -m recent --rcheck --set',
  '-A INPUT -m recent --update --remove',
  '-A INPUT -m recent --seconds 0 --set',
  '-A INPUT -m recent --seconds x --set',
  '-A INPUT -m recent --hitcount -1 --rcheck',
  '-A INPUT -m recent ! --rttl --rcheck',
  '-A INPUT -m recent --rcheck ! --seconds 3',
  '-A INPUT -m recent --rcheck --name x --rcheck',
  '-A INPUT -m recent --rcheck --seconds 1 --seconds 2',
  '-A INPUT -m recent --rcheck --mask foo',
  '-D INPUT -m recent --set',
];

const V4 = [
  '-A INPUT -m recent --rcheck --mask 255.255.0.0',
  '-A INPUT -m recent --rcheck --mask 1',
  '-A INPUT -m recent --rcheck --mask 1.2.3.4/8',
  '-A INPUT -m recent --rcheck --mask ::1',
];

const V6 = [
  '-A INPUT -m recent --rcheck --mask ffff:ffff::',
  '-A INPUT -m recent --rcheck --mask ::1',
  '-A INPUT -m recent --rcheck --mask 255.255.0.0',
];

test('recent match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [[...COMMON, ...V4]]);
});

test('recent match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [[...COMMON, ...V6]]);
});
