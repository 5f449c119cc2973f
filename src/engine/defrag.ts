/**
 * Connection tracking's defragmentation (nf_defrag_ipv4 / nf_defrag_ipv6):
 * with conntrack in use, fragments are gathered at PREROUTING and OUTPUT at
 * priority -400 (NF_IP_PRI_CONNTRACK_DEFRAG, before raw), and only the
 * reassembled datagram goes on through the hooks.
 *
 * IPv4 follows net/ipv4/ip_fragment.c (ip_defrag, ip_frag_queue,
 * ip_frag_reasm), IPv6 net/ipv6/netfilter/nf_conntrack_reasm.c
 * (nf_ct_frag6_gather, nf_ct_frag6_queue, nf_ct_frag6_reasm); both insert
 * through net/ipv4/inet_fragment.c inet_frag_queue_insert, whose "runs" are
 * modelled here: a fragment wholly inside one run of contiguous fragments
 * is a duplicate (dropped, the queue kept), any other overlap kills the
 * whole queue (RFC 5722 for IPv6; IPv4 does the same since 4.19).
 *
 * Facts checked against the running kernel (6.18, namespaces, scapy):
 * - the ICMP "reassembly time exceeded" on expiry: IPv4 conntrack-in queues
 *   send it only when the datagram was for this host (ip_expire,
 *   frag_expire_skip_icmp); IPv6 always when the first fragment arrived
 *   (ip6frag_expire_frag_queue), also on a router;
 * - refragmentation keeps the original fragment boundaries (see fragment.ts).
 *
 * Not modelled: the memory limits (ipfrag_high_thresh, nf_conntrack_frag6_high_thresh;
 * no queue is ever refused or evicted for memory), IP_NODEFRAG sockets, VRF
 * (the vif of the IPv4 key), conntrack zones in the defrag user (the zone
 * comes from a CT template set in raw, after defrag, so it is 0 here).
 *
 * The non-fragment path allocates nothing; each fragment held and each
 * reassembly allocates.
 */
import { get16, get32, put16, checksum } from '../wire/checksum';
import { IP_DF, IP_MF, IP_OFFMASK } from '../wire/ipv4';
import { ipv6IsExtHdr, NEXTHDR_AUTH, NEXTHDR_FRAGMENT, NEXTHDR_ICMP, NEXTHDR_NONE, NEXTHDR_TCP, NEXTHDR_UDP, ipv6SkipExthdr, ExtHdrWalk } from '../wire/ipv6';
import { WireError, type PacketView } from '../wire/packet';
import type { Clock } from './net';

/** gather(): not a fragment (or a fragment the kernel lets through as it is): go on with the packet unchanged. */
export const DEFRAG_WHOLE = -1;
/** gather(): the fragment was queued (NF_STOLEN): the packet goes no further. */
export const DEFRAG_HELD = -2;
/** gather(): the fragment was dropped (duplicate, overlap, invalid): see Defrag.reason. */
export const DEFRAG_DROPPED = -3;

/** net.ipv4.ipfrag_time (30 s) and net.netfilter.nf_conntrack_frag6_timeout (60 s), in ms. */
export const IPFRAG_TIME_MS = 30_000;
export const IP6FRAG_TIME_MS = 60_000;
/** net.ipv4.ipfrag_max_dist: a queue that saw more than this many other fragments from its source meanwhile is restarted. */
export const IPFRAG_MAX_DIST = 64;

const IP_MAXLEN = 65535;
const MAX_PIECES = 8192;

/**
 * What the reassembly left for refragmentation (IPCB/IP6CB frag_max_size,
 * IPSKB_FRAG_PMTU, and the fragment list the kernel keeps as the skb's
 * frag_list). Keep one per packet context and pass it to gather() and to
 * Fragmenter.fragment(); fragMax 0 means "not reassembled".
 */
export class FragInfo {
  /** IPv4: largest fragment (header + data); IPv6: 40 + largest fragment payload length. 0: not reassembled. */
  fragMax = 0;
  /** IPv4: the largest fragment had DF, so DF was set on the datagram (IPSKB_FRAG_PMTU). */
  pmtu = false;
  /** Length of the headers kept from the first fragment (IPv4 IHL*4; IPv6 the unfragmentable part). */
  headLen = 0;
  /** Data length of each fragment, in offset order. */
  count = 0;
  readonly lens = new Int32Array(MAX_PIECES);
  reset(): void { this.fragMax = 0; this.pmtu = false; this.headLen = 0; this.count = 0; }
}

