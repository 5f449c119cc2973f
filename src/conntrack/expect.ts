// Conntrack expectations (net/netfilter/nf_conntrack_expect.c, Linux 6.18): a helper that reads a control
// connection announces "a connection to this address/port will come"; the first NEW packet whose tuple
// matches an expectation (under its mask) becomes RELATED to the master connection (init_conntrack in
// nf_conntrack_core.c). Expectations live until used, until their timeout (the helper policy's, 300 s for
// ftp), or until their master dies (nf_ct_remove_expectations).
//
// Storage is struct-of-arrays with a chained hash on the destination (nf_ct_expect_dst_hash: address,
// port, l3 and l4 protocol); new expectations go to the head of their chain, as hlist_add_head_rcu does, so
// the newest matching expectation is found first. Timers are modelled lazily: an expectation whose time has
// come is removed when met (lookup, insertion, gc), which gives the answers the kernel's timer would.
import { newTuple, type Tuple } from './tuple';
import type { CtExt } from './ext';
import * as C from './constants';

/** exp->flags (include/uapi/linux/netfilter/nf_conntrack_common.h). */
export const NF_CT_EXPECT_PERMANENT = 0x1;
export const NF_CT_EXPECT_INACTIVE = 0x2;
export const NF_CT_EXPECT_USERSPACE = 0x4;

/** Errors of nf_ct_expect_related (returned negated, as the kernel does). */
export const EBUSY = 16;
export const EMFILE = 24;
export const ESHUTDOWN = 108;
export const EALREADY = 114;

/** An expectation being built (nf_ct_expect_alloc + nf_ct_expect_init); reuse one instance. */
export class Expectation {
  /** The expected original tuple (words as in tuple.ts). */
  readonly tuple = newTuple();
  /** mask.src.u3 (4 words) and mask.src.u.all; the destination is always compared exactly. */
  readonly maskSrc = new Uint32Array(4);
  maskSport = 0;
  master = -1;
  cls = 0;
  flags = 0;
  /** Helper id the expected connection inherits (exp->helper = the master's helper). */
  helper = 0;
  /** expectfn: 0 = none, else an index into Conntrack.expectFns (e.g. NAT's nf_nat_follow_master). */
  fn = 0;
  /** NAT data: exp->dir and exp->saved_proto / saved_addr. */
  dir = 0;
  savedPort = 0;
  readonly savedAddr = new Uint32Array(4);
  /** The slot related() put it in (for nf_ct_unexpect_related), -1 when not inserted. */
  slot = -1;

  /**
   * nf_ct_expect_init(): l3/proto, source address (null: any), destination address (tuple words at
   * `dAt` of `dWords`), source port (-1: any) and destination port. Class 0, no flags, no expectfn.
   */
  init(master: number, helper: number, l3: number, proto: number, sWords: Uint32Array | null, sAt: number,
    dWords: Uint32Array, dAt: number, sport: number, dport: number): void {
    const n = l3 === C.NFPROTO_IPV6 ? 4 : 1;
    const t = this.tuple;
    this.master = master;
    this.helper = helper;
    this.cls = 0;
    this.flags = 0;
    this.fn = 0;
    this.dir = 0;
    this.savedPort = 0;
    this.savedAddr.fill(0);
    this.slot = -1;
    t[0] = l3;
    t[1] = proto;
    for (let i = 0; i < 4; i++) {
      t[2 + i] = sWords !== null && i < n ? sWords[sAt + i] : 0;
      this.maskSrc[i] = sWords !== null && i < n ? 0xffffffff : 0;
      t[6 + i] = i < n ? dWords[dAt + i] : 0;
    }
    t[10] = sport >= 0 ? sport & 0xffff : 0;
    this.maskSport = sport >= 0 ? 0xffff : 0;
    t[11] = dport & 0xffff;
  }
}

const W = 12; // tuple words per slot

