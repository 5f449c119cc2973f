/**
 * mark match, revision 1 (extensions/libxt_mark.c; net/netfilter/xt_mark.c):
 * [!] --mark value[/mask]. The value is kept as given (not masked).
 */
import { defineMatch } from '../types';
import { hex32, xtMandatory, xtMarkMask, xtOnce, type Seen } from '../xtoptions';

export interface MarkInfo { mark: number; mask: number; invert: boolean; seen: Seen; }

export function markMaskText(d: { mark: number; mask: number }): string {
  return hex32(d.mark) + (d.mask !== 0xffffffff ? '/' + hex32(d.mask) : '');
}

export const mark = defineMatch<MarkInfo>({
  kind: 'match',
  name: 'mark',
  revision: 1,
  family: 0,
  options: [{ name: 'mark', arg: 'required' }],
  init: () => ({ mark: 0, mask: 0xffffffff, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('mark', 'mark', d.seen, invert, true);
    const r = xtMarkMask('mark', 'mark', arg!);
    d.mark = r.mark; d.mask = r.mask; d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('mark', 'mark', d.seen),
  print: (d) => ` mark match${d.invert ? ' !' : ''} ${markMaskText(d)}`,
  save: (d) => `${d.invert ? ' !' : ''} --mark ${markMaskText(d)}`,
  // xt_mark.c mark_mt: (skb->mark & mask) == mark, the mark as given (unmasked).
  match: (skb, d) => (((skb.mark & d.mask) >>> 0) === d.mark) !== d.invert,
});
