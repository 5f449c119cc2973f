/**
 * helper match (extensions/libxt_helper.c; net/netfilter/xt_helper.c):
 * [!] --helper name, mandatory. The name lives in a 30-byte field, so
 * longer names are cut to 29 bytes; save quotes it (xtables_save_string).
 */
import { saveString } from '../../util/quote';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce } from '../xtoptions';

export interface HelperInfo {
  seen: Set<string>;
  name: string;
  invert: boolean;
}

/** XTTYPE_STRING into a field of `size` bytes: silently cut to size-1 bytes. */
export function cutString(s: string, size: number): string {
  const b = Buffer.from(s, 'utf8');
  return b.length >= size ? b.subarray(0, size - 1).toString('utf8') : s;
}

export const helper = defineMatch<HelperInfo>({
  kind: 'match',
  needsConntrack: true,
  name: 'helper',
  family: 0,
  options: [{ name: 'helper', arg: 'required' }],
  init: () => ({ seen: new Set(), name: '', invert: false }),
  parse(opt, arg, invert, d) {
    xtOnce('helper', opt, d.seen, invert, true);
    d.name = cutString(arg!, 30);
    d.invert = invert;
  },
  finalCheck(d) {
    xtMandatory('helper', 'helper', d.seen);
  },
  print: (d) => ` helper match ${d.invert ? '! ' : ''}"${d.name}"`,
  save: (d) => `${d.invert ? ' !' : ''} --helper${saveString(d.name)}`,
  /**
   * xt_helper.c helper_mt looks at the helper of the connection's master
   * (a connection made from an expectation); without one the answer is the
   * inversion flag. No conntrack helper or expectation exists in this
   * model yet, so that is always the answer (even for --helper "").
   */
  match: (_skb, d) => d.invert,
});
