import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

// Every rule uses its own table name: rules sharing a name share one kernel table.
const COMMON = [
  '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a -j ACCEPT',
  '-A INPUT -m hashlimit --hashlimit-above 10/min --hashlimit-burst 20 --hashlimit-mode srcip,dstport --hashlimit-name b --hashlimit-srcmask 24 --hashlimit-htable-expire 30000 --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 500',
  '-A INPUT -m hashlimit ! --hashlimit-upto 1kb/s --hashlimit-name c',
  '-A INPUT -m hashlimit ! --hashlimit-above 3/hour --hashlimit-name c2',
  '-A INPUT -m hashlimit --hashlimit-upto 1mb/s --hashlimit-burst 10mb --hashlimit-name d --hashlimit-mode "dstip|srcport"',
  '-A INPUT -m hashlimit --hashlimit-upto 10/min --hashlimit-rate-match --hashlimit-name e',
  '-A INPUT -m hashlimit --hashlimit 3/hour --hashlimit-name f --hashlimit-rate-interval 5 --hashlimit-rate-match',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name h --hashlimit-dstmask 8',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name j --hashlimit-burst 2k',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name l --hashlimit-burst 5x',
  '-A INPUT -m hashlimit --hashlimit-upto 7/day --hashlimit-name m --hashlimit-mode dstport,srcport,dstip,srcip',
  '-A INPUT -m hashlimit --hashlimit-upto 1b/s --hashlimit-name n',
  '-A INPUT -m hashlimit --hashlimit-upto 100b/s --hashlimit-name o --hashlimit-rate-match',
  '-A INPUT -m hashlimit --hashlimit-upto 100kb/s --hashlimit-burst 1m --hashlimit-name p',
  '-A INPUT -m hashlimit --hashlimit-above 3000kb/s --hashlimit-name q --hashlimit-htable-expire 15000',
  '-A INPUT -m hashlimit --hashlimit-upto 1000000/s --hashlimit-name r --hashlimit-mode ""',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name abcdefghijabcdefghijabcdefghijabcdefghij',
  '-A INPUT -m hashlimit --hashlimit-upto 60/minute --hashlimit-name s --hashlimit-htable-expire 1000',
  // kernel refusals
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name k1 --hashlimit-htable-expire 0',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name k2 --hashlimit-htable-gcinterval 0',
  '-A INPUT -m hashlimit --hashlimit-upto 1/day --hashlimit-name k3 --hashlimit-burst 1000000',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name a/b',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name .',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name ..',
  // parameter problems
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-burst 1000k',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-burst 0',
  '-A INPUT -m hashlimit --hashlimit-upto 100kb/s --hashlimit-burst 10 --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name ""',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s',
  '-A INPUT -m hashlimit --hashlimit-name t',
  '-A INPUT -m hashlimit',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-above 2/s --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit 1/s --hashlimit-upto 2/s --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit 2/s --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-upto x --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-above 0/s --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-upto 1000001/s --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-mode foo --hashlimit-name t',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-rate-interval 0',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-srcmask x',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-htable-size x',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t ! --hashlimit-mode srcip',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name t --hashlimit-name u',
  '-D INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a -j ACCEPT',
];

const V4 = [
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v1 --hashlimit-srcmask 255.255.0.0',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v2 --hashlimit-srcmask 33',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v3 --hashlimit-dstmask 255.0.255.0',
];

const V6 = [
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v1 --hashlimit-srcmask 64 --hashlimit-dstmask 128',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v2 --hashlimit-dstmask 129',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v3 --hashlimit-srcmask ffff::',
  '-A INPUT -m hashlimit --hashlimit-upto 1/s --hashlimit-name v4 --hashlimit-srcmask ff::ff',
];

test('hashlimit match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [[...COMMON, ...V4]]);
});

test('hashlimit match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [[...COMMON, ...V6]]);
});
