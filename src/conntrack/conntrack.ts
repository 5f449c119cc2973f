// The connection tracker: nf_conntrack_in() (PREROUTING/OUTPUT), __nf_conntrack_confirm() (end of
// INPUT/POSTROUTING), timeouts against an injected clock, table-full early drop, delete and flush.
// Sources: net/netfilter/nf_conntrack_core.c, nf_conntrack_proto.c, nf_conntrack_proto_{udp,icmp,icmpv6,
// generic}.c (Linux 6.18). Per-packet paths allocate nothing: tuples are scratch Uint32Arrays.
import * as C from './constants';
import type { CtPacket } from './packet';
import { CtTable } from './table';
import { defaultTimeouts, type Timeouts } from './timeouts';
import { newTuple, tupleFromPacket, tupleFromInner, invertTuple, type Tuple } from './tuple';
import { tcpPacket, TCP_ACCEPT, TCP_REPEAT, TCP_DROP, type TcpHost } from './tcp';
import { CtExt } from './ext';
import { ExpectTable } from './expect';
import { seqOffsetOf } from './seqadj';

/**
 * An expectation's expectfn (exp->expectfn, e.g. NAT's nf_nat_follow_master), called by init_conntrack for
 * the new entry `child` created by expectation slot `exp` (whose data is still readable).
 */
export type ExpectFn = (child: number, exp: number) => void;

/** Milliseconds clock, injected so that the engine (and tests) decide what time it is. */
export interface Clock { now(): number }

export interface ConntrackOptions {
  clock: Clock;
  /** nf_conntrack_max (default 262144, as on a fresh namespace here). */
  max?: number;
  /** nf_conntrack_buckets (default 262144). */
  buckets?: number;
  /** Hash seed (the kernel's is random per boot). */
  seed?: number;
  /** Per-entry arrays allocated up front (they grow by doubling when needed). */
  initialCapacity?: number;
  timeouts?: Timeouts;
  tcpLoose?: boolean;
  tcpBeLiberal?: boolean;
  tcpIgnoreInvalidRst?: boolean;
  tcpMaxRetrans?: number;
  /** nf_ct_expect_max (default: nf_conntrack_buckets / 256 * 4, as nf_conntrack_expect_init derives it). */
  expectMax?: number;
}

/** NF_CT_EVICTION_RANGE: how many buckets early_drop() looks at. */
const EVICTION_RANGE = 8;

// nf_conntrack_proto_icmp.c valid_new[]: ICMP types that may start a connection.
function icmpValidNew(type: number): boolean { return type === 8 || type === 13 || type === 15 || type === 17; }
// nf_conntrack_proto_icmpv6.c valid_new[]: echo request and node information query.
function icmpv6ValidNew(type: number): boolean { return type === 128 || type === 139; }
// icmp_is_err(): destination unreachable, source quench, redirect, time exceeded, parameter problem.
function icmpIsError(type: number): boolean { return type === 3 || type === 4 || type === 5 || type === 11 || type === 12; }
const NR_ICMP_TYPES = 18;

export class Conntrack implements TcpHost {
  readonly tab: CtTable;
  readonly timeouts: Timeouts;
  readonly clock: Clock;
  max: number;
  tcpLoose: boolean;
  tcpBeLiberal: boolean;
  tcpIgnoreInvalidRst: boolean;
  tcpMaxRetrans: number;

  /** Statistics as in /proc/net/stat/nf_conntrack (the ones this model can produce). */
  readonly stats = { found: 0, invalid: 0, insert: 0, insertFailed: 0, drop: 0, earlyDrop: 0, expectNew: 0 };

  /** Per-entry helper, master and sequence-adjustment data (ext.ts). */
  readonly ext = new CtExt();
  /** The expectation table (expect.ts). */
  readonly expect: ExpectTable;
  /** expectfn callbacks by id (Expectation.fn); registered by whoever creates such expectations (NAT). */
  readonly expectFns: (ExpectFn | undefined)[] = [];

  private readonly t = newTuple();
  private readonly r = newTuple();
  private readonly s = newTuple();
  // Entries killed while a packet still refers to them: freed on the next in() (the kernel keeps them
  // alive by reference count until the packet lets go).
  private readonly deferred = new Int32Array(8);
  private deferredCount = 0;

