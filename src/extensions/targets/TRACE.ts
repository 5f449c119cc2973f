/**
 * TRACE target (extensions/libxt_TRACE.c; net/netfilter/xt_TRACE.c): no
 * options and nothing printed; the kernel allows it in the raw table only.
 */
import { defineTarget } from '../types';

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
});
