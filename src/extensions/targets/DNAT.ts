/**
 * DNAT target (iptables 1.8.9 extensions/libxt_NAT.c, revision 2 for both
 * families; kernel net/netfilter/xt_nat.c): --to-destination
 * [addr[-addr]][:port[-port[/base]]], --random, --persistent.
 * The kernel allows it only in the nat table from PREROUTING and OUTPUT.
 */
import { defineTarget } from '../types';
import { NF_NAT_MANIP_DST, natSetupInfo } from '../../nat/core';
import {
  emptyRange, natPrint, NF_NAT_RANGE_PERSISTENT, NF_NAT_RANGE_PROTO_RANDOM, parseTo, portsAllowed, type NatRange,
} from './natrange';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const OPTS: readonly XtOption[] = [
  { name: 'to-destination', id: 0, type: 'other', mand: true },
  { name: 'random', id: 2, type: 'none' },
  { name: 'persistent', id: 3, type: 'none' },
];

interface DnatInfo { range: NatRange; xflags: number; }

export const DNAT = defineTarget<DnatInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'DNAT',
  revision: 2,
  family: 0,
  tables: ['nat'],
  hooks: ['PREROUTING', 'OUTPUT'],
  options: optionSpecs(OPTS),
  init: (ctx) => ({ range: emptyRange(ctx.family), xflags: 0 }),
  parse(opt, arg, invert, d, ctx) {
    xtParse('DNAT', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'to-destination': parseTo(arg!, portsAllowed(ctx.ip.proto), ctx.family, d.range, ctx.savedState); break;
      case 'random': d.range.flags |= NF_NAT_RANGE_PROTO_RANDOM; break;
      case 'persistent': d.range.flags |= NF_NAT_RANGE_PERSISTENT; break;
    }
  },
  finalCheck(d) { xtFcheck('DNAT', OPTS, d.xflags); },
  print: (d, ctx) => natPrint(d.range, ctx.family, 'to:', '', false, true),
  save: (d, ctx) => natPrint(d.range, ctx.family, '--to-destination ', '--', false, true),
  // xt_dnat_target_v2: nf_nat_setup_info(ct, range, NF_NAT_MANIP_DST), base port included.
  target: (skb, d) => natSetupInfo(skb.net, skb, d.range, NF_NAT_MANIP_DST),
});
