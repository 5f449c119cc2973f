/**
 * TRACE target (extensions/libxt_TRACE.c; net/netfilter/xt_TRACE.c): no
 * options and nothing printed; the kernel allows it in the raw table only.
 */
import { defineTarget } from '../types';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';

export const TRACE = defineTarget<Record<string, never>>({
  kind: 'target',
  name: 'TRACE',
  family: 0,
  options: [],
  tables: ['raw'],
  init: () => ({}),
  parse() { /* no options */ },
  print: () => '',
  save: () => '',
  // trace_tg: mark the packet; the engine then reports every rule it meets (nf_log_trace).
  target(skb: Skb) {
    skb.nftrace = true;
    return XT_CONTINUE;
  },
});
