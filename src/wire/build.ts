/**
 * Packet builders: a whole IPv4/IPv6 packet with a TCP, UDP or ICMP/ICMPv6
 * transport header and payload, checksums included, written into a buffer
 * the caller provides. Used by REJECT (TCP RST, ICMP errors) and by tests.
 * The specs are plain objects the caller can keep and reuse.
 */
import { checksum, l4Checksum, put16 } from './checksum';
import { ICMP_HLEN } from './icmp';
import { buildIPv4Header, type IPv4HeaderSpec } from './ipv4';
import { buildIPv6Header, IPV6_HLEN, type IPv6HeaderSpec } from './ipv6';
import { buildTcpHeader, type TcpHeaderSpec } from './tcp';
import { buildUdpHeader, CSUM_MANGLED_0, UDP_HLEN } from './udp';

/** The transport payload: bytes data[off, off+len), or none when data is null. */
export interface PayloadSpec {
  data: Uint8Array | null;
  off: number;
  len: number;
}

/** ICMP/ICMPv6 header: type, code and the 32-bit rest-of-header word (id<<16|seq for echo, MTU, pointer<<24). */
export interface IcmpSpec {
  type: number;
  code: number;
  rest: number;
}

function payloadLen(p: PayloadSpec | null): number {
  return p === null || p.data === null ? 0 : p.len;
}

function copyPayload(b: Uint8Array, at: number, p: PayloadSpec | null): void {
  if (p === null || p.data === null) return;
  for (let i = 0; i < p.len; i++) b[at + i] = p.data[p.off + i];
}

function tcpLen(t: TcpHeaderSpec): number {
  return 20 + (t.options === null ? 0 : t.options.length);
}

// --- IPv4 ----------------------------------------------------------------------

/** IPv4 + TCP at b[off]; ip.protocol is set to 6. Returns the packet length. */
export function buildTcp4(b: Uint8Array, off: number, ip: IPv4HeaderSpec, tcp: TcpHeaderSpec, p: PayloadSpec | null): number {
  ip.protocol = 6;
  const l4len = tcpLen(tcp) + payloadLen(p);
  const hl = buildIPv4Header(b, off, ip, l4len);
  const l4 = off + hl;
  const th = buildTcpHeader(b, l4, tcp);
  copyPayload(b, l4 + th, p);
  put16(b, l4 + 16, l4Checksum(b, 4, off + 12, off + 16, 6, l4, l4len));
  return hl + l4len;
}

/**
 * IPv4 + UDP at b[off]; ip.protocol is set to 17. With `withChecksum`
 * false the checksum stays 0 (none, allowed over IPv4). Returns the length.
 */
export function buildUdp4(b: Uint8Array, off: number, ip: IPv4HeaderSpec, sport: number, dport: number, p: PayloadSpec | null, withChecksum = true): number {
  ip.protocol = 17;
  const l4len = UDP_HLEN + payloadLen(p);
  const hl = buildIPv4Header(b, off, ip, l4len);
  const l4 = off + hl;
  buildUdpHeader(b, l4, sport, dport, payloadLen(p));
  copyPayload(b, l4 + UDP_HLEN, p);
  if (withChecksum) {
    const c = l4Checksum(b, 4, off + 12, off + 16, 17, l4, l4len);
    put16(b, l4 + 6, c === 0 ? CSUM_MANGLED_0 : c);
  }
  return hl + l4len;
}

/** IPv4 + ICMP at b[off]; ip.protocol is set to 1. The body (e.g. a quoted datagram) is the payload. */
export function buildIcmp4(b: Uint8Array, off: number, ip: IPv4HeaderSpec, icmp: IcmpSpec, p: PayloadSpec | null): number {
  ip.protocol = 1;
  const l4len = ICMP_HLEN + payloadLen(p);
  const hl = buildIPv4Header(b, off, ip, l4len);
  const l4 = off + hl;
  writeIcmpHeader(b, l4, icmp);
  copyPayload(b, l4 + ICMP_HLEN, p);
  put16(b, l4 + 2, checksum(b, l4, l4len));
  return hl + l4len;
}

// --- IPv6 ----------------------------------------------------------------------

/** IPv6 + TCP at b[off]; ip.nexthdr is set to 6. Returns the packet length. */
export function buildTcp6(b: Uint8Array, off: number, ip: IPv6HeaderSpec, tcp: TcpHeaderSpec, p: PayloadSpec | null): number {
  ip.nexthdr = 6;
  const l4len = tcpLen(tcp) + payloadLen(p);
  buildIPv6Header(b, off, ip, l4len);
  const l4 = off + IPV6_HLEN;
  const th = buildTcpHeader(b, l4, tcp);
  copyPayload(b, l4 + th, p);
  put16(b, l4 + 16, l4Checksum(b, 6, off + 8, off + 24, 6, l4, l4len));
  return IPV6_HLEN + l4len;
}

/** IPv6 + UDP at b[off]; ip.nexthdr is set to 17. The checksum is mandatory over IPv6. */
export function buildUdp6(b: Uint8Array, off: number, ip: IPv6HeaderSpec, sport: number, dport: number, p: PayloadSpec | null): number {
  ip.nexthdr = 17;
  const l4len = UDP_HLEN + payloadLen(p);
  buildIPv6Header(b, off, ip, l4len);
  const l4 = off + IPV6_HLEN;
  buildUdpHeader(b, l4, sport, dport, payloadLen(p));
  copyPayload(b, l4 + UDP_HLEN, p);
  const c = l4Checksum(b, 6, off + 8, off + 24, 17, l4, l4len);
  put16(b, l4 + 6, c === 0 ? CSUM_MANGLED_0 : c);
  return IPV6_HLEN + l4len;
}

/** IPv6 + ICMPv6 at b[off]; ip.nexthdr is set to 58; the checksum includes the pseudo header. */
export function buildIcmp6(b: Uint8Array, off: number, ip: IPv6HeaderSpec, icmp: IcmpSpec, p: PayloadSpec | null): number {
  ip.nexthdr = 58;
  const l4len = ICMP_HLEN + payloadLen(p);
  buildIPv6Header(b, off, ip, l4len);
  const l4 = off + IPV6_HLEN;
  writeIcmpHeader(b, l4, icmp);
  copyPayload(b, l4 + ICMP_HLEN, p);
  put16(b, l4 + 2, l4Checksum(b, 6, off + 8, off + 24, 58, l4, l4len));
  return IPV6_HLEN + l4len;
}

function writeIcmpHeader(b: Uint8Array, l4: number, s: IcmpSpec): void {
  b[l4] = s.type;
  b[l4 + 1] = s.code;
  put16(b, l4 + 2, 0);
  const r = s.rest >>> 0;
  b[l4 + 4] = r >>> 24; b[l4 + 5] = (r >>> 16) & 0xff; b[l4 + 6] = (r >>> 8) & 0xff; b[l4 + 7] = r & 0xff;
}
