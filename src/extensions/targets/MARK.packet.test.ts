// MARK's packet function (xt_mark.c mark_tg: nfmark = (nfmark & ~mask) ^ mark) for each option form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XT_CONTINUE } from '../../engine/verdict';
import { FIX } from '../../wire/fixtures';
import { MARK } from './MARK';
import { makeNet, skbOf, targetData } from './target-testkit';

const CASES: [string[], number, number][] = [
  [['--set-mark', '0x10'], 0xff00ff, 0x10],
  [['--set-mark', '0x10/0xf0'], 0xff00ff, 0xff001f],
  [['--set-xmark', '0x10/0xf0'], 0xff00ff, 0xff001f],
  [['--set-xmark', '0x1/0x0'], 0x3, 0x2],
  [['--and-mark', '0x0f'], 0xff, 0x0f],
  [['--or-mark', '0x100'], 0x1, 0x101],
  [['--xor-mark', '0x3'], 0x1, 0x2],
  [['--set-mark', '0xffffffff'], 0, 0xffffffff],
];

for (const [args, before, after] of CASES) {
  test(`MARK ${args.join(' ')}: 0x${before.toString(16)} -> 0x${after.toString(16)}`, () => {
    const skb = skbOf(makeNet(), FIX.tcp4_syn, 'PREROUTING', 'mangle');
    skb.mark = before;
    assert.equal(MARK.target!(skb, targetData(MARK, 4, args)), XT_CONTINUE);
    assert.equal(skb.mark, after);
  });
}