  constructor(o: ConntrackOptions) {
    this.clock = o.clock;
    this.max = o.max ?? 262144;
    this.timeouts = o.timeouts ?? defaultTimeouts();
    this.tab = new CtTable(o.buckets ?? 262144, o.seed ?? 0, o.initialCapacity ?? 1024);
    this.expect = new ExpectTable(o.buckets ?? 262144, o.expectMax);
    this.ext.fit(this.tab.capacity);
    this.tcpLoose = o.tcpLoose ?? true;
    this.tcpBeLiberal = o.tcpBeLiberal ?? false;
    this.tcpIgnoreInvalidRst = o.tcpIgnoreInvalidRst ?? false;
    this.tcpMaxRetrans = o.tcpMaxRetrans ?? 3;
  }

  /** nf_conntrack_count: entries in the table, unconfirmed ones included. */
  get count(): number { return this.tab.count; }

  // ---- timeouts ----------------------------------------------------------------------------------

  /** nf_ct_refresh(): a confirmed entry's timeout is absolute, an unconfirmed one's relative. */
  refresh(e: number, ms: number): void {
    const st = this.tab.status[e];
    if (st & C.IPS_FIXED_TIMEOUT) return;
    this.tab.timeout[e] = st & C.IPS_CONFIRMED ? this.clock.now() + ms : ms;
  }

  /** nf_ct_expires(): remaining lifetime in ms (never negative). */
  expires(e: number): number {
    const st = this.tab.status[e];
    const left = st & C.IPS_CONFIRMED ? this.tab.timeout[e] - this.clock.now() : this.tab.timeout[e];
    return left > 0 ? left : 0;
  }

  /** nf_ct_is_expired(). */
  isExpired(e: number): boolean {
    return (this.tab.status[e] & C.IPS_CONFIRMED) !== 0 && this.tab.timeout[e] - this.clock.now() <= 0;
  }

  // ---- entry removal -----------------------------------------------------------------------------

  /** nf_ct_kill(): take the entry out of the table now; its slot is freed on the next in(). */
  kill(e: number): boolean {
    const tab = this.tab;
    if (!tab.isUsed(e) || (tab.status[e] & C.IPS_DYING)) return false;
    if (tab.status[e] & C.IPS_CONFIRMED) tab.unlink(e, this.s);
    tab.status[e] |= C.IPS_DYING;
    this.expect.removeMaster(e, this.ext); // clean_from_lists(): nf_ct_remove_expectations()
    if (this.deferredCount < this.deferred.length) this.deferred[this.deferredCount++] = e;
    else this.release(e);
    return true;
  }

  /** Frees a dying or unconfirmed entry's slot. */
  private release(e: number): void {
    if (!this.tab.isUsed(e)) return;
    this.expect.removeMaster(e, this.ext);
    this.tab.free(e);
  }

  /**
   * Frees the entries killed while a packet may still have held them
   * (their refcount's last put). Called at the next packet, or by the
   * caller between packets (a live router after a notifier event).
   */
  settle(): void {
    if (this.deferredCount) this.releaseDeferred();
  }

  private releaseDeferred(): void {
    for (let i = 0; i < this.deferredCount; i++) this.release(this.deferred[i]);
    this.deferredCount = 0;
  }

  /** Deletes a confirmed entry at once (expiry, early drop, delete, flush). */
  private destroy(e: number): void {
    const tab = this.tab;
    if (tab.status[e] & C.IPS_CONFIRMED && !(tab.status[e] & C.IPS_DYING)) tab.unlink(e, this.s);
    this.expect.removeMaster(e, this.ext);
    tab.free(e);
  }

  // ---- lookup ------------------------------------------------------------------------------------

  /** __nf_conntrack_find_get(): node (entry * 2 + dir) for tuple t, removing expired entries met on the way. */
  private findNode(t: Tuple): number {
    const tab = this.tab;
    const b = tab.bucketOf(t);
    for (;;) {
      const n = tab.find(t, b);
      if (n < 0) return -1;
      const e = n >> 1;
      if (!this.isExpired(e)) return n;
      this.destroy(e); // nf_ct_gc_expired()
    }
  }

  /** Entry and direction holding a tuple given as plain values; -1 if none. Returns entry*2+dir. */
  lookup(l3proto: number, protocol: number, src: Uint8Array, dst: Uint8Array, sport: number, dport: number): number {
    this.fillTuple(this.t, l3proto, protocol, src, dst, sport, dport);
    return this.findNode(this.t);
  }

