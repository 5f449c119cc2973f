/**
 * connmark match, revision 1 (extensions/libxt_connmark.c;
 * net/netfilter/xt_connmark.c): [!] --mark value[/mask] on the
 * connection's mark. Same syntax as mark; -L spells it differently
 * ("connmark match  0x1", "connmark match ! 0x1").
 */
import { defineMatch } from '../types';
import { markMaskText, type MarkInfo } from './mark';
import { xtMandatory, xtMarkMask, xtOnce } from '../xtoptions';

export const connmark = defineMatch<MarkInfo>({
  kind: 'match',
  needsConntrack: true,
  name: 'connmark',
  revision: 1,
  family: 0,
  options: [{ name: 'mark', arg: 'required' }],
  init: () => ({ mark: 0, mask: 0xffffffff, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('connmark', 'mark', d.seen, invert, true);
    const r = xtMarkMask('connmark', 'mark', arg!);
    d.mark = r.mark; d.mask = r.mask; d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('connmark', 'mark', d.seen),
  print: (d) => ` connmark match ${d.invert ? '!' : ''} ${markMaskText(d)}`,
  save: (d) => `${d.invert ? ' !' : ''} --mark ${markMaskText(d)}`,
  // xt_connmark.c connmark_mt: no entry (INVALID, UNTRACKED) never matches, inverted or not.
  match(skb, d) {
    if (skb.ct < 0) return false;
    return (((skb.net.conntrack.mark(skb.ct) & d.mask) >>> 0) === d.mark) !== d.invert;
  },
});
