/**
 * connlimit match, revision 1 (extensions/libxt_connlimit.c;
 * net/netfilter/xt_connlimit.c). "! --connlimit-upto N" is stored as
 * "--connlimit-above N" and vice versa, so save never prints "!". The mask
 * and the address side are always saved.
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtOnce, xtPlenMask, xtUint, type FcheckEntry } from '../xtoptions';

const TABLE: readonly FcheckEntry[] = [
  { name: 'connlimit-upto', excl: ['connlimit-above'] },
  { name: 'connlimit-above', excl: ['connlimit-upto'] },
  { name: 'connlimit-mask' },
  { name: 'connlimit-saddr', excl: ['connlimit-daddr'] },
  { name: 'connlimit-daddr', excl: ['connlimit-saddr'] },
];

export interface ConnlimitInfo {
  seen: Set<string>;
  limit: number;
  /** XT_CONNLIMIT_INVERT: match while at most `limit` (upto). */
  upto: boolean;
  bits: number;
  daddr: boolean;
}

export const connlimit = defineMatch<ConnlimitInfo>({
  kind: 'match',
  name: 'connlimit',
  revision: 1,
  family: 0,
  options: TABLE.map((e) => ({ name: e.name, arg: e.name.endsWith('addr') ? 'none' as const : 'required' as const })),
  init: (ctx) => ({ seen: new Set(), limit: 0, upto: false, bits: ctx.family === 4 ? 32 : 128, daddr: false }),
  parse(opt, arg, invert, d, ctx) {
    xtOnce('connlimit', opt, d.seen, invert, opt === 'connlimit-upto' || opt === 'connlimit-above');
    switch (opt) {
      case 'connlimit-upto':
      case 'connlimit-above':
        d.limit = xtUint('connlimit', opt, arg!, 0, 0xffffffff);
        d.upto = (opt === 'connlimit-upto') !== invert;
        break;
      case 'connlimit-mask': d.bits = xtPlenMask('connlimit', opt, ctx.family, arg!); break;
      case 'connlimit-saddr': d.daddr = false; break;
      case 'connlimit-daddr': d.daddr = true; break;
    }
  },
  finalCheck(d) {
    if (!d.seen.has('connlimit-upto') && !d.seen.has('connlimit-above')) {
      paramError('You must specify "--connlimit-above" or "--connlimit-upto".');
    }
    xtFcheckNamed('connlimit', TABLE, d.seen);
  },
  print: (d) => ` #conn ${d.daddr ? 'dst' : 'src'}/${d.bits} ${d.upto ? '<=' : '>'} ${d.limit}`,
  save: (d) => ` --connlimit-${d.upto ? 'upto' : 'above'} ${d.limit} --connlimit-mask ${d.bits} --connlimit-${d.daddr ? 'd' : 's'}addr`,
});