  private fillTuple(t: Tuple, l3: number, proto: number, src: Uint8Array, dst: Uint8Array, sport: number, dport: number): void {
    t[0] = l3;
    t[1] = proto;
    const n = l3 === C.NFPROTO_IPV6 ? 4 : 1;
    for (let i = 0; i < 4; i++) {
      t[2 + i] = i < n ? ((src[i * 4] << 24) | (src[i * 4 + 1] << 16) | (src[i * 4 + 2] << 8) | src[i * 4 + 3]) >>> 0 : 0;
      t[6 + i] = i < n ? ((dst[i * 4] << 24) | (dst[i * 4 + 1] << 16) | (dst[i * 4 + 2] << 8) | dst[i * 4 + 3]) >>> 0 : 0;
    }
    const portful = proto === C.IPPROTO_TCP || proto === C.IPPROTO_UDP || proto === C.IPPROTO_UDPLITE ||
      proto === C.IPPROTO_ICMP || proto === C.IPPROTO_ICMPV6;
    t[10] = portful ? sport & 0xffff : 0;
    t[11] = portful ? dport & 0xffff : 0;
  }

  // ---- table full ----------------------------------------------------------------------------------

  /** early_drop(): delete the non-assured entries of the first of 8 buckets (from the new tuple's) that has any. */
  private earlyDrop(bucket: number): boolean {
    const tab = this.tab;
    for (let i = 0; i < EVICTION_RANGE; i++) {
      const b = (bucket + i) % tab.bucketCount;
      let drops = 0;
      let n = tab.heads[b];
      while (n >= 0) {
        const nx = tab.next[n];
        const e = n >> 1;
        if (this.isExpired(e)) {
          this.destroy(e);
        } else if (!(tab.status[e] & C.IPS_ASSURED)) {
          this.destroy(e);
          drops++;
        }
        n = nx;
        // destroy() unlinks both nodes; if the other node of e was next, restart the chain walk.
        if (n >= 0 && !tab.isUsed(n >> 1)) n = tab.heads[b];
      }
      if (drops > 0) {
        this.stats.earlyDrop += drops;
        return true;
      }
    }
    return false;
  }

  // ---- the hook functions ----------------------------------------------------------------------------

  /** Marks a packet untracked (raw table NOTRACK / CT --notrack): conntrack will leave it alone. */
  untrack(p: CtPacket): void {
    p.ct = -1;
    p.ctinfo = C.IP_CT_UNTRACKED;
  }

  /**
   * nf_conntrack_in(): attach a conntrack entry to the packet (p.ct, p.ctinfo), creating an unconfirmed one
   * for a new connection. Returns NF_ACCEPT or NF_DROP (table full, failed reopen).
   */
  in(p: CtPacket): number {
    if (this.deferredCount) this.releaseDeferred();
    // Already tracked (e.g. looped back after OUTPUT) or untracked: nothing to do.
    if (p.ct >= 0 || p.ctinfo === C.IP_CT_UNTRACKED) return C.NF_ACCEPT;
    p.ctinfo = C.IP_CT_NONE;

    // nf_conntrack_proto_icmpv6.c: MLD and neighbour discovery (130-136, 143) are never tracked.
    if (p.protocol === C.IPPROTO_ICMPV6 && p.l3proto === C.NFPROTO_IPV6 && !p.l4Malformed && !p.noTuple &&
        ((p.icmpType >= 130 && p.icmpType <= 136) || p.icmpType === 143)) {
      p.ctinfo = C.IP_CT_UNTRACKED;
      return C.NF_ACCEPT;
    }
    if (p.protocol === C.IPPROTO_ICMP || p.protocol === C.IPPROTO_ICMPV6) {
      const r = this.icmpError(p);
      if (r <= 0) { this.stats.invalid++; return C.NF_ACCEPT; } // malformed, or an error about nothing known
      if (p.ct >= 0) return C.NF_ACCEPT; // RELATED to an existing entry
    }

    for (;;) {
      const t = this.t;
      if (!tupleFromPacket(t, p)) { this.stats.invalid++; return C.NF_ACCEPT; }
      let n = this.findNode(t);
      let e: number;
      if (n < 0) {
        e = this.initConntrack(t);
        if (e === -2) { this.stats.drop++; return C.NF_DROP; }
        if (e < 0) { this.stats.invalid++; return C.NF_ACCEPT; }
        n = e * 2;
      } else {
        e = n >> 1;
        this.stats.found++;
      }
      const dir = n & 1;
      const st = this.tab.status[e];
      let ctinfo: number;
      if (dir === C.IP_CT_DIR_REPLY) ctinfo = C.IP_CT_ESTABLISHED_REPLY;
      else if (st & C.IPS_SEEN_REPLY) ctinfo = C.IP_CT_ESTABLISHED;
      else if (st & C.IPS_EXPECTED) ctinfo = C.IP_CT_RELATED;
      else ctinfo = C.IP_CT_NEW;

      const ret = this.l4Packet(e, dir, p);
      if (ret === TCP_ACCEPT) {
        if (ctinfo === C.IP_CT_ESTABLISHED_REPLY) this.tab.status[e] |= C.IPS_SEEN_REPLY;
        p.ct = e;
        p.ctinfo = ctinfo;
        return C.NF_ACCEPT;
      }
      // Invalid: the packet goes on without conntrack; a new entry is thrown away.
      if (!(this.tab.status[e] & C.IPS_CONFIRMED) && this.tab.isUsed(e) && !(this.tab.status[e] & C.IPS_DYING)) {
        this.release(e);
      }
      if (ret === TCP_REPEAT) { this.releaseDeferred(); continue; }
      this.stats.invalid++;
      if (ret === TCP_DROP) { this.stats.drop++; return C.NF_DROP; }
      return C.NF_ACCEPT;
    }
  }

