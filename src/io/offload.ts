/**
 * virtio-net headers and the offload work they describe, done in software.
 *
 * A kernel TCP stack sending on veth leaves checksums to the "hardware"
 * (CHECKSUM_PARTIAL) and hands over TSO/GSO super-packets of up to 64 KiB.
 * An AF_PACKET socket with PACKET_VNET_HDR (or a TUN fd with IFF_VNET_HDR)
 * reports both in a `struct virtio_net_hdr` in front of each frame
 * (include/uapi/linux/virtio_net.h). Before such a packet enters the
 * engine its checksum is completed (as skb_checksum_help does,
 * net/core/dev.c) and a super-packet is cut into wire-sized segments (as
 * tcp_gso_segment + inet_gso_segment / ipv6_gso_segment do,
 * net/ipv4/tcp_offload.c, net/ipv4/af_inet.c, net/ipv6/ip6_offload.c).
 *
 * Pure functions over byte arrays: no I/O, and nothing allocated per packet
 * (segments are written into a caller-owned buffer and handed to a sink).
 * Multi-byte header fields are little-endian (virtio 1.0 / x86).
 */
import { fold, get16, get32, pseudoSum4, pseudoSum6, put16, put32, sumBytes } from '../wire/checksum';

/** sizeof(struct virtio_net_hdr): no mergeable-buffer count. */
export const VNET_HDR_LEN = 10;

/** flags */
export const VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
export const VIRTIO_NET_HDR_F_DATA_VALID = 2;

/** gso_type */
export const VIRTIO_NET_HDR_GSO_NONE = 0;
export const VIRTIO_NET_HDR_GSO_TCPV4 = 1;
/** UFO: one UDP datagram to be cut into IP fragments. Not supported here (see segmentOffloaded). */
export const VIRTIO_NET_HDR_GSO_UDP = 3;
export const VIRTIO_NET_HDR_GSO_TCPV6 = 4;
/** USO: UDP payload cut into gso_size datagrams, each with its own UDP header (Linux >= 6.2). */
export const VIRTIO_NET_HDR_GSO_UDP_L4 = 5;
export const VIRTIO_NET_HDR_GSO_ECN = 0x80;

/** The fields of a struct virtio_net_hdr; reuse one object for every packet. */
export class VnetHdr {
  flags = 0;
  gsoType = 0;
  hdrLen = 0;
  gsoSize = 0;
  /** Where checksumming starts, from the start of the frame (after this header). */
  csumStart = 0;
  /** Where the checksum is stored, from csumStart. */
  csumOffset = 0;
}

const le16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);

/** Reads the header at buf[off, off+10) into `into` (returned). */
export function parseVnetHdr(buf: Uint8Array, off: number, into: VnetHdr = new VnetHdr()): VnetHdr {
  into.flags = buf[off];
  into.gsoType = buf[off + 1];
  into.hdrLen = le16(buf, off + 2);
  into.gsoSize = le16(buf, off + 4);
  into.csumStart = le16(buf, off + 6);
  into.csumOffset = le16(buf, off + 8);
  return into;
}

/** Writes a header asking nothing of the device (no checksum, no GSO) at buf[off, off+10). */
export function writeVnetHdrNone(buf: Uint8Array, off: number): void {
  buf.fill(0, off, off + VNET_HDR_LEN);
}

/**
 * Completes a CHECKSUM_PARTIAL packet as skb_checksum_help does: the field
 * at csumStart+csumOffset already holds the (uncomplemented) pseudo-header
 * sum; sum everything from csumStart to the end, fold, complement, store.
 * A result of 0 is stored as 0xffff (CSUM_MANGLED_0), as the kernel does,
 * which also keeps UDP's "no checksum" value out. Offsets count from
 * `off`, the frame start; `len` is the frame length. False when the
 * offsets do not fit in the frame.
 */
export function completeChecksum(buf: Uint8Array, off: number, len: number, csumStart: number, csumOffset: number): boolean {
  if (csumStart >= len || csumStart + csumOffset + 2 > len) return false;
  const c = ~fold(sumBytes(buf, off + csumStart, len - csumStart)) & 0xffff;
  put16(buf, off + csumStart + csumOffset, c === 0 ? 0xffff : c);
  return true;
}

/** Called with each packet produced; the bytes are valid only during the call. */
export type SegmentSink = (buf: Uint8Array, off: number, len: number) => void;

const TCP_FIN = 0x01, TCP_PSH = 0x08, TCP_CWR = 0x80;

/**
 * Where the transport header of the IP packet at buf[l3, end) starts and
 * what it is: sets `l4`/`proto`/`family` and returns true, or false for a
 * packet that cannot be segmented (bad header, IPv4 fragment, IPv6
 * extension headers other than hop-by-hop/routing/destination options).
 */
class L4Loc { l4 = 0; proto = 0; family: 4 | 6 = 4; }
const loc = new L4Loc();

