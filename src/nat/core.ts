/**
 * NAT core after net/netfilter/nf_nat_core.c (Linux 6.18):
 * - natSetupInfo (nf_nat_setup_info): bind a new connection's SRC or DST
 *   manip to a tuple chosen by get_unique_tuple() within a range, and make
 *   conntrack expect the replies of the rewritten connection;
 * - the null binding (nf_nat_alloc_null_binding) a NEW connection gets when
 *   no rule translated it: same address, but a source port that clashes
 *   with an existing connection's is still reassigned;
 * - natHook (nf_nat_ipv4_fn / nf_nat_ipv6_fn + nf_nat_inet_fn): at each NAT
 *   hook, run the nat table for the first packet of a connection only, then
 *   rewrite every packet of the connection per direction (nf_nat_packet).
 *
 * Randomness (port search offsets) comes from net.random, so runs are
 * reproducible; address choice within a range uses the kernel's own
 * (unseeded) jhash and therefore matches Linux exactly.
 */
import * as C from '../conntrack/constants';
import type { Conntrack } from '../conntrack/conntrack';
import { T8_SIZE, T8_STATE, T32_END, T32_SIZE } from '../conntrack/table';
import { invertTuple, newTuple, type Tuple } from '../conntrack/tuple';
import type { NetContext } from '../engine/net';
import type { Skb } from '../engine/skb';
import { NF_ACCEPT, NF_DROP } from '../engine/verdict';
import {
  NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_PERSISTENT, NF_NAT_RANGE_PROTO_OFFSET, NF_NAT_RANGE_PROTO_RANDOM,
  NF_NAT_RANGE_PROTO_RANDOM_FULLY, NF_NAT_RANGE_PROTO_SPECIFIED, type NatRange,
} from '../extensions/targets/natrange';
import { ifaceByName } from '../host/model';
import type { HookName } from '../rules/model';
import { WireError } from '../wire/packet';
import { jhash2x4, le32, reciprocalScale } from './jhash';
import { icmpReplyTranslation, invertInto, manipPkt, NF_NAT_MANIP_DST, NF_NAT_MANIP_SRC } from './manip';
import { natState, type NatState } from './state';

export { NF_NAT_MANIP_SRC, NF_NAT_MANIP_DST } from './manip';

const RANDOM_ALL = NF_NAT_RANGE_PROTO_RANDOM | NF_NAT_RANGE_PROTO_RANDOM_FULLY;
/** NF_NAT_MAX_ATTEMPTS and NF_NAT_HARDER_THRESH. */
const MAX_ATTEMPTS = 128;
const HARDER_THRESH = MAX_ATTEMPTS / 4;

/** HOOK2MANIP(): SRC at POSTROUTING and INPUT, DST at PREROUTING and OUTPUT. */
export function hookToManip(hook: HookName): number {
  return hook === 'POSTROUTING' || hook === 'INPUT' ? NF_NAT_MANIP_SRC : NF_NAT_MANIP_DST;
}

/** nf_nat_initialized(): the SRC or DST manip of entry e has been set up. */
export function natInitialized(ct: Conntrack, e: number, mtype: number): boolean {
  return (ct.status(e) & (mtype === NF_NAT_MANIP_SRC ? C.IPS_SRC_NAT_DONE : C.IPS_DST_NAT_DONE)) !== 0;
}

// ---- scratch (module scope: the engine is single-threaded) -------------------------------------------
const tCurr = newTuple();
const tNew = newTuple();
const tRev = newTuple();
const tTmp = newTuple();
const tTmp2 = newTuple();
const tOrig = newTuple();
const tReply = newTuple();
const tTarget = newTuple();
const srcBytes = new Uint8Array(16);
const dstBytes = new Uint8Array(16);
const rMin = new Uint32Array(4);
const rMax = new Uint32Array(4);
/** The range a null binding uses (addresses filled per call). */
const nullRange: NatRange = { flags: NF_NAT_RANGE_MAP_IPS, minAddr: new Uint8Array(16), maxAddr: new Uint8Array(16), minPort: 0, maxPort: 0, basePort: 0 };