  /** init_conntrack(): a new unconfirmed entry for tuple t; -1 if it has no inverse, -2 if the table is full. */
  private initConntrack(t: Tuple): number {
    if (!invertTuple(this.r, t)) return -1;
    // __nf_conntrack_alloc(): the count includes the new entry; over the limit, evict or refuse.
    if (this.max > 0 && this.tab.count + 1 > this.max) {
      if (!this.earlyDrop(this.tab.bucketOf(t))) return -2;
    }
    const e = this.tab.alloc(t, this.r);
    const ext = this.ext;
    if (ext.capacity < this.tab.capacity) ext.fit(this.tab.capacity);
    ext.reset(e);
    // Welcome, expected connection: RELATED to its master, with the master's helper and mark.
    if (this.expect.count > 0) {
      const x = this.expect.find(t, this.tab.status, ext, this.clock.now());
      if (x >= 0) {
        const m = this.expect.master[x];
        this.tab.status[e] |= C.IPS_EXPECTED;
        ext.master[e] = m;
        ext.masterGen[e] = ext.gen[m];
        ext.helper[e] = this.expect.helper[x];
        this.tab.mark[e] = this.tab.mark[m];
        this.stats.expectNew++;
        this.expect.take(x, ext);
        const fn = this.expect.fn[x];
        if (fn !== 0) this.expectFns[fn]?.(e, x);
      }
    }
    return e;
  }

  /** The protocol's packet() callback: TCP_ACCEPT, TCP_INVALID, TCP_REPEAT or TCP_DROP. */
  private l4Packet(e: number, dir: number, p: CtPacket): number {
    const tab = this.tab;
    const confirmed = (tab.status[e] & C.IPS_CONFIRMED) !== 0;
    switch (p.protocol) {
      case C.IPPROTO_TCP:
        return tcpPacket(this, e, dir, p);
      case C.IPPROTO_UDP:
      case C.IPPROTO_UDPLITE: {
        // udp_packet(): streams are replied entries still active 2 s after creation.
        if (p.l4Malformed) return -1;
        const status = tab.status[e];
        const now = this.clock.now();
        if (!confirmed) tab.aux[e] = now + 2000;
        if (status & C.IPS_SEEN_REPLY) {
          let extra = this.timeouts.udpUnreplied;
          let stream = false;
          if (now > tab.aux[e]) {
            extra = this.timeouts.udpReplied;
            stream = (status & C.IPS_ASSURED) === 0;
          }
          this.refresh(e, extra);
          if (status & C.IPS_NAT_CLASH) return TCP_ACCEPT; // never assured, they time out soon
          if (stream) tab.status[e] |= C.IPS_ASSURED;
        } else {
          this.refresh(e, this.timeouts.udpUnreplied);
        }
        return TCP_ACCEPT;
      }
      case C.IPPROTO_ICMP:
      case C.IPPROTO_ICMPV6: {
        const v6 = p.protocol === C.IPPROTO_ICMPV6;
        // icmp_packet(): the protocol must match the family; only requests can create an entry.
        if (v6 !== (p.l3proto === C.NFPROTO_IPV6)) return -1;
        if (!confirmed) {
          const type = tab.port[e * 4 + 1] >>> 8;
          if (!(v6 ? icmpv6ValidNew(type) : icmpValidNew(type))) return -1;
        }
        this.refresh(e, v6 ? this.timeouts.icmpv6 : this.timeouts.icmp);
        return TCP_ACCEPT;
      }
      default:
        this.refresh(e, this.timeouts.generic);
        return TCP_ACCEPT;
    }
  }

