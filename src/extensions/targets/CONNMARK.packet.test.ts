// CONNMARK's packet function after xt_connmark.c connmark_tg_shift: set / save / restore with masks and shifts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XT_CONTINUE } from '../../engine/verdict';
import { IP_CT_NEW } from '../../conntrack/constants';
import { CtPacket } from '../../conntrack/packet';
import { tcp } from '../../conntrack/testkit';
import { FIX } from '../../wire/fixtures';
import { CONNMARK } from './CONNMARK';
import { makeNet, skbOf, targetData } from './target-testkit';

/** An skb with a real conntrack entry whose mark is `ctmark`. */
function withEntry(ctmark: number, nfmark: number) {
  const net = makeNet();
  const p = tcp(new CtPacket(), 0, { flags: 0x02, seq: 1 });
  net.conntrack.in(p);
  assert.ok(p.ct >= 0);
  net.conntrack.setMark(p.ct, ctmark);
  const skb = skbOf(net, FIX.tcp4_syn, 'PREROUTING', 'mangle');
  skb.ct = p.ct; skb.ctinfo = IP_CT_NEW; skb.mark = nfmark;
  return { net, skb, e: p.ct };
}

// save: ctmark = (ctmark & ~ctmask) ^ (nfmark & nfmask), so 0x12345 with nfmark 0xabcd gives 0x12045 ^ 0xcd.
const CASES: [string[], number, number, number, number][] = [
  // args, ctmark before, nfmark before, ctmark after, nfmark after
  [['--set-mark', '0x5'], 0xf0, 0x1, 0x5, 0x1],
  [['--set-xmark', '0x5/0xf'], 0xf0, 0x1, 0xf5, 0x1],
  [['--or-mark', '0x100'], 0x1, 0, 0x101, 0],
  [['--save-mark'], 0, 0xabc, 0xabc, 0xabc],
  [['--save-mark', '--nfmask', '0xff', '--ctmask', '0xf00'], 0x12345, 0xabcd, 0x12088, 0xabcd],
  [['--restore-mark'], 0x77, 0x1, 0x77, 0x77],
  [['--restore-mark', '--mask', '0xf'], 0x77, 0x100, 0x77, 0x107],
  [['--save-mark', '--left-shift-mark', '8'], 0, 0x12, 0x1200, 0x12],
  [['--restore-mark', '--right-shift-mark', '4'], 0x120, 0, 0x120, 0x12],
  [['--set-mark', '0x1', '--left-shift-mark', '4'], 0, 0, 0x10, 0],
];

for (const [args, ct0, nf0, ct1, nf1] of CASES) {
  test(`CONNMARK ${args.join(' ')}`, () => {
    const { net, skb, e } = withEntry(ct0, nf0);
    assert.equal(CONNMARK.target!(skb, targetData(CONNMARK, 4, args)), XT_CONTINUE);
    assert.equal(net.conntrack.mark(e), ct1, 'ctmark');
    assert.equal(skb.mark, nf1, 'nfmark');
  });
}

test('CONNMARK without a conntrack entry changes nothing', () => {
  const skb = skbOf(makeNet(), FIX.tcp4_syn, 'PREROUTING', 'mangle');
  skb.mark = 0x5;
  assert.equal(CONNMARK.target!(skb, targetData(CONNMARK, 4, ['--restore-mark'])), XT_CONTINUE);
  assert.equal(skb.mark, 0x5);
});
