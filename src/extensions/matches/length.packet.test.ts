/** length match packet function (xt_length.c): IPv4 tot_len, IPv6 payload_len + 40. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, skbOf } from './packet-testkit';

const net = makeNet();

test('IPv4 total length and IPv6 payload + header', () => {
  const s4 = skbOf(pkt4('udp', { payload: new Uint8Array(72) }), net); // 20 + 8 + 72 = 100
  assert.equal(check(4, ['-m', 'length', '--length', '100'], s4)[0], true);
  assert.equal(check(4, ['-m', 'length', '--length', '0:99'], s4)[0], false);
  assert.equal(check(4, ['-m', 'length', '!', '--length', '0:99'], s4)[0], true);
  const s6 = skbOf(pkt6('udp', { payload: new Uint8Array(12) }), net); // 40 + 8 + 12 = 60
  assert.equal(check(6, ['-m', 'length', '--length', '60'], s6)[0], true);
  assert.equal(check(6, ['-m', 'length', '--length', '20'], s6)[0], false);
});