  /**
   * icmp_error()/icmpv6_error() + nf_conntrack_inet_error(): 1 = not an error message (track normally),
   * also 1 with p.ct set = RELATED to the entry of the embedded packet, 0 = INVALID.
   */
  private icmpError(p: CtPacket): number {
    const v6 = p.protocol === C.IPPROTO_ICMPV6;
    if (v6 !== (p.l3proto === C.NFPROTO_IPV6)) return 1; // ICMP in IPv6 (or v.v.): generic handling later
    if (p.l4Malformed) return 0;
    if (v6) {
      if (p.icmpType >= 128) return 1;
    } else {
      if (p.icmpType > NR_ICMP_TYPES) return 0;
      if (!icmpIsError(p.icmpType)) return 1;
    }
    // Are they talking about one of our connections? The embedded packet went the other way.
    if (!tupleFromInner(this.s, p)) return 0;
    if (!invertTuple(this.t, this.s)) return 0;
    const n = this.findNode(this.t);
    if (n < 0) return 0;
    const e = n >> 1, dir = n & 1;
    // The error must go to the address the entry's packets in that direction go to.
    const a = e * 16 + dir * 8 + 4;
    const d = p.dst;
    const words = v6 ? 4 : 1;
    for (let i = 0; i < words; i++) {
      const w = ((d[i * 4] << 24) | (d[i * 4 + 1] << 16) | (d[i * 4 + 2] << 8) | d[i * 4 + 3]) >>> 0;
      if (this.tab.addr[a + i] !== w) return 0;
    }
    p.ct = e;
    p.ctinfo = dir === C.IP_CT_DIR_REPLY ? C.IP_CT_RELATED_REPLY : C.IP_CT_RELATED;
    return 1;
  }

  /**
   * __nf_conntrack_confirm(): at the end of INPUT/POSTROUTING, hash a new entry so later packets find it.
   * Returns NF_DROP when its tuples clash with an existing entry (or it died meanwhile).
   */
  confirm(p: CtPacket): number {
    const e = p.ct;
    if (e < 0) return C.NF_ACCEPT;
    const tab = this.tab;
    const st = tab.status[e];
    if (st & C.IPS_CONFIRMED) return C.NF_ACCEPT;
    // Only the original direction confirms (nf_confirm: ctinfo must not be a reply).
    if (p.ctinfo === C.IP_CT_ESTABLISHED_REPLY || p.ctinfo === C.IP_CT_RELATED_REPLY) return C.NF_ACCEPT;
    if (st & C.IPS_DYING) {
      this.stats.insertFailed++;
      return C.NF_DROP;
    }
    for (let dir = 0; dir < 2; dir++) {
      tab.getTuple(e, dir, this.t);
      if (this.findNode(this.t) >= 0) {
        // Clash with an entry confirmed meanwhile (or one NAT made identical); the kernel's clash
        // resolution for UDP is not modelled: the packet is dropped like for other protocols.
        this.stats.insertFailed++;
        this.release(e);
        p.ct = -1;
        p.ctinfo = C.IP_CT_NONE;
        this.stats.drop++;
        return C.NF_DROP;
      }
    }
    // The timeout becomes absolute from confirmation time.
    tab.timeout[e] += this.clock.now();
    tab.status[e] = st | C.IPS_CONFIRMED;
    tab.insert(e, this.t);
    this.stats.insert++;
    return C.NF_ACCEPT;
  }

  /** Drops an unconfirmed entry when its packet is dropped before confirm (nf_conntrack_destroy via kfree_skb). */
  abandon(p: CtPacket): void {
    const e = p.ct;
    if (e >= 0 && this.tab.isUsed(e) && !(this.tab.status[e] & C.IPS_CONFIRMED)) this.release(e);
    p.ct = -1;
    p.ctinfo = C.IP_CT_NONE;
  }

  // ---- administration ------------------------------------------------------------------------------

  /** Removes every expired confirmed entry (the kernel's gc_worker); returns how many. */
  gc(): number {
    const tab = this.tab;
    this.expect.purge(this.clock.now(), this.ext);
    let n = 0;
    for (let e = 0; e < tab.capacity; e++) {
      if (tab.isUsed(e) && !(tab.status[e] & C.IPS_DYING) && this.isExpired(e)) {
        this.destroy(e);
        n++;
      }
    }
    return n;
  }

