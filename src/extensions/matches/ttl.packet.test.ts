/** ttl/hl, tos, dscp and ecn packet functions (ipt_ttl.c, ip6t_hl.c, xt_dscp.c, xt_ecn.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, skbOf } from './packet-testkit';

const net = makeNet();

test('ttl and hl comparisons', () => {
  const s = skbOf(pkt4('udp', { ttl: 64 }), net);
  assert.equal(check(4, ['-m', 'ttl', '--ttl-eq', '64'], s)[0], true);
  assert.equal(check(4, ['-m', 'ttl', '!', '--ttl-eq', '64'], s)[0], false);
  assert.equal(check(4, ['-m', 'ttl', '--ttl-lt', '65'], s)[0], true);
  assert.equal(check(4, ['-m', 'ttl', '--ttl-gt', '64'], s)[0], false);
  assert.equal(check(6, ['-m', 'hl', '--hl-gt', '1'], skbOf(pkt6('udp', { ttl: 2 }), net))[0], true);
  assert.equal(check(6, ['-m', 'hl', '--hl-eq', '1'], skbOf(pkt6('udp', { ttl: 2 }), net))[0], false);
});

test('tos, dscp and ecn on the TOS byte / traffic class', () => {
  const s = skbOf(pkt4('tcp', { tos: 0xb9, flags: 0x02 | 0x40 }), net); // DSCP 46 (EF), ECT(1)
  assert.equal(check(4, ['-m', 'dscp', '--dscp', '46'], s)[0], true);
  assert.equal(check(4, ['-m', 'dscp', '--dscp-class', 'EF'], s)[0], true);
  assert.equal(check(4, ['-m', 'dscp', '!', '--dscp', '46'], s)[0], false);
  assert.equal(check(4, ['-m', 'tos', '--tos', '0xb8/0xfc'], s)[0], true);
  assert.equal(check(4, ['-m', 'tos', '--tos', '0x10'], s)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'ecn', '--ecn-ip-ect', '1'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'ecn', '--ecn-tcp-ece'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'ecn', '--ecn-tcp-cwr'], s)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'ecn', '!', '--ecn-tcp-cwr'], s)[0], true);
  assert.equal(check(6, ['-m', 'dscp', '--dscp', '46'], skbOf(pkt6('udp', { tos: 0xb8 }), net))[0], true);
});
