/**
 * length match (extensions/libxt_length.c; net/netfilter/xt_length.c):
 * [!] --length min[:max] on the packet length (UINT16RC, no min <= max check).
 */
import { get16 } from '../../wire/checksum';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, xtUintRangePair, type Seen } from '../xtoptions';

export interface LengthInfo { min: number; max: number; invert: boolean; seen: Seen; }

const text = (d: LengthInfo): string => (d.min === d.max ? `${d.min}` : `${d.min}:${d.max}`);

export const length = defineMatch<LengthInfo>({
  kind: 'match',
  name: 'length',
  family: 0,
  options: [{ name: 'length', arg: 'required' }],
  init: () => ({ min: 0, max: 0, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('length', 'length', d.seen, invert, true);
    [d.min, d.max] = xtUintRangePair('length', 'length', arg!, 0xffff);
    d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('length', 'length', d.seen),
  print: (d) => ` length ${d.invert ? '!' : ''}${text(d)}`,
  save: (d) => `${d.invert ? ' !' : ''} --length ${text(d)}`,
  /**
   * xt_length.c: IPv4 tot_len; IPv6 payload_len + 40 (so a jumbogram,
   * payload_len 0, counts as 40).
   */
  match(skb, d) {
    const v = skb.view;
    const len = v.family === 4 ? get16(v.buf, v.l3 + 2) : get16(v.buf, v.l3 + 4) + 40;
    return (len >= d.min && len <= d.max) !== d.invert;
  },
});
