/** multiport match packet function, after net/netfilter/xt_multiport.c ports_match_v1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, skbOf } from './packet-testkit';

const net = makeNet();

test('dports, sports, ports (either), ranges, inversion', () => {
  const s = skbOf(pkt4('tcp', { sport: 5000, dport: 443 }), net);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '--dports', '22,80,443'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '--dports', '22,80'], s)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '--dports', '1:100,400:500'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '--sports', '443'], s)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '--ports', '5000'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '!', '--dports', '22,80'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'multiport', '!', '--ports', '443'], s)[0], false);
});

test('ports missing hotdrops', () => {
  const cut = pkt4('udp').slice(0, 22);
  cut[2] = 0; cut[3] = 22;
  assert.deepEqual(check(4, ['-p', 'udp', '-m', 'multiport', '--dports', '53'], skbOf(cut, net)), [false, true]);
});
