/**
 * MARK target, revision 2 (extensions/libxt_MARK.c; kernel
 * net/netfilter/xt_mark.c): every option becomes the pair (mark, mask) of
 * "nfmark = (nfmark & ~mask) ^ mark", so iptables-save always writes
 * --set-xmark value/mask, while -L names the operation the pair amounts to.
 * No table or hook restriction in the kernel.
 */
import { paramError } from '../../util/errors';
import { defineTarget } from '../types';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { hex32, optionSpecs, xtFcheck, xtMarkMask, xtParse, xtUint, type XtOption } from '../xtoptions';

// Ids as libxt_MARK.c's enum (they order the "cannot be used together" check).
const O_SET_MARK = 0, O_AND_MARK = 1, O_OR_MARK = 2, O_XOR_MARK = 3, O_SET_XMARK = 4;
const F_ANY = (1 << O_SET_MARK) | (1 << O_AND_MARK) | (1 << O_OR_MARK) | (1 << O_XOR_MARK) | (1 << O_SET_XMARK);

const OPTS: readonly XtOption[] = [
  { name: 'set-xmark', id: O_SET_XMARK, type: 'other', excl: F_ANY },
  { name: 'set-mark', id: O_SET_MARK, type: 'other', excl: F_ANY },
  { name: 'and-mark', id: O_AND_MARK, type: 'other', excl: F_ANY },
  { name: 'or-mark', id: O_OR_MARK, type: 'other', excl: F_ANY },
  { name: 'xor-mark', id: O_XOR_MARK, type: 'other', excl: F_ANY },
];

interface MarkInfo { mark: number; mask: number; xflags: number; }

const U32 = 0xffffffff;

export const MARK = defineTarget<MarkInfo>({
  kind: 'target',
  name: 'MARK',
  revision: 2,
  family: 0,
  options: optionSpecs(OPTS),
  init: () => ({ mark: 0, mask: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    xtParse('MARK', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'set-xmark': { const v = xtMarkMask('MARK', opt, arg!); d.mark = v.mark; d.mask = v.mask; break; }
      // --set-mark v/m clears m and sets v: the bits of v are part of the mask.
      case 'set-mark': { const v = xtMarkMask('MARK', opt, arg!); d.mark = v.mark; d.mask = (v.mark | v.mask) >>> 0; break; }
      case 'and-mark': d.mark = 0; d.mask = (~xtUint('MARK', opt, arg!, 0, U32)) >>> 0; break;
      case 'or-mark': d.mark = d.mask = xtUint('MARK', opt, arg!, 0, U32); break;
      case 'xor-mark': d.mark = xtUint('MARK', opt, arg!, 0, U32); d.mask = 0; break;
    }
  },
  finalCheck(d) {
    if (d.xflags === 0) paramError('MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required');
    xtFcheck('MARK', OPTS, d.xflags);
  },
  print(d) {
    if (d.mark === 0) return ` MARK and ${hex32(~d.mask)}`;
    if (d.mark === d.mask) return ` MARK or ${hex32(d.mark)}`;
    if (d.mask === 0) return ` MARK xor ${hex32(d.mark)}`;
    if (d.mask === U32) return ` MARK set ${hex32(d.mark)}`;
    return ` MARK xset ${hex32(d.mark)}/${hex32(d.mask)}`;
  },
  save: (d) => ` --set-xmark ${hex32(d.mark)}/${hex32(d.mask)}`,
  // mark_tg: every form is "clear the mask bits, then xor the value".
  target(skb: Skb, d) {
    skb.mark = ((skb.mark & ~d.mask) ^ d.mark) >>> 0;
    return XT_CONTINUE;
  },
});
