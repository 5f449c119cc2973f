/**
 * IPv6 neighbour discovery messages (RFC 4861 4.3, 4.4): neighbour
 * solicitation and advertisement with their link-layer address options,
 * checked as net/ipv6/ndisc.c checks them (ndisc_rcv: hop limit 255,
 * code 0; ndisc_recv_ns/na: length, target not multicast, options of
 * non-zero length), and built as ndisc_send_ns / ndisc_send_na build them
 * (hop limit 255, traffic class and flow label 0).
 */
import { checksum, fold, pseudoSum6, put16, sumBytes } from './checksum';
import { IPV6_HLEN } from './ipv6';
import { NDISC_NEIGHBOUR_ADVERTISEMENT, NDISC_NEIGHBOUR_SOLICITATION } from './icmpv6';

export const ND_OPT_SOURCE_LL_ADDR = 1;
export const ND_OPT_TARGET_LL_ADDR = 2;
/** NA flags in the first byte after the checksum. */
export const ND_NA_ROUTER = 0x80;
export const ND_NA_SOLICITED = 0x40;
export const ND_NA_OVERRIDE = 0x20;
/** NS/NA: 4 bytes of type/code/checksum, 4 of flags/reserved, 16 of target. */
export const ND_MSG_LEN = 24;
const NEXTHDR_ICMPV6 = 58;

/** A parsed NS or NA (offsets into `buf`; -1 when an option is absent). Reusable. */
export class NdMessage {
  buf: Uint8Array = new Uint8Array(0);
  type = 0;
  /** NA flags (ND_NA_*); 0 for NS. */
  flags = 0;
  /** Offsets of the IPv6 source and destination and of the target address. */
  src = 0;
  dst = 0;
  target = 0;
  /** Offset of the 6-byte address in the source / target link-layer address option, or -1. */
  sllao = -1;
  tllao = -1;
}

function isZero16(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 16; i++) if (b[o + i] !== 0) return false;
  return true;
}

/**
 * Parses an IPv6 packet at b[l3, end) as an NS or NA as the kernel would
 * accept it. Only a bare ICMPv6 header after the IPv6 header is looked at
 * (ND messages carry no extension headers in practice). Returns false
 * for anything the kernel would drop or that is not an NS/NA.
 */
export function parseNdisc(b: Uint8Array, l3: number, end: number, m: NdMessage): boolean {
  if (end - l3 < IPV6_HLEN + ND_MSG_LEN || (b[l3] >> 4) !== 6 || b[l3 + 6] !== NEXTHDR_ICMPV6) return false;
  const plen = (b[l3 + 4] << 8) | b[l3 + 5];
  if (l3 + IPV6_HLEN + plen > end || plen < ND_MSG_LEN) return false;
  const l4 = l3 + IPV6_HLEN;
  const type = b[l4];
  if (type !== NDISC_NEIGHBOUR_SOLICITATION && type !== NDISC_NEIGHBOUR_ADVERTISEMENT) return false;
  // ndisc_rcv: "NDISC: invalid hop-limit" / "invalid ICMPv6 code".
  if (b[l3 + 7] !== 255 || b[l4 + 1] !== 0) return false;
  // icmpv6_rcv drops a bad checksum before ND sees it.
  if (fold(sumBytes(b, l4, plen, pseudoSum6(b, l3 + 8, l3 + 24, NEXTHDR_ICMPV6, plen))) !== 0xffff) return false;
  m.buf = b;
  m.type = type;
  m.flags = type === NDISC_NEIGHBOUR_ADVERTISEMENT ? b[l4 + 4] & 0xe0 : 0;
  m.src = l3 + 8;
  m.dst = l3 + 24;
  m.target = l4 + 8;
  m.sllao = -1;
  m.tllao = -1;
  if (b[m.target] === 0xff) return false;
  // ndisc_parse_options: each option at least 8 bytes, none of length 0; the last one of a kind wins.
  const optEnd = l4 + plen;
  for (let o = l4 + ND_MSG_LEN; o < optEnd;) {
    if (o + 2 > optEnd) return false;
    const len = b[o + 1] * 8;
    if (len === 0 || o + len > optEnd) return false;
    if (b[o] === ND_OPT_SOURCE_LL_ADDR && len >= 8) m.sllao = o + 2;
    else if (b[o] === ND_OPT_TARGET_LL_ADDR && len >= 8) m.tllao = o + 2;
    o += len;
  }
  if (type === NDISC_NEIGHBOUR_SOLICITATION && isZero16(b, m.src)) {
    // DAD probe: must go to a solicited-node group and carry no SLLAO (ndisc_recv_ns).
    if (!isSolicitedNode(b, m.dst) || m.sllao >= 0) return false;
  }
  // ndisc_recv_na: a solicited NA to a multicast destination is invalid.
  if (type === NDISC_NEIGHBOUR_ADVERTISEMENT && b[m.dst] === 0xff && (m.flags & ND_NA_SOLICITED)) return false;
  return true;
}

