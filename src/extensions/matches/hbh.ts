/**
 * hbh match, IPv6 only (iptables 1.8.9 extensions/libip6t_hbh.c;
 * net/ipv6/netfilter/ip6t_hbh.c): the Hop-by-Hop Options header.
 * [!] --hbh-len length (the header's whole length in bytes) and
 * --hbh-opts TYPE[:LEN],... (at most 16): the header's first options, in
 * order. The kernel module serves the dst match too (dst.ts): the same
 * structure (struct ip6t_opts) and packet function, looking for the
 * Destination Options header instead; only the user-space messages differ.
 */
import type { Skb } from '../../engine/skb';
import { FINDHDR_ENOENT, FindHdrResult, ipv6FindHdr, NEXTHDR_HOP } from '../../wire/ipv6';
import { paramError } from '../../util/errors';
import { defineMatch, type MatchExtension } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

/** include/uapi/linux/netfilter_ipv6/ip6t_opts.h */
export const IP6T_OPTS_LEN = 0x01;
export const IP6T_OPTS_OPTS = 0x02;
export const IP6T_OPTS_INV_LEN = 0x01;
export const IP6T_OPTS_OPTSNR = 16;

/** struct ip6t_opts: each of opts[] is type << 8 | length, length 0xff meaning "any". */
export interface OptsInfo {
  hdrlen: number;
  flags: number;
  invflags: number;
  opts: number[];
  xflags: number;
}

/**
 * C strtoul(s, &ep, 0) on an unsigned long of 64 bits: leading white space,
 * a sign (negative values wrap), 0x / 0 prefixes; saturates with ERANGE.
 * Returns the value, how many characters were used (0: no digits) and
 * whether it overflowed.
 */
function cStrtoul(s: string): { value: bigint; used: number; erange: boolean } {
  let i = 0;
  while (i < s.length && /[ \t\n\v\f\r]/.test(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') { neg = s[i] === '-'; i++; }
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) { base = 16; i += 2; } else if (s[i] === '0') base = 8;
  const start = i;
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 36);
    if (Number.isNaN(d) || d >= base) break;
    v = v * BigInt(base) + BigInt(d);
  }
  if (i === start) return { value: 0n, used: 0, erange: false };
  const max = 0xffffffffffffffffn;
  if (v > max) return { value: max, used: i, erange: true };
  return { value: neg ? (max + 1n - v) & max : v, used: i, erange: false };
}

/** parse_opts_num of libip6t_hbh.c / libip6t_dst.c, which prefix some messages with the extension name. */
function parseOptsNum(ext: string, idstr: string, typestr: string): number {
  const r = cStrtoul(idstr);
  if (r.used === 0) paramError(`${ext}: no valid digits in ${typestr} \`${idstr}'`);
  if (r.erange) paramError(`${typestr} \`${idstr}' specified too big: would overflow`);
  if (idstr !== '' && r.used !== idstr.length) paramError(`${ext}: error parsing ${typestr} \`${idstr}'`);
  return Number(r.value & 0xffn);
}

/**
 * parse_options: TYPE[:LEN] items split at ','. A type stored as 0 (Pad1,
 * or any multiple of 256) cannot take a length; a length on the 16th item
 * is refused ("ports" sic); more than 16 items are refused ("addresses" sic)
 * once the first 16 have been read.
 */
function parseOptions(ext: string, pad0Msg: string, arg: string): number[] {
  const items = arg.split(',');
  const opts: number[] = [];
  for (let i = 0; i < items.length && i < IP6T_OPTS_OPTSNR; i++) {
    const it = items[i];
    const colon = it.indexOf(':');
    if (colon >= 0 && i === IP6T_OPTS_OPTSNR - 1) paramError('too many ports specified');
    const type = parseOptsNum(ext, colon >= 0 ? it.slice(0, colon) : it, 'opt');
    let o = type << 8;
    if (colon >= 0) {
      if (o === 0) paramError(pad0Msg);
      o |= parseOptsNum(ext, it.slice(colon + 1), 'length');
    } else {
      o |= 0xff;
    }
    opts.push(o);
  }
  if (items.length > IP6T_OPTS_OPTSNR) paramError('too many addresses specified');
  return opts;
}

/** print_options: " T[:L],T[:L]...", the length left out when it is 0xff. */
function printOptions(opts: readonly number[]): string {
  let s = '';
  opts.forEach((o, i) => {
    s += (i === 0 ? ' ' : ',') + (o >> 8);
    if ((o & 0xff) !== 0xff) s += `:${o & 0xff}`;
  });
  return s;
}

const FH = new FindHdrResult();

