/**
 * iprange match, revision 1 (extensions/libxt_iprange.c;
 * net/netfilter/xt_iprange.c): [!] --src-range / [!] --dst-range
 * "from[-to]". Addresses are numeric only (xtables_numeric_to_ipaddr:
 * dotted parts in base 0, missing trailing parts 0; inet_pton for IPv6).
 */
import type { Family } from '../../rules/model';
import { addrToString, parseIPv4, parseIPv6 } from '../../util/addr';
import { paramError } from '../../util/errors';
import { defineMatch, type ParseContext } from '../types';
import { xtOnce, type Seen } from '../xtoptions';

interface Range { from: Uint8Array; to: Uint8Array; invert: boolean; }

export interface IprangeInfo { src?: Range; dst?: Range; seen: Seen; }

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function parseRange(family: Family, opt: string, arg: string, ctx: ParseContext): Range {
  const dash = arg.indexOf('-');
  const parts = dash < 0 ? [arg, arg] : [arg.slice(0, dash), arg.slice(dash + 1)];
  const addrs = parts.map((p) => {
    const a = family === 4 ? parseIPv4(p) : parseIPv6(p);
    if (!a) paramError(`iprange: Bad value for "--${opt}" option: "${p}"`);
    return a;
  });
  if (cmp(addrs[0], addrs[1]) > 0) {
    // libxt_iprange warns on stderr and goes on.
    ctx.warn(`xt_iprange: range ${arg} is reversed and will never match\n`);
  }
  return { from: addrs[0], to: addrs[1], invert: false };
}

/** Packet bytes at off against a bound: <0, 0, >0 (big-endian, as ntohl / iprange_ipv6_lt compare). */
function cmpAt(buf: Uint8Array, off: number, a: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (buf[off + i] !== a[i]) return buf[off + i] - a[i];
  return 0;
}

/** xt_iprange.c iprange_mt4/6: outside [from, to] XOR the inversion fails. */
function inRange(buf: Uint8Array, off: number, r: Range): boolean {
  return (cmpAt(buf, off, r.from) >= 0 && cmpAt(buf, off, r.to) <= 0) !== r.invert;
}

const text = (r: Range): string => `${addrToString(r.from)}-${addrToString(r.to)}`;

export const iprange = defineMatch<IprangeInfo>({
  kind: 'match',
  name: 'iprange',
  revision: 1,
  family: 0,
  options: [{ name: 'src-range', arg: 'required' }, { name: 'dst-range', arg: 'required' }],
  init: () => ({ seen: new Set() }),
  parse(opt, arg, invert, d, ctx) {
    xtOnce('iprange', opt, d.seen, invert, true);
    const r = parseRange(ctx.family, opt, arg!, ctx);
    r.invert = invert;
    if (opt === 'src-range') d.src = r; else d.dst = r;
  },
  finalCheck(d) {
    if (!d.src && !d.dst) paramError("iprange match: You must specify `--src-range' or `--dst-range'");
  },
  print(d) {
    let s = '';
    if (d.src) s += ` source IP range ${d.src.invert ? '! ' : ''}${text(d.src)}`;
    if (d.dst) s += ` destination IP range ${d.dst.invert ? '! ' : ''}${text(d.dst)}`;
    return s;
  },
  save(d) {
    let s = '';
    if (d.src) s += `${d.src.invert ? ' !' : ''} --src-range ${text(d.src)}`;
    if (d.dst) s += `${d.dst.invert ? ' !' : ''} --dst-range ${text(d.dst)}`;
    return s;
  },
  match(skb, d) {
    const v = skb.view;
    if (d.src && !inRange(v.buf, v.srcOff, d.src)) return false;
    if (d.dst && !inRange(v.buf, v.dstOff, d.dst)) return false;
    return true;
  },
});
