/**
 * CONNMARK target, revision 2 (extensions/libxt_CONNMARK.c; kernel
 * net/netfilter/xt_connmark.c). Set operations become (ctmark, ctmask)
 * like MARK; --save-mark/--restore-mark copy between nfmark and ctmark
 * under --nfmask/--ctmask (--mask sets both); revision 2 adds a shift.
 * iptables-save writes the canonical forms (--set-xmark v/m, or
 * --save-mark/--restore-mark with both masks). No table restriction.
 */
import { paramError } from '../../util/errors';
import { EINVAL_MSG } from '../../rules/validate';
import { defineTarget } from '../types';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { hex32, optionSpecs, xtFcheck, xtMarkMask, xtParse, xtUint, type XtOption } from '../xtoptions';

// Ids as libxt_CONNMARK.c's enum (they order the "cannot be used together" check).
const O_SET_MARK = 0, O_SAVE_MARK = 1, O_RESTORE_MARK = 2, O_AND_MARK = 3, O_OR_MARK = 4, O_XOR_MARK = 5;
const O_LEFT_SHIFT_MARK = 6, O_RIGHT_SHIFT_MARK = 7, O_SET_XMARK = 8, O_CTMASK = 9, O_NFMASK = 10, O_MASK = 11;
const F_OP_ANY = [O_SET_MARK, O_SAVE_MARK, O_RESTORE_MARK, O_AND_MARK, O_OR_MARK, O_XOR_MARK, O_SET_XMARK]
  .reduce((a, i) => a | (1 << i), 0);

const OPTS: readonly XtOption[] = [
  { name: 'set-xmark', id: O_SET_XMARK, type: 'other', excl: F_OP_ANY },
  { name: 'set-mark', id: O_SET_MARK, type: 'other', excl: F_OP_ANY },
  { name: 'and-mark', id: O_AND_MARK, type: 'other', excl: F_OP_ANY },
  { name: 'or-mark', id: O_OR_MARK, type: 'other', excl: F_OP_ANY },
  { name: 'xor-mark', id: O_XOR_MARK, type: 'other', excl: F_OP_ANY },
  { name: 'save-mark', id: O_SAVE_MARK, type: 'none', excl: F_OP_ANY },
  { name: 'restore-mark', id: O_RESTORE_MARK, type: 'none', excl: F_OP_ANY },
  { name: 'left-shift-mark', id: O_LEFT_SHIFT_MARK, type: 'other' },
  { name: 'right-shift-mark', id: O_RIGHT_SHIFT_MARK, type: 'other' },
  { name: 'ctmask', id: O_CTMASK, type: 'other', excl: 1 << O_MASK },
  { name: 'nfmask', id: O_NFMASK, type: 'other', excl: 1 << O_MASK },
  { name: 'mask', id: O_MASK, type: 'other', excl: (1 << O_CTMASK) | (1 << O_NFMASK) },
];

const enum Mode { SET = 0, SAVE = 1, RESTORE = 2 }
const U32 = 0xffffffff;

interface ConnmarkInfo {
  ctmark: number; ctmask: number; nfmask: number;
  mode: Mode; shiftDir: 'left-shift-mark' | 'right-shift-mark'; shiftBits: number;
  xflags: number;
}

