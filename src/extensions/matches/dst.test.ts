/** dst match (the hbh kernel module's twin, with its own user-space messages): option parsing, messages, listings and save against ip6tables-legacy. */
import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const V6 = [
  '-A INPUT -m dst',
  '-A INPUT -m dst --dst-len 8 -j ACCEPT',
  '-A INPUT -m dst ! --dst-len 0 --dst-opts 1,5:2,0x10:0xff,194:4',
  '-A INPUT -m dst --dst-opts " 7: 3"',
  '-A INPUT -m dst --dst-opts 300,-1,257:3,010',
  '-A INPUT -m dst --dst-opts 0,0,1:0',
  '-A INPUT -m dst --dst-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16',
  '-A INPUT -m dst --dst-opts 1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9,10:10,11:11,12:12,13:13,14:14,15:15,16',
  '-A INPUT -m dst ! --dst-len 4294967295 --dst-opts 5',
  '-A OUTPUT -p udp -m dst --dst-opts 5:2 -m udp --dport 53',
  '-A INPUT -m dst --dst-l 16 --dst-o 1',
  '-v -A INPUT -m dst ! --dst-len 8 --dst-opts 5:2,1',
  '-A INPUT -m dst --dst-len ! 8',
  // parameter problems
  '-A INPUT -m dst --dst-opts 0:1',
  '-A INPUT -m dst --dst-opts 256:1',
  '-A INPUT -m dst --dst-opts x',
  '-A INPUT -m dst --dst-opts 1x',
  '-A INPUT -m dst --dst-opts 1,',
  '-A INPUT -m dst --dst-opts ""',
  '-A INPUT -m dst --dst-opts 1:',
  '-A INPUT -m dst --dst-opts 1:2:3',
  '-A INPUT -m dst --dst-opts 99999999999999999999999',
  '-A INPUT -m dst --dst-opts 1:99999999999999999999999',
  '-A INPUT -m dst --dst-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:2',
  '-A INPUT -m dst --dst-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17',
  '-A INPUT -m dst --dst-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,x',
  '-A INPUT -m dst ! --dst-opts 1',
  '-A INPUT -m dst --dst-opts 1 --dst-opts 2',
  '-A INPUT -m dst --dst-len 1 --dst-len 2',
  '-A INPUT -m dst --dst-len 4294967296',
  '-A INPUT -m dst --dst-len -1',
  '-A INPUT -m dst --dst-len 1:2',
  '-A INPUT -m dst --hbh-len 8',
  '-A INPUT -m dst --dst-len 8 -m hbh --hbh-len 8',
  '-D INPUT -m dst --dst-len 8 -j ACCEPT',
  '-D INPUT -m dst --dst-len 9',
];

test('dst match: same as ip6tables-legacy', (t) => {
  assertSameAsKernel(t, 6, [V6]);
});

test('dst match: restore and save round trip', (t) => {
  const restore = '*filter\n-A INPUT -m dst ! --dst-len 16 --dst-opts 5:2,1 -j DROP\n-A INPUT -m dst --dst-opts 194:4\nCOMMIT\n';
  assertSameAsKernel(t, 6, [[{ restore }, { restore: '*filter\n-A INPUT -m dst --dst-opts 0:3\nCOMMIT\n' }]]);
});

test('dst match: IPv6 only, iptables cannot load it', (t) => {
  assertSameAsKernel(t, 4, [['-A INPUT -m dst', '-A INPUT -m dst --dst-len 8']]);
});
