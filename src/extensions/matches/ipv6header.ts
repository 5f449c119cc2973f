/**
 * ipv6header match, IPv6 only (iptables 1.8.9
 * extensions/libip6t_ipv6header.c; net/ipv6/netfilter/ip6t_ipv6header.c):
 * [!] --header h1,h2,... [--soft] on the set of extension headers a packet
 * carries. Names are looked up in /etc/protocols first (hopopt, ipv6-route,
 * ipv6-frag, ah, esp, ipv6-nonxt, ipv6-opts, and also "ip", which is 0),
 * then in the module's own table (hop, dst, route, frag, auth, esp, none,
 * prot, hop-by-hop, protocol and the numbers 0 60 43 44 51 50 59 255).
 * "prot"/"protocol"/255 stand for "an upper-layer protocol follows".
 *
 * Without --soft the packet's set must equal the listed set (inverted: must
 * differ); with --soft every listed header must be present (inverted: none
 * of them may be), as ipv6header_mt6 computes it.
 */
import type { Skb } from '../../engine/skb';
import { EINVAL_MSG } from '../../rules/validate';
import { getprotobyname, getprotobynumber } from '../../util/netdb';
import { paramError } from '../../util/errors';
import { NEXTHDR_AUTH, NEXTHDR_DEST, NEXTHDR_ESP, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_NONE, NEXTHDR_ROUTING } from '../../wire/ipv6';
import { defineMatch } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

/** include/uapi/linux/netfilter_ipv6/ip6t_ipv6header.h */
export const MASK_HOPOPTS = 128;
export const MASK_DSTOPTS = 64;
export const MASK_ROUTING = 32;
export const MASK_FRAGMENT = 16;
export const MASK_AH = 8;
export const MASK_ESP = 4;
export const MASK_NONE = 2;
export const MASK_PROTO = 1;

const IPPROTO_RAW = 255;

/** chain_protos: the module's own names, searched after /etc/protocols (and for printing, first hit by number). */
const CHAIN_PROTOS: readonly [string, number][] = [
  ['hop-by-hop', 0], ['protocol', IPPROTO_RAW], ['hop', 0], ['dst', 60], ['route', 43], ['frag', 44],
  ['auth', 51], ['esp', 50], ['none', 59], ['prot', IPPROTO_RAW],
  ['0', 0], ['60', 60], ['43', 43], ['44', 44], ['51', 51], ['50', 50], ['59', 59], ['255', IPPROTO_RAW],
];

/** chain_flags: header number and its bit, in the order -L and -S list them. */
const CHAIN_FLAGS: readonly [number, number][] = [
  [0, MASK_HOPOPTS], [60, MASK_DSTOPTS], [43, MASK_ROUTING], [44, MASK_FRAGMENT],
  [51, MASK_AH], [50, MASK_ESP], [59, MASK_NONE], [IPPROTO_RAW, MASK_PROTO],
];

const OPTS: readonly XtOption[] = [
  { name: 'header', id: 0, type: 'string', invert: true, mand: true },
  { name: 'soft', id: 1, type: 'none' },
];

/** struct ip6t_ipv6header_info, plus the option bookkeeping (xflags). */
export interface Ipv6HeaderInfo {
  matchflags: number;
  /** 0 or 0xff */
  invflags: number;
  /** 0 or 0xff (--soft) */
  modeflag: number;
  xflags: number;
}

/** parse_header: strtok on ',' (empty words vanish), each word a name or number of a header. */
function parseHeader(arg: string): number {
  let ret = 0;
  for (const w of arg.split(',')) {
    if (w === '') continue;
    let proto = getprotobyname(w);
    if (proto === undefined) {
      const c = CHAIN_PROTOS.find(([n]) => n === w);
      if (!c) paramError(`unknown header \`${w}' specified`);
      proto = c[1];
    }
    // name_to_proto returns a uint16_t (mptcp, 262, survives as 262).
    proto &= 0xffff;
    const f = CHAIN_FLAGS.find(([p]) => p === proto);
    if (!f) paramError(`unknown header \`${proto}' specified`);
    ret |= f[1];
  }
  return ret;
}

/** proto_to_name(proto, 0): /etc/protocols by number (not for 0), else the module's table. */
function protoToName(proto: number): string {
  if (proto !== 0) {
    const n = getprotobynumber(proto);
    if (n) return n;
  }
  return CHAIN_PROTOS.find(([, p]) => p === proto)![0];
}