/**
 * ip6t_hbh.c hbh_mt6 for the header type `nexthdr`: ipv6_find_hdr (no such
 * header: no match; a walk error: hotdrop); a header whose length runs past
 * the packet: hotdrop. --hbh-len compares the header's length,
 * (hdrlen + 1) * 8. --hbh-opts walks the options from the start of the
 * header: each listed type must be the next option's type (and its length
 * byte equal the listed one, unless that is 0xff); Pad1 (type 0) is one
 * byte, others their length + 2. Running out of header before the list
 * ends is no match, except that the last listed option need not fit.
 */
export function optsMatch(skb: Skb, d: OptsInfo, nexthdr: number): boolean {
  const v = skb.view;
  const b = v.buf;
  const end = v.ipEnd;
  const err = ipv6FindHdr(b, v.l3, end, nexthdr, 0, FH);
  if (err < 0) {
    if (err !== FINDHDR_ENOENT) skb.hotdrop = true;
    return false;
  }
  let ptr = FH.offset;
  if (ptr + 2 > end) { skb.hotdrop = true; return false; }
  let hdrlen = (b[ptr + 1] + 1) << 3;
  // A header running past the packet: hotdrop since "netfilter: ip6tables:
  // mark malformed IPv6 extension headers for hotdrop" (2026, in the 6.18
  // stable series this was checked on); before it, just no match.
  if (end - ptr < hdrlen) { skb.hotdrop = true; return false; }
  const ret = (d.flags & IP6T_OPTS_LEN) === 0 || (d.hdrlen === hdrlen) !== ((d.invflags & IP6T_OPTS_INV_LEN) !== 0);
  if ((d.flags & IP6T_OPTS_OPTS) === 0) return ret;
  ptr += 2;
  hdrlen -= 2;
  const n = d.opts.length;
  let i = 0;
  for (; i < n; i++) {
    if (hdrlen < 1 || ptr + 1 > end) break;
    const type = b[ptr];
    const want = d.opts[i];
    if (type !== want >> 8) return false;
    let optlen: number;
    if (type !== 0) {
      if (hdrlen < 2 || ptr + 2 > end) break;
      const len = b[ptr + 1];
      const specLen = want & 0xff;
      if (specLen !== 0xff && specLen !== len) return false;
      optlen = len + 2;
    } else {
      optlen = 1;
    }
    // Only a non-last option must fit in what is left of the header.
    if ((ptr + optlen > end || hdrlen < optlen) && i < n - 1) break;
    ptr += optlen;
    hdrlen -= optlen;
  }
  return i === n ? ret : false;
}

/** The hbh and dst matches differ only in names, messages and the header they look for. */
export function makeOptsMatch(name: 'hbh' | 'dst', nexthdr: number, pad0Msg: string): MatchExtension {
  const lenOpt = `${name}-len`;
  const optsOpt = `${name}-opts`;
  const OPTS: readonly XtOption[] = [
    { name: lenOpt, id: 0, type: 'u32', invert: true },
    { name: optsOpt, id: 1, type: 'string' },
  ];
  return defineMatch<OptsInfo>({
    kind: 'match',
    name,
    family: 6,
    options: optionSpecs(OPTS),
    init: () => ({ hdrlen: 0, flags: 0, invflags: 0, opts: [], xflags: 0 }),
    parse(opt, arg, invert, d) {
      const n = xtParse(name, OPTS, opt, arg, invert, d);
      if (opt === lenOpt) {
        d.hdrlen = n;
        if (invert) d.invflags |= IP6T_OPTS_INV_LEN;
        d.flags |= IP6T_OPTS_LEN;
      } else {
        d.opts = parseOptions(name, pad0Msg, arg!);
        d.flags |= IP6T_OPTS_OPTS;
      }
    },
    finalCheck(d) { xtFcheck(name, OPTS, d.xflags); },
    print(d) {
      let s = ' ' + name;
      if (d.flags & IP6T_OPTS_LEN) s += ` length:${d.invflags & IP6T_OPTS_INV_LEN ? '!' : ''}${d.hdrlen}`;
      if (d.flags & IP6T_OPTS_OPTS) s += ' opts';
      return s + printOptions(d.opts);
    },
    save(d) {
      let s = '';
      if (d.flags & IP6T_OPTS_LEN) s += `${d.invflags & IP6T_OPTS_INV_LEN ? ' !' : ''} --${lenOpt} ${d.hdrlen}`;
      if (d.flags & IP6T_OPTS_OPTS) s += ` --${optsOpt}`;
      return s + printOptions(d.opts);
    },
    match: (skb, d) => optsMatch(skb, d, nexthdr),
  });
}

export const hbh = makeOptsMatch('hbh', NEXTHDR_HOP, 'PAD0 has not got length');
