/**
 * TOS target, revision 1 (extensions/libxt_TOS.c; net/netfilter/xt_DSCP.c
 * tos_tg), both families, mangle table only.
 *
 * Kept as value/mask: --set-tos V[/M] (M defaults to 0xff for numbers, 0x3f
 * for the symbolic names), --and-tos B = 0/~B, --or-tos B = B/B,
 * --xor-tos B = B/0; the four exclude each other. -S always prints
 * --set-tos 0xVV/0xMM. -L reconstructs the friendliest form: a name when
 * the mask is 0x3f (printed glued to "set", as iptables does), else and /
 * or / xor / set by the shape of value and mask; -n prints set V/M.
 */
import { paramError } from '../../util/errors';
import { defineTarget } from '../types';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { changeDsfield } from './dsfield';
import { hex02, optionSpecs, TOS_SYMBOLS, xtFcheck, xtParse, xtTosMask, type XtOption } from '../xtoptions';

const ALL = 0b1111;
const ENTRIES: readonly XtOption[] = [
  { name: 'set-tos', id: 0, type: 'other', excl: ALL },
  { name: 'and-tos', id: 1, type: 'u8', excl: ALL },
  { name: 'or-tos', id: 2, type: 'u8', excl: ALL },
  { name: 'xor-tos', id: 3, type: 'u8', excl: ALL },
];

const NAME_MASK = 0x3f;

interface TosInfo { value: number; mask: number; xflags: number; }

export const TOS = defineTarget<TosInfo>({
  kind: 'target',
  name: 'TOS',
  revision: 1,
  family: 0,
  tables: ['mangle'],
  options: optionSpecs(ENTRIES),
  init: () => ({ value: 0, mask: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const v = xtParse('TOS', ENTRIES, opt, arg, invert, d);
    switch (opt) {
      case 'set-tos': ({ value: d.value, mask: d.mask } = xtTosMask(arg!)); break;
      case 'and-tos': d.value = 0; d.mask = ~v & 0xff; break;
      case 'or-tos': d.value = v; d.mask = v; break;
      case 'xor-tos': d.value = v; d.mask = 0; break;
    }
  },
  finalCheck(d) {
    if (!d.xflags) paramError('TOS: An action is required');
    xtFcheck('TOS', ENTRIES, d.xflags);
  },
  print(d, ctx) {
    if (ctx.numeric) return ` TOS set ${hex02(d.value)}/${hex02(d.mask)}`;
    if (d.mask === NAME_MASK) {
      const sym = TOS_SYMBOLS.find(([, v]) => v === d.value);
      if (sym) return `  TOS set${sym[0]}`;
    }
    if (d.value === 0) return ` TOS and ${hex02(~d.mask & 0xff)}`;
    if (d.value === d.mask) return ` TOS or ${hex02(d.value)}`;
    if (d.mask === 0) return ` TOS xor ${hex02(d.value)}`;
    return ` TOS set ${hex02(d.value)}/${hex02(d.mask)}`;
  },
  save: (d) => ` --set-tos ${hex02(d.value)}/${hex02(d.mask)}`,
  // tos_tg / tos_tg6 (xt_DSCP.c): new = (old & ~mask) ^ value, written only when it differs.
  target(skb: Skb, d) {
    const v = skb.view;
    const nv = (v.tos & ~d.mask & 0xff) ^ d.value;
    if (nv !== v.tos) changeDsfield(v, 0, nv);
    return XT_CONTINUE;
  },
});
