/**
 * ICMP for IPv4 (RFC 792). Errors carry the offending datagram's IP header
 * plus at least 8 bytes of its payload (RFC 792; RFC 1812 4.3.2.3 allows
 * more), which conntrack uses to find the RELATED connection
 * (nf_conntrack_proto_icmp.c) and NAT rewrites (nf_nat_proto.c).
 */
import { checksum, get16, put16, put32 } from './checksum';

export const ICMP_HLEN = 8;

export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_ROUTERADVERT = 9;
export const ICMP_ROUTERSOLICIT = 10;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAMETERPROB = 12;
export const ICMP_TIMESTAMP = 13;
export const ICMP_TIMESTAMPREPLY = 14;
export const ICMP_INFO_REQUEST = 15;
export const ICMP_INFO_REPLY = 16;
export const ICMP_ADDRESS = 17;
export const ICMP_ADDRESSREPLY = 18;

/** Destination-unreachable codes (include/uapi/linux/icmp.h), the ones REJECT sends among them. */
export const ICMP_NET_UNREACH = 0;
export const ICMP_HOST_UNREACH = 1;
export const ICMP_PROT_UNREACH = 2;
export const ICMP_PORT_UNREACH = 3;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_ANO = 9;
export const ICMP_HOST_ANO = 10;
export const ICMP_PKT_FILTERED = 13;

export function icmpType(b: Uint8Array, l4: number): number { return b[l4]; }
export function icmpCode(b: Uint8Array, l4: number): number { return b[l4 + 1]; }
export function icmpCheck(b: Uint8Array, l4: number): number { return get16(b, l4 + 2); }
/** Identifier and sequence of echo/timestamp/info/address-mask messages. */
export function icmpId(b: Uint8Array, l4: number): number { return get16(b, l4 + 4); }
export function icmpSeq(b: Uint8Array, l4: number): number { return get16(b, l4 + 6); }

/** The error types (icmp_is_err() in include/linux/icmp.h). */
export function icmpIsError(type: number): boolean {
  return type === ICMP_DEST_UNREACH || type === ICMP_SOURCE_QUENCH || type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED || type === ICMP_PARAMETERPROB;
}

/**
 * The query types conntrack tracks by id, with the reply type each expects
 * (invmap in nf_conntrack_proto_icmp.c); -1 for any other type.
 */
export function icmpReplyType(type: number): number {
  switch (type) {
    case ICMP_ECHO: return ICMP_ECHOREPLY;
    case ICMP_ECHOREPLY: return ICMP_ECHO;
    case ICMP_TIMESTAMP: return ICMP_TIMESTAMPREPLY;
    case ICMP_TIMESTAMPREPLY: return ICMP_TIMESTAMP;
    case ICMP_INFO_REQUEST: return ICMP_INFO_REPLY;
    case ICMP_INFO_REPLY: return ICMP_INFO_REQUEST;
    case ICMP_ADDRESS: return ICMP_ADDRESSREPLY;
    case ICMP_ADDRESSREPLY: return ICMP_ADDRESS;
    default: return -1;
  }
}

/** True for the types whose header carries an identifier (the tracked query/reply pairs). */
export function icmpHasId(type: number): boolean { return icmpReplyType(type) >= 0; }

/** Offset of the datagram embedded in an error message. */
export function icmpInnerOffset(l4: number): number { return l4 + ICMP_HLEN; }

/**
 * Write an ICMP header: type, code and the 32-bit "rest of header" (id<<16|seq
 * for echo, the unused word/MTU for unreachables, pointer<<24 for parameter
 * problems, gateway for redirects). The message body must already be at
 * b[l4+8, l4+len); the checksum covers header and body (RFC 792).
 */
export function buildIcmpHeader(b: Uint8Array, l4: number, type: number, code: number, rest: number, len: number): number {
  b[l4] = type;
  b[l4 + 1] = code;
  put16(b, l4 + 2, 0);
  put32(b, l4 + 4, rest >>> 0);
  put16(b, l4 + 2, checksum(b, l4, len));
  return ICMP_HLEN;
}

/** True when the ICMP checksum over b[l4, l4+len) is correct. */
export function icmpChecksumOk(b: Uint8Array, l4: number, len: number): boolean {
  return checksum(b, l4, len) === 0;
}
