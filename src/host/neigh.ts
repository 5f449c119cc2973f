/**
 * The neighbour table (net/core/neighbour.c) of both families: ARP
 * (arp_tbl) and IPv6 neighbour discovery (nd_tbl), keyed by (ifindex,
 * family, address). Pure: time comes in as `now` (ms), randomness from
 * an injected u32 source, and whatever the table decides to send goes to a
 * NeighSink (solicitations, packets released after resolution, error
 * reports for packets whose resolution failed).
 *
 * States and transitions follow the kernel:
 * - output to an entry (neigh_event_send / __neigh_event_send): REACHABLE,
 *   PERMANENT, NOARP, DELAY and PROBE send at once; STALE moves to DELAY
 *   (delay_first_probe_time) and sends; NONE and FAILED move to INCOMPLETE
 *   with probes = ucast_solicit and an immediate probe; INCOMPLETE queues
 *   (a copy; the oldest are dropped beyond unres_qlen_bytes).
 * - the timer (neigh_timer_handler): REACHABLE -> DELAY or STALE after
 *   reachable_time; DELAY -> REACHABLE (confirmed meanwhile) or PROBE;
 *   INCOMPLETE/PROBE retransmit every retrans_time until
 *   neigh_max_probes, then FAILED, reporting every queued packet
 *   (neigh_invalidate -> arp_error_report / ndisc_error_report).
 * - updates (__neigh_update) with the OVERRIDE / WEAK_OVERRIDE / ADMIN
 *   semantics; becoming valid releases the queue.
 * - garbage collection (neigh_periodic_work every base_reachable_time/2,
 *   only above gc_thresh1; neigh_forced_gc when creating above
 *   gc_thresh2/gc_thresh3).
 * reachable_time is base_reachable_time * [0.5, 1.5) (neigh_rand_reach_time),
 * drawn again every 300 s as neigh_periodic_work does.
 */
import type { Family } from './prefix';

export const NUD_NONE = 0x00;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;
export const NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
export const NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
export const NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;
/** States whose packets go out at once (neigh_event_send's fast test). */
export const NUD_SENDS = NUD_CONNECTED | NUD_DELAY | NUD_PROBE;

/** ndm_flags */
export const NTF_ROUTER = 0x80;

/** __neigh_update flags (include/net/neighbour.h). */
export const NEIGH_UPDATE_F_OVERRIDE = 1 << 0;
export const NEIGH_UPDATE_F_WEAK_OVERRIDE = 1 << 1;
export const NEIGH_UPDATE_F_OVERRIDE_ISROUTER = 1 << 2;
export const NEIGH_UPDATE_F_ISROUTER = 1 << 6;
export const NEIGH_UPDATE_F_ADMIN = 1 << 7;

export const STATE_NAMES: readonly [number, string][] = [
  [NUD_INCOMPLETE, 'INCOMPLETE'], [NUD_REACHABLE, 'REACHABLE'], [NUD_STALE, 'STALE'], [NUD_DELAY, 'DELAY'],
  [NUD_PROBE, 'PROBE'], [NUD_FAILED, 'FAILED'], [NUD_NOARP, 'NOARP'], [NUD_PERMANENT, 'PERMANENT'],
];

/** The sysctl defaults of net.ipv4.neigh.default / net.ipv6.neigh.default (times in ms). */
export interface NeighParams {
  baseReachableTime: number;
  retransTime: number;
  delayFirstProbeTime: number;
  ucastSolicit: number;
  mcastSolicit: number;
  appSolicit: number;
  mcastResolicit: number;
  unresQlenBytes: number;
  gcStaleTime: number;
  /** ARP's locktime (1 s): a second different reply within it does not override. */
  locktime: number;
  gcThresh1: number;
  gcThresh2: number;
  gcThresh3: number;
}

export const DEFAULT_PARAMS: Readonly<NeighParams> = {
  baseReachableTime: 30_000, retransTime: 1000, delayFirstProbeTime: 5000,
  ucastSolicit: 3, mcastSolicit: 3, appSolicit: 0, mcastResolicit: 0,
  // SK_WMEM_MAX: 212992 bytes, i.e. unres_qlen 101 full-size frames.
  unresQlenBytes: 212992,
  gcStaleTime: 60_000, locktime: 1000, gcThresh1: 128, gcThresh2: 512, gcThresh3: 1024,
};

