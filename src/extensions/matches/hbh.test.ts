/** hbh match: option parsing, messages, listings and save against ip6tables-legacy. */
import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const V6 = [
  '-A INPUT -m hbh',
  '-A INPUT -m hbh --hbh-len 8 -j ACCEPT',
  '-A INPUT -m hbh ! --hbh-len 0 --hbh-opts 1,5:2,0x10:0xff,194:4',
  '-A INPUT -m hbh --hbh-opts " 7: 3"',
  '-A INPUT -m hbh --hbh-opts 300,-1,257:3,010',
  '-A INPUT -m hbh --hbh-opts 0,0,1:0',
  '-A INPUT -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16',
  '-A INPUT -m hbh --hbh-opts 1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9,10:10,11:11,12:12,13:13,14:14,15:15,16',
  '-A INPUT -m hbh ! --hbh-len 4294967295 --hbh-opts 5',
  '-A OUTPUT -p udp -m hbh --hbh-opts 5:2 -m udp --dport 53',
  '-A INPUT -m hbh --hbh-l 16 --hbh-o 1',
  '-v -A INPUT -m hbh ! --hbh-len 8 --hbh-opts 5:2,1',
  '-A INPUT -m hbh --hbh-len ! 8',
  // parameter problems
  '-A INPUT -m hbh --hbh-opts 0:1',
  '-A INPUT -m hbh --hbh-opts 256:1',
  '-A INPUT -m hbh --hbh-opts x',
  '-A INPUT -m hbh --hbh-opts 1x',
  '-A INPUT -m hbh --hbh-opts 1,',
  '-A INPUT -m hbh --hbh-opts ""',
  '-A INPUT -m hbh --hbh-opts 1:',
  '-A INPUT -m hbh --hbh-opts 1:2:3',
  '-A INPUT -m hbh --hbh-opts 99999999999999999999999',
  '-A INPUT -m hbh --hbh-opts 1:99999999999999999999999',
  '-A INPUT -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:2',
  '-A INPUT -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17',
  '-A INPUT -m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,x',
  '-A INPUT -m hbh ! --hbh-opts 1',
  '-A INPUT -m hbh --hbh-opts 1 --hbh-opts 2',
  '-A INPUT -m hbh --hbh-len 1 --hbh-len 2',
  '-A INPUT -m hbh --hbh-len 4294967296',
  '-A INPUT -m hbh --hbh-len -1',
  '-A INPUT -m hbh --hbh-len 1:2',
  '-A INPUT -m hbh --dst-len 8',
  '-D INPUT -m hbh --hbh-len 8 -j ACCEPT',
  '-D INPUT -m hbh --hbh-len 9',
];

test('hbh match: same as ip6tables-legacy', (t) => {
  assertSameAsKernel(t, 6, [V6]);
});

test('hbh match: restore and save round trip', (t) => {
  const restore = '*filter\n-A INPUT -m hbh ! --hbh-len 16 --hbh-opts 5:2,1 -j DROP\n-A INPUT -m hbh --hbh-opts 194:4\nCOMMIT\n';
  assertSameAsKernel(t, 6, [[{ restore }, { restore: '*filter\n-A INPUT -m hbh --hbh-opts 0:3\nCOMMIT\n' }]]);
});

test('hbh match: IPv6 only, iptables cannot load it', (t) => {
  assertSameAsKernel(t, 4, [['-A INPUT -m hbh', '-A INPUT -m hbh --hbh-len 8']]);
});
