/**
 * IPv4 header (RFC 791): field offsets, accessors, option walking, header
 * checksum verification and a header builder. All functions take the buffer
 * and the offset of the IPv4 header (`l3`) and allocate nothing.
 */
import { checksum, get16, put16, put32 } from './checksum';

export const IPV4_MIN_HLEN = 20;
export const IPV4_MAX_HLEN = 60;

/** Flag bits in the 16-bit flags/fragment-offset word (RFC 791 3.1). */
export const IP_RF = 0x8000; // reserved ("evil") bit
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFMASK = 0x1fff;

/** Field offsets relative to the start of the IPv4 header. */
export const IPV4_OFF = {
  verIhl: 0, tos: 1, totLen: 2, id: 4, fragOff: 6, ttl: 8, protocol: 9, check: 10, saddr: 12, daddr: 16,
} as const;

/** IP option types (include/uapi/linux/ip.h). */
export const IPOPT_END = 0;
export const IPOPT_NOOP = 1;
export const IPOPT_RR = 7;
export const IPOPT_TIMESTAMP = 68;
export const IPOPT_SEC = 130;
export const IPOPT_LSRR = 131;
export const IPOPT_SSRR = 137;
export const IPOPT_RA = 148;

export function ipv4Version(b: Uint8Array, l3: number): number { return b[l3] >> 4; }
/** Header length in bytes (IHL * 4). */
export function ipv4HeaderLen(b: Uint8Array, l3: number): number { return (b[l3] & 0x0f) << 2; }
export function ipv4Tos(b: Uint8Array, l3: number): number { return b[l3 + 1]; }
export function ipv4TotalLen(b: Uint8Array, l3: number): number { return get16(b, l3 + 2); }
export function ipv4Id(b: Uint8Array, l3: number): number { return get16(b, l3 + 4); }
/** The whole flags + fragment-offset word. */
export function ipv4FragWord(b: Uint8Array, l3: number): number { return get16(b, l3 + 6); }
export function ipv4DF(b: Uint8Array, l3: number): boolean { return (b[l3 + 6] & 0x40) !== 0; }
export function ipv4MF(b: Uint8Array, l3: number): boolean { return (b[l3 + 6] & 0x20) !== 0; }
/** Fragment offset in bytes (the field counts 8-byte units). */
export function ipv4FragOffset(b: Uint8Array, l3: number): number { return (get16(b, l3 + 6) & IP_OFFMASK) << 3; }
/** True when the datagram is a fragment: MF set or a non-zero offset (ip_is_fragment). */
export function ipv4IsFragment(b: Uint8Array, l3: number): boolean { return (get16(b, l3 + 6) & (IP_MF | IP_OFFMASK)) !== 0; }
export function ipv4Ttl(b: Uint8Array, l3: number): number { return b[l3 + 8]; }
export function ipv4Protocol(b: Uint8Array, l3: number): number { return b[l3 + 9]; }
export function ipv4Check(b: Uint8Array, l3: number): number { return get16(b, l3 + 10); }
export function ipv4Saddr(b: Uint8Array, l3: number): number { return ((b[l3 + 12] << 24) | (b[l3 + 13] << 16) | (b[l3 + 14] << 8) | b[l3 + 15]) >>> 0; }
export function ipv4Daddr(b: Uint8Array, l3: number): number { return ((b[l3 + 16] << 24) | (b[l3 + 17] << 16) | (b[l3 + 18] << 8) | b[l3 + 19]) >>> 0; }

/** True when the header checksum is correct (ip_fast_csum() == 0 in ip_rcv_core). Needs the full header in range. */
export function ipv4ChecksumOk(b: Uint8Array, l3: number): boolean {
  return checksum(b, l3, ipv4HeaderLen(b, l3)) === 0;
}

/** Recompute and store the header checksum (ip_send_check). */
export function ipv4SetChecksum(b: Uint8Array, l3: number): void {
  put16(b, l3 + 10, 0);
  put16(b, l3 + 10, checksum(b, l3, ipv4HeaderLen(b, l3)));
}

