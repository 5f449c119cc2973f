/**
 * REDIRECT target (iptables 1.8.9 extensions/libxt_NAT.c; kernel
 * net/netfilter/xt_REDIRECT.c): --to-ports port[-port], --random.
 * Shifted ranges ("/base") are refused by its final check, as its kernel
 * structure cannot hold them. Only in the nat table from PREROUTING and OUTPUT.
 */
import { paramError } from '../../util/errors';
import { defineTarget } from '../types';
import { natRedirect } from '../../nat/masquerade';
import {
  emptyRange, natPrint, NF_NAT_RANGE_PROTO_OFFSET, NF_NAT_RANGE_PROTO_RANDOM, parsePorts, portsAllowed, type NatRange,
} from './natrange';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const OPTS: readonly XtOption[] = [
  { name: 'to-ports', id: 1, type: 'other' },
  { name: 'random', id: 2, type: 'none' },
];

interface RedirInfo { range: NatRange; xflags: number; }

export const REDIRECT = defineTarget<RedirInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'REDIRECT',
  family: 0,
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  options: optionSpecs(OPTS),
  init: (ctx) => ({ range: emptyRange(ctx.family), xflags: 0 }),
  parse(opt, arg, invert, d, ctx) {
    xtParse('REDIRECT', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'to-ports': parsePorts(arg!, portsAllowed(ctx.ip.proto), d.range, ctx.savedState); break;
      case 'random': d.range.flags |= NF_NAT_RANGE_PROTO_RANDOM; break;
    }
  },
  finalCheck(d) {
    if (d.range.flags & NF_NAT_RANGE_PROTO_OFFSET) paramError('Shifted portmap ranges not supported with this kernel');
    xtFcheck('REDIRECT', OPTS, d.xflags);
  },
  print: (d, ctx) => natPrint(d.range, ctx.family, 'redir ports ', '', true, false),
  save: (d, ctx) => natPrint(d.range, ctx.family, '--to-ports ', '--', true, false),
  // redirect_tg4 / redirect_tg6 (xt_REDIRECT.c): nf_nat_redirect_ipv4/ipv6.
  target: (skb, d) => natRedirect(skb, d.range),
});