export class ExpectTable {
  /** nf_ct_expect_max. */
  readonly max: number;
  /** nf_ct_expect_hsize. */
  readonly hsize: number;
  /** cnet->expect_count. */
  count = 0;
  capacity = 0;
  readonly heads: Int32Array;
  tuple = new Uint32Array(0);
  maskSrc = new Uint32Array(0);
  maskSport = new Uint16Array(0);
  master = new Int32Array(0);
  /** Absolute expiry (ms, the conntrack clock). */
  timeout = new Float64Array(0);
  flags = new Uint8Array(0);
  cls = new Uint8Array(0);
  helper = new Uint8Array(0);
  fn = new Uint8Array(0);
  dir = new Uint8Array(0);
  savedPort = new Uint16Array(0);
  savedAddr = new Uint32Array(0);
  /** Insertion order (for evict_oldest_expect). */
  serial = new Float64Array(0);
  used = new Uint8Array(0);
  /** Chain of the hash bucket; for free slots, the free list. */
  next = new Int32Array(0);
  bucket = new Int32Array(0);
  private freeHead = -1;
  private serialNext = 0;

  /** hsize and max as nf_conntrack_expect_init() derives them from the conntrack hash size. */
  constructor(conntrackBuckets: number, max?: number) {
    this.hsize = Math.max(1, Math.floor(conntrackBuckets / 256));
    this.max = max ?? this.hsize * 4;
    this.heads = new Int32Array(this.hsize).fill(-1);
    this.grow(Math.min(16, Math.max(1, this.max)));
  }

  private grow(cap: number): void {
    const old = this.capacity;
    if (cap <= old) return;
    const u32 = (a: Uint32Array, w: number): Uint32Array<ArrayBuffer> => { const b = new Uint32Array(cap * w); b.set(a); return b; };
    const u16 = (a: Uint16Array): Uint16Array<ArrayBuffer> => { const b = new Uint16Array(cap); b.set(a); return b; };
    const u8 = (a: Uint8Array): Uint8Array<ArrayBuffer> => { const b = new Uint8Array(cap); b.set(a); return b; };
    const i32 = (a: Int32Array): Int32Array<ArrayBuffer> => { const b = new Int32Array(cap); b.set(a); return b; };
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => { const b = new Float64Array(cap); b.set(a); return b; };
    this.tuple = u32(this.tuple, W);
    this.maskSrc = u32(this.maskSrc, 4);
    this.maskSport = u16(this.maskSport);
    this.master = i32(this.master);
    this.timeout = f64(this.timeout);
    this.flags = u8(this.flags);
    this.cls = u8(this.cls);
    this.helper = u8(this.helper);
    this.fn = u8(this.fn);
    this.dir = u8(this.dir);
    this.savedPort = u16(this.savedPort);
    this.savedAddr = u32(this.savedAddr, 4);
    this.serial = f64(this.serial);
    this.used = u8(this.used);
    this.next = i32(this.next);
    this.bucket = i32(this.bucket);
    for (let s = cap - 1; s >= old; s--) {
      this.next[s] = this.freeHead;
      this.freeHead = s;
    }
    this.capacity = cap;
  }

  /** nf_ct_expect_dst_hash(): destination address, destination port, l3 and l4 protocol (any mix will do). */
  private bucketOf(t: Uint32Array, at: number): number {
    let h = Math.imul(t[at] ^ 0x9e3779b9, 0x85ebca6b);
    for (let i = 6; i < 10; i++) h = Math.imul(h ^ t[at + i], 0xc2b2ae35) ^ (h >>> 15);
    h = Math.imul(h ^ (t[at + 11] | (t[at + 1] << 16)), 0x27d4eb2f);
    h ^= h >>> 16;
    return (h >>> 0) % this.hsize;
  }

