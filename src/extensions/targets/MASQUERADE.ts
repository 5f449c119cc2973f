/**
 * MASQUERADE target (iptables 1.8.9 extensions/libxt_NAT.c; kernel
 * net/netfilter/xt_MASQUERADE.c): --to-ports port[-port], --random,
 * --random-fully. Its kernel structure has no base port: "/base" is
 * accepted and prints as /0. Only in the nat table from POSTROUTING.
 */
import { defineTarget } from '../types';
import { natMasquerade } from '../../nat/masquerade';
import {
  emptyRange, natPrint, NF_NAT_RANGE_PROTO_RANDOM, NF_NAT_RANGE_PROTO_RANDOM_FULLY, parsePorts, portsAllowed, type NatRange,
} from './natrange';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const OPTS: readonly XtOption[] = [
  { name: 'to-ports', id: 0, type: 'other' },
  { name: 'random', id: 1, type: 'none' },
  { name: 'random-fully', id: 2, type: 'none' },
];

interface MasqInfo { range: NatRange; xflags: number; }

export const MASQUERADE = defineTarget<MasqInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'MASQUERADE',
  family: 0,
  tables: ['nat'],
  hooks: ['POSTROUTING'],
  options: optionSpecs(OPTS),
  init: (ctx) => ({ range: emptyRange(ctx.family), xflags: 0 }),
  parse(opt, arg, invert, d, ctx) {
    xtParse('MASQUERADE', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'to-ports': parsePorts(arg!, portsAllowed(ctx.ip.proto), d.range, ctx.savedState); break;
      case 'random': d.range.flags |= NF_NAT_RANGE_PROTO_RANDOM; break;
      case 'random-fully': d.range.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY; break;
    }
  },
  finalCheck(d) { xtFcheck('MASQUERADE', OPTS, d.xflags); },
  print: (d, ctx) => natPrint(d.range, ctx.family, 'masq ports: ', '', true, false),
  save: (d, ctx) => natPrint(d.range, ctx.family, '--to-ports ', '--', true, false),
  // masquerade_tg / masquerade_tg6 (xt_MASQUERADE.c): nf_nat_masquerade_ipv4/ipv6 with the out device.
  target: (skb, d) => natMasquerade(skb, d.range),
});
