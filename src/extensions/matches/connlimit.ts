/**
 * connlimit match, revision 1 (extensions/libxt_connlimit.c;
 * net/netfilter/xt_connlimit.c). "! --connlimit-upto N" is stored as
 * "--connlimit-above N" and vice versa, so save never prints "!". The mask
 * and the address side are always saved.
 */
import { IPS_CONFIRMED, IPPROTO_TCP, TCP_CONNTRACK_CLOSE, TCP_CONNTRACK_TIME_WAIT } from '../../conntrack/constants';
import type { Conntrack } from '../../conntrack/conntrack';
import { CtPacket } from '../../conntrack/packet';
import { tcpState } from '../../conntrack/tcp';
import { TUPLE_WORDS, newTuple, tupleFromPacket, wordsToBytes, type Tuple } from '../../conntrack/tuple';
import { fillCtPacket } from '../../engine/ctfill';
import type { NetContext } from '../../engine/net';
import type { Skb } from '../../engine/skb';
import { WireError } from '../../wire/packet';
import { jiffies } from './limit';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtOnce, xtPlenMask, xtUint, type FcheckEntry } from '../xtoptions';

const TABLE: readonly FcheckEntry[] = [
  { name: 'connlimit-upto', excl: ['connlimit-above'] },
  { name: 'connlimit-above', excl: ['connlimit-upto'] },
  { name: 'connlimit-mask' },
  { name: 'connlimit-saddr', excl: ['connlimit-daddr'] },
  { name: 'connlimit-daddr', excl: ['connlimit-saddr'] },
];

export interface ConnlimitInfo {
  seen: Set<string>;
  limit: number;
  /** XT_CONNLIMIT_INVERT: match while at most `limit` (upto). */
  upto: boolean;
  bits: number;
  daddr: boolean;
}

// ---- packet side (net/netfilter/xt_connlimit.c, nf_conncount.c) ---------------

/** CONNCOUNT_GC_MAX_NODES: a walk of a list stops once more than this many entries were collected. */
const GC_MAX_NODES = 8;
const NONE = -1;
const KEY_WORDS = 4;

/**
 * The nf_conncount_data of one rule instance: for each masked address
 * (the key) the list of connection tuples this rule has counted, oldest
 * first, with the jiffy of its last garbage walk. The kernel keeps keys in
 * 256 rb-trees and frees empty ones lazily; here keys live in a hash and
 * an empty key stays (it behaves the same: the next packet adds to it).
 * The counts are not a scan of the conntrack table: a connection counts
 * for a rule only once a packet of it went through that rule, and stops
 * counting when conntrack no longer has it or it is a closed TCP
 * connection (TIME_WAIT/CLOSE), found by a later walk.
 */
export class ConnCount {
  nodeCap = 0;
  nodes = 0;
  nodeKey = new Uint32Array(0);
  nodeCount = new Int32Array(0);
  nodeLastGc = new Float64Array(0);
  nodeHead = new Int32Array(0);
  nodeTail = new Int32Array(0);
  nodeNext = new Int32Array(0);
  connCap = 0;
  connTuple = new Uint32Array(0);
  connNext = new Int32Array(0);
  private connFree = NONE;
  private readonly heads = new Int32Array(256).fill(NONE);

  constructor() {
    this.growNodes(16);
    this.growConns(64);
  }

  private growNodes(n: number): void {
    const k = new Uint32Array(n * KEY_WORDS); k.set(this.nodeKey); this.nodeKey = k;
    const c = new Int32Array(n); c.set(this.nodeCount); this.nodeCount = c;
    const g = new Float64Array(n); g.set(this.nodeLastGc); this.nodeLastGc = g;
    const h = new Int32Array(n); h.set(this.nodeHead); this.nodeHead = h;
    const t = new Int32Array(n); t.set(this.nodeTail); this.nodeTail = t;
    const x = new Int32Array(n); x.set(this.nodeNext); this.nodeNext = x;
    this.nodeCap = n;
  }