  /** nf_ct_tuple_mask_cmp(t, slot's tuple, slot's mask). */
  private maskMatch(s: number, t: Tuple): boolean {
    const a = s * W, tu = this.tuple, m = this.maskSrc;
    if (t[0] !== tu[a] || t[1] !== tu[a + 1]) return false;
    for (let i = 0; i < 4; i++) {
      if (((t[2 + i] ^ tu[a + 2 + i]) & m[s * 4 + i]) !== 0) return false;
      if (t[6 + i] !== tu[a + 6 + i]) return false;
    }
    return ((t[10] ^ tu[a + 10]) & this.maskSport[s]) === 0 && t[11] === tu[a + 11];
  }

  // ---- removal -----------------------------------------------------------------------------------

  /** nf_ct_unlink_expect(): out of the hash and the master's count; the slot's data stays readable until reused. */
  remove(s: number, ext: CtExt): void {
    if (!this.used[s]) return;
    const b = this.bucket[s];
    let prev = -1;
    for (let n = this.heads[b]; n >= 0; prev = n, n = this.next[n]) {
      if (n !== s) continue;
      if (prev < 0) this.heads[b] = this.next[n]; else this.next[prev] = this.next[n];
      break;
    }
    this.used[s] = 0;
    this.count--;
    const m = this.master[s];
    if (m >= 0 && m < ext.capacity && ext.expecting[m] > 0) ext.expecting[m]--;
    this.next[s] = this.freeHead;
    this.freeHead = s;
  }

  /** Expectations whose timer has run out are gone (nf_ct_expectation_timed_out). Returns how many. */
  purge(now: number, ext: CtExt): number {
    if (this.count === 0) return 0;
    let n = 0;
    for (let s = 0; s < this.capacity; s++) {
      if (this.used[s] && this.timeout[s] <= now) { this.remove(s, ext); n++; }
    }
    return n;
  }

  /** nf_ct_remove_expectations(): the master connection is being deleted. */
  removeMaster(e: number, ext: CtExt): void {
    if (ext.expecting[e] === 0) return;
    for (let s = 0; s < this.capacity; s++) if (this.used[s] && this.master[s] === e) this.remove(s, ext);
    ext.expecting[e] = 0;
  }

  // ---- lookup --------------------------------------------------------------------------------------

  /**
   * nf_ct_find_expectation() search: the first active expectation matching tuple t, provided its master is
   * confirmed and not dying (else none, as the kernel gives up there). -1 if none. Does not unlink: the
   * caller does (take()).
   */
  find(t: Tuple, status: Uint32Array, ext: CtExt, now: number): number {
    if (this.count === 0) return -1;
    const b = this.bucketOf(t, 0);
    let s = this.heads[b];
    while (s >= 0) {
      const nx = this.next[s];
      if (this.timeout[s] <= now) { this.remove(s, ext); s = nx; continue; }
      if (!(this.flags[s] & NF_CT_EXPECT_INACTIVE) && this.maskMatch(s, t)) {
        const st = status[this.master[s]];
        if (!(st & C.IPS_CONFIRMED) || (st & C.IPS_DYING)) return -1;
        return s;
      }
      s = nx;
    }
    return -1;
  }

  /** The found expectation is used: unlinked unless PERMANENT. Its data stays readable for the expectfn. */
  take(s: number, ext: CtExt): void {
    if (!(this.flags[s] & NF_CT_EXPECT_PERMANENT)) this.remove(s, ext);
  }

  // ---- insertion -----------------------------------------------------------------------------------

  private same(s: number, x: Expectation): boolean {
    const a = s * W;
    for (let i = 0; i < W; i++) if (this.tuple[a + i] !== x.tuple[i]) return false;
    for (let i = 0; i < 4; i++) if (this.maskSrc[s * 4 + i] !== x.maskSrc[i]) return false;
    return this.maskSport[s] === x.maskSport;
  }

