/**
 * rpfilter match (extensions/libxt_rpfilter.c; net/ipv4/netfilter/
 * ipt_rpfilter.c, net/ipv6/netfilter/ip6t_rpfilter.c). Four flags, none
 * invertible (--invert is the match's own inversion). The kernel allows it
 * only in the raw and mangle tables and only from PREROUTING.
 */
import { defineMatch } from '../types';
import { xtOnce } from '../xtoptions';

/** Flags in the order print/save list them (XT_RPFILTER_* bit order). */
const FLAGS = ['loose', 'validmark', 'accept-local', 'invert'] as const;

export interface RpfilterInfo {
  seen: Set<string>;
}

export const rpfilter = defineMatch<RpfilterInfo>({
  kind: 'match',
  name: 'rpfilter',
  family: 0,
  tables: ['raw', 'mangle'],
  hooks: ['PREROUTING'],
  options: FLAGS.map((name) => ({ name, arg: 'none' as const })),
  init: () => ({ seen: new Set() }),
  parse(opt, _arg, invert, d) {
    xtOnce('rpfilter', opt, d.seen, invert, false);
  },
  print: (d) => ' rpfilter' + FLAGS.filter((f) => d.seen.has(f)).map((f) => ` ${f}`).join(''),
  save: (d) => FLAGS.filter((f) => d.seen.has(f)).map((f) => ` --${f}`).join(''),
});
