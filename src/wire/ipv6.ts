/**
 * IPv6 fixed header (RFC 8200) and the extension-header chain walkers with
 * the kernel's semantics (net/ipv6/exthdrs_core.c): ipv6_skip_exthdr, used
 * by conntrack to find the layer-4 protocol, and ipv6_find_hdr, used by
 * ip6_tables to find the protocol `-p` matches and any extension header.
 * Walk results go into a caller-owned, reusable ExtHdrWalk object.
 */
import { get16, put16, put32 } from './checksum';

export const IPV6_HLEN = 40;

/** Next-header values (include/net/ipv6.h NEXTHDR_*). */
export const NEXTHDR_HOP = 0;
export const NEXTHDR_TCP = 6;
export const NEXTHDR_UDP = 17;
export const NEXTHDR_IPV6 = 41;
export const NEXTHDR_ROUTING = 43;
export const NEXTHDR_FRAGMENT = 44;
export const NEXTHDR_GRE = 47;
export const NEXTHDR_ESP = 50;
export const NEXTHDR_AUTH = 51;
export const NEXTHDR_ICMP = 58;
export const NEXTHDR_NONE = 59;
export const NEXTHDR_DEST = 60;

/** Field offsets relative to the IPv6 header. */
export const IPV6_OFF = { payloadLen: 4, nexthdr: 6, hopLimit: 7, saddr: 8, daddr: 24 } as const;

export function ipv6Version(b: Uint8Array, l3: number): number { return b[l3] >> 4; }
export function ipv6TrafficClass(b: Uint8Array, l3: number): number { return ((b[l3] & 0x0f) << 4) | (b[l3 + 1] >> 4); }
export function ipv6FlowLabel(b: Uint8Array, l3: number): number { return ((b[l3 + 1] & 0x0f) << 16) | (b[l3 + 2] << 8) | b[l3 + 3]; }
export function ipv6PayloadLen(b: Uint8Array, l3: number): number { return get16(b, l3 + 4); }
export function ipv6NextHeader(b: Uint8Array, l3: number): number { return b[l3 + 6]; }
export function ipv6HopLimit(b: Uint8Array, l3: number): number { return b[l3 + 7]; }

/** The types ipv6_ext_hdr() treats as extension headers (NONE included; ESP is not). */
export function ipv6IsExtHdr(nexthdr: number): boolean {
  return nexthdr === NEXTHDR_HOP || nexthdr === NEXTHDR_ROUTING || nexthdr === NEXTHDR_FRAGMENT ||
    nexthdr === NEXTHDR_AUTH || nexthdr === NEXTHDR_NONE || nexthdr === NEXTHDR_DEST;
}

/** Length of an extension header from its second byte: AH counts 4-byte units minus 2 (RFC 4302), others 8-byte units minus 1. */
export function ipv6ExtHdrLen(nexthdr: number, hdrlenByte: number): number {
  if (nexthdr === NEXTHDR_FRAGMENT) return 8;
  if (nexthdr === NEXTHDR_AUTH) return (hdrlenByte + 2) << 2;
  return (hdrlenByte + 1) << 3;
}

/** Reusable result of an extension-header walk. */
export class ExtHdrWalk {
  /** Offset where the walk stopped (meaning depends on the walker). */
  offset = 0;
  /** Protocol / header type found at `offset`. */
  nexthdr = 0;
  /**
   * The 16-bit offset/flags word of the last fragment header seen, in host
   * order (ipv6_skip_exthdr's *frag_offp); 0 when there is none.
   */
  fragWord = 0;
  /** Offset of the last fragment header seen, or -1. */
  fragHdr = -1;
  /** Number of extension headers walked. */
  count = 0;
}

/** No limit by default; recent kernels cap the walk at IP6_MAX_EXT_HDRS_CNT (12). */
export const EXTHDR_NO_LIMIT = 0x7fffffff;

/**
 * ipv6_skip_exthdr(): starting at `start` with header type `nexthdr`, skip
 * the extension headers found in b[0, end). Returns the offset of the
 * upper-layer header (w.nexthdr its type), or -1 when the chain ends in
 * NEXTHDR_NONE, a header's first 2 bytes are past `end`, or the count
 * limit is hit. A non-first fragment stops the walk AT the fragment header:
 * w.nexthdr is then 44 and w.fragWord has a non-zero offset, which is how
 * conntrack tells "not trackable" (nf_conntrack_core.c get_l4proto). The
 * returned offset may point past `end` when the last header is truncated.
 */
export function ipv6SkipExthdr(b: Uint8Array, start: number, end: number, nexthdr: number, w: ExtHdrWalk, maxExtHdrs = EXTHDR_NO_LIMIT): number {
  w.fragWord = 0;
  w.fragHdr = -1;
  w.count = 0;
  while (ipv6IsExtHdr(nexthdr)) {
    if (w.count++ >= maxExtHdrs) return -1;
    if (nexthdr === NEXTHDR_NONE) return -1;
    if (start + 2 > end) return -1;
    let hdrlen: number;
    if (nexthdr === NEXTHDR_FRAGMENT) {
      if (start + 4 > end) return -1;
      w.fragWord = get16(b, start + 2);
      w.fragHdr = start;
      if ((w.fragWord & ~0x7) !== 0) break;
      hdrlen = 8;
    } else {
      hdrlen = ipv6ExtHdrLen(nexthdr, b[start + 1]);
    }
    nexthdr = b[start];
    start += hdrlen;
  }
  w.nexthdr = nexthdr;
  w.offset = start;
  return start;
}

