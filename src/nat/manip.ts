/**
 * Rewriting a packet to a NAT target tuple, as net/netfilter/nf_nat_proto.c
 * does it: the transport part first (ports, ICMP echo id, and the transport
 * checksum, incrementally, including its pseudo-header share of the address
 * change), then the address in the IP header (IPv4 header checksum updated
 * incrementally; IPv6 has none). And nf_nat_icmp_reply_translation /
 * nf_nat_icmpv6_reply_translation: an ICMP error about a NATed connection
 * gets its quoted packet rewritten back and its outer header made to look
 * like a reply of the connection.
 *
 * `target` is a conntrack tuple (src/conntrack/tuple.ts layout); the
 * transport handler is chosen by the tuple's protocol, not by the packet's,
 * as l4proto_manip_pkt() does. `end` is the end of the whole packet
 * (skb->len): the kernel's "is there room for the header" checks
 * (skb_ensure_writable) are made against it, also for a quoted packet.
 * Nothing here allocates.
 */
import { checksum, csumReplace16, csumReplaceBytes, get16, l4Checksum, put16, rewriteAddr, rewrite16 } from '../wire/checksum';
import type { PacketView } from '../wire/packet';
import type { Tuple } from '../conntrack/tuple';
import * as C from '../conntrack/constants';

/** enum nf_nat_manip_type. */
export const NF_NAT_MANIP_SRC = 0;
export const NF_NAT_MANIP_DST = 1;

const IPPROTO_SCTP = 132;
const IPPROTO_DCCP = 33;
/** UDP checksum 0 means "none"; a computed 0 is sent as 0xffff (CSUM_MANGLED_0). */
const CSUM_MANGLED_0 = 0xffff;

/** The new address, as bytes, of the side `mtype` rewrites. */
const addr = new Uint8Array(16);

function targetAddr(target: Tuple, mtype: number): void {
  const at = mtype === NF_NAT_MANIP_SRC ? 2 : 6;
  for (let i = 0; i < 4; i++) {
    const w = target[at + i];
    addr[i * 4] = w >>> 24;
    addr[i * 4 + 1] = (w >>> 16) & 0xff;
    addr[i * 4 + 2] = (w >>> 8) & 0xff;
    addr[i * 4 + 3] = w & 0xff;
  }
}

/** nf_csum_update(): the transport checksum's pseudo-header share of the address change (addr must be filled). */
function csumUpdate(b: Uint8Array, v: PacketView, checkOff: number, mtype: number): void {
  const off = mtype === NF_NAT_MANIP_SRC ? v.srcOff : v.dstOff;
  put16(b, checkOff, csumReplaceBytes(get16(b, checkOff), b, off, addr, 0, v.addrLen));
}

function tcpManip(b: Uint8Array, v: PacketView, hdroff: number, end: number, target: Tuple, mtype: number): boolean {
  // Conntrack guarantees 8 bytes; a quoted header may have no room for the checksum (tcp_manip_pkt).
  const hdrsize = end >= hdroff + 20 ? 20 : 8;
  if (hdroff + hdrsize > end) return false;
  const portOff = mtype === NF_NAT_MANIP_SRC ? hdroff : hdroff + 2;
  const newport = mtype === NF_NAT_MANIP_SRC ? target[10] : target[11];
  const oldport = get16(b, portOff);
  put16(b, portOff, newport);
  if (hdrsize < 20) return true;
  csumUpdate(b, v, hdroff + 16, mtype);
  put16(b, hdroff + 16, csumReplace16(get16(b, hdroff + 16), oldport, newport));
  return true;
}

function udpManip(b: Uint8Array, v: PacketView, hdroff: number, end: number, target: Tuple, mtype: number, lite: boolean): boolean {
  if (hdroff + 8 > end) return false;
  const portOff = mtype === NF_NAT_MANIP_SRC ? hdroff : hdroff + 2;
  const newport = mtype === NF_NAT_MANIP_SRC ? target[10] : target[11];
  // UDP without a checksum stays without one (__udp_manip_pkt do_csum = !!hdr->check); UDP-Lite always has one.
  if (lite || get16(b, hdroff + 6) !== 0) {
    csumUpdate(b, v, hdroff + 6, mtype);
    let c = csumReplace16(get16(b, hdroff + 6), get16(b, portOff), newport);
    if (c === 0) c = CSUM_MANGLED_0;
    put16(b, hdroff + 6, c);
  }
  put16(b, portOff, newport);
  return true;
}

/** icmp_manip_pkt(): only the query/reply types carry the id NAT may change. */
function icmpManip(b: Uint8Array, hdroff: number, end: number, target: Tuple): boolean {
  if (hdroff + 8 > end) return false;
  switch (b[hdroff]) {
    case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
      rewrite16(b, hdroff + 4, target[10], hdroff + 2);
      return true;
    default:
      return true;
  }
}

/** icmpv6_manip_pkt(): the checksum covers the pseudo header, so it always follows the address. */
function icmpv6Manip(b: Uint8Array, v: PacketView, hdroff: number, end: number, target: Tuple, mtype: number): boolean {
  if (hdroff + 8 > end) return false;
  csumUpdate(b, v, hdroff + 2, mtype);
  const type = b[hdroff];
  if (type === 128 || type === 129) rewrite16(b, hdroff + 4, target[10], hdroff + 2);
  return true;
}

/**
 * l4proto_manip_pkt(). SCTP and DCCP are tracked as generic protocols by
 * src/conntrack (their tuples have no ports), so only their addresses change
 * here; unknown protocols pass unmodified, as in the kernel.
 */
