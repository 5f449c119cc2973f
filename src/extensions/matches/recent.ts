/**
 * recent match, revision 1 (extensions/libxt_recent.c;
 * net/netfilter/xt_recent.c). One of --set/--rcheck/--update/--remove is
 * required (and may be inverted); the others only modify it. The save form
 * always spells out --name (DEFAULT), --mask and the side.
 */
import { addrToString, prefixMask } from '../../util/addr';
import { EINVAL_MSG } from '../../rules/validate';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtHost, xtOnce, xtUint, type FcheckEntry } from '../xtoptions';

const OPS = ['set', 'rcheck', 'update', 'remove'] as const;
const OP_LABEL: Record<string, string> = { set: 'SET', rcheck: 'CHECK', update: 'UPDATE', remove: 'REMOVE' };

/** The option table's excl/also relations (recent_opts_v1), in table order. */
const TABLE: readonly FcheckEntry[] = [
  ...OPS.map((name) => ({ name, excl: OPS })),
  { name: 'seconds' }, { name: 'reap', also: ['seconds'] }, { name: 'hitcount' },
  { name: 'rttl', excl: ['set', 'remove'] }, { name: 'name' }, { name: 'rsource' }, { name: 'rdest' }, { name: 'mask' },
];

export interface RecentInfo {
  seen: Set<string>;
  op: string;
  invert: boolean;
  seconds: number;
  reap: boolean;
  hitcount: number;
  rttl: boolean;
  name: string;
  dest: boolean;
  mask: Uint8Array;
}

export const recent = defineMatch<RecentInfo>({
  kind: 'match',
  name: 'recent',
  revision: 1,
  family: 0,
  options: [
    ...OPS.map((name) => ({ name, arg: 'none' as const })),
    { name: 'seconds', arg: 'required' }, { name: 'reap', arg: 'none' }, { name: 'hitcount', arg: 'required' },
    { name: 'rttl', arg: 'none' }, { name: 'name', arg: 'required' }, { name: 'rsource', arg: 'none' },
    { name: 'rdest', arg: 'none' }, { name: 'mask', arg: 'required' },
  ],
  init: (ctx) => ({
    seen: new Set(), op: '', invert: false, seconds: 0, reap: false, hitcount: 0, rttl: false,
    name: 'DEFAULT', dest: false, mask: prefixMask(ctx.family, ctx.family === 4 ? 32 : 128),
  }),
  parse(opt, arg, invert, d, ctx) {
    // The four operations exclude each other via .excl, which
    // xtables_option_parse treats like a second use of the same option.
    const isOp = (OPS as readonly string[]).includes(opt);
    xtOnce('recent', opt, d.seen, invert, isOp);
    switch (opt) {
      case 'seconds': d.seconds = xtUint('recent', opt, arg!, 1, 0xffffffff); break;
      case 'hitcount': d.hitcount = xtUint('recent', opt, arg!, 0, 0xffffffff); break;
      case 'reap': d.reap = true; break;
      case 'rttl': d.rttl = true; break;
      // XTTYPE_STRING into a 200-byte field: silently cut to 199 bytes.
      case 'name': {
        const b = Buffer.from(arg!, 'utf8');
        d.name = b.length > 199 ? b.subarray(0, 199).toString('utf8') : arg!;
        break;
      }
      case 'rsource': d.dest = false; break;
      case 'rdest': d.dest = true; break;
      case 'mask': d.mask = xtHost(ctx.family, arg!); break;
      default: d.op = opt; if (invert) d.invert = true;
    }
  },
  finalCheck(d) {
    if (!d.op) paramError("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
    xtFcheckNamed('recent', TABLE, d.seen);
  },
  // xt_recent.c recent_mt_check.
  check(d) {
    if ((d.op === 'set' || d.op === 'remove') && (d.seconds || d.hitcount || d.rttl || d.reap)) return EINVAL_MSG;
    if (d.hitcount > 65535) return EINVAL_MSG;
    if (d.name === '' || d.name === '.' || d.name === '..' || d.name.includes('/')) return EINVAL_MSG;
    return null;
  },
  print(d) {
    let s = `${d.invert ? ' !' : ''} recent: ${OP_LABEL[d.op]}`;
    if (d.seconds) s += ` seconds: ${d.seconds}`;
    if (d.reap) s += ' reap';
    if (d.hitcount) s += ` hit_count: ${d.hitcount}`;
    if (d.rttl) s += ' TTL-Match';
    return s + ` name: ${d.name} side: ${d.dest ? 'dest' : 'source'} mask: ${addrToString(d.mask)}`;
  },
  save(d) {
    let s = `${d.invert ? ' !' : ''} --${d.op}`;
    if (d.seconds) s += ` --seconds ${d.seconds}`;
    if (d.reap) s += ' --reap';
    if (d.hitcount) s += ` --hitcount ${d.hitcount}`;
    if (d.rttl) s += ' --rttl';
    return s + ` --name ${d.name} --mask ${addrToString(d.mask)} ${d.dest ? '--rdest' : '--rsource'}`;
  },
});