/** A queue that timed out, for the ICMP "fragment reassembly time exceeded" the kernel may send. */
export interface FragExpired {
  family: 4 | 6;
  /** 'in': gathered at PREROUTING; 'out': at OUTPUT. */
  user: 'in' | 'out';
  /** Device the last fragment came in on ('' for OUTPUT). */
  indev: string;
  /** The first fragment as received, or null when it never arrived (then no ICMP). */
  head: Uint8Array | null;
  /**
   * When the ICMP (IPv4 type 11 code 1, IPv6 type 3 code 1) is due:
   * 'always' (IPv6; IPv4 OUTPUT queues), 'if-local' (IPv4 PREROUTING queues:
   * only when the head's input route is local), 'never' (no first fragment).
   */
  icmp: 'always' | 'if-local' | 'never';
}

interface Piece { off: number; end: number; data: Uint8Array; runHead: boolean; }

class FragQueue {
  readonly pieces: Piece[] = [];
  firstIn = false;
  lastIn = false;
  len = 0;
  meat = 0;
  maxSize = 0;
  maxDfSize = 0;
  ecn = 0;
  iif = '';
  /** Headers of the first fragment (IPv4: the IP header; IPv6: the bytes before the fragment header). */
  head: Uint8Array | null = null;
  /** The first fragment whole (quoted by the expiry ICMP). */
  headFrag: Uint8Array | null = null;
  /** IPv6: offset (in head) of the next-header byte that names the fragment header, and the fragment header's next header. */
  nhoff = 0;
  fragNexthdr = 0;
  /** IPv4 ip_frag_too_far: the source's fragment counter when this queue last took a fragment. */
  rid = 0;
  constructor(readonly key: string, readonly family: 4 | 6, readonly user: 'in' | 'out', public expires: number) {}
}

/** IPFRAG_ECN_* bits and ip_frag_ecn_table (net/ipv4/inet_fragment.c): 0xff marks an invalid mix. */
const ECN_TABLE = new Uint8Array(16);
ECN_TABLE[8 | 4] = 3; ECN_TABLE[8 | 2] = 3; ECN_TABLE[8 | 4 | 2] = 3;
for (const m of [1 | 8, 1 | 4, 1 | 2, 1 | 4 | 2, 1 | 8 | 4, 1 | 8 | 2, 1 | 8 | 4 | 2]) ECN_TABLE[m] = 0xff;

const INSERT_OK = 0, INSERT_DUP = 1, INSERT_OVERLAP = 2;

export class Defrag {
  /** Why the last gather() returned DEFRAG_DROPPED or DEFRAG_WHOLE for a fragment. */
  reason = '';
  private readonly queues = new Map<string, FragQueue>();
  /** Per-source fragment counters (the inet_peer rid of ip_frag_too_far). */
  private readonly peers = new Map<number, number>();
  private expired: FragExpired[] = [];
  private readonly walk = new ExtHdrWalk();

  /** timeout4/timeout6: ipfrag_time and nf_conntrack_frag6_timeout in ms (a sysctl change sets them). */
  constructor(private readonly clock: Clock, public timeout4 = IPFRAG_TIME_MS, public timeout6 = IP6FRAG_TIME_MS, private readonly maxDist = IPFRAG_MAX_DIST) {}

  /** Number of incomplete datagrams held. */
  get pending(): number { return this.queues.size; }

  /**
   * The defrag hook for one packet. `indev` is '' on the OUTPUT path
   * (IP_DEFRAG_CONNTRACK_OUT) and the input device at PREROUTING
   * (IP_DEFRAG_CONNTRACK_IN). Returns DEFRAG_WHOLE, DEFRAG_HELD,
   * DEFRAG_DROPPED, or the length of the reassembled datagram written at
   * out[0] (IP header first); `info` then describes it for refragmentation
   * (it is reset for every fragment, untouched for DEFRAG_WHOLE non-fragments).
   */
  gather(v: PacketView, indev: string, out: Uint8Array, info: FragInfo): number {
    if (v.family === 4) {
      if (!v.isFragment) return DEFRAG_WHOLE;
      info.reset();
      return this.gather4(v, indev, out, info);
    }
    // parse() walked the whole chain: no fragment header seen on a clean parse means none.
    if (v.family !== 6 || (v.fragHdr < 0 && v.error === WireError.OK)) return DEFRAG_WHOLE;
    info.reset();
    return this.gather6(v, indev, out, info);
  }

