/**
 * The FTP NAT helper (net/netfilter/nf_nat_ftp.c, nf_nat_helper.c, Linux
 * 6.18) and the engine's entry point for conntrack helpers at the confirm
 * hook (nf_ct_call_helper in nf_conntrack_proto.c).
 *
 * When the control connection is NATed, the address/port text of PORT,
 * EPRT, 227 and 229 is rewritten to the address the other side sees
 * (ct->tuplehash[!dir].dst) and the expectation is registered with a free
 * port close to the announced one (nf_nat_exp_find_port). The payload
 * length may change: nf_nat_mangle_tcp_packet moves the rest of the data,
 * fixes the IP length and checksum, recomputes the TCP checksum and records
 * the change for sequence adjustment (nf_ct_seqadj_set). The data
 * connection, when it comes, gets the matching NAT binding from
 * nf_nat_follow_master (source: where the master sends to; destination:
 * the announcer's real address and port).
 */
import * as C from '../conntrack/constants';
import type { Conntrack } from '../conntrack/conntrack';
import { EBUSY, type Expectation } from '../conntrack/expect';
import { HELPER_FTP, HELPER_NONE } from '../conntrack/ext';
import {
  FTP_EXPECT_TIMEOUT_MS, FTP_MAX_EXPECTED, ftpHelp, helperIdByName, NF_CT_FTP_EPRT, NF_CT_FTP_EPSV,
} from '../conntrack/helper-ftp';
import { seqadjSet } from '../conntrack/seqadj';
import { newTuple } from '../conntrack/tuple';
import type { NetContext } from '../engine/net';
import type { Skb } from '../engine/skb';
import { NF_ACCEPT, NF_DROP } from '../engine/verdict';
import { ctHelperOf } from '../extensions/targets/CT';
import { NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_PROTO_SPECIFIED, type NatRange } from '../extensions/targets/natrange';
import { l4Checksum, put16 } from '../wire/checksum';
import { ipv4SetChecksum } from '../wire/ipv4';
import { NF_NAT_MANIP_DST, NF_NAT_MANIP_SRC, setupInfo } from './core';
import { seqAdjust } from './seqadj';

/** Conntrack.expectFns id of nf_nat_follow_master. */
export const EXPECTFN_FOLLOW_MASTER = 1;

const tOther = newTuple();
const tMaster = newTuple();
/** sizeof("|1||65535|") + INET6_ADDRSTRLEN: the text never needs more. */
const rep = new Uint8Array(64);
const range: NatRange = { flags: 0, minAddr: new Uint8Array(16), maxAddr: new Uint8Array(16), minPort: 0, maxPort: 0, basePort: 0 };

// ---- formatting (nf_nat_ftp_fmt_cmd), into `rep` without allocating -------------------------------------

function putDec(at: number, n: number): number {
  if (n >= 10) at = putDec(at, Math.floor(n / 10));
  rep[at] = 48 + (n % 10);
  return at + 1;
}

function putHex4(at: number, n: number): number {
  for (let sh = 12; sh >= 0; sh -= 4) {
    const d = (n >>> sh) & 0xf;
    rep[at++] = d < 10 ? 48 + d : 87 + d;
  }
  return at;
}

/** "%u,%u,%u,%u,%u,%u", "|1|%pI4|%u|", "|2|%pI6|%u|" (full, uncompressed form) or "|||%u|". */
function fmtCmd(type: number, l3: number, w: Uint32Array, at: number, port: number): number {
  let n = 0;
  const a = w[at];
  switch (type) {
    case NF_CT_FTP_EPSV:
      rep[n++] = 124; rep[n++] = 124; rep[n++] = 124;
      n = putDec(n, port);
      rep[n++] = 124;
      return n;
    case NF_CT_FTP_EPRT:
      rep[n++] = 124;
      rep[n++] = l3 === C.NFPROTO_IPV4 ? 49 : 50;
      rep[n++] = 124;
      if (l3 === C.NFPROTO_IPV4) {
        n = putDec(n, a >>> 24); rep[n++] = 46;
        n = putDec(n, (a >>> 16) & 0xff); rep[n++] = 46;
        n = putDec(n, (a >>> 8) & 0xff); rep[n++] = 46;
        n = putDec(n, a & 0xff);
      } else {
        for (let i = 0; i < 4; i++) {
          if (i > 0) rep[n++] = 58;
          n = putHex4(n, w[at + i] >>> 16);
          rep[n++] = 58;
          n = putHex4(n, w[at + i] & 0xffff);
        }
      }
      rep[n++] = 124;
      n = putDec(n, port);
      rep[n++] = 124;
      return n;
    default: // PORT, PASV
      n = putDec(n, a >>> 24); rep[n++] = 44;
      n = putDec(n, (a >>> 16) & 0xff); rep[n++] = 44;
      n = putDec(n, (a >>> 8) & 0xff); rep[n++] = 44;
      n = putDec(n, a & 0xff); rep[n++] = 44;
      n = putDec(n, port >>> 8); rep[n++] = 44;
      n = putDec(n, port & 0xff);
      return n;
  }
}