  private growConns(n: number): void {
    const t = new Uint32Array(n * TUPLE_WORDS); t.set(this.connTuple); this.connTuple = t;
    const x = new Int32Array(n); x.set(this.connNext); this.connNext = x;
    for (let i = n - 1; i >= this.connCap; i--) { this.connNext[i] = this.connFree; this.connFree = i; }
    this.connCap = n;
  }

  private bucket(k: Uint32Array): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ k[i], 0x01000193) >>> 0;
    return (h ^ (h >>> 16)) & 255;
  }

  find(k: Uint32Array): number {
    for (let n = this.heads[this.bucket(k)]; n !== NONE; n = this.nodeNext[n]) {
      let eq = true;
      for (let i = 0; i < KEY_WORDS; i++) if (this.nodeKey[n * KEY_WORDS + i] !== k[i]) { eq = false; break; }
      if (eq) return n;
    }
    return NONE;
  }

  /** insert_tree's new node: nf_conncount_list_init (last_gc = now) holding one connection. */
  insert(k: Uint32Array, t: Tuple, now: number): number {
    if (this.nodes === this.nodeCap) this.growNodes(this.nodeCap * 2);
    const n = this.nodes++;
    for (let i = 0; i < KEY_WORDS; i++) this.nodeKey[n * KEY_WORDS + i] = k[i];
    const b = this.bucket(k);
    this.nodeNext[n] = this.heads[b];
    this.heads[b] = n;
    this.nodeCount[n] = 0;
    this.nodeHead[n] = this.nodeTail[n] = NONE;
    this.nodeLastGc[n] = now;
    this.append(n, t);
    return n;
  }

  /** list_add_tail of a copy of the tuple. */
  append(n: number, t: Tuple): void {
    if (this.connFree === NONE) this.growConns(this.connCap * 2);
    const c = this.connFree;
    this.connFree = this.connNext[c];
    for (let i = 0; i < TUPLE_WORDS; i++) this.connTuple[c * TUPLE_WORDS + i] = t[i];
    this.connNext[c] = NONE;
    if (this.nodeTail[n] === NONE) this.nodeHead[n] = c; else this.connNext[this.nodeTail[n]] = c;
    this.nodeTail[n] = c;
    this.nodeCount[n]++;
  }

  /** conn_free: unlink c (whose predecessor is p) from node n's list. */
  unlink(n: number, p: number, c: number): void {
    const nx = this.connNext[c];
    if (p === NONE) this.nodeHead[n] = nx; else this.connNext[p] = nx;
    if (this.nodeTail[n] === c) this.nodeTail[n] = p;
    this.connNext[c] = this.connFree;
    this.connFree = c;
    this.nodeCount[n]--;
  }
}

/** The per-rule counters of a namespace (rule data -> its nf_conncount_data). */
function connCounts(net: NetContext): WeakMap<ConnlimitInfo, ConnCount> {
  let m = net.extState.get('connlimit') as WeakMap<ConnlimitInfo, ConnCount> | undefined;
  if (m === undefined) { m = new WeakMap(); net.extState.set('connlimit', m); }
  return m;
}

const T = newTuple();
const KEY = new Uint32Array(KEY_WORDS);
const SRC = new Uint8Array(16);
const DST = new Uint8Array(16);
const ctp = new CtPacket();

const FOUND_OTHER = 0, FOUND_SAME = 1, GONE = 2;

/**
 * find_or_evict plus the verdict on what it found, for stored connection
 * c: FOUND_SAME when it is the packet's own tuple (in T; only asked by
 * the add path), GONE when conntrack no longer has it (evicted at once: one CPU, so it
 * is always "this cpu's" entry) or it is a closed TCP connection.
 */