  /**
   * Expire the queues whose timer ran out (ip_expire, nf_ct_frag6_expire):
   * returns the expiries since the last call, including those noticed by
   * gather(). Call it whenever time passes.
   */
  expire(): FragExpired[] {
    const now = this.clock.now();
    for (const q of this.queues.values()) if (now >= q.expires) this.timeout(q);
    const r = this.expired;
    this.expired = [];
    return r;
  }

  private timeout(q: FragQueue): void {
    this.queues.delete(q.key);
    const icmp = !q.firstIn || q.headFrag === null ? 'never' : q.family === 6 || q.user === 'out' ? 'always' : 'if-local';
    this.expired.push({ family: q.family, user: q.user, indev: q.iif, head: q.firstIn ? q.headFrag : null, icmp });
  }

  private find(key: string, family: 4 | 6, user: 'in' | 'out'): FragQueue {
    let q = this.queues.get(key);
    const now = this.clock.now();
    if (q !== undefined && now >= q.expires) { this.timeout(q); q = undefined; }
    if (q === undefined) {
      // The timer is armed once, when the queue is created (inet_frag_create).
      q = new FragQueue(key, family, user, now + (family === 4 ? this.timeout4 : this.timeout6));
      this.queues.set(key, q);
    }
    return q;
  }

  private kill(q: FragQueue): void { this.queues.delete(q.key); }

  private drop(reason: string): number { this.reason = reason; return DEFRAG_DROPPED; }

  // ---- IPv4 -----------------------------------------------------------------

  private gather4(v: PacketView, indev: string, out: Uint8Array, info: FragInfo): number {
    const b = v.buf, l3 = v.l3, ihl = v.l3HeaderLen;
    const user = indev === '' ? 'out' : 'in';
    const saddr = get32(b, l3 + 12);
    const key = `4 ${user} ${saddr} ${get32(b, l3 + 16)} ${v.ipId} ${v.proto}`;
    const q = this.find(key, 4, user);
    // ip_frag_too_far: the source's counter moved on by more than ipfrag_max_dist
    // since this queue's last fragment: start the datagram over (ip_frag_reinit).
    const rid = (this.peers.get(saddr) ?? 0) + 1;
    this.peers.set(saddr, rid);
    const start = q.rid;
    q.rid = rid;
    if (this.maxDist > 0 && q.pieces.length > 0 && rid - start > this.maxDist) {
      q.pieces.length = 0; q.firstIn = q.lastIn = false; q.len = 0; q.meat = 0; q.iif = ''; q.ecn = 0;
      q.head = null; q.headFrag = null;
      q.expires = this.clock.now() + this.timeout4;
    }
    const fw = get16(b, l3 + 6);
    const offset = (fw & IP_OFFMASK) << 3;
    let end = offset + (v.ipEnd - l3 - ihl);
    if ((fw & IP_MF) === 0) {
      if (end < q.len || (q.lastIn && end !== q.len)) { this.kill(q); return this.drop('defrag: last fragment disagrees with the length'); }
      q.lastIn = true;
      q.len = end;
    } else {
      end &= ~7; // trailing bytes of a non-last fragment are cut off
      if (end > q.len) {
        if (q.lastIn) { this.kill(q); return this.drop('defrag: data beyond the last fragment'); }
        q.len = end;
      }
    }
    if (end === offset) { this.kill(q); return this.drop('defrag: empty fragment'); }
    const data = b.slice(l3 + ihl, l3 + ihl + (end - offset));
    const ins = insert(q, offset, end, data);
    if (ins === INSERT_DUP) return this.drop('defrag: duplicate fragment');
    if (ins === INSERT_OVERLAP) { this.kill(q); return this.drop('defrag: overlapping fragment (queue dropped)'); }
    q.iif = indev;
    q.meat += end - offset;
    q.ecn |= 1 << (v.tos & 3);
    if (offset === 0) {
      q.firstIn = true;
      q.head = b.slice(l3, l3 + ihl);
      q.headFrag = b.slice(l3, v.ipEnd);
    }
    const fragsize = end - offset + ihl;
    if (fragsize > q.maxSize) q.maxSize = fragsize;
    if ((fw & IP_DF) !== 0 && fragsize > q.maxDfSize) q.maxDfSize = fragsize;
    if (!(q.firstIn && q.lastIn && q.meat === q.len)) return DEFRAG_HELD;
    return this.reasm4(q, out, info);
  }

