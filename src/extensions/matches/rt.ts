/**
 * rt match, IPv6 only (iptables 1.8.9 extensions/libip6t_rt.c;
 * net/ipv6/netfilter/ip6t_rt.c): the Routing header (the first one in the
 * chain). [!] --rt-type type, [!] --rt-segsleft num[:num], [!] --rt-len
 * length, and for type 0 (RFC 2460's, deprecated by RFC 5095 but still
 * matched): --rt-0-res, --rt-0-addrs ADDR,... (at most 16) and
 * --rt-0-not-strict.
 *
 * Quirks kept from 1.8.9: --rt-type is a 32-bit number though the header's
 * field is a byte (so types above 255 never match), and -L prints it with
 * %d (4294967295 shows as -1); -L shows an inverted full segsleft range,
 * -S leaves it out. The --rt-0-* options must come after "--rt-type 0".
 */
import type { Skb } from '../../engine/skb';
import { EINVAL_MSG } from '../../rules/validate';
import { parseIPv6, ipv6ToString } from '../../util/addr';
import { paramError } from '../../util/errors';
import { FINDHDR_ENOENT, FindHdrResult, ipv6FindHdr, NEXTHDR_ROUTING } from '../../wire/ipv6';
import { defineMatch } from '../types';
import { optionSpecs, xtFcheck, xtParse, xtUintRangePair, type XtOption } from '../xtoptions';

/** include/uapi/linux/netfilter_ipv6/ip6t_rt.h */
export const IP6T_RT_HOPS = 16;
export const IP6T_RT_TYP = 0x01;
export const IP6T_RT_SGS = 0x02;
export const IP6T_RT_LEN = 0x04;
export const IP6T_RT_RES = 0x08;
export const IP6T_RT_FST_MASK = 0x30;
export const IP6T_RT_FST = 0x10;
export const IP6T_RT_FST_NSTRICT = 0x20;
export const IP6T_RT_INV_TYP = 0x01;
export const IP6T_RT_INV_SGS = 0x02;
export const IP6T_RT_INV_LEN = 0x04;
export const IP6T_RT_INV_MASK = 0x07;

const O_RT_TYPE = 0;
const O_RT0ADDRS = 4;
const OPTS: readonly XtOption[] = [
  { name: 'rt-type', id: O_RT_TYPE, type: 'u32', invert: true },
  { name: 'rt-segsleft', id: 1, type: 'other', invert: true },
  { name: 'rt-len', id: 2, type: 'u32', invert: true },
  { name: 'rt-0-res', id: 3, type: 'none' },
  { name: 'rt-0-addrs', id: O_RT0ADDRS, type: 'string' },
  { name: 'rt-0-not-strict', id: 5, type: 'none' },
];

/** struct ip6t_rt, plus the option bookkeeping (xflags). Addresses are 16 bytes each, back to back. */
export interface RtInfo {
  rtType: number;
  segsleft: [number, number];
  hdrlen: number;
  flags: number;
  invflags: number;
  addrs: Uint8Array;
  addrnr: number;
  xflags: number;
}

/** parse_addresses: inet_pton of each ','-separated word; the first 16 are read before "too many" is reported. */
function parseAddresses(arg: string, d: RtInfo): void {
  const words = arg.split(',');
  const n = Math.min(words.length, IP6T_RT_HOPS);
  const addrs = new Uint8Array(16 * IP6T_RT_HOPS);
  for (let i = 0; i < n; i++) {
    const a = parseIPv6(words[i]);
    if (!a) paramError(`bad address: ${words[i]}`);
    addrs.set(a, 16 * i);
  }
  if (words.length > IP6T_RT_HOPS) paramError('too many addresses specified');
  d.addrs = addrs;
  d.addrnr = n;
}

/** print_addresses: " a,b,..." with inet_ntop. */
function addrList(d: RtInfo): string {
  let s = '';
  for (let i = 0; i < d.addrnr; i++) s += (i === 0 ? ' ' : ',') + ipv6ToString(d.addrs.subarray(16 * i, 16 * i + 16));
  return s;
}

