/**
 * tos match, revision 1 (extensions/libxt_tos.c; net/netfilter/xt_dscp.c
 * tos_mt): [!] --tos value[/mask] or a symbolic name (XTTYPE_TOSMASK).
 * Names imply mask 0x3f; numbers default to mask 0xff. -L prints the name
 * back only when the mask is 0x3f, with 1.8.9's odd spacing.
 */
import { defineMatch } from '../types';
import { hex02, TOS_SYMBOLS, xtMandatory, xtOnce, xtTosMask, type Seen } from '../xtoptions';

export interface TosInfo { value: number; mask: number; invert: boolean; seen: Seen; }


export const tos = defineMatch<TosInfo>({
  kind: 'match',
  name: 'tos',
  revision: 1,
  family: 0,
  options: [{ name: 'tos', arg: 'required' }],
  init: () => ({ value: 0, mask: 0, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('tos', 'tos', d.seen, invert, true);
    Object.assign(d, xtTosMask(arg!));
    d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('tos', 'tos', d.seen),
  print(d, ctx) {
    let s = ` tos match${d.invert ? '!' : ''}`;
    const sym = !ctx.numeric && d.mask === 0x3f ? TOS_SYMBOLS.find(([, v]) => v === d.value) : undefined;
    s += sym ? ` ${sym[0]}` : `${hex02(d.value)}/${hex02(d.mask)}`;
    return s;
  },
  save: (d) => `${d.invert ? ' !' : ''} --tos ${hex02(d.value)}/${hex02(d.mask)}`,
  // xt_dscp.c tos_mt: (TOS or traffic class & mask) == value.
  match: (skb, d) => ((skb.view.tos & d.mask) === d.value) !== d.invert,
});