  private reasm4(q: FragQueue, out: Uint8Array, info: FragInfo): number {
    this.kill(q);
    const head = q.head!;
    const hl = head.length;
    const total = hl + q.len;
    if (total > IP_MAXLEN) return this.drop('defrag: oversized datagram');
    const ecn = ECN_TABLE[q.ecn];
    if (ecn === 0xff) return this.drop('defrag: invalid ECN mix');
    out.set(head, 0);
    fill(q, out, hl, info);
    put16(out, 2, total);
    out[1] |= ecn;
    // DF only when the largest fragment had it (ip_frag_reasm: IPSKB_FRAG_PMTU).
    info.pmtu = q.maxDfSize === q.maxSize;
    put16(out, 6, info.pmtu ? IP_DF : 0);
    put16(out, 10, 0);
    put16(out, 10, checksum(out, 0, hl));
    info.fragMax = Math.max(q.maxSize, q.maxDfSize);
    info.headLen = hl;
    return total;
  }

  // ---- IPv6 -----------------------------------------------------------------

  private gather6(v: PacketView, indev: string, out: Uint8Array, info: FragInfo): number {
    const b = v.buf, l3 = v.l3, endAll = v.ipEnd;
    const plen = get16(b, l3 + 4);
    // Jumbo payload inhibits the fragment header.
    if (plen === 0) return DEFRAG_WHOLE;
    // find_prev_fhdr: the first fragment header, and the byte that names it.
    let nexthdr = b[l3 + 6];
    let nhoff = 6;
    let start = l3 + 40;
    let len = endAll - start;
    while (nexthdr !== NEXTHDR_FRAGMENT) {
      if (!ipv6IsExtHdr(nexthdr) || nexthdr === NEXTHDR_NONE || len < 2) return DEFRAG_WHOLE;
      const hdrlen = nexthdr === NEXTHDR_AUTH ? (b[start + 1] + 2) << 2 : (b[start + 1] + 1) << 3;
      nhoff = start - l3;
      nexthdr = b[start];
      len -= hdrlen;
      start += hdrlen;
    }
    if (len < 0) return DEFRAG_WHOLE;
    const fh = start;
    // RFC 8200 4.5: a first fragment without all the headers is let through as is
    // (ipv6frag_thdr_truncated; the stack drops it later).
    if (this.thdrTruncated(b, fh, endAll)) { this.reason = 'defrag: first fragment without the upper-layer header (passed)'; return DEFRAG_WHOLE; }
    if (fh + 8 > endAll) return this.drop('defrag: truncated fragment header');
    const user = indev === '' ? 'out' : 'in';
    const d = l3 + 24;
    // The input device is part of the key only for link-local and multicast destinations.
    const scoped = b[d] === 0xff || (b[d] === 0xfe && (b[d + 1] & 0xc0) === 0x80);
    const key = `6 ${user} ${hex(b, l3 + 8, 16)} ${hex(b, d, 16)} ${get32(b, fh + 4)} ${scoped ? indev : ''}`;
    const q = this.find(key, 6, user);
    const fw = get16(b, fh + 2);
    const offset = fw & 0xfff8;
    const end = offset + (plen - (fh + 8 - l3 - 40));
    if (end > IP_MAXLEN) return this.drop('defrag: fragment beyond 65535');
    if ((fw & 1) === 0) {
      if (end < q.len || (q.lastIn && end !== q.len)) return this.drop('defrag: last fragment disagrees with the length');
      q.lastIn = true;
      q.len = end;
    } else {
      if ((end & 7) !== 0) {
        // -EPROTO: the queue is killed and the fragment goes on untouched (the
        // stack answers with a parameter problem).
        this.kill(q);
        this.reason = 'defrag: fragment length not a multiple of 8 (passed)';
        return DEFRAG_WHOLE;
      }
      if (end > q.len) {
        if (q.lastIn) return this.drop('defrag: data beyond the last fragment');
        q.len = end;
      }
    }
    if (end === offset) return this.drop('defrag: empty fragment');
    const data = b.slice(fh + 8, fh + 8 + (end - offset));
    const ins = insert(q, offset, end, data);
    if (ins === INSERT_DUP) return this.drop('defrag: duplicate fragment');
    if (ins === INSERT_OVERLAP) { this.kill(q); return this.drop('defrag: overlapping fragment (queue dropped)'); }
    q.iif = indev;
    q.meat += end - offset;
    q.ecn |= 1 << ((b[l3 + 1] >> 4) & 3);
    if (plen > q.maxSize) q.maxSize = plen;
    if (offset === 0) {
      q.firstIn = true;
      q.nhoff = nhoff;
      q.fragNexthdr = b[fh];
      q.head = b.slice(l3, fh);
      q.headFrag = b.slice(l3, endAll);
    }
    if (!(q.firstIn && q.lastIn && q.meat === q.len)) return DEFRAG_HELD;
    return this.reasm6(q, out, info);
  }

