// The conntrack table: entries stored as struct-of-arrays in typed arrays (no object per connection) and a
// chained hash of both directions' tuples, like the kernel's nf_conntrack_hash of tuplehash nodes.
// Node n = entry * 2 + direction; heads[bucket] and next[node] are node indexes, -1 ends a chain.
// New nodes go to the head of their chain (hlist_nulls_add_head_rcu in nf_conntrack_core.c).
// An unconfirmed entry is allocated (and counted, like nf_conntrack_count) but not hashed until confirm.
import * as C from './constants';
import { TUPLE_WORDS, hashTuple, type Tuple } from './tuple';

/** Bytes per entry of every per-entry typed array below (kept in one place for the memory figure). */
export const ENTRY_BYTES =
  16 * 4 + // addr: both directions' src+dst, 4 words each
  4 * 2 + //  port: both directions' src.u + dst.u (u16)
  1 + 1 + //  l3, l4
  4 + //      status
  8 + //      timeout (absolute ms once confirmed, relative before, as the kernel's ct->timeout)
  4 + //      mark
  8 + //      next (two nodes)
  10 + //     tcp u8: state, retrans, lastIndex, lastDir, lastFlags, lastWscale, scale[2], flags[2]
  11 * 4 + // tcp u32: lastSeq, lastAck, lastEnd, end[2], maxend[2], maxwin[2], maxack[2]
  2 + //      tcp lastWin
  8; //       aux: UDP stream_ts

// Offsets inside the per-entry TCP byte block.
export const T8_STATE = 0, T8_RETRANS = 1, T8_LAST_INDEX = 2, T8_LAST_DIR = 3, T8_LAST_FLAGS = 4,
  T8_LAST_WSCALE = 5, T8_SCALE = 6 /* +dir */, T8_FLAGS = 8 /* +dir */;
export const T8_SIZE = 10;
// Offsets inside the per-entry TCP u32 block.
export const T32_LAST_SEQ = 0, T32_LAST_ACK = 1, T32_LAST_END = 2, T32_END = 3 /* +dir */,
  T32_MAXEND = 5 /* +dir */, T32_MAXWIN = 7 /* +dir */, T32_MAXACK = 9 /* +dir */;
export const T32_SIZE = 11;

export class CtTable {
  capacity = 0;
  /** Entries allocated, confirmed or not (nf_conntrack_count). */
  count = 0;
  readonly bucketCount: number;
  readonly seed: number;
  readonly heads: Int32Array;

  addr = new Uint32Array(0);
  port = new Uint16Array(0);
  l3 = new Uint8Array(0);
  l4 = new Uint8Array(0);
  status = new Uint32Array(0);
  timeout = new Float64Array(0);
  mark = new Uint32Array(0);
  next = new Int32Array(0);
  t8 = new Uint8Array(0);
  t32 = new Uint32Array(0);
  lastWin = new Uint16Array(0);
  aux = new Float64Array(0);

  /** Free entries, linked through next[entry * 2]. */
  freeHead = -1;

  constructor(buckets: number, seed: number, initialCapacity: number) {
    this.bucketCount = buckets;
    this.seed = seed >>> 0;
    this.heads = new Int32Array(buckets).fill(-1);
    this.grow(Math.max(16, initialCapacity));
  }

  /** Enlarges every per-entry array (only when the table needs more than it ever had: not per packet). */
  grow(cap: number): void {
    const old = this.capacity;
    if (cap <= old) return;
    const g32 = (a: Uint32Array, w: number): Uint32Array<ArrayBuffer> => { const n = new Uint32Array(cap * w); n.set(a); return n; };
    this.addr = g32(this.addr, 16);
    const p = new Uint16Array(cap * 4); p.set(this.port); this.port = p;
    const a = new Uint8Array(cap); a.set(this.l3); this.l3 = a;
    const b = new Uint8Array(cap); b.set(this.l4); this.l4 = b;
    this.status = g32(this.status, 1);
    const t = new Float64Array(cap); t.set(this.timeout); this.timeout = t;
    this.mark = g32(this.mark, 1);
    const nx = new Int32Array(cap * 2); nx.set(this.next); this.next = nx;
    const t8 = new Uint8Array(cap * T8_SIZE); t8.set(this.t8); this.t8 = t8;
    this.t32 = g32(this.t32, T32_SIZE);
    const lw = new Uint16Array(cap); lw.set(this.lastWin); this.lastWin = lw;
    const ax = new Float64Array(cap); ax.set(this.aux); this.aux = ax;
    this.capacity = cap;
    // New slots join the free list, lowest index first.
    for (let e = cap - 1; e >= old; e--) {
      this.next[e * 2] = this.freeHead;
      this.freeHead = e;
    }
  }