function wordsToBytes(t: Tuple, at: number, out: Uint8Array): void {
  for (let i = 0; i < 4; i++) {
    const w = t[at + i];
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = (w >>> 16) & 0xff;
    out[i * 4 + 2] = (w >>> 8) & 0xff;
    out[i * 4 + 3] = w & 0xff;
  }
}

/** Range addresses as tuple words (IPv4: one word, the rest 0, as in union nf_inet_addr). */
function rangeWords(a: Uint8Array, v6: boolean, out: Uint32Array): void {
  const n = v6 ? 4 : 1;
  for (let i = 0; i < 4; i++) {
    out[i] = i < n && a.length >= i * 4 + 4
      ? ((a[i * 4] << 24) | (a[i * 4 + 1] << 16) | (a[i * 4 + 2] << 8) | a[i * 4 + 3]) >>> 0
      : 0;
  }
}

function tupleEqual(a: Tuple, b: Tuple): boolean {
  for (let i = 0; i < 12; i++) if (a[i] !== b[i]) return false;
  return true;
}

function copyTuple(out: Tuple, t: Tuple): void {
  for (let i = 0; i < 12; i++) out[i] = t[i];
}

// ---- is a tuple taken? ---------------------------------------------------------------------------------

/**
 * nf_conntrack_tuple_taken(): some other confirmed entry has this tuple in
 * either direction. An entry whose original tuple equals the ignored one's
 * is the same flow (left to clash resolution), so it does not count.
 */
function tupleTaken(ct: Conntrack, t: Tuple, ignored: number): boolean {
  wordsToBytes(t, 2, srcBytes);
  wordsToBytes(t, 6, dstBytes);
  const n = ct.lookup(t[0], t[1], srcBytes, dstBytes, t[10], t[11]);
  if (n < 0) return false;
  const e = n >> 1;
  if (e === ignored) return false;
  ct.tuple(e, C.IP_CT_DIR_ORIGINAL, tTmp2);
  ct.tuple(ignored, C.IP_CT_DIR_ORIGINAL, tTmp);
  return !tupleEqual(tTmp, tTmp2);
}

/** nf_nat_used_tuple(): would the replies of this original tuple be someone else's? */
function usedTuple(ct: Conntrack, t: Tuple, ignored: number): boolean {
  if (!invertTuple(tRev, t)) return false;
  return tupleTaken(ct, tRev, ignored);
}

/**
 * nf_nat_used_tuple_harder(): in the last NF_NAT_HARDER_THRESH attempts of a
 * port search for a new TCP connection (SYN_SENT), a clashing SNATed entry
 * that is closing (TIME_WAIT or later) is evicted if the new connection's
 * sequence numbers are ahead of it.
 */
function usedTupleHarder(ct: Conntrack, t: Tuple, ignored: number, attemptsLeft: number): boolean {
  const tab = ct.tab;
  if (attemptsLeft > HARDER_THRESH || t[1] !== C.IPPROTO_TCP ||
    tab.t8[ignored * T8_SIZE + T8_STATE] !== C.TCP_CONNTRACK_SYN_SENT) return usedTuple(ct, t, ignored);
  if (!invertTuple(tRev, t)) return false;
  wordsToBytes(tRev, 2, srcBytes);
  wordsToBytes(tRev, 6, dstBytes);
  const n = ct.lookup(tRev[0], tRev[1], srcBytes, dstBytes, tRev[10], tRev[11]);
  if (n < 0) return false;
  const e = n >> 1;
  if ((n & 1) === C.IP_CT_DIR_ORIGINAL || e === ignored) return true;
  const st = ct.status(e);
  // nf_nat_may_kill(): closing, not pinned or dying, and itself source-NATed.
  if (tab.t8[e * T8_SIZE + T8_STATE] < C.TCP_CONNTRACK_TIME_WAIT) return true;
  if (st & (C.IPS_FIXED_TIMEOUT | C.IPS_DYING)) return true;
  if (!(st & C.IPS_SRC_NAT)) return true;
  // nf_seq_has_advanced(): original-direction td_end moved forward.
  const advanced = ((tab.t32[ignored * T32_SIZE + T32_END] - tab.t32[e * T32_SIZE + T32_END]) | 0) > 0;
  if (!advanced) return true;
  return !ct.kill(e);
}

