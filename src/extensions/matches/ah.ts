/**
 * ah match. IPv4 (extensions/libipt_ah.c; net/ipv4/netfilter/ipt_ah.c):
 * [!] --ahspi, needs "-p ah". IPv6 (extensions/libip6t_ah.c;
 * net/ipv6/netfilter/ip6t_ah.c) matches the extension header anywhere in
 * the chain, so no -p is needed, and adds [!] --ahlen and --ahres. Both
 * print " ah " and then the fields without separating spaces, as the C does.
 */
import type { Skb } from '../../engine/skb';
import { get32 } from '../../wire/checksum';
import { FindHdrResult, ipv6FindHdr } from '../../wire/ipv6';
import { defineMatch } from '../types';
import { parseSpis, printSpis, saveSpis } from './esp';
import { xtOnce, xtUint } from '../xtoptions';

export interface AhInfo {
  seen: Set<string>;
  spis: [number, number];
  invert: boolean;
  len: number;
  invLen: boolean;
  res: boolean;
}

const init = (): AhInfo => ({ seen: new Set(), spis: [0, 0xffffffff], invert: false, len: 0, invLen: false, res: false });

export const ah = defineMatch<AhInfo>({
  kind: 'match',
  name: 'ah',
  family: 4,
  proto: 51,
  options: [{ name: 'ahspi', arg: 'required' }],
  init,
  parse(opt, arg, invert, d) {
    xtOnce('ah', opt, d.seen, invert, true);
    d.spis = parseSpis('ah', opt, arg!);
    d.invert = invert;
  },
  print: (d) => ' ah ' + printSpis('', d.spis, d.invert),
  save: (d) => saveSpis('ahspi', d.spis, d.invert),
  // ipt_ah.c ah_mt: not a later fragment; hotdrop without the 12-byte header.
  match(skb, d) {
    const v = skb.view;
    if (v.fragOffset !== 0) return false;
    if (v.l4 + 12 > v.ipEnd) { skb.hotdrop = true; return false; }
    const spi = get32(v.buf, v.l4 + 4);
    return (spi >= d.spis[0] && spi <= d.spis[1]) !== d.invert;
  },
});

const FH = new FindHdrResult();

/**
 * ip6t_ah.c ah_mt6: the AH header anywhere in the chain (ipv6_find_hdr
 * with NEXTHDR_AUTH; none: no match); hotdrop when it is cut short; SPI
 * range, the header length ((hdrlen + 2) * 4, when --ahlen is given) and
 * --ahres (reserved field zero).
 */
function ah6Match(skb: Skb, d: AhInfo): boolean {
  const v = skb.view;
  const b = v.buf;
  if (ipv6FindHdr(b, v.l3, v.ipEnd, 51, 0, FH) < 0) return false;
  const p = FH.offset;
  if (p + 12 > v.ipEnd) { skb.hotdrop = true; return false; }
  const spi = get32(b, p + 4);
  const hdrlen = (b[p + 1] + 2) << 2;
  // A header claiming more bytes than the packet holds is malformed: hotdrop (the 2026 "mark malformed
  // IPv6 extension headers for hotdrop" change to ip6t_ah.c; older kernels read on).
  if (p + hdrlen > v.ipEnd) { skb.hotdrop = true; return false; }
  if ((spi >= d.spis[0] && spi <= d.spis[1]) === d.invert) return false;
  if (d.len !== 0 && (d.len === hdrlen) === d.invLen) return false;
  if (d.res && (b[p + 2] | b[p + 3]) !== 0) return false;
  return true;
}

export const ah6 = defineMatch<AhInfo>({
  kind: 'match',
  name: 'ah',
  family: 6,
  options: [{ name: 'ahspi', arg: 'required' }, { name: 'ahlen', arg: 'required' }, { name: 'ahres', arg: 'none' }],
  init,
  parse(opt, arg, invert, d) {
    xtOnce('ah', opt, d.seen, invert, opt !== 'ahres');
    switch (opt) {
      case 'ahspi': d.spis = parseSpis('ah', opt, arg!); d.invert = invert; break;
      case 'ahlen': d.len = xtUint('ah', opt, arg!, 0, 0xffffffff); d.invLen = invert; break;
      case 'ahres': d.res = true; break;
    }
  },
  print(d) {
    let s = ' ah ' + printSpis('', d.spis, d.invert);
    if (d.len !== 0 || d.invLen) s += `length:${d.invLen ? '!' : ''}${d.len}`;
    if (d.res) s += ' reserved';
    return s;
  },
  save(d) {
    let s = saveSpis('ahspi', d.spis, d.invert);
    if (d.len !== 0 || d.invLen) s += `${d.invLen ? ' !' : ''} --ahlen ${d.len}`;
    if (d.res) s += ' --ahres';
    return s;
  },
  match: ah6Match,
});