  /** Takes a free entry and stores its two tuples; returns its index. Never fails (grows if needed). */
  alloc(orig: Tuple, reply: Tuple): number {
    if (this.freeHead < 0) this.grow(this.capacity * 2);
    const e = this.freeHead;
    this.freeHead = this.next[e * 2];
    this.next[e * 2] = this.next[e * 2 + 1] = -1;
    this.count++;
    this.l3[e] = orig[0];
    this.l4[e] = orig[1];
    this.setTuple(e, C.IP_CT_DIR_ORIGINAL, orig);
    this.setTuple(e, C.IP_CT_DIR_REPLY, reply);
    this.status[e] = 0;
    this.timeout[e] = 0;
    this.mark[e] = 0;
    this.t8.fill(0, e * T8_SIZE, e * T8_SIZE + T8_SIZE);
    this.t32.fill(0, e * T32_SIZE, e * T32_SIZE + T32_SIZE);
    this.lastWin[e] = 0;
    this.aux[e] = 0;
    return e;
  }

  /** Called whenever an entry's slot is freed (entry numbers are reused): for state kept beside the table. */
  onFree: ((e: number) => void) | undefined = undefined;

  /** Returns an entry to the free list; it must already be out of the hash. */
  free(e: number): void {
    this.onFree?.(e);
    this.l3[e] = 0;
    this.status[e] = 0;
    this.next[e * 2] = this.freeHead;
    this.next[e * 2 + 1] = -1;
    this.freeHead = e;
    this.count--;
  }

  isUsed(e: number): boolean {
    return e >= 0 && e < this.capacity && this.l3[e] !== 0;
  }

  setTuple(e: number, dir: number, t: Tuple): void {
    const a = e * 16 + dir * 8;
    for (let i = 0; i < 8; i++) this.addr[a + i] = t[2 + i];
    const p = e * 4 + dir * 2;
    this.port[p] = t[10];
    this.port[p + 1] = t[11];
  }

  getTuple(e: number, dir: number, out: Tuple): void {
    out[0] = this.l3[e];
    out[1] = this.l4[e];
    const a = e * 16 + dir * 8;
    for (let i = 0; i < 8; i++) out[2 + i] = this.addr[a + i];
    const p = e * 4 + dir * 2;
    out[10] = this.port[p];
    out[11] = this.port[p + 1];
  }

  bucketOf(t: Tuple): number {
    // reciprocal_scale(): the high bits of the hash pick the bucket.
    return Math.floor((hashTuple(t, this.seed) * this.bucketCount) / 4294967296);
  }

  private nodeMatches(n: number, t: Tuple): boolean {
    const e = n >> 1;
    if (this.l3[e] !== t[0] || this.l4[e] !== t[1]) return false;
    const p = e * 4 + (n & 1) * 2;
    if (this.port[p] !== t[10] || this.port[p + 1] !== t[11]) return false;
    const a = e * 16 + (n & 1) * 8;
    const ad = this.addr;
    for (let i = 0; i < 8; i++) if (ad[a + i] !== t[2 + i]) return false;
    return true;
  }

  /** Finds the node (entry * 2 + dir) holding tuple t in the hash, or -1. Expiry is the caller's job. */
  find(t: Tuple, bucket: number): number {
    for (let n = this.heads[bucket]; n >= 0; n = this.next[n]) if (this.nodeMatches(n, t)) return n;
    return -1;
  }

  /** Hashes both directions of entry e (done at confirm). */
  insert(e: number, scratch: Tuple): void {
    for (let dir = 0; dir < 2; dir++) {
      this.getTuple(e, dir, scratch);
      const b = this.bucketOf(scratch);
      const n = e * 2 + dir;
      this.next[n] = this.heads[b];
      this.heads[b] = n;
    }
  }

  /** Removes both directions of entry e from the hash. */
  unlink(e: number, scratch: Tuple): void {
    for (let dir = 0; dir < 2; dir++) {
      this.getTuple(e, dir, scratch);
      const b = this.bucketOf(scratch);
      const n = e * 2 + dir;
      let prev = -1;
      for (let m = this.heads[b]; m >= 0; prev = m, m = this.next[m]) {
        if (m !== n) continue;
        if (prev < 0) this.heads[b] = this.next[m];
        else this.next[prev] = this.next[m];
        break;
      }
      this.next[n] = -1;
    }
  }
}

export { TUPLE_WORDS };
