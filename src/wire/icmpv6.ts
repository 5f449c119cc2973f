/**
 * ICMPv6 (RFC 4443) and the neighbour-discovery types (RFC 4861). Unlike
 * ICMP for IPv4 its checksum includes the IPv6 pseudo header. Errors embed
 * as much of the offending packet as fits in the minimum MTU.
 */
import { get16 } from './checksum';

export const ICMPV6_HLEN = 8;

export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PKT_TOOBIG = 2;
export const ICMPV6_TIME_EXCEED = 3;
export const ICMPV6_PARAMPROB = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_MGM_QUERY = 130;
export const ICMPV6_MGM_REPORT = 131;
export const ICMPV6_MGM_REDUCTION = 132;
export const NDISC_ROUTER_SOLICITATION = 133;
export const NDISC_ROUTER_ADVERTISEMENT = 134;
export const NDISC_NEIGHBOUR_SOLICITATION = 135;
export const NDISC_NEIGHBOUR_ADVERTISEMENT = 136;
export const NDISC_REDIRECT = 137;
export const ICMPV6_MLD2_REPORT = 143;
export const ICMPV6_NI_QUERY = 139;
export const ICMPV6_NI_REPLY = 140;

/** Destination-unreachable codes (include/uapi/linux/icmpv6.h). */
export const ICMPV6_NOROUTE = 0;
export const ICMPV6_ADM_PROHIBITED = 1;
export const ICMPV6_NOT_NEIGHBOUR = 2;
export const ICMPV6_ADDR_UNREACH = 3;
export const ICMPV6_PORT_UNREACH = 4;
export const ICMPV6_POLICY_FAIL = 5;
export const ICMPV6_REJECT_ROUTE = 6;

export function icmpv6Type(b: Uint8Array, l4: number): number { return b[l4]; }
export function icmpv6Code(b: Uint8Array, l4: number): number { return b[l4 + 1]; }
export function icmpv6Check(b: Uint8Array, l4: number): number { return get16(b, l4 + 2); }
export function icmpv6Id(b: Uint8Array, l4: number): number { return get16(b, l4 + 4); }
export function icmpv6Seq(b: Uint8Array, l4: number): number { return get16(b, l4 + 6); }

/** Error messages have the high bit of the type clear (ICMPV6_INFOMSG_MASK, RFC 4443 2.1). */
export function icmpv6IsError(type: number): boolean { return (type & 0x80) === 0; }

/** Neighbour discovery and redirect types (RFC 4861 4). */
export function icmpv6IsNdisc(type: number): boolean { return type >= NDISC_ROUTER_SOLICITATION && type <= NDISC_REDIRECT; }

/**
 * The query types conntrack tracks by id with their reply type (invmap in
 * nf_conntrack_proto_icmpv6.c: echo and node information); -1 otherwise.
 */
export function icmpv6ReplyType(type: number): number {
  switch (type) {
    case ICMPV6_ECHO_REQUEST: return ICMPV6_ECHO_REPLY;
    case ICMPV6_ECHO_REPLY: return ICMPV6_ECHO_REQUEST;
    case ICMPV6_NI_QUERY: return ICMPV6_NI_REPLY;
    case ICMPV6_NI_REPLY: return ICMPV6_NI_QUERY;
    default: return -1;
  }
}

/** True for the types whose header carries an identifier conntrack uses. */
export function icmpv6HasId(type: number): boolean { return icmpv6ReplyType(type) >= 0; }

/** Offset of the packet embedded in an error message. */
export function icmpv6InnerOffset(l4: number): number { return l4 + ICMPV6_HLEN; }
