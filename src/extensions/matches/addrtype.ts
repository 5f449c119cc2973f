/**
 * addrtype match, revision 1 (extensions/libxt_addrtype.c;
 * net/netfilter/xt_addrtype.c): [!] --src-type / [!] --dst-type with a
 * comma list of route types, --limit-iface-in / --limit-iface-out. The
 * kernel (addrtype_mt_checkentry_v1) refuses limit-iface-out from
 * PREROUTING/INPUT, limit-iface-in from OUTPUT/POSTROUTING, and for IPv6
 * BROADCAST, BLACKHOLE and PROHIBIT/THROW/NAT/XRESOLVE (UNREACHABLE is fine).
 */
import { EINVAL_MSG } from '../../rules/validate';
import { HOOK_BIT } from '../../rules/model';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtOnce, type Seen } from '../xtoptions';

/** Bit i is 1 << RTN_* - 1 (linux/rtnetlink.h), printed in this order. */
const TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE',
  'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];
/** BROADCAST, BLACKHOLE, and everything from PROHIBIT up (the kernel tests ">= XT_ADDRTYPE_PROHIBIT"). */
const IPV6_UNSUPPORTED = (1 << 3) | (1 << 6) | ~((1 << 8) - 1);

export interface AddrtypeInfo { src: number; dst: number; invSrc: boolean; invDst: boolean; limitIn: boolean; limitOut: boolean; seen: Seen; }

function parseTypes(arg: string): number {
  let mask = 0;
  for (const t of arg.split(',')) {
    const i = TYPES.findIndex((n) => n.toLowerCase() === t.toLowerCase());
    if (i < 0) paramError(`addrtype: bad type "${t}"`);
    mask |= 1 << i;
  }
  return mask;
}

const list = (mask: number): string => TYPES.filter((_, i) => mask & (1 << i)).join(',');

const TABLE = [
  { name: 'src-type', excl: [] }, { name: 'dst-type', excl: [] },
  { name: 'limit-iface-in', excl: ['limit-iface-out'] }, { name: 'limit-iface-out', excl: ['limit-iface-in'] },
];

export const addrtype = defineMatch<AddrtypeInfo>({
  kind: 'match',
  name: 'addrtype',
  revision: 1,
  family: 0,
  options: [
    { name: 'src-type', arg: 'required' }, { name: 'dst-type', arg: 'required' },
    { name: 'limit-iface-in', arg: 'none' }, { name: 'limit-iface-out', arg: 'none' },
  ],
  init: () => ({ src: 0, dst: 0, invSrc: false, invDst: false, limitIn: false, limitOut: false, seen: new Set() }),
  parse(opt, arg, invert, d) {
    xtOnce('addrtype', opt, d.seen, invert, opt === 'src-type' || opt === 'dst-type');
    switch (opt) {
      case 'src-type': d.src = parseTypes(arg!); d.invSrc = invert; break;
      case 'dst-type': d.dst = parseTypes(arg!); d.invDst = invert; break;
      case 'limit-iface-in': d.limitIn = true; break;
      default: d.limitOut = true;
    }
  },
  finalCheck(d) {
    if (!d.seen.has('src-type') && !d.seen.has('dst-type')) paramError('addrtype: you must specify --src-type or --dst-type');
    xtFcheckNamed('addrtype', TABLE, d.seen);
  },
  print(d) {
    let s = ' ADDRTYPE match';
    if (d.src) s += ` src-type ${d.invSrc ? '!' : ''}${list(d.src)}`;
    if (d.dst) s += ` dst-type ${d.invDst ? '!' : ''}${list(d.dst)}`;
    if (d.limitIn) s += ' limit-in';
    if (d.limitOut) s += ' limit-out';
    return s;
  },
  save(d) {
    let s = '';
    if (d.src) s += `${d.invSrc ? ' !' : ''} --src-type ${list(d.src)}`;
    if (d.dst) s += `${d.invDst ? ' !' : ''} --dst-type ${list(d.dst)}`;
    if (d.limitIn) s += ' --limit-iface-in';
    if (d.limitOut) s += ' --limit-iface-out';
    return s;
  },
  check(d, ctx) {
    if (d.limitOut && ctx.hookMask & (HOOK_BIT.PREROUTING | HOOK_BIT.INPUT)) return EINVAL_MSG;
    if (d.limitIn && ctx.hookMask & (HOOK_BIT.POSTROUTING | HOOK_BIT.OUTPUT)) return EINVAL_MSG;
    if (ctx.family === 6 && (d.src | d.dst) & IPV6_UNSUPPORTED) return EINVAL_MSG;
    return null;
  },
});