  /** Deletes the entry having this tuple in either direction (conntrack -D); true if one was found. */
  deleteByTuple(l3proto: number, protocol: number, src: Uint8Array, dst: Uint8Array, sport = 0, dport = 0): boolean {
    const n = this.lookup(l3proto, protocol, src, dst, sport, dport);
    if (n < 0) return false;
    this.destroy(n >> 1);
    return true;
  }

  /** Deletes one confirmed entry now (conntrack -D on an entry found by a dump filter). */
  remove(e: number): boolean {
    const tab = this.tab;
    if (!tab.isUsed(e) || !(tab.status[e] & C.IPS_CONFIRMED) || (tab.status[e] & C.IPS_DYING)) return false;
    this.destroy(e);
    return true;
  }

  /** Deletes every confirmed entry (conntrack -F); returns how many. */
  flush(): number {
    const tab = this.tab;
    let n = 0;
    for (let e = 0; e < tab.capacity; e++) {
      if (tab.isUsed(e) && (tab.status[e] & C.IPS_CONFIRMED) && !(tab.status[e] & C.IPS_DYING)) {
        this.destroy(e);
        n++;
      }
    }
    return n;
  }

  /** Calls fn for each live confirmed entry, in table order (expired ones are skipped, as the dumps do). */
  forEach(fn: (e: number) => void): void {
    const tab = this.tab;
    for (let e = 0; e < tab.capacity; e++) {
      const st = tab.status[e];
      if (tab.isUsed(e) && (st & C.IPS_CONFIRMED) && !(st & C.IPS_DYING) && !this.isExpired(e)) fn(e);
    }
  }

  // ---- per-entry accessors for the engine (NAT, matches, targets) ------------------------------------

  status(e: number): number { return this.tab.status[e]; }
  setStatus(e: number, bits: number): void { this.tab.status[e] |= bits; }
  mark(e: number): number { return this.tab.mark[e]; }
  setMark(e: number, v: number): void { this.tab.mark[e] = v >>> 0; }
  l3proto(e: number): number { return this.tab.l3[e]; }
  protocol(e: number): number { return this.tab.l4[e]; }
  /** Helper id of an entry (ext.ts HELPER_*), and its assignment (__nf_ct_try_assign_helper). */
  helper(e: number): number { return this.ext.helper[e]; }
  setHelper(e: number, id: number): void { this.ext.helper[e] = id; }
  /** ct->master of an expected connection, -1 if none (or if the master's slot was reused since). */
  master(e: number): number {
    const m = this.ext.master[e];
    return m >= 0 && this.tab.isUsed(m) && this.ext.gen[m] === this.ext.masterGen[e] ? m : -1;
  }
  /** nf_ct_seq_offset(): NAT's sequence offset of direction dir at sequence number seq (0 without one). */
  seqOffset(e: number, dir: number, seq: number): number {
    return this.tab.status[e] & C.IPS_SEQ_ADJUST ? seqOffsetOf(this.ext, e, dir, seq) : 0;
  }
  /** Copies the tuple of direction dir into a caller-owned tuple (see tuple.ts for the layout). */
  tuple(e: number, dir: number, out: Tuple): void { this.tab.getTuple(e, dir, out); }

  /**
   * nf_conntrack_alter_reply(): NAT sets the reply tuple of a new entry before it is confirmed
   * (out: the tuple words). Sets nothing on a confirmed entry.
   */
  alterReply(e: number, reply: Tuple): boolean {
    if (this.tab.status[e] & C.IPS_CONFIRMED) return false;
    this.tab.setTuple(e, C.IP_CT_DIR_REPLY, reply);
    return true;
  }
}

/** The state bits the conntrack/state matches test for this packet (xt_conntrack.c conntrack_mt). */
export function ctStateBits(ct: Conntrack, p: CtPacket): number {
  if (p.ct < 0) return p.ctinfo === C.IP_CT_UNTRACKED ? C.XT_CONNTRACK_STATE_UNTRACKED : C.XT_CONNTRACK_STATE_INVALID;
  let bits = 1 << ((p.ctinfo % C.IP_CT_IS_REPLY) + 1);
  const st = ct.status(p.ct);
  if (st & C.IPS_SRC_NAT) bits |= C.XT_CONNTRACK_STATE_SNAT;
  if (st & C.IPS_DST_NAT) bits |= C.XT_CONNTRACK_STATE_DNAT;
  return bits;
}

export { TCP_DROP };
