/**
 * connmark match, revision 1 (extensions/libxt_connmark.c;
 * net/netfilter/xt_connmark.c): [!] --mark value[/mask] on the
 * connection's mark. Same syntax as mark; -L spells it differently
 * ("connmark match  0x1", "connmark match ! 0x1").
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { markMaskText, type MarkInfo } from './mark';
import { xtMarkMask, xtOnce } from './guided';

export const connmark = defineMatch<MarkInfo>({
  kind: 'match',
  name: 'connmark',
  revision: 1,
  family: 0,
  options: [{ name: 'mark', arg: 'required' }],
  init: () => ({ mark: 0, mask: 0xffffffff, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('connmark', 'mark', d.seen, invert, true);
    const r = xtMarkMask('connmark', 'mark', arg!);
    d.mark = r.value; d.mask = r.mask; d.invert = invert;
  },
  finalCheck(d) {
    if (!d.seen.has('mark')) paramError('connmark: option "--mark" must be specified\n');
  },
  print: (d) => ` connmark match ${d.invert ? '!' : ''} ${markMaskText(d)}`,
  save: (d) => `${d.invert ? ' !' : ''} --mark ${markMaskText(d)}`,
});