// ---- nf_nat_mangle_tcp_packet --------------------------------------------------------------------------

/**
 * __nf_nat_mangle_tcp_packet(..., adjust = true): replace payload bytes
 * [matchoff, matchoff + matchlen) by r[0, replen). False when the packet
 * would exceed 65535 bytes or the buffer it sits in.
 */
export function mangleTcpPacket(skb: Skb, ctinfo: number, matchoff: number, matchlen: number, r: Uint8Array, replen: number): boolean {
  const v = skb.view;
  const b = v.buf;
  const delta = replen - matchlen;
  const end = v.ipEnd;
  if (delta > 0 && (end - v.l3 + delta > 65535 || end + delta > b.length)) return false; // enlarge_skb
  const seq = v.seq;
  const at = v.l4 + v.tcpHeaderLen + matchoff;
  b.copyWithin(at + replen, at + matchlen, end);
  for (let i = 0; i < replen; i++) b[at + i] = r[i];
  const newEnd = end + delta;
  if (v.family === 4) {
    put16(b, v.l3 + 2, newEnd - v.l3);
    ipv4SetChecksum(b, v.l3);
  } else {
    put16(b, v.l3 + 4, newEnd - v.l3 - 40);
  }
  // nf_nat_csum_recalc(): the whole TCP checksum again.
  const fam = v.family === 6 ? 6 : 4;
  put16(b, v.l4 + 16, 0);
  put16(b, v.l4 + 16, l4Checksum(b, fam, v.srcOff, v.dstOff, C.IPPROTO_TCP, v.l4, newEnd - v.l4));
  // The parsed view follows the new length.
  if (v.l2 >= 0) v.parseFrame(b, v.start, newEnd - v.start);
  else v.parse(b, v.start, newEnd - v.start, fam);
  const ct = skb.net.conntrack;
  const e = skb.ct;
  if (seqadjSet(ct.ext, e, ctinfo >= C.IP_CT_IS_REPLY ? 1 : 0, seq, delta)) ct.setStatus(e, C.IPS_SEQ_ADJUST);
  return true;
}

// ---- expectations ----------------------------------------------------------------------------------------

function wordsToRange(w: Uint32Array, at: number, out: Uint8Array): void {
  for (let i = 0; i < 4; i++) {
    const x = w[at + i];
    out[i * 4] = x >>> 24;
    out[i * 4 + 1] = (x >>> 16) & 0xff;
    out[i * 4 + 2] = (x >>> 8) & 0xff;
    out[i * 4 + 3] = x & 0xff;
  }
}

/**
 * nf_nat_follow_master(): the expected connection `child` is NATed like its
 * master: source to where the master sends to, destination to the real
 * address of the side that announced it, on the announced (saved) port.
 */
export function followMaster(net: NetContext, child: number, x: number): void {
  const ct = net.conntrack;
  const xp = ct.expect;
  const m = xp.master[x];
  ct.tuple(m, xp.dir[x] ^ 1, tMaster);
  range.flags = NF_NAT_RANGE_MAP_IPS;
  range.minPort = range.maxPort = range.basePort = 0;
  wordsToRange(tMaster, 6, range.minAddr);
  range.maxAddr.set(range.minAddr);
  setupInfo(net, child, range, NF_NAT_MANIP_SRC);
  range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
  range.minPort = range.maxPort = xp.savedPort[x];
  wordsToRange(tMaster, 2, range.minAddr);
  range.maxAddr.set(range.minAddr);
  setupInfo(net, child, range, NF_NAT_MANIP_DST);
}

/** Registers nf_nat_follow_master for this namespace's conntrack (once). */
function ensureFollowMaster(net: NetContext): void {
  const ct = net.conntrack;
  if (ct.expectFns[EXPECTFN_FOLLOW_MASTER] === undefined) {
    ct.expectFns[EXPECTFN_FOLLOW_MASTER] = (child, x) => followMaster(net, child, x);
  }
}

