// TTL and HL packet functions (xt_HL.c ttl_tg / hl_tg6): set, saturating inc/dec, IPv4 checksum kept right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XT_CONTINUE } from '../../engine/verdict';
import { FIX } from '../../wire/fixtures';
import { TTL } from './TTL';
import { HL } from './HL';
import { makeNet, skbOf, targetData } from './target-testkit';

const V4: [string[], number][] = [
  [['--ttl-set', '5'], 5], [['--ttl-inc', '10'], 74], [['--ttl-dec', '10'], 54],
  [['--ttl-inc', '255'], 255], [['--ttl-dec', '255'], 0], [['--ttl-set', '64'], 64],
];
for (const [args, ttl] of V4) {
  test(`TTL ${args.join(' ')} on TTL 64 gives ${ttl}, header checksum still right`, () => {
    const skb = skbOf(makeNet(), FIX.tcp4_syn, 'PREROUTING', 'mangle');
    assert.equal(skb.view.ttl, 64);
    assert.equal(TTL.target!(skb, targetData(TTL, 4, args)), XT_CONTINUE);
    assert.equal(skb.view.buf[8], ttl);
    assert.equal(skb.view.ttl, ttl);
    assert.ok(skb.view.ipv4ChecksumOk());
  });
}

test('HL --hl-dec 3 and --hl-inc 250 on hop limit 64 (IPv6, no checksum)', () => {
  const skb = skbOf(makeNet(), FIX.tcp6_synack, 'PREROUTING', 'mangle');
  const before = skb.view.buf[7];
  HL.target!(skb, targetData(HL, 6, ['--hl-dec', '3']));
  assert.equal(skb.view.buf[7], before - 3);
  HL.target!(skb, targetData(HL, 6, ['--hl-inc', '250']));
  assert.equal(skb.view.buf[7], 255);
  assert.ok(skb.view.l4ChecksumOk());
});
