/**
 * Per-namespace NAT state kept beside the conntrack table (the kernel keeps
 * it in the conntrack NAT extension, struct nf_conn_nat, and in the
 * nf_nat_bysource hash of nf_nat_core.c):
 * - masqIndex[e]: the ifindex a MASQUERADEd entry left through (nat->masq_index),
 *   0 for none; used by the oif-changed check and the device/address events;
 * - the by-source index: every entry that got its SRC manip set up, chained
 *   by (protocol, original source address, original source port), newest
 *   first (hlist_add_head), so that find_appropriate_src() can reuse the
 *   mapping an earlier connection from the same source got.
 *
 * Arrays are indexed by conntrack entry and grow with the conntrack table
 * (never per packet). Conntrack does not tell us when an entry is freed, so
 * chain members are validated when walked: a member counts only while its
 * entry is in use, not dying, and has IPS_SRC_NAT_DONE (a reused slot starts
 * with status 0 and is re-linked when it gets its own SRC binding).
 */
import type { Conntrack } from '../conntrack/conntrack';
import * as C from '../conntrack/constants';
import type { NetContext } from '../engine/net';
import type { Tuple } from '../conntrack/tuple';

/** Key of NAT's state in NetContext.extState. */
export const NAT_STATE_KEY = 'nat';

const BYSRC_BUCKETS = 1 << 14;

export class NatState {
  masqIndex = new Int32Array(0);
  /** By-source chains: heads per bucket, prev/next per entry, bucket of each linked entry (-1: not linked). */
  readonly heads = new Int32Array(BYSRC_BUCKETS).fill(-1);
  next = new Int32Array(0);
  prev = new Int32Array(0);
  bucket = new Int32Array(0);

  /** Makes the per-entry arrays as large as the conntrack table (only when it grew). */
  fit(capacity: number): void {
    const old = this.masqIndex.length;
    if (capacity <= old) return;
    const grow = (a: Int32Array, fill: number): Int32Array<ArrayBuffer> => { const n = new Int32Array(capacity).fill(fill); n.set(a); return n; };
    this.masqIndex = grow(this.masqIndex, 0);
    this.next = grow(this.next, -1);
    this.prev = grow(this.prev, -1);
    this.bucket = grow(this.bucket, -1);
  }

  /** hash_by_src(): protocol, original source address and source port (any good mix will do: only equal keys matter). */
  bucketOf(t: Tuple): number {
    let h = Math.imul(t[1] ^ 0x9e3779b9, 0x85ebca6b);
    for (let i = 2; i < 6; i++) h = Math.imul(h ^ t[i], 0xc2b2ae35) ^ (h >>> 15);
    h = Math.imul(h ^ t[10], 0x27d4eb2f);
    h ^= h >>> 16;
    return (h >>> 0) & (BYSRC_BUCKETS - 1);
  }

  unlink(e: number): void {
    const b = this.bucket[e];
    if (b < 0) return;
    const p = this.prev[e], n = this.next[e];
    if (p >= 0) this.next[p] = n; else this.heads[b] = n;
    if (n >= 0) this.prev[n] = p;
    this.prev[e] = this.next[e] = -1;
    this.bucket[e] = -1;
  }

  /** Adds entry e at the head of the chain of its original tuple t (hlist_add_head_rcu). */
  link(e: number, t: Tuple): void {
    this.unlink(e);
    const b = this.bucketOf(t);
    const h = this.heads[b];
    this.next[e] = h;
    this.prev[e] = -1;
    if (h >= 0) this.prev[h] = e;
    this.heads[b] = e;
    this.bucket[e] = b;
  }

  /** True while a chain member still stands for a live SRC binding. */
  live(ct: Conntrack, e: number): boolean {
    if (!ct.tab.isUsed(e)) return false;
    const st = ct.status(e);
    return (st & C.IPS_DYING) === 0 && (st & C.IPS_SRC_NAT_DONE) !== 0;
  }
}

/** The namespace's NAT state, created on first use. */
export function natState(net: NetContext): NatState {
  let s = net.extState.get(NAT_STATE_KEY) as NatState | undefined;
  if (s === undefined) {
    s = new NatState();
    net.extState.set(NAT_STATE_KEY, s);
  }
  s.fit(net.conntrack.tab.capacity);
  return s;
}
