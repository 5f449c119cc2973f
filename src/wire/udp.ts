/**
 * UDP header (RFC 768). A zero checksum means "none" over IPv4; a computed
 * checksum of zero is sent as 0xFFFF (RFC 768, CSUM_MANGLED_0 in the kernel).
 */
import { csumReplace16, csumReplaceBytes, get16, put16 } from './checksum';

export const UDP_HLEN = 8;
/** How the kernel stores a checksum that computed to 0 (include/net/checksum.h). */
export const CSUM_MANGLED_0 = 0xffff;

export function udpSport(b: Uint8Array, l4: number): number { return get16(b, l4); }
export function udpDport(b: Uint8Array, l4: number): number { return get16(b, l4 + 2); }
export function udpLength(b: Uint8Array, l4: number): number { return get16(b, l4 + 4); }
export function udpCheck(b: Uint8Array, l4: number): number { return get16(b, l4 + 6); }

/** Write a UDP header with a zero checksum. */
export function buildUdpHeader(b: Uint8Array, l4: number, sport: number, dport: number, payloadLen: number): number {
  put16(b, l4, sport);
  put16(b, l4 + 2, dport);
  put16(b, l4 + 4, UDP_HLEN + payloadLen);
  put16(b, l4 + 6, 0);
  return UDP_HLEN;
}

/**
 * Incremental update of a UDP checksum for a 16-bit field change, as
 * nf_nat_proto.c's udp_manip_pkt(): a zero (absent, IPv4) checksum stays
 * zero, and a result of zero is stored as 0xFFFF.
 */
export function udpCsumReplace16(check: number, oldv: number, newv: number): number {
  if (check === 0) return 0;
  const c = csumReplace16(check, oldv, newv);
  return c === 0 ? CSUM_MANGLED_0 : c;
}

/** As udpCsumReplace16 for an address (pseudo-header) change. */
export function udpCsumReplaceBytes(check: number, oldBuf: Uint8Array, oldOff: number, newBuf: Uint8Array, newOff: number, len: number): number {
  if (check === 0) return 0;
  const c = csumReplaceBytes(check, oldBuf, oldOff, newBuf, newOff, len);
  return c === 0 ? CSUM_MANGLED_0 : c;
}

/** Rewrite a UDP port (at l4 or l4+2) keeping the checksum rules above. */
export function udpRewritePort(b: Uint8Array, l4: number, portOff: number, port: number): void {
  put16(b, l4 + 6, udpCsumReplace16(get16(b, l4 + 6), get16(b, l4 + portOff), port));
  put16(b, l4 + portOff, port);
}
