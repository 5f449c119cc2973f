/** limit match packet function (net/netfilter/xt_limit.c limit_mt, credits at HZ=250). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleMatch, makeNet, pkt4, skbOf } from './packet-testkit';

test('burst passes at once, then one packet per period', () => {
  const net = makeNet();
  const { ext, data } = ruleMatch<unknown>(4, ['-m', 'limit', '--limit', '1/second', '--limit-burst', '3']);
  const s = skbOf(pkt4('udp'), net);
  const hits = (): boolean => ext.match!(s, data);
  assert.deepEqual([hits(), hits(), hits(), hits()], [true, true, true, false]);
  net.clock.advance(500);
  assert.equal(hits(), false);
  net.clock.advance(500);
  assert.equal(hits(), true);
  assert.equal(hits(), false);
  // A long idle time refills up to the burst, no more.
  net.clock.advance(60_000);
  assert.deepEqual([hits(), hits(), hits(), hits()], [true, true, true, false]);
});

test('each rule instance has its own bucket', () => {
  const net = makeNet();
  const a = ruleMatch<unknown>(4, ['-m', 'limit', '--limit', '1/hour', '--limit-burst', '1']);
  const b = ruleMatch<unknown>(4, ['-m', 'limit', '--limit', '1/hour', '--limit-burst', '1']);
  const s = skbOf(pkt4('udp'), net);
  assert.equal(a.ext.match!(s, a.data), true);
  assert.equal(a.ext.match!(s, a.data), false);
  assert.equal(b.ext.match!(s, b.data), true);
});
