/**
 * The routing tables (FIB) of both families: insertion in the order the
 * kernel dumps them, deletion, and longest-prefix-match lookup.
 *
 * Order: IPv4 routes sit in a trie keyed by destination (fib_trie.c), so a
 * dump walks destinations in ascending order, longer prefixes first for the
 * same key, then by metric (fib_insert_alias). IPv6 routes sit in a radix
 * tree walked in post-order (ip6_fib.c fib6_walk_continue: left, right, node),
 * so a more specific prefix comes before the prefix that covers it, and the
 * branch with a 0 bit first; routes of one prefix are kept by metric, a new
 * one after those of equal metric (fib6_add_rt2).
 *
 * Lookup consults the local table, then main (the default rules 0 and
 * 32766). Lookups allocate nothing: they scan the table (kept short on a
 * host) and write into a caller-owned RouteResult.
 */
import type { Host, Route, Scope } from './model';
import { hasCarrier, ifaceByIndex, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './model';
import { addrEq, bitAt, commonBits, prefixMatch, type Family } from './prefix';

function cmp4(a: Route, b: Route): number {
  if (a.table !== b.table) return a.table - b.table;
  for (let i = 0; i < 4; i++) if (a.dst[i] !== b.dst[i]) return a.dst[i] - b.dst[i];
  if (a.plen !== b.plen) return b.plen - a.plen;
  return a.metric - b.metric;
}

function cmp6(a: Route, b: Route): number {
  if (a.table !== b.table) return a.table - b.table;
  const n = Math.min(a.plen, b.plen);
  const c = commonBits(a.dst, b.dst);
  if (c < n) return bitAt(a.dst, c) - bitAt(b.dst, c);
  if (a.plen !== b.plen) return b.plen - a.plen;
  return a.metric - b.metric;
}

export function routesOf(h: Host, family: Family): Route[] {
  return family === 4 ? h.routes4 : h.routes6;
}

/** Inserts after every route that sorts before or equal to it (append among equals, as NLM_F_APPEND / fib6_add_rt2 do). */
export function insertRoute(h: Host, r: Route): void {
  const list = routesOf(h, r.family);
  const cmp = r.family === 4 ? cmp4 : cmp6;
  let i = list.length;
  while (i > 0 && cmp(list[i - 1], r) > 0) i--;
  list.splice(i, 0, r);
}

export function sameRoute(a: Route, b: Route): boolean {
  return a.table === b.table && a.type === b.type && a.plen === b.plen && addrEq(a.dst, b.dst) && addrEq(a.gw, b.gw) &&
    a.dev === b.dev && a.metric === b.metric && addrEq(a.prefsrc, b.prefsrc) && a.proto === b.proto && a.scope === b.scope;
}

/** Adds a kernel-made route unless an identical one exists (fib_magic's NLM_F_APPEND finds the same fib_info). */
export function addKernelRoute(h: Host, r: Route): void {
  for (const x of routesOf(h, r.family)) if (sameRoute(x, r)) return;
  insertRoute(h, r);
}

export function removeRoutes(h: Host, family: Family, pred: (r: Route) => boolean): void {
  const list = routesOf(h, family);
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i])) list.splice(i, 1);
}

/** The kernel's "linkdown" flag on a nexthop: its device has no carrier (local routes are exempt). */
export function routeLinkDown(h: Host, r: Route): boolean {
  if (r.dev === 0 || r.type === 'local') return false;
  const i = ifaceByIndex(h, r.dev);
  return i !== undefined && !hasCarrier(h, i);
}

const SCOPE_NUM: Record<Scope, number> = { global: 0, link: 253, host: 254 };
export function scopeNum(s: Scope): number { return SCOPE_NUM[s]; }

/**
 * Longest-prefix match in one table. minScope restricts to routes of at
 * least that scope, as the kernel does when it resolves a gateway
 * (flowi4_scope). Returns the route or null.
 */
export function lookupTable(h: Host, family: Family, table: number, dst: Uint8Array, minScope = 0): Route | null {
  const list = routesOf(h, family);
  let best: Route | null = null;
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (r.table !== table) continue;
    if (best !== null && r.plen <= best.plen) continue;
    if (SCOPE_NUM[r.scope] < minScope) continue;
    if (!prefixMatch(dst, r.dst, r.plen)) continue;
    if (r.dev !== 0) {
      const dev = ifaceByIndex(h, r.dev);
      if (dev === undefined || (!dev.up && r.type !== 'local')) continue;
    }
    best = r;
  }
  return best;
}

/** fib_lookup with the default policy rules: local table, then main. */
export function lookupFib(h: Host, family: Family, dst: Uint8Array, minScope = 0): Route | null {
  return lookupTable(h, family, RT_TABLE_LOCAL, dst, minScope) ?? lookupTable(h, family, RT_TABLE_MAIN, dst, minScope);
}
