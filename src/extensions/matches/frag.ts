/**
 * frag match, IPv6 only (iptables 1.8.9 extensions/libip6t_frag.c;
 * net/ipv6/netfilter/ip6t_frag.c): the Fragment header anywhere in the
 * chain. [!] --fragid id[:id], [!] --fraglen length (stored and printed,
 * never tested by the kernel), --fragres, --fragfirst, and one of
 * --fragmore / --fraglast.
 *
 * -L leaves out the id range only when it is the full range and not
 * inverted; -S / save leave out the full range even when inverted (so an
 * inverted full range shows in -L but not in -S), as 1.8.9 does.
 */
import type { Skb } from '../../engine/skb';
import { FINDHDR_ENOENT, FindHdrResult, ipv6FindHdr, NEXTHDR_FRAGMENT } from '../../wire/ipv6';
import { defineMatch } from '../types';
import { optionSpecs, xtFcheck, xtParse, xtUintRangePair, type XtOption } from '../xtoptions';

/** include/uapi/linux/netfilter_ipv6/ip6t_frag.h flags and invflags. */
export const IP6T_FRAG_IDS = 0x01;
export const IP6T_FRAG_LEN = 0x02;
export const IP6T_FRAG_RES = 0x04;
export const IP6T_FRAG_FST = 0x08;
export const IP6T_FRAG_MF = 0x10;
export const IP6T_FRAG_NMF = 0x20;
export const IP6T_FRAG_INV_IDS = 0x01;
export const IP6T_FRAG_INV_LEN = 0x02;

const O_FRAGMORE = 4;
const O_FRAGLAST = 5;
const OPTS: readonly XtOption[] = [
  { name: 'fragid', id: 0, type: 'other', invert: true },
  { name: 'fraglen', id: 1, type: 'u32', invert: true },
  { name: 'fragres', id: 2, type: 'none' },
  { name: 'fragfirst', id: 3, type: 'none' },
  { name: 'fragmore', id: O_FRAGMORE, type: 'none', excl: 1 << O_FRAGLAST },
  { name: 'fraglast', id: O_FRAGLAST, type: 'none', excl: 1 << O_FRAGMORE },
];

/** struct ip6t_frag, plus the option bookkeeping (xflags). */
export interface FragInfo {
  ids: [number, number];
  hdrlen: number;
  flags: number;
  invflags: number;
  xflags: number;
}

const FH = new FindHdrResult();

/**
 * ip6t_frag.c frag_mt6: ipv6_find_hdr(NEXTHDR_FRAGMENT); no header: no
 * match (any other walk error hotdrops); fewer than 8 bytes of it: hotdrop.
 * Then the identification in the range XOR inversion, and the flag tests:
 * reserved (the reserved byte and the 2 reserved bits of frag_off) zero,
 * offset zero (first), MF set (more), MF clear (last).
 */
export function fragMatch(skb: Skb, d: FragInfo): boolean {
  const v = skb.view;
  const b = v.buf;
  const err = ipv6FindHdr(b, v.l3, v.ipEnd, NEXTHDR_FRAGMENT, 0, FH);
  if (err < 0) {
    if (err !== FINDHDR_ENOENT) skb.hotdrop = true;
    return false;
  }
  const p = FH.offset;
  if (p + 8 > v.ipEnd) { skb.hotdrop = true; return false; }
  const fragOff = (b[p + 2] << 8) | b[p + 3];
  const id = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
  if ((id >= d.ids[0] && id <= d.ids[1]) === ((d.invflags & IP6T_FRAG_INV_IDS) !== 0)) return false;
  const f = d.flags;
  if (f & IP6T_FRAG_RES && (b[p + 1] !== 0 || (fragOff & 0x6) !== 0)) return false;
  if (f & IP6T_FRAG_FST && (fragOff & ~0x7) !== 0) return false;
  if (f & IP6T_FRAG_MF && (fragOff & 1) === 0) return false;
  if (f & IP6T_FRAG_NMF && (fragOff & 1) !== 0) return false;
  return true;
}

const fullIds = (d: FragInfo): boolean => d.ids[0] === 0 && d.ids[1] === 0xffffffff;

export const frag = defineMatch<FragInfo>({
  kind: 'match',
  name: 'frag',
  family: 6,
  options: optionSpecs(OPTS),
  init: () => ({ ids: [0, 0xffffffff], hdrlen: 0, flags: 0, invflags: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const n = xtParse('frag', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'fragid':
        d.ids = xtUintRangePair('frag', opt, arg!, 0xffffffff);
        if (invert) d.invflags |= IP6T_FRAG_INV_IDS;
        d.flags |= IP6T_FRAG_IDS;
        break;
      case 'fraglen':
        d.hdrlen = n;
        if (invert) d.invflags |= IP6T_FRAG_INV_LEN;
        d.flags |= IP6T_FRAG_LEN;
        break;
      case 'fragres': d.flags |= IP6T_FRAG_RES; break;
      case 'fragfirst': d.flags |= IP6T_FRAG_FST; break;
      case 'fragmore': d.flags |= IP6T_FRAG_MF; break;
      case 'fraglast': d.flags |= IP6T_FRAG_NMF; break;
    }
  },
  finalCheck(d) { xtFcheck('frag', OPTS, d.xflags); },
  print(d) {
    let s = ' frag ';
    const inv = d.invflags & IP6T_FRAG_INV_IDS ? '!' : '';
    if (!fullIds(d) || inv) s += d.ids[0] === d.ids[1] ? `id:${inv}${d.ids[0]}` : `ids:${inv}${d.ids[0]}:${d.ids[1]}`;
    if (d.flags & IP6T_FRAG_LEN) s += ` length:${d.invflags & IP6T_FRAG_INV_LEN ? '!' : ''}${d.hdrlen}`;
    return s + flagWords(d.flags, ['reserved', 'first', 'more', 'last']);
  },
  save(d) {
    let s = '';
    if (!fullIds(d)) {
      s += `${d.invflags & IP6T_FRAG_INV_IDS ? ' !' : ''} --fragid ${d.ids[0] === d.ids[1] ? d.ids[0] : `${d.ids[0]}:${d.ids[1]}`}`;
    }
    if (d.flags & IP6T_FRAG_LEN) s += `${d.invflags & IP6T_FRAG_INV_LEN ? ' !' : ''} --fraglen ${d.hdrlen}`;
    return s + flagWords(d.flags, ['--fragres', '--fragfirst', '--fragmore', '--fraglast']);
  },
  match: fragMatch,
});

/** The RES, FST, MF, NMF flags as words, in that order, each after a space. */
function flagWords(flags: number, words: readonly [string, string, string, string]): string {
  let s = '';
  if (flags & IP6T_FRAG_RES) s += ' ' + words[0];
  if (flags & IP6T_FRAG_FST) s += ' ' + words[1];
  if (flags & IP6T_FRAG_MF) s += ' ' + words[2];
  if (flags & IP6T_FRAG_NMF) s += ' ' + words[3];
  return s;
}
