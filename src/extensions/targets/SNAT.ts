/**
 * SNAT target (iptables 1.8.9 extensions/libxt_NAT.c; kernel
 * net/netfilter/xt_nat.c): --to-source [addr[-addr]][:port[-port]],
 * --random, --random-fully, --persistent. Revisions 0 (IPv4) and 1 (IPv6)
 * have no base port: a "/base" is accepted, keeps its flag and prints as /0.
 * The kernel allows it only in the nat table from POSTROUTING and INPUT.
 */
import { defineTarget } from '../types';
import { NF_NAT_MANIP_SRC, natSetupInfo } from '../../nat/core';
import {
  emptyRange, natPrint, NF_NAT_RANGE_PERSISTENT, NF_NAT_RANGE_PROTO_RANDOM, NF_NAT_RANGE_PROTO_RANDOM_FULLY,
  parseTo, portsAllowed, type NatRange,
} from './natrange';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const OPTS: readonly XtOption[] = [
  { name: 'to-source', id: 0, type: 'other', mand: true },
  { name: 'random', id: 1, type: 'none' },
  { name: 'random-fully', id: 2, type: 'none' },
  { name: 'persistent', id: 3, type: 'none' },
];

interface SnatInfo { range: NatRange; xflags: number; }

/** The kernel's view of the range: revisions 0 and 1 have no base port (xt_nat.c xt_snat_target_v0/v1). */
const kr: NatRange = { flags: 0, minAddr: new Uint8Array(16), maxAddr: new Uint8Array(16), minPort: 0, maxPort: 0, basePort: 0 };

/** Copies a rule's range into a kernel-view scratch range without allocating. */
export function copyRange(out: NatRange, r: NatRange, keepsBase: boolean): NatRange {
  out.flags = r.flags;
  for (let i = 0; i < r.minAddr.length; i++) { out.minAddr[i] = r.minAddr[i]; out.maxAddr[i] = r.maxAddr[i]; }
  out.minPort = r.minPort;
  out.maxPort = r.maxPort;
  out.basePort = keepsBase ? r.basePort : 0;
  return out;
}

export const SNAT = defineTarget<SnatInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'SNAT',
  family: 0,
  tables: ['nat'],
  hooks: ['POSTROUTING', 'INPUT'],
  options: optionSpecs(OPTS),
  init: (ctx) => ({ range: emptyRange(ctx.family), xflags: 0 }),
  parse(opt, arg, invert, d, ctx) {
    xtParse('SNAT', OPTS, opt, arg, invert, d);
    switch (opt) {
      case 'to-source': parseTo(arg!, portsAllowed(ctx.ip.proto), ctx.family, d.range, ctx.savedState); break;
      case 'random': d.range.flags |= NF_NAT_RANGE_PROTO_RANDOM; break;
      case 'random-fully': d.range.flags |= NF_NAT_RANGE_PROTO_RANDOM_FULLY; break;
      case 'persistent': d.range.flags |= NF_NAT_RANGE_PERSISTENT; break;
    }
  },
  finalCheck(d) { xtFcheck('SNAT', OPTS, d.xflags); },
  print: (d, ctx) => natPrint(d.range, ctx.family, 'to:', '', false, false),
  save: (d, ctx) => natPrint(d.range, ctx.family, '--to-source ', '--', false, false),
  // xt_snat_target_v0/v1: nf_nat_setup_info(ct, range, NF_NAT_MANIP_SRC).
  target: (skb, d) => natSetupInfo(skb.net, skb, copyRange(kr, d.range, false), NF_NAT_MANIP_SRC),
});