/** ff02::1:ff00:0/104 */
export function isSolicitedNode(b: Uint8Array, o: number): boolean {
  if (b[o] !== 0xff || b[o + 1] !== 0x02) return false;
  for (let i = 2; i < 11; i++) if (b[o + i] !== 0) return false;
  return b[o + 11] === 1 && b[o + 12] === 0xff;
}

/** RFC 4291 2.7.1: the solicited-node group of an address, written at out[outOff]. */
export function solicitedNode(a: Uint8Array, aOff: number, out: Uint8Array, outOff: number): void {
  for (let i = 0; i < 16; i++) out[outOff + i] = 0;
  out[outOff] = 0xff; out[outOff + 1] = 0x02; out[outOff + 11] = 1; out[outOff + 12] = 0xff;
  out[outOff + 13] = a[aOff + 13]; out[outOff + 14] = a[aOff + 14]; out[outOff + 15] = a[aOff + 15];
}

/** RFC 2464 7: IPv6 multicast -> 33:33 + the low 32 bits of the group. */
export function ipv6MulticastMac(b: Uint8Array, ipOff: number, out: Uint8Array, outOff: number): void {
  out[outOff] = 0x33; out[outOff + 1] = 0x33;
  for (let i = 0; i < 4; i++) out[outOff + 2 + i] = b[ipOff + 12 + i];
}

function ip6Header(b: Uint8Array, off: number, src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, plen: number): void {
  b[off] = 0x60; b[off + 1] = 0; b[off + 2] = 0; b[off + 3] = 0;
  put16(b, off + 4, plen);
  b[off + 6] = NEXTHDR_ICMPV6;
  b[off + 7] = 255;
  for (let i = 0; i < 16; i++) { b[off + 8 + i] = src[srcOff + i]; b[off + 24 + i] = dst[dstOff + i]; }
}

function ndBody(b: Uint8Array, off: number, type: number, flags: number, target: Uint8Array, targetOff: number, optType: number, mac: Uint8Array | null, macOff: number): number {
  const l4 = off + IPV6_HLEN;
  b[l4] = type; b[l4 + 1] = 0; b[l4 + 2] = 0; b[l4 + 3] = 0;
  b[l4 + 4] = flags; b[l4 + 5] = 0; b[l4 + 6] = 0; b[l4 + 7] = 0;
  for (let i = 0; i < 16; i++) b[l4 + 8 + i] = target[targetOff + i];
  let len = ND_MSG_LEN;
  if (mac !== null) {
    b[l4 + len] = optType; b[l4 + len + 1] = 1;
    for (let i = 0; i < 6; i++) b[l4 + len + 2 + i] = mac[macOff + i];
    len += 8;
  }
  put16(b, off + 4, len);
  put16(b, l4 + 2, checksum(b, l4, len, pseudoSum6(b, off + 8, off + 24, NEXTHDR_ICMPV6, len)));
  return IPV6_HLEN + len;
}

/**
 * ndisc_send_ns: IPv6 + NS at b[off] (no Ethernet header). `dst` is the
 * solicited-node group of the target (resolution) or the target itself
 * (unicast probe); `sllao` null leaves the option out (DAD). Returns the length.
 */
export function buildNs(b: Uint8Array, off: number, src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number,
  target: Uint8Array, targetOff: number, sllao: Uint8Array | null, sllaoOff = 0): number {
  ip6Header(b, off, src, srcOff, dst, dstOff, 0);
  return ndBody(b, off, NDISC_NEIGHBOUR_SOLICITATION, 0, target, targetOff, ND_OPT_SOURCE_LL_ADDR, sllao, sllaoOff);
}

/** ndisc_send_na: IPv6 + NA at b[off] with ND_NA_* flags and an optional TLLAO. Returns the length. */
export function buildNa(b: Uint8Array, off: number, src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number,
  target: Uint8Array, targetOff: number, flags: number, tllao: Uint8Array | null, tllaoOff = 0): number {
  ip6Header(b, off, src, srcOff, dst, dstOff, 0);
  return ndBody(b, off, NDISC_NEIGHBOUR_ADVERTISEMENT, flags, target, targetOff, ND_OPT_TARGET_LL_ADDR, tllao, tllaoOff);
}