  private reasm6(q: FragQueue, out: Uint8Array, info: FragInfo): number {
    this.kill(q);
    const head = q.head!;
    const hl = head.length;
    const payload = hl - 40 + q.len;
    if (payload > IP_MAXLEN) return this.drop('defrag: oversized datagram');
    const ecn = ECN_TABLE[q.ecn];
    if (ecn === 0xff) return this.drop('defrag: invalid ECN mix');
    out.set(head, 0);
    // The header that named the fragment header now names what followed it.
    out[q.nhoff] = q.fragNexthdr;
    fill(q, out, hl, info);
    put16(out, 4, payload);
    out[1] |= ecn << 4; // the ECN bits are the low two of the traffic class
    info.fragMax = 40 + q.maxSize;
    info.headLen = hl;
    return 40 + payload;
  }

  /** ipv6frag_thdr_truncated: a first fragment whose upper-layer header does not fit. */
  private thdrTruncated(b: Uint8Array, fh: number, end: number): boolean {
    let off = ipv6SkipExthdr(b, fh, end, NEXTHDR_FRAGMENT, this.walk);
    if (off < 0 || (this.walk.fragWord & 0xfff8) !== 0) return false;
    const nh = this.walk.nexthdr;
    off += nh === NEXTHDR_TCP ? 20 : nh === NEXTHDR_UDP ? 8 : nh === NEXTHDR_ICMP ? 8 : 1;
    return off > end;
  }
}

/**
 * inet_frag_queue_insert: the common case appends at the tail (joining the
 * last run when contiguous); otherwise the fragment must fall between runs,
 * is a duplicate when wholly inside one run, and an overlap otherwise.
 */
function insert(q: FragQueue, off: number, end: number, data: Uint8Array): number {
  const p = q.pieces;
  if (p.length >= MAX_PIECES) return INSERT_OVERLAP;
  const piece: Piece = { off, end, data, runHead: true };
  if (p.length === 0) { p.push(piece); return INSERT_OK; }
  const tailEnd = p[p.length - 1].end;
  if (tailEnd < end) {
    if (off < tailEnd) return INSERT_OVERLAP;
    piece.runHead = off !== tailEnd;
    p.push(piece);
    return INSERT_OK;
  }
  // Runs are disjoint and sorted: the tree walk meets the first run that intersects.
  let at = p.length;
  for (let i = 0; i < p.length;) {
    let j = i + 1;
    while (j < p.length && !p[j].runHead) j++;
    const rs = p[i].off, re = p[j - 1].end;
    if (end <= rs) { at = i; break; }
    if (off < re) return off >= rs && end <= re ? INSERT_DUP : INSERT_OVERLAP;
    i = j;
  }
  p.splice(at, 0, piece);
  return INSERT_OK;
}

/** Copy the data of the (complete, contiguous) queue after the head and record the fragment list. */
function fill(q: FragQueue, out: Uint8Array, at: number, info: FragInfo): void {
  const p = q.pieces;
  for (let i = 0; i < p.length; i++) {
    out.set(p[i].data, at + p[i].off);
    info.lens[i] = p[i].end - p[i].off;
  }
  info.count = p.length;
}

function hex(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += (b[off + i] | 0x100).toString(16).slice(1);
  return s;
}
