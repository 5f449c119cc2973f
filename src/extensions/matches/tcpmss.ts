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
});