/**
 * Decrement the TTL and patch the header checksum incrementally, as
 * ip_decrease_ttl() does (RFC 1624: the TTL is the high byte of its word).
 */
export function ipv4DecTtl(b: Uint8Array, l3: number): void {
  // Adding 0x0100 to the stored checksum is the one's complement update for
  // TTL-1 (include/net/ip.h). The kernel adds the end-around carry when the
  // sum is >= 0xFFFF (not > 0xFFFF), so a result of 0xFFFF becomes 0x0000;
  // checksum.test.ts checks all 65536 values against the kernel's
  // little-endian arithmetic.
  let c = get16(b, l3 + 10) + 0x0100;
  if (c >= 0xffff) c += 1;
  put16(b, l3 + 10, c & 0xffff);
  b[l3 + 8] = (b[l3 + 8] - 1) & 0xff;
}

/**
 * Walk the options of the header at l3 and return the offset of the first
 * option of type `type`, or -1. Returns -2 when the options are malformed
 * (a length under 2 or running past the header): the kernel's
 * ip_options_compile() rejects those with a parameter problem.
 */
export function ipv4FindOption(b: Uint8Array, l3: number, type: number): number {
  const end = l3 + ipv4HeaderLen(b, l3);
  let i = l3 + IPV4_MIN_HLEN;
  while (i < end) {
    const t = b[i];
    if (t === IPOPT_END) return type === IPOPT_END ? i : -1;
    if (t === type) {
      if (t !== IPOPT_NOOP && (i + 1 >= end || b[i + 1] < 2 || i + b[i + 1] > end)) return -2;
      return i;
    }
    if (t === IPOPT_NOOP) { i++; continue; }
    if (i + 1 >= end) return -2;
    const len = b[i + 1];
    if (len < 2 || i + len > end) return -2;
    i += len;
  }
  return -1;
}

/** True when the option area is structurally sound (every TLV fits; see ipv4FindOption). */
export function ipv4OptionsWellFormed(b: Uint8Array, l3: number): boolean {
  // Type 0x100 never matches a byte, so the walk only stops at EOL, the end, or an error.
  return ipv4FindOption(b, l3, 0x100) !== -2;
}

/** Parameters for buildIPv4Header; keep one object and reuse it on hot paths. */
export interface IPv4HeaderSpec {
  tos: number;
  id: number;
  /** Flags (IP_DF/IP_MF) ORed with the offset in 8-byte units. */
  fragWord: number;
  ttl: number;
  protocol: number;
  /** Source and destination as unsigned 32-bit numbers. */
  saddr: number;
  daddr: number;
  /** Options bytes (length a multiple of 4, at most 40), or null. */
  options: Uint8Array | null;
}

/**
 * Write an IPv4 header at b[l3] for a payload of `payloadLen` bytes and set
 * its checksum. Returns the header length. The caller guarantees room.
 */
export function buildIPv4Header(b: Uint8Array, l3: number, s: IPv4HeaderSpec, payloadLen: number): number {
  const optLen = s.options === null ? 0 : s.options.length;
  const hlen = IPV4_MIN_HLEN + optLen;
  b[l3] = 0x40 | (hlen >> 2);
  b[l3 + 1] = s.tos;
  put16(b, l3 + 2, hlen + payloadLen);
  put16(b, l3 + 4, s.id);
  put16(b, l3 + 6, s.fragWord);
  b[l3 + 8] = s.ttl;
  b[l3 + 9] = s.protocol;
  put16(b, l3 + 10, 0);
  put32(b, l3 + 12, s.saddr);
  put32(b, l3 + 16, s.daddr);
  if (s.options !== null) b.set(s.options, l3 + IPV4_MIN_HLEN);
  put16(b, l3 + 10, checksum(b, l3, hlen));
  return hlen;
}