function locateL4(buf: Uint8Array, l3: number, end: number, out: L4Loc): boolean {
  if (l3 >= end) return false;
  const v = buf[l3] >> 4;
  if (v === 4) {
    const ihl = (buf[l3] & 0x0f) * 4;
    if (ihl < 20 || l3 + ihl > end) return false;
    if ((get16(buf, l3 + 6) & 0x3fff) !== 0) return false; // a fragment: nothing to segment
    out.family = 4; out.proto = buf[l3 + 9]; out.l4 = l3 + ihl;
    return true;
  }
  if (v === 6) {
    if (l3 + 40 > end) return false;
    let nh = buf[l3 + 6], p = l3 + 40;
    // ipv6_gso_segment walks the same extension headers (ipv6_gso_pull_exthdrs).
    while (nh === 0 || nh === 43 || nh === 60) {
      if (p + 8 > end) return false;
      const hl = (buf[p + 1] + 1) * 8;
      nh = buf[p];
      p += hl;
    }
    if (p > end) return false;
    out.family = 6; out.proto = nh; out.l4 = p;
    return true;
  }
  return false;
}

/** Fills the IP length (and for IPv4 ID + header checksum) of the segment header at out[l3]. */
function fixIpHeader(out: Uint8Array, l3: number, family: 4 | 6, ipLen: number, id: number): void {
  if (family === 4) {
    const ihl = (out[l3] & 0x0f) * 4;
    put16(out, l3 + 2, ipLen);
    put16(out, l3 + 4, id & 0xffff);
    put16(out, l3 + 10, 0);
    put16(out, l3 + 10, ~fold(sumBytes(out, l3, ihl)) & 0xffff);
  } else {
    put16(out, l3 + 4, ipLen - 40);
  }
}

/** The full transport checksum of the segment in out (field at l4+checkAt zeroed first). */
function l4Check(out: Uint8Array, l3: number, l4: number, end: number, family: 4 | 6, proto: number, checkAt: number): number {
  const l4len = end - l4;
  put16(out, l4 + checkAt, 0);
  const ph = family === 4 ? pseudoSum4(out, l3 + 12, l3 + 16, proto, l4len) : pseudoSum6(out, l3 + 8, l3 + 24, proto, l4len);
  return ~fold(sumBytes(out, l4, l4len, ph)) & 0xffff;
}

/**
 * Software TSO for a TCPv4/TCPv6 super-packet at buf[off, off+len) whose IP
 * header is at off+l3 (l3 = the link header's length: 0 for TUN, 14 for
 * Ethernet). The payload is cut into gsoSize pieces; each segment gets a
 * copy of every header byte before the payload with, as the kernel does:
 * - IPv4 total length, ID incremented per segment, header checksum;
 *   IPv6 payload length;
 * - TCP sequence number advanced; FIN and PSH on the last segment only; CWR
 *   on the first only (tcp_gso_segment, no AccECN); a full TCP checksum.
 * Segments are built one at a time in `out` (it needs headers + gsoSize
 * bytes) and passed to `emit`. A packet whose payload fits in one segment
 * is emitted once, with its checksum made whole. Returns the number of
 * segments, or -1 when the packet cannot be segmented (nothing is emitted).
 */
export function segmentTcp(buf: Uint8Array, off: number, len: number, l3: number, gsoSize: number, out: Uint8Array, emit: SegmentSink): number {
  const end = off + len;
  if (gsoSize <= 0 || !locateL4(buf, off + l3, end, loc) || loc.proto !== 6) return -1;
  const l4 = loc.l4, family = loc.family;
  if (l4 + 20 > end) return -1;
  const thlen = (buf[l4 + 12] >> 4) * 4;
  if (thlen < 20 || l4 + thlen > end) return -1;
  const hdrs = l4 + thlen - off; // bytes copied in front of every segment
  const payload = len - hdrs;
  if (hdrs + Math.min(gsoSize, payload) > out.length) return -1;
  const ipOff = l3, tcpOff = l4 - off;
  const seq0 = get32(buf, l4 + 4);
  const id0 = family === 4 ? get16(buf, off + l3 + 4) : 0;
  const flags0 = buf[l4 + 13];
  const nseg = payload <= 0 ? 1 : Math.ceil(payload / gsoSize);
  for (let i = 0; i < nseg; i++) {
    const start = i * gsoSize;
    const segEnd = cutSegment(buf, off, hdrs, start, Math.min(gsoSize, Math.max(0, payload - start)), out, ipOff, family, id0 + i);
    put32(out, tcpOff + 4, (seq0 + start) >>> 0);
    let f = flags0;
    if (i < nseg - 1) f &= ~(TCP_FIN | TCP_PSH);
    if (i > 0) f &= ~TCP_CWR;
    out[tcpOff + 13] = f;
    put16(out, tcpOff + 16, l4Check(out, ipOff, tcpOff, segEnd, family, 6, 16));
    emit(out, 0, segEnd);
  }
  return nseg;
}