const FH = new FindHdrResult();

function addrEqual(b: Uint8Array, off: number, addrs: Uint8Array, i: number): boolean {
  const base = 16 * i;
  for (let k = 0; k < 16; k++) if (b[off + k] !== addrs[base + k]) return false;
  return true;
}

/**
 * ip6t_rt.c rt_mt6: ipv6_find_hdr(NEXTHDR_ROUTING) (none: no match; a walk
 * error: hotdrop); a header longer than the packet: hotdrop. Segments left
 * in the range XOR inversion, then the length ((hdrlen + 1) * 8) and type
 * when given, then (--rt-0-res) the 32-bit reserved word zero. With
 * --rt-0-addrs, the header's address list ((len - 8) / 16 addresses) is
 * compared: strict, it must be exactly the listed addresses; not strict,
 * the listed ones must appear in it in that order. A list longer than the
 * header's never matches.
 */
export function rtMatch(skb: Skb, d: RtInfo): boolean {
  const v = skb.view;
  const b = v.buf;
  const end = v.ipEnd;
  const err = ipv6FindHdr(b, v.l3, end, NEXTHDR_ROUTING, 0, FH);
  if (err < 0) {
    if (err !== FINDHDR_ENOENT) skb.hotdrop = true;
    return false;
  }
  const p = FH.offset;
  if (p + 4 > end) { skb.hotdrop = true; return false; }
  const hdrlen = (b[p + 1] + 1) << 3;
  // Past the packet's end: hotdrop (see hbh.ts; no match on older kernels).
  if (end - p < hdrlen) { skb.hotdrop = true; return false; }
  const type = b[p + 2];
  const segs = b[p + 3];
  let ret = (segs >= d.segsleft[0] && segs <= d.segsleft[1]) !== ((d.invflags & IP6T_RT_INV_SGS) !== 0) &&
    ((d.flags & IP6T_RT_LEN) === 0 || (d.hdrlen === hdrlen) !== ((d.invflags & IP6T_RT_INV_LEN) !== 0)) &&
    ((d.flags & IP6T_RT_TYP) === 0 || (d.rtType === type) !== ((d.invflags & IP6T_RT_INV_TYP) !== 0));
  if (ret && d.flags & IP6T_RT_RES) ret = (b[p + 4] | b[p + 5] | b[p + 6] | b[p + 7]) === 0;
  if ((d.flags & IP6T_RT_FST) === 0) return ret;
  // struct rt0_hdr: 8 bytes, then the addresses.
  const have = (hdrlen - 8) >>> 4;
  if (d.addrnr > have) return false;
  const a0 = p + 8;
  if (d.flags & IP6T_RT_FST_NSTRICT) {
    let i = 0;
    for (let t = 0; t < have; t++) {
      if (a0 + 16 * t + 16 > end) { skb.hotdrop = true; return false; }
      if (addrEqual(b, a0 + 16 * t, d.addrs, i)) i++;
      if (i === d.addrnr) break;
    }
    return i === d.addrnr ? ret : false;
  }
  let t = 0;
  for (; t < d.addrnr; t++) {
    if (a0 + 16 * t + 16 > end) { skb.hotdrop = true; return false; }
    if (!addrEqual(b, a0 + 16 * t, d.addrs, t)) break;
  }
  return t === d.addrnr && t === have ? ret : false;
}

const fullSegs = (d: RtInfo): boolean => d.segsleft[0] === 0 && d.segsleft[1] === 0xffffffff;
const typeRequired = (d: RtInfo, xflags: number): boolean => (xflags & (1 << O_RT_TYPE)) === 0 || d.rtType !== 0 || (d.invflags & IP6T_RT_INV_TYP) !== 0;

