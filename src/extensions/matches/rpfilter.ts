/**
 * rpfilter match (extensions/libxt_rpfilter.c; net/ipv4/netfilter/
 * ipt_rpfilter.c, net/ipv6/netfilter/ip6t_rpfilter.c). Four flags, none
 * invertible (--invert is the match's own inversion). The kernel allows it
 * only in the raw and mangle tables and only from PREROUTING.
 */
import type { Skb } from '../../engine/skb';
import { defineMatch } from '../types';
import { fibLookupAt, ifIndexOf, isLoopbackDev } from './addrtype';
import { xtOnce } from '../xtoptions';

/** Flags in the order print/save list them (XT_RPFILTER_* bit order). */
const FLAGS = ['loose', 'validmark', 'accept-local', 'invert'] as const;

export interface RpfilterInfo {
  seen: Set<string>;
}

/**
 * ipt_rpfilter.c rpfilter_lookup_reverse: route back to the source; it must
 * be unicast (or local with --accept-local) and leave through the input
 * device unless --loose. No policy rules exist in the host model, so the
 * mark (--validmark) cannot change the lookup.
 */
function reverse4(skb: Skb, loose: boolean, acceptLocal: boolean): boolean {
  const v = skb.view;
  const h = skb.net.host;
  const r = fibLookupAt(h, 4, v.buf, v.srcOff);
  if (r === null) return false;
  if (r.type !== 'unicast' && (r.type !== 'local' || !acceptLocal)) return false;
  return r.dev === ifIndexOf(h, skb.indev) || loose;
}

/**
 * ip6t_rpfilter.c rpfilter_lookup_reverse6: the lookup is bound to the
 * input device unless --loose, and always for a link-local source; reject
 * and anycast routes fail, local ones pass with --accept-local only.
 */
function reverse6(skb: Skb, loose: boolean, acceptLocal: boolean): boolean {
  const v = skb.view;
  const b = v.buf;
  const h = skb.net.host;
  const dev = ifIndexOf(h, skb.indev);
  const ll = b[v.srcOff] === 0xfe && (b[v.srcOff + 1] & 0xc0) === 0x80;
  const r = fibLookupAt(h, 6, b, v.srcOff, ll || !loose ? dev : 0, ll);
  if (r === null) return false;
  if (r.type === 'unreachable' || r.type === 'prohibit' || r.type === 'blackhole' || r.type === 'anycast') return false;
  if (r.type === 'local') return acceptLocal;
  return r.dev === dev || loose;
}

/** rpfilter_mt (both families). */
export function rpfilterMatch(skb: Skb, d: RpfilterInfo): boolean {
  const invert = d.seen.has('invert');
  // rpfilter_is_loopback: packets that came in on a loopback device pass.
  if (isLoopbackDev(skb.net.host, skb.indev)) return !invert;
  const v = skb.view;
  const b = v.buf;
  const loose = d.seen.has('loose');
  const acceptLocal = d.seen.has('accept-local');
  if (v.family === 4) {
    // 0.0.0.0/8 to the limited broadcast or 224.0.0.0/24 (DHCP and friends) passes.
    if (b[v.srcOff] === 0) {
      const o = v.dstOff;
      if ((b[o] === 255 && b[o + 1] === 255 && b[o + 2] === 255 && b[o + 3] === 255) || (b[o] === 224 && b[o + 1] === 0 && b[o + 2] === 0)) return !invert;
    }
    return reverse4(skb, loose, acceptLocal) !== invert;
  }
  let any = true;
  for (let i = 0; i < 16; i++) if (b[v.srcOff + i] !== 0) { any = false; break; }
  if (any) return !invert;
  return reverse6(skb, loose, acceptLocal) !== invert;
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
  match: rpfilterMatch,
});