function l4Manip(b: Uint8Array, v: PacketView, hdroff: number, end: number, target: Tuple, mtype: number): boolean {
  switch (target[1]) {
    case C.IPPROTO_TCP: return tcpManip(b, v, hdroff, end, target, mtype);
    case C.IPPROTO_UDP: return udpManip(b, v, hdroff, end, target, mtype, false);
    case C.IPPROTO_UDPLITE: return udpManip(b, v, hdroff, end, target, mtype, true);
    case C.IPPROTO_ICMP: return icmpManip(b, hdroff, end, target);
    case C.IPPROTO_ICMPV6: return icmpv6Manip(b, v, hdroff, end, target, mtype);
    case IPPROTO_SCTP: case IPPROTO_DCCP: default: return true;
  }
}

/**
 * nf_nat_ipv4_manip_pkt / nf_nat_ipv6_manip_pkt: rewrite the packet `v`
 * describes (a packet, or the one quoted in an ICMP error) so that its
 * source (mtype SRC) or destination (DST) address and port become the
 * target tuple's. False when the packet is too short (the kernel drops it).
 */
export function manipPkt(v: PacketView, end: number, target: Tuple, mtype: number): boolean {
  const b = v.buf;
  const hdrLen = v.family === 4 ? 20 : 40;
  if (v.l3 + hdrLen > end) return false;
  targetAddr(target, mtype);
  // A non-first fragment has no transport header (IPv4 is defragmented before NAT in the kernel;
  // IPv6: nf_nat_ipv6_manip_pkt checks frag_off).
  if (v.firstFragment && v.l4 <= end) {
    if (!l4Manip(b, v, v.l4, end, target, mtype)) return false;
  }
  const off = mtype === NF_NAT_MANIP_SRC ? v.srcOff : v.dstOff;
  if (v.family === 4) rewriteAddr(b, off, addr, 0, 4, v.l3 + 10, -1);
  else for (let i = 0; i < 16; i++) b[off + i] = addr[i];
  return true;
}

/**
 * nf_nat_icmp_reply_translation / nf_nat_icmpv6_reply_translation for an
 * ICMP error RELATED to connection e (dir: the direction ctinfo says).
 * `orig` and `reply` are the entry's two tuples; `target` is scratch.
 * Returns false when the kernel drops the error (too short, bad checksum,
 * a redirect about a NATed connection).
 */
export function icmpReplyTranslation(v: PacketView, status: number, dir: number, mtype: number,
  orig: Tuple, reply: Tuple, target: Tuple): boolean {
  const b = v.buf;
  const v6 = v.family === 6;
  const end = v.ipEnd;
  // Room for the ICMP header and the quoted IP header (skb_ensure_writable(hdrlen + sizeof(*inside))).
  if (v.l4 + 8 + (v6 ? 40 : 20) > end) return false;
  // nf_ip_checksum / nf_ip6_checksum: the message must be intact (verified as for CHECKSUM_NONE).
  const l4len = end - v.l4;
  const sumOk = v6
    ? l4Checksum(b, 6, v.srcOff, v.dstOff, C.IPPROTO_ICMPV6, v.l4, l4len) === 0
    : checksum(b, v.l4, l4len) === 0;
  if (!sumOk) return false;
  if (b[v.l4] === (v6 ? 137 : 5)) {
    // A redirect is translated only for a connection NAT left alone in both directions.
    if ((status & (C.IPS_SRC_NAT_DONE | C.IPS_DST_NAT_DONE)) !== (C.IPS_SRC_NAT_DONE | C.IPS_DST_NAT_DONE)) return false;
    if (status & C.IPS_NAT_MASK) return false;
  }
  let statusbit = mtype === NF_NAT_MANIP_SRC ? C.IPS_SRC_NAT : C.IPS_DST_NAT;
  if (dir === C.IP_CT_DIR_REPLY) statusbit ^= C.IPS_NAT_MASK;
  if (!(status & statusbit)) return true;

  // The quoted packet went the other way: it takes the other direction's tuple, with the other manip.
  const other = dir === C.IP_CT_DIR_REPLY ? orig : reply;
  const inner = v.parseInner();
  if (inner === null || !inner.l3Ok()) return false;
  if (!manipPkt(inner, end, other, mtype === NF_NAT_MANIP_SRC ? NF_NAT_MANIP_DST : NF_NAT_MANIP_SRC)) return false;
  // The message checksum is recomputed in full (with the outer addresses as they still are).
  put16(b, v.l4 + 2, 0);
  put16(b, v.l4 + 2, v6 ? l4Checksum(b, 6, v.srcOff, v.dstOff, C.IPPROTO_ICMPV6, v.l4, l4len) : checksum(b, v.l4, l4len));

  // The outer header: make it look like a reply to the other direction's packets.
  invertInto(target, other);
  target[1] = v6 ? C.IPPROTO_ICMPV6 : C.IPPROTO_ICMP;
  return manipPkt(v, end, target, mtype);
}

/** nf_ct_invert_tuple for the NAT target: addresses and ports swapped (an ICMP id stays in word 10). */
export function invertInto(out: Tuple, t: Tuple): void {
  out[0] = t[0];
  out[1] = t[1];
  for (let i = 0; i < 4; i++) {
    out[2 + i] = t[6 + i];
    out[6 + i] = t[2 + i];
  }
  if (t[1] === C.IPPROTO_ICMP || t[1] === C.IPPROTO_ICMPV6) {
    out[10] = t[10];
    out[11] = t[11];
  } else {
    out[10] = t[11];
    out[11] = t[10];
  }
}