/** Per-skb overhead the kernel adds to a packet's length in truesize (SKB_TRUESIZE: sk_buff + skb_shared_info). */
export const SKB_TRUESIZE_OVERHEAD = 576;

export class NeighEntry {
  /** Link-layer address (Ethernet); meaningful when hasLladdr. */
  readonly lladdr = new Uint8Array(6);
  hasLladdr = false;
  state = NUD_NONE;
  /** NTF_ROUTER */
  flags = 0;
  /** Times (ms): last change, last use for output, last confirmation of reachability. */
  updated = 0;
  used = 0;
  confirmed = 0;
  /** Timer due time, or -1 when no timer runs. */
  timer = -1;
  probes = 0;
  /** Packets (IP header onwards, copies) waiting for resolution, oldest first. */
  queue: Uint8Array[] = [];
  queueBytes = 0;
  /** Hash chain. */
  next: NeighEntry | null = null;
  constructor(readonly ifindex: number, readonly family: Family, readonly addr: Uint8Array) {}
}

/** What the table asks its owner to do. Calls happen during the table's own methods. */
export interface NeighSink {
  /** Send a solicitation for e: unicast to e.lladdr (a probe of a known neighbour) or broadcast/multicast. `tail` is the newest queued packet (for the source address), or null. */
  solicit(e: NeighEntry, unicast: boolean, tail: Uint8Array | null): void;
  /** e became valid: send this queued packet now. */
  transmit(e: NeighEntry, pkt: Uint8Array): void;
  /** Resolution of e failed: this queued packet cannot be delivered (ICMP host/address unreachable). */
  unreachable(e: NeighEntry, pkt: Uint8Array): void;
}

function hashOf(ifindex: number, family: Family, a: Uint8Array, off: number): number {
  let h = (ifindex * 0x9e3779b1 + family) | 0;
  const n = family === 4 ? 4 : 16;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ a[off + i], 0x01000193);
  return h >>> 0;
}

function sameAddr(e: NeighEntry, a: Uint8Array, off: number): boolean {
  const x = e.addr;
  for (let i = 0; i < x.length; i++) if (x[i] !== a[off + i]) return false;
  return true;
}

export class NeighTable {
  readonly params: NeighParams;
  /** Current reachable_time (ms), randomised from base_reachable_time. */
  reachableTime: number;
  sink: NeighSink | null = null;
  private readonly buckets = new Map<number, NeighEntry>();
  /** Entries in creation order (what `ip neigh` lists). */
  private readonly list: NeighEntry[] = [];
  private readonly random: () => number;
  private nextGc: number;
  private lastRandomise: number;
  private lastFlush = 0;