export const rt = defineMatch<RtInfo>({
  kind: 'match',
  name: 'rt',
  family: 6,
  options: optionSpecs(OPTS),
  init: () => ({ rtType: 0, segsleft: [0, 0xffffffff], hdrlen: 0, flags: 0, invflags: 0, addrs: new Uint8Array(0), addrnr: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const n = xtParse('rt', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'rt-type':
        d.rtType = n;
        if (invert) d.invflags |= IP6T_RT_INV_TYP;
        d.flags |= IP6T_RT_TYP;
        break;
      case 'rt-segsleft':
        d.segsleft = xtUintRangePair('rt', opt, arg!, 0xffffffff);
        if (invert) d.invflags |= IP6T_RT_INV_SGS;
        d.flags |= IP6T_RT_SGS;
        break;
      case 'rt-len':
        d.hdrlen = n;
        if (invert) d.invflags |= IP6T_RT_INV_LEN;
        d.flags |= IP6T_RT_LEN;
        break;
      case 'rt-0-res':
        if (typeRequired(d, d.xflags)) paramError("`--rt-type 0' required before `--rt-0-res'");
        d.flags |= IP6T_RT_RES;
        break;
      case 'rt-0-addrs':
        if (typeRequired(d, d.xflags)) paramError("`--rt-type 0' required before `--rt-0-addrs'");
        parseAddresses(arg!, d);
        d.flags |= IP6T_RT_FST;
        break;
      case 'rt-0-not-strict':
        if ((d.xflags & (1 << O_RT0ADDRS)) === 0) paramError("`--rt-0-addr ...' required before `--rt-0-not-strict'");
        d.flags |= IP6T_RT_FST_NSTRICT;
        break;
    }
  },
  finalCheck(d) { xtFcheck('rt', OPTS, d.xflags); },
  // rt_mt6_check: unknown inversion bits, or a type-0 test without "--rt-type 0".
  check(d) {
    if (d.invflags & ~IP6T_RT_INV_MASK) return EINVAL_MSG;
    if (d.flags & (IP6T_RT_RES | IP6T_RT_FST_MASK) && ((d.flags & IP6T_RT_TYP) === 0 || d.rtType !== 0 || d.invflags & IP6T_RT_INV_TYP)) return EINVAL_MSG;
    return null;
  },
  print(d) {
    let s = ' rt';
    if (d.flags & IP6T_RT_TYP) s += ` type:${d.invflags & IP6T_RT_INV_TYP ? '!' : ''}${d.rtType | 0}`;
    const inv = d.invflags & IP6T_RT_INV_SGS ? '!' : '';
    if (!fullSegs(d) || inv) {
      s += d.segsleft[0] === d.segsleft[1] ? ` segsleft:${inv}${d.segsleft[0]}` : ` segslefts:${inv}${d.segsleft[0]}:${d.segsleft[1]}`;
    }
    if (d.flags & IP6T_RT_LEN) s += ` length:${d.invflags & IP6T_RT_INV_LEN ? '!' : ''}${d.hdrlen}`;
    if (d.flags & IP6T_RT_RES) s += ' reserved';
    if (d.flags & IP6T_RT_FST) s += ' 0-addrs';
    s += addrList(d);
    if (d.flags & IP6T_RT_FST_NSTRICT) s += ' 0-not-strict';
    return s;
  },
  save(d) {
    let s = '';
    if (d.flags & IP6T_RT_TYP) s += `${d.invflags & IP6T_RT_INV_TYP ? ' !' : ''} --rt-type ${d.rtType}`;
    if (!fullSegs(d)) {
      const [lo, hi] = d.segsleft;
      s += `${d.invflags & IP6T_RT_INV_SGS ? ' !' : ''} --rt-segsleft ${lo === hi ? lo : `${lo}:${hi}`}`;
    }
    if (d.flags & IP6T_RT_LEN) s += `${d.invflags & IP6T_RT_INV_LEN ? ' !' : ''} --rt-len ${d.hdrlen}`;
    if (d.flags & IP6T_RT_RES) s += ' --rt-0-res';
    if (d.flags & IP6T_RT_FST) s += ' --rt-0-addrs';
    s += addrList(d);
    if (d.flags & IP6T_RT_FST_NSTRICT) s += ' --rt-0-not-strict';
    return s;
  },
  match: rtMatch,
});