/** print_header: the set bits' names in chain_flags order, or "NONE". */
function printHeader(flags: number): string {
  const names: string[] = [];
  for (const [proto, bit] of CHAIN_FLAGS) if (flags & bit) names.push(protoToName(proto));
  return names.length ? names.join(',') : 'NONE';
}

/**
 * ipv6header_mt6: walk the chain from the fixed header as long as the next
 * header is an extension header in nf_ip6_ext_hdr's sense (ESP included),
 * collecting bits. NONE and ESP end the walk; fewer than 2 bytes left for
 * a header: no match. A fragment header is stepped over like the others,
 * even in a non-first fragment. The walk also stops once past the packet's
 * end. If it did not end at NONE or ESP, MASK_PROTO is set.
 */
export function ipv6headerMatch(skb: Skb, d: Ipv6HeaderInfo): boolean {
  const v = skb.view;
  const b = v.buf;
  const skbLen = v.ipEnd - v.l3;
  let nexthdr = b[v.l3 + 6];
  let ptr = 40;
  let len = skbLen - ptr;
  let temp = 0;
  while (nfIp6ExtHdr(nexthdr)) {
    if (nexthdr === NEXTHDR_NONE) { temp |= MASK_NONE; break; }
    if (len < 2) return false;
    if (nexthdr === NEXTHDR_ESP) { temp |= MASK_ESP; break; }
    const at = v.l3 + ptr;
    let hdrlen: number;
    if (nexthdr === NEXTHDR_FRAGMENT) hdrlen = 8;
    else if (nexthdr === NEXTHDR_AUTH) hdrlen = (b[at + 1] + 2) << 2;
    else hdrlen = (b[at + 1] + 1) << 3;
    switch (nexthdr) {
      case NEXTHDR_HOP: temp |= MASK_HOPOPTS; break;
      case NEXTHDR_ROUTING: temp |= MASK_ROUTING; break;
      case NEXTHDR_FRAGMENT: temp |= MASK_FRAGMENT; break;
      case NEXTHDR_AUTH: temp |= MASK_AH; break;
      case NEXTHDR_DEST: temp |= MASK_DSTOPTS; break;
    }
    nexthdr = b[at];
    len -= hdrlen;
    ptr += hdrlen;
    if (ptr > skbLen) break;
  }
  if (nexthdr !== NEXTHDR_NONE && nexthdr !== NEXTHDR_ESP) temp |= MASK_PROTO;
  if (d.modeflag) return ((temp ^ d.matchflags ^ d.invflags) & d.matchflags) === 0;
  return d.invflags ? temp !== d.matchflags : temp === d.matchflags;
}

/** include/linux/netfilter_ipv6.h nf_ip6_ext_hdr: ipv6_ext_hdr's set plus ESP. */
function nfIp6ExtHdr(n: number): boolean {
  return n === NEXTHDR_HOP || n === NEXTHDR_ROUTING || n === NEXTHDR_FRAGMENT || n === NEXTHDR_ESP ||
    n === NEXTHDR_AUTH || n === NEXTHDR_NONE || n === NEXTHDR_DEST;
}

export const ipv6header = defineMatch<Ipv6HeaderInfo>({
  kind: 'match',
  name: 'ipv6header',
  family: 6,
  options: optionSpecs(OPTS),
  init: () => ({ matchflags: 0, invflags: 0, modeflag: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    xtParse('ipv6header', OPTS, opt, arg, invert, d);
    if (opt === 'header') {
      d.matchflags = parseHeader(arg!);
      if (!d.matchflags) paramError('ip6t_ipv6header: cannot parse header names');
      if (invert) d.invflags = 0xff;
    } else {
      d.modeflag = 0xff;
    }
  },
  finalCheck(d) { xtFcheck('ipv6header', OPTS, d.xflags); },
  // ipv6header_mt6_check: without --soft, invflags must be all or nothing.
  check: (d) => (!d.modeflag && d.invflags !== 0 && d.invflags !== 0xff ? EINVAL_MSG : null),
  print(d, ctx) {
    let s = ' ipv6header';
    if (d.matchflags || d.invflags) {
      s += ` flags:${d.invflags ? '!' : ''}${ctx.numeric ? '0x' + d.matchflags.toString(16).toUpperCase().padStart(2, '0') : printHeader(d.matchflags)}`;
    }
    if (d.modeflag) s += ' soft';
    return s;
  },
  save: (d) => `${d.invflags ? ' !' : ''} --header ${printHeader(d.matchflags)}${d.modeflag ? ' --soft' : ''}`,
  match: ipv6headerMatch,
});