export const CONNMARK = defineTarget<ConnmarkInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'CONNMARK',
  revision: 2,
  family: 0,
  options: optionSpecs(OPTS),
  // Both masks default to all ones for --save-mark/--restore-mark without masks.
  init: () => ({ ctmark: 0, ctmask: U32, nfmask: U32, mode: Mode.SET, shiftDir: 'left-shift-mark', shiftBits: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    xtParse('CONNMARK', OPTS, opt, arg, invert, d);
    const u32 = (): number => xtUint('CONNMARK', opt, arg!, 0, U32);
    switch (opt) {
      case 'set-xmark': { const v = xtMarkMask('CONNMARK', opt, arg!); d.mode = Mode.SET; d.ctmark = v.mark; d.ctmask = v.mask; break; }
      case 'set-mark': { const v = xtMarkMask('CONNMARK', opt, arg!); d.mode = Mode.SET; d.ctmark = v.mark; d.ctmask = (v.mark | v.mask) >>> 0; break; }
      case 'and-mark': d.mode = Mode.SET; d.ctmark = 0; d.ctmask = (~u32()) >>> 0; break;
      case 'or-mark': d.mode = Mode.SET; d.ctmark = d.ctmask = u32(); break;
      case 'xor-mark': d.mode = Mode.SET; d.ctmark = u32(); d.ctmask = 0; break;
      case 'save-mark': d.mode = Mode.SAVE; break;
      case 'restore-mark': d.mode = Mode.RESTORE; break;
      // The masks are stored as they come, so their order against the operation matters.
      case 'ctmask': d.ctmask = u32(); break;
      case 'nfmask': d.nfmask = u32(); break;
      case 'mask': d.ctmask = d.nfmask = u32(); break;
      case 'left-shift-mark': case 'right-shift-mark':
        d.shiftBits = xtUint('CONNMARK', opt, arg!, 0, 32); d.shiftDir = opt; break;
    }
  },
  finalCheck(d) {
    if (!(d.xflags & F_OP_ANY)) paramError('CONNMARK target: No operation specified');
    xtFcheck('CONNMARK', OPTS, d.xflags);
  },
  // Userspace allows a shift of 0-32; the kernel (xt_connmark.c) refuses 32 (observed).
  check: (d) => (d.shiftBits > 31 ? EINVAL_MSG : null),
  print(d) {
    let s: string;
    if (d.mode === Mode.SET) {
      if (d.ctmark === 0) s = ` CONNMARK and ${hex32(~d.ctmask)}`;
      else if (d.ctmark === d.ctmask) s = ` CONNMARK or ${hex32(d.ctmark)}`;
      else if (d.ctmask === 0) s = ` CONNMARK xor ${hex32(d.ctmark)}`;
      else if (d.ctmask === U32) s = ` CONNMARK set ${hex32(d.ctmark)}`;
      else s = ` CONNMARK xset ${hex32(d.ctmark)}/${hex32(d.ctmask)}`;
    } else if (d.mode === Mode.SAVE) {
      if (d.nfmask === U32 && d.ctmask === U32) s = ' CONNMARK save';
      else if (d.nfmask === d.ctmask) s = ` CONNMARK save mask ${hex32(d.nfmask)}`;
      else s = ` CONNMARK save nfmask ${hex32(d.nfmask)} ctmask ~${hex32(d.ctmask)}`;
    } else {
      if (d.ctmask === U32 && d.nfmask === U32) s = ' CONNMARK restore';
      else if (d.ctmask === d.nfmask) s = ` CONNMARK restore mask ${hex32(d.ctmask)}`;
      else s = ` CONNMARK restore ctmask ${hex32(d.ctmask)} nfmask ~${hex32(d.nfmask)}`;
    }
    if (d.shiftBits !== 0) s += ` ${d.shiftDir} ${d.shiftBits}`;
    return s;
  },
  save(d) {
    let s: string;
    if (d.mode === Mode.SET) s = ` --set-xmark ${hex32(d.ctmark)}/${hex32(d.ctmask)}`;
    else s = ` --${d.mode === Mode.SAVE ? 'save' : 'restore'}-mark --nfmask ${hex32(d.nfmask)} --ctmask ${hex32(d.ctmask)}`;
    if (d.shiftBits !== 0) s += ` --${d.shiftDir} ${d.shiftBits}`;
    return s;
  },
  target: connmarkTarget,
});

function shift(d: ConnmarkInfo, x: number): number {
  return d.shiftDir === 'right-shift-mark' ? x >>> d.shiftBits : (x << d.shiftBits) >>> 0;
}

/**
 * connmark_tg_shift (xt_connmark.c): nothing without a conntrack entry
 * (untracked or invalid packets); set: ctmark = shift((ctmark & ~ctmask) ^
 * ctmark_value); save: ctmark = (ctmark & ~ctmask) ^ shift(nfmark & nfmask);
 * restore: nfmark = (nfmark & ~nfmask) ^ shift(ctmark & ctmask).
 */
function connmarkTarget(skb: Skb, d: ConnmarkInfo): number {
  const e = skb.ct;
  if (e < 0) return XT_CONTINUE;
  const ct = skb.net.conntrack;
  const ctmark = ct.mark(e);
  switch (d.mode) {
    case Mode.SET: {
      const nv = shift(d, ((ctmark & ~d.ctmask) ^ d.ctmark) >>> 0);
      if (nv !== ctmark) ct.setMark(e, nv);
      break;
    }
    case Mode.SAVE: {
      const nv = ((ctmark & ~d.ctmask) ^ shift(d, (skb.mark & d.nfmask) >>> 0)) >>> 0;
      if (nv !== ctmark) ct.setMark(e, nv);
      break;
    }
    case Mode.RESTORE:
      skb.mark = ((skb.mark & ~d.nfmask) ^ shift(d, (ctmark & d.ctmask) >>> 0)) >>> 0;
      break;
  }
  return XT_CONTINUE;
}
