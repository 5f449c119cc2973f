/**
 * TCP header (RFC 9293) and options (MSS RFC 9293 3.7.1, window scale and
 * timestamps RFC 7323, SACK RFC 2018). `l4` is the offset of the TCP header.
 */
import { csumReplace16, get16, get32, put16, put32 } from './checksum';

export const TCP_MIN_HLEN = 20;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WINDOW = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;
export const TCPOLEN_MSS = 4;
export const TCPOLEN_WINDOW = 3;
export const TCPOLEN_SACK_PERM = 2;
export const TCPOLEN_TIMESTAMP = 10;

/** Field offsets relative to the TCP header. */
export const TCP_OFF = { sport: 0, dport: 2, seq: 4, ack: 8, doff: 12, flags: 13, window: 14, check: 16, urg: 18 } as const;

export function tcpSport(b: Uint8Array, l4: number): number { return get16(b, l4); }
export function tcpDport(b: Uint8Array, l4: number): number { return get16(b, l4 + 2); }
export function tcpSeq(b: Uint8Array, l4: number): number { return get32(b, l4 + 4); }
export function tcpAck(b: Uint8Array, l4: number): number { return get32(b, l4 + 8); }
/** Header length in bytes (data offset * 4). */
export function tcpHeaderLen(b: Uint8Array, l4: number): number { return (b[l4 + 12] >> 4) << 2; }
/** The eight flag bits CWR..FIN (byte 13), which is what xt_tcp's --tcp-flags compares. */
export function tcpFlags(b: Uint8Array, l4: number): number { return b[l4 + 13]; }
export function tcpWindow(b: Uint8Array, l4: number): number { return get16(b, l4 + 14); }
export function tcpCheck(b: Uint8Array, l4: number): number { return get16(b, l4 + 16); }
export function tcpUrgPtr(b: Uint8Array, l4: number): number { return get16(b, l4 + 18); }

/** Reusable result of parseTcpOptions. Absent values are -1 / false / 0. */
export class TcpOptions {
  mss = -1;
  wscale = -1;
  sackPerm = false;
  /** Number of SACK blocks and the offset of the first (each block is two 32-bit edges). */
  sackBlocks = 0;
  sackOff = -1;
  hasTimestamp = false;
  tsVal = 0;
  tsEcr = 0;
  /** False when an option's length was under 2 or ran past the header; fields seen before stay set. */
  wellFormed = true;

  reset(): void {
    this.mss = -1; this.wscale = -1; this.sackPerm = false; this.sackBlocks = 0; this.sackOff = -1;
    this.hasTimestamp = false; this.tsVal = 0; this.tsEcr = 0; this.wellFormed = true;
  }
}

/**
 * Parse the options of the TCP header at l4 (header length `hlen`, which the
 * caller has checked to be in range) into `o`. Like tcp_parse_options()
 * (net/ipv4/tcp_input.c), parsing stops at EOL, at a length under 2 and at an
 * option running past the header; an option whose length is not the one its
 * kind requires is ignored. Unlike the kernel it does not look at the SYN
 * flag: the caller decides which options apply. Returns o.wellFormed.
 */
export function parseTcpOptions(b: Uint8Array, l4: number, hlen: number, o: TcpOptions): boolean {
  o.reset();
  const end = l4 + hlen;
  let i = l4 + TCP_MIN_HLEN;
  while (i < end) {
    const kind = b[i];
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) { i++; continue; }
    if (i + 1 >= end) { o.wellFormed = false; break; }
    const len = b[i + 1];
    if (len < 2 || i + len > end) { o.wellFormed = false; break; }
    switch (kind) {
      case TCPOPT_MSS: if (len === TCPOLEN_MSS) o.mss = get16(b, i + 2); break;
      case TCPOPT_WINDOW: if (len === TCPOLEN_WINDOW) o.wscale = b[i + 2]; break;
      case TCPOPT_SACK_PERM: if (len === TCPOLEN_SACK_PERM) o.sackPerm = true; break;
      case TCPOPT_SACK:
        if (len >= 10 && ((len - 2) & 7) === 0) { o.sackBlocks = (len - 2) >> 3; o.sackOff = i + 2; }
        break;
      case TCPOPT_TIMESTAMP:
        if (len === TCPOLEN_TIMESTAMP) { o.hasTimestamp = true; o.tsVal = get32(b, i + 2); o.tsEcr = get32(b, i + 6); }
        break;
      default: break;
    }
    i += len;
  }
  return o.wellFormed;
}

/**
 * Offset of the MSS option in the TCP header at l4 (header length hlen), or
 * -1. Walks the options as xt_TCPMSS's tcpmss_mangle_packet() does: an
 * option counts as MSS only with kind 2 and length 4, kinds 0 and 1 and a
 * zero length byte advance by one, and the walk ends when fewer than 4
 * bytes are left (so it does not stop at EOL).
 */
export function tcpFindMss(b: Uint8Array, l4: number, hlen: number): number {
  for (let i = TCP_MIN_HLEN; i <= hlen - TCPOLEN_MSS;) {
    const p = l4 + i;
    if (b[p] === TCPOPT_MSS && b[p + 1] === TCPOLEN_MSS) return p;
    i += b[p] <= TCPOPT_NOP || b[p + 1] === 0 ? 1 : b[p + 1];
  }
  return -1;
}

/** The MSS value of the option at `opt` (from tcpFindMss). */
export function tcpGetMss(b: Uint8Array, opt: number): number { return get16(b, opt + 2); }

/**
 * Set the MSS option at `opt` to `mss` and patch the TCP checksum at l4+16
 * incrementally, as xt_TCPMSS does (inet_proto_csum_replace2 with the old
 * and new values as one 16-bit word). The kernel applies it as if the value
 * were 16-bit aligned in the segment; when the option sits at an odd offset
 * the result is what the kernel writes, not a correct checksum.
 */
export function tcpSetMss(b: Uint8Array, l4: number, opt: number, mss: number): void {
  const old = get16(b, opt + 2);
  put16(b, opt + 2, mss);
  put16(b, l4 + 16, csumReplace16(get16(b, l4 + 16), old, mss));
}

/** Parameters for buildTcpHeader; keep one object and reuse it. */
export interface TcpHeaderSpec {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  urgPtr: number;
  /** Option bytes (a multiple of 4, at most 40) or null. */
  options: Uint8Array | null;
}

/** Write a TCP header at b[l4] with a zero checksum. Returns the header length. */
export function buildTcpHeader(b: Uint8Array, l4: number, s: TcpHeaderSpec): number {
  const hlen = TCP_MIN_HLEN + (s.options === null ? 0 : s.options.length);
  put16(b, l4, s.sport);
  put16(b, l4 + 2, s.dport);
  put32(b, l4 + 4, s.seq >>> 0);
  put32(b, l4 + 8, s.ack >>> 0);
  b[l4 + 12] = (hlen >> 2) << 4;
  b[l4 + 13] = s.flags;
  put16(b, l4 + 14, s.window);
  put16(b, l4 + 16, 0);
  put16(b, l4 + 18, s.urgPtr);
  if (s.options !== null) b.set(s.options, l4 + TCP_MIN_HLEN);
  return hlen;
}