  constructor(o: { params?: Partial<NeighParams>; random?: () => number; now?: number } = {}) {
    this.params = { ...DEFAULT_PARAMS, ...o.params };
    let seed = 0x2545f491;
    this.random = o.random ?? ((): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; });
    const now = o.now ?? 0;
    this.reachableTime = this.randReachTime();
    this.lastRandomise = now;
    this.nextGc = now + (this.params.baseReachableTime >> 1);
  }

  /** neigh_rand_reach_time: base/2 + prandom_u32_max(base). */
  private randReachTime(): number {
    const base = this.params.baseReachableTime;
    return (base >> 1) + Math.floor(((this.random() >>> 0) * base) / 0x100000000);
  }

  get size(): number { return this.list.length; }

  /** Every entry, in creation order. */
  entries(): readonly NeighEntry[] { return this.list; }

  /** neigh_lookup: the entry for the address at a[off..] on ifindex, or null. Allocates nothing. */
  lookup(ifindex: number, family: Family, a: Uint8Array, off = 0): NeighEntry | null {
    for (let e = this.buckets.get(hashOf(ifindex, family, a, off)) ?? null; e; e = e.next) {
      if (e.ifindex === ifindex && e.family === family && sameAddr(e, a, off)) return e;
    }
    return null;
  }

  /**
   * __neigh_create (state NONE), or the existing entry. null when the
   * table is full (gc_thresh3 reached and forced gc freed nothing:
   * "neighbor table overflow!").
   */
  create(ifindex: number, family: Family, a: Uint8Array, off: number, now: number): NeighEntry | null {
    const old = this.lookup(ifindex, family, a, off);
    if (old) return old;
    const gcEntries = this.gcCount();
    const p = this.params;
    if (gcEntries >= p.gcThresh3 || (gcEntries >= p.gcThresh2 && now > this.lastFlush + 5000)) {
      if (!this.forcedGc(now) && gcEntries >= p.gcThresh3) return null;
    }
    // A copy, even of a Buffer (whose slice() is a view into memory the caller reuses).
    const e = new NeighEntry(ifindex, family, Uint8Array.prototype.slice.call(a, off, off + (family === 4 ? 4 : 16)));
    e.updated = e.used = now;
    // Not confirmed yet: as long ago as an address change leaves it (__neigh_update).
    e.confirmed = now - 2 * p.baseReachableTime;
    const h = hashOf(ifindex, family, a, off);
    e.next = this.buckets.get(h) ?? null;
    this.buckets.set(h, e);
    this.list.push(e);
    return e;
  }

  /** neigh_remove_one: unlink an entry (its queue is dropped without error reports). */
  remove(e: NeighEntry): void {
    const h = hashOf(e.ifindex, e.family, e.addr, 0);
    let prev: NeighEntry | null = null;
    for (let x = this.buckets.get(h) ?? null; x; prev = x, x = x.next) {
      if (x !== e) continue;
      if (prev) prev.next = x.next;
      else if (x.next) this.buckets.set(h, x.next);
      else this.buckets.delete(h);
      break;
    }
    const i = this.list.indexOf(e);
    if (i >= 0) this.list.splice(i, 1);
    e.timer = -1;
    e.queue = [];
    e.queueBytes = 0;
  }

  /** Entries garbage collection counts (not PERMANENT: tbl->gc_entries). */
  private gcCount(): number {
    let n = 0;
    for (const e of this.list) if (!(e.state & NUD_PERMANENT)) n++;
    return n;
  }

  /** neigh_forced_gc: drop FAILED/NOARP entries and those not updated in the last 5 s, down to gc_thresh2. */
  private forcedGc(now: number): boolean {
    let excess = this.gcCount() - this.params.gcThresh2;
    let shrunk = 0;
    for (const e of [...this.list]) {
      if (excess <= 0) break;
      if (e.state & NUD_PERMANENT) continue;
      if (e.state === NUD_FAILED || e.state === NUD_NOARP || e.updated < now - 5000) {
        this.remove(e);
        shrunk++;
        excess--;
      }
    }
    this.lastFlush = now;
    return shrunk > 0;
  }

  private maxProbes(e: NeighEntry): number {
    const p = this.params;
    return p.ucastSolicit + p.appSolicit + (e.state & NUD_PROBE ? p.mcastResolicit : p.mcastSolicit);
  }

  /** neigh_probe: one solicitation, counted. */
  private probe(e: NeighEntry): void {
    const tail = e.queue.length ? e.queue[e.queue.length - 1] : null;
    // arp_solicit / ndisc_solicit: the first ucast_solicit probes (counted from 0) are unicast.
    const unicast = e.probes - this.params.ucastSolicit < 0;
    e.probes++;
    this.sink?.solicit(e, unicast, tail);
  }

  /**
   * A packet (b[off, off+len), IP header onwards) is to leave through e
   * (neigh_resolve_output). Returns true when it can be sent now to
   * e.lladdr; false when it was queued (copied) or dropped.
   */
  output(e: NeighEntry, b: Uint8Array, off: number, len: number, now: number): boolean {
    e.used = now;
    if (e.state & NUD_SENDS) return true;
    return this.eventSend(e, b, off, len, now);
  }

  /** __neigh_event_send for an entry that cannot send at once. */
  private eventSend(e: NeighEntry, b: Uint8Array | null, off: number, len: number, now: number): boolean {
    const p = this.params;
    let immediate = false;
    if (!(e.state & (NUD_STALE | NUD_INCOMPLETE))) {
      if (p.mcastSolicit + p.appSolicit === 0) {
        e.state = NUD_FAILED;
        e.updated = now;
        return false;
      }
      e.probes = p.ucastSolicit;
      e.state = NUD_INCOMPLETE;
      e.updated = now;
      e.timer = now + Math.max(p.retransTime, 10);
      immediate = true;
    } else if (e.state & NUD_STALE) {
      e.state = NUD_DELAY;
      e.updated = now;
      e.timer = now + p.delayFirstProbeTime;
    }
    let sendNow = true;
    if (e.state === NUD_INCOMPLETE) {
      if (b !== null) {
        const size = len + SKB_TRUESIZE_OVERHEAD;
        while (e.queueBytes + size > p.unresQlenBytes && e.queue.length) {
          const old = e.queue.shift()!;
          e.queueBytes -= old.length + SKB_TRUESIZE_OVERHEAD;
        }
        e.queue.push(Uint8Array.prototype.slice.call(b, off, off + len));
        e.queueBytes += size;
      }
      sendNow = false;
    }
    if (immediate) this.probe(e);
    return sendNow;
  }

  /**
   * __neigh_update: a new link-layer address (or null to keep the known
   * one) and state. Returns null or the error the kernel reports
   * ("No link layer address given"). Releases the queue when e becomes
   * valid, and reports it when e fails from INCOMPLETE/PROBE.
   */
  update(e: NeighEntry, lladdr: Uint8Array | null, llOff: number, state: number, flags: number, now: number): string | null {
    const old = e.state;
    let nstate = state;
    if (!(flags & NEIGH_UPDATE_F_ADMIN) && (old & (NUD_NOARP | NUD_PERMANENT))) return null;
    if (!(nstate & NUD_VALID)) {
      e.timer = -1;
      e.state = nstate;
      if ((old & (NUD_INCOMPLETE | NUD_PROBE)) && (nstate & NUD_FAILED)) this.invalidate(e);
      return null;
    }
    // Compare the new address with the cached one.
    let changeLl: boolean;
    if (lladdr !== null) {
      changeLl = !((old & NUD_VALID) && e.hasLladdr && sameMac(e.lladdr, lladdr, llOff));
    } else {
      if (!(old & NUD_VALID)) return 'No link layer address given';
      changeLl = false;
    }
    if (nstate & NUD_CONNECTED) e.confirmed = now;
    const updateIsRouter = (flags & NEIGH_UPDATE_F_OVERRIDE_ISROUTER) !== 0;
    let doIsRouter = updateIsRouter;
    if (old & NUD_VALID) {
      if (changeLl && !(flags & NEIGH_UPDATE_F_OVERRIDE)) {
        doIsRouter = false;
        if ((flags & NEIGH_UPDATE_F_WEAK_OVERRIDE) && (old & NUD_CONNECTED)) {
          changeLl = false;
          nstate = NUD_STALE;
        } else {
          return null;
        }
      } else if (!changeLl && nstate === NUD_STALE && !(flags & NEIGH_UPDATE_F_ADMIN)) {
        nstate = old;
      }
    }
    if (nstate !== old || changeLl) e.updated = now;
    if (nstate !== old) {
      e.timer = -1;
      if (nstate & NUD_PROBE) e.probes = 0;
      if (nstate & NUD_IN_TIMER) e.timer = now + (nstate & NUD_REACHABLE ? this.reachableTime : 0);
      e.state = nstate;
    }
    if (changeLl && lladdr !== null) {
      for (let i = 0; i < 6; i++) e.lladdr[i] = lladdr[llOff + i];
      e.hasLladdr = true;
      if (!(nstate & NUD_CONNECTED)) e.confirmed = now - 2 * this.params.baseReachableTime;
    }
    if (doIsRouter) e.flags = flags & NEIGH_UPDATE_F_ISROUTER ? e.flags | NTF_ROUTER : e.flags & ~NTF_ROUTER;
    if (nstate === old) return null;
    if (!(old & NUD_VALID)) this.release(e, now);
    return null;
  }

  /** The queue of an entry that just became valid goes out (each through neigh_resolve_output again). */
  private release(e: NeighEntry, now: number): void {
    const q = e.queue;
    e.queue = [];
    e.queueBytes = 0;
    for (const pkt of q) {
      if (!(e.state & NUD_VALID)) break;
      if (this.output(e, pkt, 0, pkt.length, now)) this.sink?.transmit(e, pkt);
    }
  }

  /** neigh_invalidate: every queued packet gets an error report. */
  private invalidate(e: NeighEntry): void {
    const q = e.queue;
    e.queue = [];
    e.queueBytes = 0;
    for (const pkt of q) this.sink?.unreachable(e, pkt);
  }

  /** Timers and garbage collection due at `now`. Returns the number of entries whose timer fired. */
  tick(now: number): number {
    let fired = 0;
    for (let i = 0; i < this.list.length; i++) {
      const e = this.list[i];
      if (e.timer >= 0 && e.timer <= now) { fired++; this.timerHandler(e, now); }
    }
    if (now >= this.nextGc) this.periodicWork(now);
    return fired;
  }

  /** The earliest pending timer (ms), or -1: when the owner should call tick next. */
  nextTimer(): number {
    let t = this.nextGc;
    for (const e of this.list) if (e.timer >= 0 && e.timer < t) t = e.timer;
    return t;
  }

  /** neigh_timer_handler */
  private timerHandler(e: NeighEntry, now: number): void {
    const p = this.params;
    const state = e.state;
    e.timer = -1;
    if (!(state & NUD_IN_TIMER)) return;
    let next = now;
    if (state & NUD_REACHABLE) {
      if (now <= e.confirmed + this.reachableTime) {
        next = e.confirmed + this.reachableTime;
      } else if (now <= e.used + p.delayFirstProbeTime) {
        e.state = NUD_DELAY; e.updated = now; next = now + p.delayFirstProbeTime;
      } else {
        e.state = NUD_STALE; e.updated = now;
      }
    } else if (state & NUD_DELAY) {
      if (now <= e.confirmed + p.delayFirstProbeTime) {
        e.state = NUD_REACHABLE; e.updated = now; next = e.confirmed + this.reachableTime;
      } else {
        e.state = NUD_PROBE; e.updated = now; e.probes = 0; next = now + Math.max(p.retransTime, 10);
      }
    } else {
      next = now + Math.max(p.retransTime, 10);
    }
    if ((e.state & (NUD_INCOMPLETE | NUD_PROBE)) && e.probes >= this.maxProbes(e)) {
      e.state = NUD_FAILED;
      e.updated = now;
      this.invalidate(e);
      return;
    }
    if (e.state & NUD_IN_TIMER) e.timer = Math.max(next, now + 10);
    if (e.state & (NUD_INCOMPLETE | NUD_PROBE)) this.probe(e);
  }

  /** neigh_periodic_work: re-randomise reachable_time every 300 s; above gc_thresh1, drop FAILED and long-unused entries. */
  private periodicWork(now: number): void {
    const p = this.params;
    this.nextGc = now + (p.baseReachableTime >> 1);
    if (now - this.lastRandomise >= 300_000) {
      this.lastRandomise = now;
      this.reachableTime = this.randReachTime();
    }
    if (this.gcCount() < p.gcThresh1) return;
    for (const e of [...this.list]) {
      if (e.state & (NUD_PERMANENT | NUD_IN_TIMER)) continue;
      if (e.used < e.confirmed && e.confirmed <= now) e.used = e.confirmed;
      if (e.state === NUD_FAILED || now >= e.used + p.gcStaleTime || now < e.used) this.remove(e);
    }
  }

  /** Removes every entry (table reset). */
  clear(): void {
    this.buckets.clear();
    this.list.length = 0;
  }
}

function sameMac(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 6; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

export function stateName(state: number): string {
  for (const [bit, name] of STATE_NAMES) if (state === bit) return name;
  return state === NUD_NONE ? 'NONE' : `0x${state.toString(16)}`;
}