function examine(cc: ConnCount, ct: Conntrack, c: number, cmp: boolean): number {
  const base = c * TUPLE_WORDS;
  const tu = cc.connTuple;
  for (let i = 0; i < 4; i++) { SRC[i * 4] = tu[base + 2 + i] >>> 24; SRC[i * 4 + 1] = (tu[base + 2 + i] >>> 16) & 0xff; SRC[i * 4 + 2] = (tu[base + 2 + i] >>> 8) & 0xff; SRC[i * 4 + 3] = tu[base + 2 + i] & 0xff; }
  for (let i = 0; i < 4; i++) { DST[i * 4] = tu[base + 6 + i] >>> 24; DST[i * 4 + 1] = (tu[base + 6 + i] >>> 16) & 0xff; DST[i * 4 + 2] = (tu[base + 6 + i] >>> 8) & 0xff; DST[i * 4 + 3] = tu[base + 6 + i] & 0xff; }
  const node = ct.lookup(tu[base], tu[base + 1], SRC, DST, tu[base + 10], tu[base + 11]);
  if (node < 0) return GONE;
  const e = node >> 1;
  if (cmp) {
    let same = true;
    for (let i = 0; i < TUPLE_WORDS; i++) if (tu[base + i] !== T[i]) { same = false; break; }
    if (same) return FOUND_SAME;
  }
  if (ct.protocol(e) === IPPROTO_TCP) {
    const st = tcpState(ct.tab, e);
    if (st === TCP_CONNTRACK_TIME_WAIT || st === TCP_CONNTRACK_CLOSE) return GONE;
  }
  return FOUND_OTHER;
}

/** nf_conncount_gc_list: at most once a jiffy, drop gone entries (stopping after more than 8). */
function gcList(cc: ConnCount, ct: Conntrack, n: number, now: number): void {
  if (now === cc.nodeLastGc[n]) return;
  let collected = 0;
  let p = NONE;
  for (let c = cc.nodeHead[n]; c !== NONE;) {
    const nx = cc.connNext[c];
    const r = examine(cc, ct, c, false);
    if (r === GONE) { cc.unlink(n, p, c); collected++; c = nx; continue; }
    if (collected > GC_MAX_NODES) break;
    p = c;
    c = nx;
  }
  cc.nodeLastGc[n] = now;
}

/**
 * __nf_conncount_add for a connection not yet confirmed: unless the list
 * was walked in this jiffy, walk it (stopping once more than 8 entries
 * were collected), dropping gone entries and giving up if this very
 * tuple is already listed; then append it.
 */
function addConn(cc: ConnCount, ct: Conntrack, n: number, now: number): void {
  if (now !== cc.nodeLastGc[n]) {
    let collect = 0;
    let p = NONE;
    for (let c = cc.nodeHead[n]; c !== NONE;) {
      if (collect > GC_MAX_NODES) break;
      const nx = cc.connNext[c];
      const r = examine(cc, ct, c, true);
      if (r === GONE) { cc.unlink(n, p, c); collect++; c = nx; continue; }
      if (r === FOUND_SAME) return;
      p = c;
      c = nx;
    }
    cc.nodeLastGc[n] = now;
  }
  cc.append(n, T);
}

/**
 * The connection's original tuple (in T) and whether conntrack has it
 * confirmed (get_ct_or_tuple_from_skb): the packet's entry if it has one,
 * else the tuple read from the packet (nf_ct_get_tuplepr) looked up in
 * the table. -1 when the packet has no tuple.
 */
function packetTuple(skb: Skb, ct: Conntrack): number {
  if (skb.ct >= 0) {
    ct.tuple(skb.ct, 0, T);
    return (ct.status(skb.ct) & IPS_CONFIRMED) !== 0 ? 1 : 0;
  }
  const v = skb.view;
  fillCtPacket(v, ctp, false);
  if (ctp.noTuple || (v.error !== WireError.OK && v.error !== WireError.BAD_L4_HEADER)) return -1;
  if (!tupleFromPacket(T, ctp)) return -1;
  wordsToBytes(T, 2, SRC);
  wordsToBytes(T, 6, DST);
  return ct.lookup(T[0], T[1], SRC, DST, T[10], T[11]) >= 0 ? 1 : 0;
}

