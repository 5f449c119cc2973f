/** udp match packet function, after net/netfilter/xt_tcpudp.c udp_mt. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, skbOf } from './packet-testkit';

const net = makeNet();

test('ports with ranges and inversion, both families', () => {
  const s = skbOf(pkt4('udp', { sport: 5353, dport: 53 }), net);
  assert.equal(check(4, ['-p', 'udp', '--dport', '53'], s)[0], true);
  assert.equal(check(4, ['-p', 'udp', '--sport', '5000:6000', '!', '--dport', '54'], s)[0], true);
  assert.equal(check(4, ['-p', 'udp', '!', '--dport', '53'], s)[0], false);
  assert.equal(check(6, ['-p', 'udp', '--dport', '53'], skbOf(pkt6('udp', { dport: 53 }), net))[0], true);
});

test('truncated header hotdrops; a later fragment just fails (no offset-1 rule for udp)', () => {
  const cut = pkt4('udp').slice(0, 24);
  cut[2] = 0; cut[3] = 24;
  assert.deepEqual(check(4, ['-p', 'udp', '--dport', '53'], skbOf(cut, net)), [false, true]);
  assert.deepEqual(check(4, ['-p', 'udp', '--dport', '53'], skbOf(pkt4('udp', { fragWord: 1 }), net)), [false, false]);
});