/** ipv6_find_hdr() errors (negated errno values, as the kernel returns). */
export const FINDHDR_ENOENT = -2;
export const FINDHDR_EBADMSG = -74;
/** ipv6_find_hdr() flags (include/linux/netfilter_ipv6/ip6_tables.h IP6_FH_F_*). */
export const IP6_FH_F_FRAG = 1;
export const IP6_FH_F_AUTH = 2;
export const IP6_FH_F_SKIP_RH = 4;

/**
 * ipv6_find_hdr(): walk the chain of the IPv6 header at l3 (bytes up to
 * `end`) looking for header type `target`; with target < 0 find the last
 * header (transport, ESP or NONE). Returns the type found (w.offset its
 * offset) or FINDHDR_ENOENT / FINDHDR_EBADMSG. For a non-first fragment and
 * target < 0 it returns the fragment header's next-header value when that is
 * not an extension header, w.offset then meaningless (set just past the
 * fragment header) and the fragment offset in bytes (kernel
 * *fragoff, flags masked off): w.fragOff. `flagsIn` are IP6_FH_F_* inputs;
 * w.flags returns them plus IP6_FH_F_FRAG when a fragment header was seen.
 */
export function ipv6FindHdr(b: Uint8Array, l3: number, end: number, target: number, flagsIn: number, w: FindHdrResult, maxExtHdrs = EXTHDR_NO_LIMIT): number {
  w.fragOff = 0;
  w.fragHdr = -1;
  w.flags = flagsIn;
  w.count = 0;
  if (l3 + IPV6_HLEN > end || b[l3] >> 4 !== 6) return FINDHDR_EBADMSG;
  let start = l3 + IPV6_HLEN;
  let nexthdr = b[l3 + 6];
  let found: boolean;
  do {
    found = nexthdr === target;
    if (!ipv6IsExtHdr(nexthdr) || nexthdr === NEXTHDR_NONE) {
      if (target < 0 || found) break;
      return FINDHDR_ENOENT;
    }
    if (w.count++ >= maxExtHdrs) return FINDHDR_EBADMSG;
    if (start + 2 > end) return FINDHDR_EBADMSG;
    if (nexthdr === NEXTHDR_ROUTING) {
      // struct ipv6_rt_hdr is 4 bytes: segments_left is its fourth byte.
      if (start + 4 > end) return FINDHDR_EBADMSG;
      if ((flagsIn & IP6_FH_F_SKIP_RH) !== 0 && b[start + 3] === 0) found = false;
    }
    let hdrlen: number;
    if (nexthdr === NEXTHDR_FRAGMENT) {
      w.flags |= IP6_FH_F_FRAG;
      w.fragHdr = start;
      if (start + 4 > end) return FINDHDR_EBADMSG;
      const fo = get16(b, start + 2) & ~0x7;
      if (fo !== 0) {
        const nh = b[start];
        if (target < 0 && (!ipv6IsExtHdr(nh) || nh === NEXTHDR_NONE)) {
          w.fragOff = fo;
          w.offset = start + 8;
          return nh;
        }
        if (!found) return FINDHDR_ENOENT;
        w.fragOff = fo;
        break;
      }
      hdrlen = 8;
    } else if (nexthdr === NEXTHDR_AUTH) {
      if ((flagsIn & IP6_FH_F_AUTH) !== 0 && target < 0) break;
      hdrlen = ipv6ExtHdrLen(NEXTHDR_AUTH, b[start + 1]);
    } else {
      hdrlen = ipv6ExtHdrLen(nexthdr, b[start + 1]);
    }
    if (!found) {
      nexthdr = b[start];
      start += hdrlen;
    }
  } while (!found);
  w.offset = start;
  return nexthdr;
}

/** Reusable result of ipv6FindHdr. */
export class FindHdrResult {
  offset = 0;
  /** Fragment offset (bytes, flags masked off) of a non-first fragment, else 0. */
  fragOff = 0;
  /** IP6_FH_F_* flags in, plus IP6_FH_F_FRAG when a fragment header was seen. */
  flags = 0;
  /** Offset of the last fragment header seen, or -1 (not in the kernel's API; for fragment fields). */
  fragHdr = -1;
  count = 0;
}

/** Fragment header (RFC 8200 4.5) accessors; `fh` is the offset of the fragment header. */
export function ipv6FragOffset(b: Uint8Array, fh: number): number { return get16(b, fh + 2) & 0xfff8; }
export function ipv6FragMF(b: Uint8Array, fh: number): boolean { return (b[fh + 3] & 1) !== 0; }
export function ipv6FragId(b: Uint8Array, fh: number): number { return ((b[fh + 4] << 24) | (b[fh + 5] << 16) | (b[fh + 6] << 8) | b[fh + 7]) >>> 0; }

/** Parameters for buildIPv6Header; keep one object and reuse it. */
export interface IPv6HeaderSpec {
  trafficClass: number;
  flowLabel: number;
  nexthdr: number;
  hopLimit: number;
  /** 16-byte source and destination addresses, read at srcOff/dstOff. */
  src: Uint8Array;
  srcOff: number;
  dst: Uint8Array;
  dstOff: number;
}

/** Write a 40-byte IPv6 header at b[l3] for `payloadLen` bytes following it. Returns 40. */
export function buildIPv6Header(b: Uint8Array, l3: number, s: IPv6HeaderSpec, payloadLen: number): number {
  put32(b, l3, ((6 << 28) | ((s.trafficClass & 0xff) << 20) | (s.flowLabel & 0xfffff)) >>> 0);
  put16(b, l3 + 4, payloadLen);
  b[l3 + 6] = s.nexthdr;
  b[l3 + 7] = s.hopLimit;
  for (let i = 0; i < 16; i++) {
    b[l3 + 8 + i] = s.src[s.srcOff + i];
    b[l3 + 24 + i] = s.dst[s.dstOff + i];
  }
  return IPV6_HLEN;
}