/**
 * xt_connlimit.c connlimit_mt with nf_conncount_count_skb (count_tree /
 * insert_tree): the key is the packet's source (or destination with
 * --connlimit-daddr) address under the mask; the packet's connection is
 * added to the key's list unless conntrack already confirmed it (then the
 * list is only garbage-collected). A count of 0 (no tuple) hotdrops.
 * Matches when the count is above the limit, or at most the limit for
 * --connlimit-upto.
 */
export function connlimitMatch(skb: Skb, d: ConnlimitInfo): boolean {
  const net = skb.net;
  const ct = net.conntrack;
  const counts = connCounts(net);
  let cc = counts.get(d);
  if (cc === undefined) { cc = new ConnCount(); counts.set(d, cc); }
  const v = skb.view;
  const b = v.buf;
  const off = d.daddr ? v.dstOff : v.srcOff;
  const words = v.family === 4 ? 1 : 4;
  for (let i = 0; i < KEY_WORDS; i++) {
    if (i >= words) { KEY[i] = 0; continue; }
    const w = ((b[off + 4 * i] << 24) | (b[off + 4 * i + 1] << 16) | (b[off + 4 * i + 2] << 8) | b[off + 4 * i + 3]) >>> 0;
    const bits = d.bits - 32 * i;
    KEY[i] = bits >= 32 ? w : bits <= 0 ? 0 : (w & (0xffffffff << (32 - bits))) >>> 0;
  }
  const confirmed = packetTuple(skb, ct);
  if (confirmed < 0) { skb.hotdrop = true; return false; }
  const now = jiffies(net.clock.now());
  let n = cc.find(KEY);
  let count: number;
  if (n === NONE) {
    n = cc.insert(KEY, T, now);
    count = 1;
  } else {
    const live = cc.nodeCount[n] > 0;
    if (confirmed) {
      // -EEXIST: not added; count_tree then refreshes the list (insert_tree, for an emptied key, does not).
      if (live) gcList(cc, ct, n, now);
    } else {
      addConn(cc, ct, n, now);
    }
    count = cc.nodeCount[n];
  }
  if (count === 0) { skb.hotdrop = true; return false; }
  return (count > d.limit) !== d.upto;
}

export const connlimit = defineMatch<ConnlimitInfo>({
  kind: 'match',
  needsConntrack: true,
  name: 'connlimit',
  revision: 1,
  family: 0,
  options: TABLE.map((e) => ({ name: e.name, arg: e.name.endsWith('addr') ? 'none' as const : 'required' as const })),
  init: (ctx) => ({ seen: new Set(), limit: 0, upto: false, bits: ctx.family === 4 ? 32 : 128, daddr: false }),
  parse(opt, arg, invert, d, ctx) {
    xtOnce('connlimit', opt, d.seen, invert, opt === 'connlimit-upto' || opt === 'connlimit-above');
    switch (opt) {
      case 'connlimit-upto':
      case 'connlimit-above':
        d.limit = xtUint('connlimit', opt, arg!, 0, 0xffffffff);
        d.upto = (opt === 'connlimit-upto') !== invert;
        break;
      case 'connlimit-mask': d.bits = xtPlenMask('connlimit', opt, ctx.family, arg!); break;
      case 'connlimit-saddr': d.daddr = false; break;
      case 'connlimit-daddr': d.daddr = true; break;
    }
  },
  finalCheck(d) {
    if (!d.seen.has('connlimit-upto') && !d.seen.has('connlimit-above')) {
      paramError('You must specify "--connlimit-above" or "--connlimit-upto".');
    }
    xtFcheckNamed('connlimit', TABLE, d.seen);
  },
  print: (d) => ` #conn ${d.daddr ? 'dst' : 'src'}/${d.bits} ${d.upto ? '<=' : '>'} ${d.limit}`,
  save: (d) => ` --connlimit-${d.upto ? 'upto' : 'above'} ${d.limit} --connlimit-mask ${d.bits} --connlimit-${d.daddr ? 'd' : 's'}addr`,
  match: connlimitMatch,
});