/**
 * One segment in `out`: the headers, then payload bytes [start, start+seglen)
 * of the super-packet, with the IP header's length, ID and checksum made
 * right for it. Returns the segment's length.
 */
function cutSegment(buf: Uint8Array, off: number, hdrs: number, start: number, seglen: number, out: Uint8Array, ipOff: number, family: 4 | 6, id: number): number {
  out.set(buf.subarray(off, off + hdrs), 0);
  out.set(buf.subarray(off + hdrs + start, off + hdrs + start + seglen), hdrs);
  const segEnd = hdrs + seglen;
  fixIpHeader(out, ipOff, family, segEnd - ipOff, id);
  return segEnd;
}

/**
 * Software USO (VIRTIO_NET_HDR_GSO_UDP_L4, __udp_gso_segment in
 * net/ipv4/udp_offload.c): the UDP payload is cut into gsoSize datagrams,
 * each with a copy of the headers, its own UDP length and checksum (0
 * becomes 0xffff), and IPv4 length/ID/header checksum or IPv6 payload
 * length. Same contract as segmentTcp.
 */
export function segmentUdp(buf: Uint8Array, off: number, len: number, l3: number, gsoSize: number, out: Uint8Array, emit: SegmentSink): number {
  const end = off + len;
  if (gsoSize <= 0 || !locateL4(buf, off + l3, end, loc) || loc.proto !== 17) return -1;
  const l4 = loc.l4, family = loc.family;
  if (l4 + 8 > end) return -1;
  const hdrs = l4 + 8 - off;
  const payload = len - hdrs;
  if (hdrs + Math.min(gsoSize, payload) > out.length) return -1;
  const ipOff = l3, udpOff = l4 - off;
  const id0 = family === 4 ? get16(buf, off + l3 + 4) : 0;
  const nseg = payload <= 0 ? 1 : Math.ceil(payload / gsoSize);
  for (let i = 0; i < nseg; i++) {
    const start = i * gsoSize;
    const seglen = Math.min(gsoSize, Math.max(0, payload - start));
    const segEnd = cutSegment(buf, off, hdrs, start, seglen, out, ipOff, family, id0 + i);
    put16(out, udpOff + 4, 8 + seglen);
    const c = l4Check(out, ipOff, udpOff, segEnd, family, 17, 6);
    put16(out, udpOff + 6, c === 0 ? 0xffff : c);
    emit(out, 0, segEnd);
  }
  return nseg;
}

/**
 * Where the IP header of an Ethernet frame starts (after any 802.1Q /
 * 802.1ad tags), or -1 when the frame does not carry IPv4/IPv6.
 */
export function etherL3Offset(buf: Uint8Array, off: number, len: number): number {
  let p = 12;
  while (p + 2 <= len) {
    const t = get16(buf, off + p);
    if (t === 0x8100 || t === 0x88a8) { p += 4; continue; }
    return t === 0x0800 || t === 0x86dd ? p + 2 : -1;
  }
  return -1;
}

const hdr = new VnetHdr();

/**
 * Takes one received packet that starts with a virtio-net header
 * (buf[off, off+len), the header included) and passes on what the wire
 * would have carried: the packet itself (its partial checksum completed
 * when NEEDS_CSUM) or, for a GSO super-packet, its segments built in
 * `out`. `ethernet` says whether the packet is an Ethernet frame (packet
 * sockets) or bare IP (TUN).
 *
 * Returns how many packets were emitted, or -1 for a packet that must be
 * dropped: a bad header, or UFO (VIRTIO_NET_HDR_GSO_UDP), which would
 * mean IP fragmentation; Linux >= 4.14 never produces it on receive
 * (virtio_net_hdr_from_skb has no mapping for SKB_GSO_UDP), so it is not
 * implemented.
 */
export function segmentOffloaded(buf: Uint8Array, off: number, len: number, ethernet: boolean, out: Uint8Array, emit: SegmentSink): number {
  if (len < VNET_HDR_LEN) return -1;
  parseVnetHdr(buf, off, hdr);
  const f = off + VNET_HDR_LEN, flen = len - VNET_HDR_LEN;
  const gso = hdr.gsoType & ~VIRTIO_NET_HDR_GSO_ECN;
  if (gso === VIRTIO_NET_HDR_GSO_NONE) {
    if ((hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) !== 0 && !completeChecksum(buf, f, flen, hdr.csumStart, hdr.csumOffset)) return -1;
    emit(buf, f, flen);
    return 1;
  }
  const l3 = ethernet ? etherL3Offset(buf, f, flen) : 0;
  if (l3 < 0) return -1;
  if (gso === VIRTIO_NET_HDR_GSO_TCPV4 || gso === VIRTIO_NET_HDR_GSO_TCPV6) return segmentTcp(buf, f, flen, l3, hdr.gsoSize, out, emit);
  if (gso === VIRTIO_NET_HDR_GSO_UDP_L4) return segmentUdp(buf, f, flen, l3, hdr.gsoSize, out, emit);
  return -1;
}
