/**
 * hashlimit match packet function, revision 3 (net/netfilter/xt_hashlimit.c
 * hashlimit_mt_common, rateinfo_init/rateinfo_recalc, hashlimit_byte_cost,
 * htable_gc), with the kernel's credit arithmetic at HZ=250.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Skb } from '../../engine/skb';
import { hashlimitTables, type HashlimitInfo } from './hashlimit';
import { makeNet, pkt4, pkt6, ruleMatch, skbOf, type TestNet } from './packet-testkit';

function rule(args: string[], family: 4 | 6 = 4): (s: Skb) => [boolean, boolean] {
  const { ext, data } = ruleMatch<HashlimitInfo>(family, ['-m', 'hashlimit', ...args]);
  return (s) => { s.hotdrop = false; const r = ext.match!(s, data); return [r, s.hotdrop]; };
}

test('packet credits: burst, then one packet per 250 jiffies at 1/sec', () => {
  const net = makeNet();
  const m = rule(['--hashlimit-upto', '1/sec', '--hashlimit-burst', '2', '--hashlimit-mode', 'srcip', '--hashlimit-name', 'a']);
  const a = skbOf(pkt4('udp', { src: '10.0.0.7' }), net);
  const b = skbOf(pkt4('udp', { src: '10.0.0.8' }), net);
  assert.deepEqual([m(a)[0], m(a)[0], m(a)[0]], [true, true, false]);
  assert.equal(m(b)[0], true); // its own bucket
  // cost = 1e6 * (HZ * 2^39 / 1e6) = 137438953000000; 249 jiffies refill 249 * 2^39 = 136889197658112: not enough.
  net.clock.advance(996);
  assert.equal(m(a)[0], false);
  net.clock.advance(4); // one more jiffy: 250 * 2^39 = 137438953472000 covers the cost, 472000 left over
  assert.equal(m(a)[0], true);
  assert.equal(m(a)[0], false);
  net.clock.advance(996);
  assert.equal(m(a)[0], false);
  net.clock.advance(4);
  assert.equal(m(a)[0], true);
});

test('--hashlimit-above inverts; masks and ports group the key', () => {
  const net = makeNet();
  const above = rule(['--hashlimit-above', '1/min', '--hashlimit-burst', '1', '--hashlimit-mode', 'srcip,dstport', '--hashlimit-srcmask', '24', '--hashlimit-name', 'b']);
  const x = skbOf(pkt4('tcp', { src: '10.1.1.1', dport: 22 }), net);
  const y = skbOf(pkt4('tcp', { src: '10.1.1.200', dport: 22 }), net);
  const z = skbOf(pkt4('tcp', { src: '10.1.1.1', dport: 23 }), net);
  assert.equal(above(x)[0], false);
  assert.equal(above(y)[0], true); // same /24 and port: the same bucket, now empty
  assert.equal(above(z)[0], false); // another port
  assert.equal(hashlimitTables(net).get('4/b')!.count, 2);
});

test('byte mode: 16-byte chunks, and --hashlimit-burst as refills of a drained bucket', () => {
  const net = makeNet();
  const m = rule(['--hashlimit-upto', '1kb/s', '--hashlimit-burst', '2kb', '--hashlimit-mode', 'dstip', '--hashlimit-name', 'c']);
  const big = skbOf(pkt4('udp', { payload: new Uint8Array(972) }), net); // 1000 bytes: 63 chunks
  // user2credits_byte(avg) = 64527752 per chunk; the bucket holds 2^24 * HZ = 4194304000 and 2 refills.
  assert.deepEqual([m(big)[0], m(big)[0], m(big)[0], m(big)[0]], [true, true, true, false]);
  net.clock.advance(1000);
  assert.equal(m(big)[0], true);
  assert.equal(m(big)[0], false); // refills are not restored by the clock
});

test('rate-match: the count in each interval against burst + rate, judged per window', () => {
  const net = makeNet();
  // A long expiry keeps the entry across the windows (with the default 1 s, the gc run at +1 s would free
  // it and the next packet would start afresh).
  const m = rule(['--hashlimit-upto', '2/sec', '--hashlimit-rate-match', '--hashlimit-mode', 'srcip', '--hashlimit-name', 'd', '--hashlimit-htable-expire', '10000']);
  const s = skbOf(pkt4('udp'), net);
  const r: boolean[] = [];
  for (let i = 0; i < 8; i++) r.push(m(s)[0]);
  assert.deepEqual(r, [true, true, true, true, true, true, true, false]); // burst 5 + rate 2
  net.clock.advance(1000);
  assert.equal(m(s)[0], false); // the last window ran over (8 * 250 > 250 * 2)
  net.clock.advance(1000);
  assert.equal(m(s)[0], true); // 1 packet in the last window
  const fresh = rule(['--hashlimit-upto', '2/sec', '--hashlimit-rate-match', '--hashlimit-mode', 'srcip', '--hashlimit-name', 'd2']);
  for (let i = 0; i < 8; i++) fresh(s);
  net.clock.advance(1000);
  assert.equal(fresh(s)[0], true); // expired at +1 s and collected by the gc run then: a new entry
});

test('expiry and gc: an entry is freed by the gc run after it expired, and a full table hotdrops', () => {
  const net: TestNet = makeNet();
  const m = rule(['--hashlimit-upto', '1/sec', '--hashlimit-burst', '1', '--hashlimit-mode', 'srcip', '--hashlimit-name', 'e',
    '--hashlimit-htable-expire', '1500', '--hashlimit-htable-gcinterval', '1000', '--hashlimit-htable-size', '2', '--hashlimit-htable-max', '2']);
  const t = (src: string): Skb => skbOf(pkt4('udp', { src }), net);
  assert.equal(m(t('10.9.0.1'))[0], true);
  assert.equal(m(t('10.9.0.2'))[0], true);
  assert.deepEqual(m(t('10.9.0.3')), [false, true]); // max reached
  const table = hashlimitTables(net).get('4/e')!;
  net.clock.advance(1400); // gc ran at +1000 when nothing had expired yet
  assert.equal(m(t('10.9.0.1'))[0], true); // refreshed: expires at +2900
  assert.equal(table.count, 2);
  net.clock.advance(700); // gc at +2000 frees 10.9.0.2 (expired at +1500)
  assert.equal(m(t('10.9.0.3'))[0], true);
  assert.equal(table.count, 2);
});

test('a second rule with the same name uses the table (and rate) of the first; IPv6 masks', () => {
  const net = makeNet();
  const first = rule(['--hashlimit-upto', '1/sec', '--hashlimit-burst', '1', '--hashlimit-mode', 'srcip', '--hashlimit-name', 'f']);
  const second = rule(['--hashlimit-upto', '100/sec', '--hashlimit-burst', '100', '--hashlimit-mode', 'srcip', '--hashlimit-name', 'f']);
  const s = skbOf(pkt4('udp'), net);
  assert.equal(first(s)[0], true);
  assert.equal(second(s)[0], false); // the rule's own cost would allow it; the entry's credit is the table's
  const v6 = rule(['--hashlimit-upto', '1/hour', '--hashlimit-burst', '1', '--hashlimit-mode', 'srcip', '--hashlimit-srcmask', '64', '--hashlimit-name', 'f'], 6);
  assert.equal(v6(skbOf(pkt6('udp', { src: '2001:db8:0:1::5' }), net))[0], true);
  assert.equal(v6(skbOf(pkt6('udp', { src: '2001:db8:0:1::9' }), net))[0], false); // same /64
  assert.equal(v6(skbOf(pkt6('udp', { src: '2001:db8:0:2::5' }), net))[0], true);
});
