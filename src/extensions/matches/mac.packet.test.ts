/** mac match packet function (xt_mac.c mac_mt). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, skbOf, withEth } from './packet-testkit';

test('source MAC of the Ethernet header, inverted or not', () => {
  const net = makeNet();
  const f = skbOf(withEth(pkt4('tcp'), [2, 0, 0, 0, 0, 1], [0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]), net, 'INPUT', 'eth0', '', true);
  assert.equal(check(4, ['-m', 'mac', '--mac-source', 'aa:bb:cc:00:11:22'], f)[0], true);
  assert.equal(check(4, ['-m', 'mac', '--mac-source', 'AA:BB:CC:00:11:23'], f)[0], false);
  assert.equal(check(4, ['-m', 'mac', '!', '--mac-source', 'aa:bb:cc:00:11:23'], f)[0], true);
});

test('no link-layer header: no match even when inverted', () => {
  const s = skbOf(pkt4('tcp'), makeNet());
  assert.equal(check(4, ['-m', 'mac', '!', '--mac-source', 'aa:bb:cc:00:11:23'], s)[0], false);
});
