/**
 * tcpmss match (extensions/libxt_tcpmss.c; net/netfilter/xt_tcpmss.c):
 * [!] --mss min[:max] on the MSS option of TCP SYN packets. The kernel
 * match is registered for IPPROTO_TCP, so the rule needs -p tcp.
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, xtUintRangePair, type Seen } from '../xtoptions';

export interface TcpmssInfo { min: number; max: number; invert: boolean; seen: Seen; }

const text = (d: TcpmssInfo): string => (d.min === d.max ? `${d.min}` : `${d.min}:${d.max}`);

export const tcpmss = defineMatch<TcpmssInfo>({
  kind: 'match',
  name: 'tcpmss',
  family: 0,
  proto: 6,
  options: [{ name: 'mss', arg: 'required' }],
  init: () => ({ min: 0, max: 0, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('tcpmss', 'mss', d.seen, invert, true);
    [d.min, d.max] = xtUintRangePair('tcpmss', 'mss', arg!, 0xffff);
    // libxt_tcpmss rejects a reversed range (length does not).
    if (d.min > d.max) paramError('tcpmss: invalid range given');
    d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('tcpmss', 'mss', d.seen),
  print: (d) => ` tcpmss match ${d.invert ? '!' : ''}${text(d)}`,
  save: (d) => `${d.invert ? ' !' : ''} --mss ${text(d)}`,
  /**
   * xt_tcpmss.c tcpmss_mt: the first well-formed MSS option decides; none
   * (or no options) gives the inversion flag; a header or options area not
   * in the packet, or a data offset below 5, hotdrops.
   */
  match(skb, d) {
    const v = skb.view;
    const b = v.buf;
    const l4 = v.l4;
    if (l4 + 20 > v.ipEnd) { skb.hotdrop = true; return false; }
    const doff = (b[l4 + 12] >> 4) << 2;
    if (doff < 20) { skb.hotdrop = true; return false; }
    const optlen = doff - 20;
    if (optlen === 0) return d.invert;
    const op = l4 + 20;
    if (op + optlen > v.ipEnd) { skb.hotdrop = true; return false; }
    for (let i = 0; i < optlen;) {
      if (b[op + i] === 2 && optlen - i >= 4 && b[op + i + 1] === 4) {
        const mss = (b[op + i + 2] << 8) | b[op + i + 3];
        return (mss >= d.min && mss <= d.max) !== d.invert;
      }
      if (b[op + i] < 2) i++;
      else {
        const len = op + i + 1 < v.ipEnd ? b[op + i + 1] : 0;
        i += len === 0 ? 1 : len;
      }
    }
    return d.invert;
  },
});