// ---- ranges --------------------------------------------------------------------------------------------

function addrCmp(t: Tuple, at: number, r: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    if (t[at + i] !== r[i]) return t[at + i] < r[i] ? -1 : 1;
  }
  return 0;
}

/** l4proto_in_range(): the port (or ICMP id) NAT would change lies in [min, max]. */
function l4InRange(t: Tuple, mtype: number, min: number, max: number): boolean {
  switch (t[1]) {
    case C.IPPROTO_ICMP:
    case C.IPPROTO_ICMPV6:
      return t[10] >= min && t[10] <= max;
    case C.IPPROTO_TCP:
    case C.IPPROTO_UDP:
    case C.IPPROTO_UDPLITE: {
      const port = mtype === NF_NAT_MANIP_SRC ? t[10] : t[11];
      return port >= min && port <= max;
    }
    default:
      return true;
  }
}

/** in_range(): if we source-map this tuple, does it meet the range? (rMin/rMax must hold the range.) */
function inRange(t: Tuple, r: NatRange): boolean {
  if (r.flags & NF_NAT_RANGE_MAP_IPS) {
    if (addrCmp(t, 2, rMin) < 0 || addrCmp(t, 2, rMax) > 0) return false;
  }
  if (!(r.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) return true;
  return l4InRange(t, NF_NAT_MANIP_SRC, r.minPort, r.maxPort);
}

/**
 * find_appropriate_src(): an earlier connection from the same source
 * (protocol, address, port) already has a SRC mapping; reuse it if it lies
 * in the range. Newest first, as the kernel's hlist.
 */
function findAppropriateSrc(s: NatState, ct: Conntrack, orig: Tuple, result: Tuple, r: NatRange): boolean {
  let e = s.heads[s.bucketOf(orig)];
  while (e >= 0) {
    const next = s.next[e];
    if (!s.live(ct, e)) {
      s.unlink(e);
      e = next;
      continue;
    }
    ct.tuple(e, C.IP_CT_DIR_ORIGINAL, tTmp);
    if (tTmp[0] === orig[0] && tTmp[1] === orig[1] && tTmp[2] === orig[2] && tTmp[3] === orig[3] &&
      tTmp[4] === orig[4] && tTmp[5] === orig[5] && tTmp[10] === orig[10]) {
      ct.tuple(e, C.IP_CT_DIR_REPLY, tTmp);
      if (invertTuple(result, tTmp)) {
        for (let i = 6; i < 10; i++) result[i] = orig[i];
        result[11] = orig[11];
        if (inRange(result, r)) return true;
      }
    }
    e = next;
  }
  return false;
}

/**
 * find_best_ips_proto(): the address from the range, by a jhash of the
 * source address seeded with the destination (only the source with
 * --persistent), so a client keeps its address across connections.
 */
function findBestIps(t: Tuple, r: NatRange, mtype: number, v6: boolean): void {
  if (!(r.flags & NF_NAT_RANGE_MAP_IPS)) return;
  const at = mtype === NF_NAT_MANIP_SRC ? 2 : 6;
  if (rMin[0] === rMax[0] && rMin[1] === rMax[1] && rMin[2] === rMax[2] && rMin[3] === rMax[3]) {
    for (let i = 0; i < 4; i++) t[at + i] = rMin[i];
    return;
  }
  const max = v6 ? 3 : 0;
  const persistent = (r.flags & NF_NAT_RANGE_PERSISTENT) !== 0;
  let j = jhash2x4(le32(t[2]), le32(t[3]), le32(t[4]), le32(t[5]), persistent ? 0 : le32(t[6 + max]));
  let full = false;
  for (let i = 0; i <= max; i++) {
    let minip: number, dist: number;
    if (!full) {
      minip = rMin[i];
      dist = (rMax[i] - minip + 1) >>> 0;
    } else {
      minip = 0;
      dist = 0xffffffff;
    }
    t[at + i] = (minip + reciprocalScale(j, dist)) >>> 0;
    if (t[at + i] !== rMax[i]) full = true;
    if (!persistent) j = (j ^ le32(t[6 + i])) >>> 0;
  }
}

/**
 * nf_nat_l4proto_unique_tuple(): search the port (ICMP id) range from a
 * random offset (or the --to-ports /base offset) for a tuple nobody uses;
 * at most 128 tries, then smaller windows from new random offsets.
 */
function l4UniqueTuple(net: NetContext, t: Tuple, r: NatRange, mtype: number, e: number): void {
  const ct = net.conntrack;
  let key: number;
  let min: number;
  let size: number;
  const specified = (r.flags & NF_NAT_RANGE_PROTO_SPECIFIED) !== 0;
  switch (t[1]) {
    case C.IPPROTO_ICMP:
    case C.IPPROTO_ICMPV6:
      key = 10; // the id is the same in both directions
      if (!specified) { min = 0; size = 65536; } else { min = r.minPort; size = (r.maxPort - r.minPort + 1) >>> 0; }
      break;
    case C.IPPROTO_TCP:
    case C.IPPROTO_UDP:
    case C.IPPROTO_UDPLITE:
      key = mtype === NF_NAT_MANIP_SRC ? 10 : 11;
      if (!specified) {
        if (mtype === NF_NAT_MANIP_DST) return; // a destination port is never changed unasked
        const port = t[key];
        // Ports below 1024 stay privileged; below 512 they stay below 512.
        if (port < 1024) {
          if (port < 512) { min = 1; size = 511; } else { min = 600; size = 1023 - 600 + 1; }
        } else { min = 1024; size = 65535 - 1024 + 1; }
      } else {
        let lo = r.minPort, hi = r.maxPort;
        if (hi < lo) { const x = lo; lo = hi; hi = x; }
        min = lo;
        size = hi - lo + 1;
      }
      break;
    default:
      return;
  }
  if (size === 0) return;
  // A destination manip without --random starts at the range's first port (off = 0), so REDIRECT/DNAT
  // to a port range pick its lowest free port; a source manip or --random draws the offset.
  let off = r.flags & NF_NAT_RANGE_PROTO_OFFSET ? (t[key] - r.basePort) & 0xffff
    : (r.flags & RANDOM_ALL) !== 0 || mtype !== NF_NAT_MANIP_DST ? net.random.u32() & 0xffff : 0;
  let attempts = size > MAX_ATTEMPTS ? MAX_ATTEMPTS : size;
  for (;;) {
    for (let i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
      t[key] = (min + (off % size)) & 0xffff;
      if (!usedTupleHarder(ct, t, e, attempts - i)) return;
    }
    if (attempts >= size || attempts < 16) return;
    attempts >>>= 1;
    off = net.random.u32() & 0xffff;
  }
}

/** get_unique_tuple(): the tuple the connection will have after this manip. */
function getUniqueTuple(net: NetContext, s: NatState, out: Tuple, orig: Tuple, r: NatRange, e: number, mtype: number): void {
  const ct = net.conntrack;
  const v6 = orig[0] === C.NFPROTO_IPV6;
  rangeWords(r.minAddr, v6, rMin);
  rangeWords(r.maxAddr, v6, rMax);
  const randomAll = (r.flags & RANDOM_ALL) !== 0;
  // 1) Source NAT: keep the original tuple, or an existing mapping of the same source, if unique.
  if (mtype === NF_NAT_MANIP_SRC && !randomAll) {
    if (inRange(orig, r)) {
      if (!usedTuple(ct, orig, e)) { copyTuple(out, orig); return; }
    } else if (findAppropriateSrc(s, ct, orig, out, r)) {
      if (!usedTuple(ct, out, e)) return;
    }
  }
  // 2) The address.
  copyTuple(out, orig);
  findBestIps(out, r, mtype, v6);
  // 3) The port, only if it is not already in range and unique.
  if (!randomAll) {
    if (r.flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
      if (!(r.flags & NF_NAT_RANGE_PROTO_OFFSET) && l4InRange(out, mtype, r.minPort, r.maxPort) &&
        (r.minPort === r.maxPort || !usedTuple(ct, out, e))) return;
    } else if (!usedTuple(ct, out, e)) {
      return;
    }
  }
  l4UniqueTuple(net, out, r, mtype, e);
}

// ---- setup ---------------------------------------------------------------------------------------------

/**
 * nf_nat_setup_info() for conntrack entry e: NF_ACCEPT, or NF_DROP when the
 * manip was already set up. A confirmed entry is left alone (NF_ACCEPT).
 */
export function setupInfo(net: NetContext, e: number, r: NatRange, mtype: number): number {
  const ct = net.conntrack;
  if (ct.status(e) & C.IPS_CONFIRMED) return NF_ACCEPT;
  if (natInitialized(ct, e, mtype)) return NF_DROP;
  const s = natState(net);
  // What we have is the inverse of the reply tuple (earlier manips included).
  ct.tuple(e, C.IP_CT_DIR_REPLY, tReply);
  if (!invertTuple(tCurr, tReply)) invertInto(tCurr, tReply);
  getUniqueTuple(net, s, tNew, tCurr, r, e, mtype);
  if (!tupleEqual(tNew, tCurr)) {
    if (!invertTuple(tReply, tNew)) invertInto(tReply, tNew);
    ct.alterReply(e, tReply);
    ct.setStatus(e, mtype === NF_NAT_MANIP_SRC ? C.IPS_SRC_NAT : C.IPS_DST_NAT);
  }
  if (mtype === NF_NAT_MANIP_SRC) {
    ct.tuple(e, C.IP_CT_DIR_ORIGINAL, tOrig);
    s.link(e, tOrig);
  }
  ct.setStatus(e, mtype === NF_NAT_MANIP_DST ? C.IPS_DST_NAT_DONE : C.IPS_SRC_NAT_DONE);
  return NF_ACCEPT;
}

/** nf_nat_setup_info() for the packet's connection (what SNAT/DNAT/MASQUERADE/REDIRECT/NETMAP call). */
export function natSetupInfo(net: NetContext, skb: Skb, r: NatRange, mtype: number): number {
  if (skb.ct < 0) return NF_ACCEPT; // the nat table never sees untracked packets in the kernel
  return setupInfo(net, skb.ct, r, mtype);
}

/**
 * nf_nat_alloc_null_binding(): the manip keeps the address the reply tuple
 * already has (so an earlier manip of a local packet stays), with no port
 * range: only a clash changes the source port.
 */
export function allocNullBinding(net: NetContext, e: number, mtype: number): number {
  const ct = net.conntrack;
  ct.tuple(e, C.IP_CT_DIR_REPLY, tTmp);
  wordsToBytes(tTmp, mtype === NF_NAT_MANIP_SRC ? 6 : 2, nullRange.minAddr);
  nullRange.maxAddr.set(nullRange.minAddr);
  return setupInfo(net, e, nullRange, mtype);
}

// ---- per packet ----------------------------------------------------------------------------------------

/**
 * nf_nat_packet(): rewrite the packet if this connection has the manip this
 * hook does in this direction (SNAT's source in the original direction is
 * the reply direction's destination, and so on). NF_DROP if it is too short.
 */
export function natPacket(net: NetContext, skb: Skb, mtype: number): number {
  const ct = net.conntrack;
  const e = skb.ct;
  const dir = skb.ctinfo >= C.IP_CT_IS_REPLY ? C.IP_CT_DIR_REPLY : C.IP_CT_DIR_ORIGINAL;
  let statusbit = mtype === NF_NAT_MANIP_SRC ? C.IPS_SRC_NAT : C.IPS_DST_NAT;
  if (dir === C.IP_CT_DIR_REPLY) statusbit ^= C.IPS_NAT_MASK;
  if (!(ct.status(e) & statusbit)) return NF_ACCEPT;
  // nf_nat_manip_pkt(): look like the inverse of the other direction.
  ct.tuple(e, dir === C.IP_CT_DIR_REPLY ? C.IP_CT_DIR_ORIGINAL : C.IP_CT_DIR_REPLY, tTmp);
  invertInto(tTarget, tTmp);
  const v = skb.view;
  if (!manipPkt(v, v.ipEnd, tTarget, mtype)) return NF_DROP;
  reparse(skb);
  return NF_ACCEPT;
}

/** The parsed fields (ports, ids, inner packet) follow the rewritten bytes. */
function reparse(skb: Skb): void {
  const v = skb.view;
  if (v.l2 >= 0) v.parseFrame(v.buf, v.start, v.length);
  else v.parse(v.buf, v.start, v.length, v.family);
}

/** nf_nat_oif_changed(): a MASQUERADEd connection whose packets now leave by another device. */
function oifChanged(net: NetContext, s: NatState, skb: Skb, hook: HookName): boolean {
  const idx = s.masqIndex[skb.ct];
  if (idx === 0 || hook !== 'POSTROUTING' || skb.ctinfo >= C.IP_CT_IS_REPLY) return false;
  const out = ifaceByName(net.host, skb.outdev);
  return (out === undefined ? 0 : out.index) !== idx;
}

/**
 * The NAT hook function (nf_nat_ipv4_fn / nf_nat_ipv6_fn, nf_nat_inet_fn)
 * for PREROUTING, INPUT, OUTPUT and POSTROUTING. `runNatTable` traverses the
 * nat table's chain of this hook and returns its verdict. Returns a verdict;
 * the packet bytes (and skb.view) may have been rewritten.
 */
export function natHook(skb: Skb, hook: HookName, runNatTable: (skb: Skb) => number): number {
  const e = skb.ct;
  if (e < 0 || hook === 'FORWARD') return NF_ACCEPT;
  const net = skb.net;
  const ct = net.conntrack;
  const s = natState(net);
  const mtype = hookToManip(hook);
  // A slot reused by a new connection must not keep the previous one's NAT extension data.
  if (!(ct.status(e) & (C.IPS_SRC_NAT_DONE | C.IPS_DST_NAT_DONE))) s.masqIndex[e] = 0;
  const ctinfo = skb.ctinfo;
  const v = skb.view;

  if (ctinfo === C.IP_CT_RELATED || ctinfo === C.IP_CT_RELATED_REPLY) {
    // ICMP errors are translated after the connection they are about, never by the table.
    const icmp = v.family === 4 ? v.proto === C.IPPROTO_ICMP : v.proto === C.IPPROTO_ICMPV6 && v.firstFragment && v.error !== WireError.BAD_EXTHDR;
    if (icmp) {
      ct.tuple(e, C.IP_CT_DIR_ORIGINAL, tOrig);
      ct.tuple(e, C.IP_CT_DIR_REPLY, tReply);
      const dir = ctinfo === C.IP_CT_RELATED_REPLY ? C.IP_CT_DIR_REPLY : C.IP_CT_DIR_ORIGINAL;
      const ok = icmpReplyTranslation(v, ct.status(e), dir, mtype, tOrig, tReply, tTarget);
      reparse(skb);
      return ok ? NF_ACCEPT : NF_DROP;
    }
  }

  if (ctinfo === C.IP_CT_NEW || ctinfo === C.IP_CT_RELATED || ctinfo === C.IP_CT_RELATED_REPLY) {
    if (!natInitialized(ct, e, mtype)) {
      const ret = runNatTable(skb);
      if (ret !== NF_ACCEPT) return ret;
      if (!natInitialized(ct, e, mtype)) {
        const r = allocNullBinding(net, e, mtype);
        if (r !== NF_ACCEPT) return r;
      }
    } else if (oifChanged(net, s, skb, hook)) {
      ct.kill(e);
      return NF_DROP;
    }
  } else if (oifChanged(net, s, skb, hook)) {
    ct.kill(e);
    return NF_DROP;
  }
  return natPacket(net, skb, mtype);
}