/**
 * nf_nat_exp_find_port(): register the expectation on `port`, or, while
 * that clashes with another (-EBUSY), on up to 128 random ports between it
 * and 65535. Returns the port, or 0.
 */
export function expFindPort(net: NetContext, x: Expectation, port: number): number {
  const ct = net.conntrack;
  const min = port;
  const span = 65535 - port;
  let attemptsLeft = span > 128 ? 128 : span;
  for (;;) {
    x.tuple[11] = port;
    const res = ct.expect.related(x, ct.ext, ct.clock.now(), FTP_EXPECT_TIMEOUT_MS, FTP_MAX_EXPECTED);
    if (res === 0) return port;
    if (res !== -EBUSY || --attemptsLeft < 0) break;
    // get_random_u32_below(span)
    port = min + Math.floor((net.random.u32() * span) / 4294967296);
  }
  return 0;
}

/** nf_nat_ftp(): the nf_nat_ftp_hook the conntrack helper calls for a NATed control connection. */
export function natFtp(skb: Skb, ctinfo: number, type: number, matchoff: number, matchlen: number, x: Expectation): number {
  const net = skb.net;
  const ct = net.conntrack;
  const e = x.master;
  const dir = ctinfo >= C.IP_CT_IS_REPLY ? 1 : 0;
  // The connection will come from wherever this packet goes, hence !dir.
  ct.tuple(e, dir ^ 1, tOther);
  x.savedPort = x.tuple[11];
  x.dir = dir ^ 1;
  ensureFollowMaster(net);
  x.fn = EXPECTFN_FOLLOW_MASTER;
  const port = expFindPort(net, x, x.savedPort);
  if (port === 0) return NF_DROP; // "all ports in use"
  const len = fmtCmd(type, ct.l3proto(e), tOther, 6, port);
  if (!mangleTcpPacket(skb, ctinfo, matchoff, matchlen, rep, len)) {
    ct.expect.remove(x.slot, ct.ext); // "cannot mangle packet": nf_ct_unexpect_related
    return NF_DROP;
  }
  return NF_ACCEPT;
}

// ---- the confirm-hook entry point ------------------------------------------------------------------------

/**
 * A CT --helper template gives a new entry its helper (init_conntrack's
 * __nf_ct_try_assign_helper); CT.ts records the name, the helper id is
 * taken here on the entry's first pass through the confirm hook.
 */
function assignHelper(net: NetContext, ct: Conntrack, e: number): void {
  if (ct.status(e) & C.IPS_CONFIRMED || ct.helper(e) !== HELPER_NONE) return;
  const name = ctHelperOf(net, e);
  if (name === undefined) return;
  const id = helperIdByName(name);
  if (id === HELPER_FTP && ct.protocol(e) === C.IPPROTO_TCP) ct.setHelper(e, id);
}

/**
 * nf_ct_call_helper(): what nf_confirm does before confirming, at the end of
 * INPUT and POSTROUTING: run the entry's helper (ftp) on the packet, then
 * adjust TCP sequence numbers if a helper changed a payload length (not for
 * packets received on loopback: they were adjusted on the way out).
 * Returns NF_ACCEPT or NF_DROP; the packet bytes and skb.view may change.
 */
export function ftpHelperHook(skb: Skb): number {
  const e = skb.ct;
  if (e < 0) return NF_ACCEPT;
  const net = skb.net;
  const ct = net.conntrack;
  assignHelper(net, ct, e);
  const helper = ct.helper(e);
  const seqadjNeeded = (ct.status(e) & C.IPS_SEQ_ADJUST) !== 0 && !(skb.hook === 'INPUT' && skb.indev === 'lo');
  if (helper === HELPER_NONE && !seqadjNeeded) return NF_ACCEPT;
  // Helpers do not expect ICMP errors.
  if (skb.ctinfo === C.IP_CT_RELATED_REPLY) return NF_ACCEPT;
  const v = skb.view;
  // nf_confirm_get_protoff(): no fragment, a sane transport header.
  if (!v.firstFragment || v.isFragment) return NF_ACCEPT;
  if (v.proto === C.IPPROTO_TCP && v.tcpHeaderLen === 0) return NF_ACCEPT;
  if (helper === HELPER_FTP && v.proto === C.IPPROTO_TCP && v.l4 < v.ipEnd) {
    const r = ftpHelp(skb, natFtp);
    if (r !== C.NF_ACCEPT) return NF_DROP;
  }
  if (seqadjNeeded && v.proto === C.IPPROTO_TCP && !seqAdjust(skb)) return NF_DROP;
  return NF_ACCEPT;
}