  /** expect_clash(): equal on the part both masks cover. */
  private clash(s: number, x: Expectation): boolean {
    const a = s * W, tu = this.tuple, t = x.tuple;
    if (t[0] !== tu[a] || t[1] !== tu[a + 1]) return false;
    for (let i = 0; i < 4; i++) {
      if (((t[2 + i] ^ tu[a + 2 + i]) & this.maskSrc[s * 4 + i] & x.maskSrc[i]) !== 0) return false;
      if (t[6 + i] !== tu[a + 6 + i]) return false;
    }
    return ((t[10] ^ tu[a + 10]) & this.maskSport[s] & x.maskSport) === 0 && t[11] === tu[a + 11];
  }

  /** evict_oldest_expect(): the master's oldest expectation of this class goes. */
  private evictOldest(x: Expectation, ext: CtExt): void {
    let oldest = -1;
    for (let s = 0; s < this.capacity; s++) {
      if (this.used[s] && this.master[s] === x.master && this.cls[s] === x.cls &&
        (oldest < 0 || this.serial[s] < this.serial[oldest])) oldest = s;
    }
    if (oldest >= 0) this.remove(oldest, ext);
  }

  /**
   * nf_ct_expect_related(): __nf_ct_expect_check() then nf_ct_expect_insert(). An identical expectation
   * of the same master replaces the old one; one that overlaps another's is refused (-EBUSY); past the
   * helper policy's max_expected the master's oldest is evicted; past nf_ct_expect_max: -EMFILE.
   * `timeoutMs` is the helper policy's timeout. Returns 0 or a negative errno.
   */
  related(x: Expectation, ext: CtExt, now: number, timeoutMs: number, maxExpected: number): number {
    if (x.master < 0) return -ESHUTDOWN;
    this.purge(now, ext);
    const b = this.bucketOf(x.tuple, 0);
    for (let s = this.heads[b]; s >= 0;) {
      const nx = this.next[s];
      if (this.master[s] === x.master && this.same(s, x)) {
        if (this.cls[s] !== x.cls) return -EALREADY;
        this.remove(s, ext);
        break;
      } else if (this.clash(s, x)) {
        return -EBUSY;
      }
      s = nx;
    }
    if (maxExpected > 0 && ext.expecting[x.master] >= maxExpected) {
      this.evictOldest(x, ext);
      if (ext.expecting[x.master] >= maxExpected) return -EMFILE;
    }
    if (this.count >= this.max) return -EMFILE; // "nf_conntrack: expectation table full"
    if (this.freeHead < 0) this.grow(Math.min(Math.max(this.capacity * 2, 16), Math.max(this.max, 1)));
    if (this.freeHead < 0) return -EMFILE;
    const s = this.freeHead;
    this.freeHead = this.next[s];
    const a = s * W;
    for (let i = 0; i < W; i++) this.tuple[a + i] = x.tuple[i];
    for (let i = 0; i < 4; i++) {
      this.maskSrc[s * 4 + i] = x.maskSrc[i];
      this.savedAddr[s * 4 + i] = x.savedAddr[i];
    }
    this.maskSport[s] = x.maskSport;
    this.master[s] = x.master;
    this.timeout[s] = now + timeoutMs;
    this.flags[s] = x.flags;
    this.cls[s] = x.cls;
    this.helper[s] = x.helper;
    this.fn[s] = x.fn;
    this.dir[s] = x.dir;
    this.savedPort[s] = x.savedPort;
    this.serial[s] = this.serialNext++;
    this.used[s] = 1;
    this.bucket[s] = b;
    this.next[s] = this.heads[b];
    this.heads[b] = s;
    this.count++;
    ext.expecting[x.master]++;
    x.slot = s;
    return 0;
  }

  /** Calls fn for each live expectation (not expired at `now`), for dumps and tests. */
  forEach(now: number, fn: (s: number) => void): void {
    for (let s = 0; s < this.capacity; s++) if (this.used[s] && this.timeout[s] > now) fn(s);
  }

  /** Copies the expected tuple of slot s into out. */
  getTuple(s: number, out: Tuple): void {
    for (let i = 0; i < W; i++) out[i] = this.tuple[s * W + i];
  }
}
