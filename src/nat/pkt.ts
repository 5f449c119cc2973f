/** Packet builders and readers for the NAT tests (test support). */
import assert from 'node:assert/strict';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6, buildUdp4, buildUdp6 } from '../wire/build';
import { PacketView, WireError } from '../wire/packet';
import { parseIp } from '../host/prefix';
import { fmt } from '../host/prefix';

export const n4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
const ip4 = (src: string, dst: string) => ({ tos: 0, id: 1, fragWord: 0, ttl: 64, protocol: 0, saddr: n4(src), daddr: n4(dst), options: null });
const ip6 = (src: string, dst: string, nexthdr: number) => ({
  trafficClass: 0, flowLabel: 0, nexthdr, hopLimit: 64, src: parseIp(6, src)!, srcOff: 0, dst: parseIp(6, dst)!, dstOff: 0,
});
const tcpSpec = (sport: number, dport: number, flags: number, seq: number, ack: number) =>
  ({ sport, dport, seq, ack, flags, window: 29200, urgPtr: 0, options: null });

export function tcp4(src: string, dst: string, sport: number, dport: number, flags: number, seq = 1000, ack = 0): Uint8Array {
  const b = new Uint8Array(200);
  return b.slice(0, buildTcp4(b, 0, ip4(src, dst), tcpSpec(sport, dport, flags, seq, ack), null));
}

export function udp4(src: string, dst: string, sport: number, dport: number, withChecksum = true): Uint8Array {
  const b = new Uint8Array(200);
  const data = new TextEncoder().encode('hello');
  return b.slice(0, buildUdp4(b, 0, ip4(src, dst), sport, dport, { data, off: 0, len: data.length }, withChecksum));
}

export function icmp4(src: string, dst: string, type: number, code: number, rest: number, quote: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(600);
  const p = quote === null ? null : { data: quote, off: 0, len: quote.length };
  return b.slice(0, buildIcmp4(b, 0, ip4(src, dst), { type, code, rest }, p));
}

export function udp6(src: string, dst: string, sport: number, dport: number): Uint8Array {
  const b = new Uint8Array(200);
  const data = new TextEncoder().encode('x');
  return b.slice(0, buildUdp6(b, 0, ip6(src, dst, 17), sport, dport, { data, off: 0, len: data.length }));
}

export function tcp6(src: string, dst: string, sport: number, dport: number, flags: number, seq = 1000, ack = 0): Uint8Array {
  const b = new Uint8Array(200);
  return b.slice(0, buildTcp6(b, 0, ip6(src, dst, 6), tcpSpec(sport, dport, flags, seq, ack), null));
}

export function icmp6(src: string, dst: string, type: number, code: number, rest: number, quote: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(600);
  const p = quote === null ? null : { data: quote, off: 0, len: quote.length };
  return b.slice(0, buildIcmp6(b, 0, ip6(src, dst, 58), { type, code, rest }, p));
}

/** A parsed copy of a packet whose checksums (IP header and transport) must be right. */
export function parsed(bytes: Uint8Array): PacketView {
  const v = new PacketView();
  assert.equal(v.parse(bytes, 0, bytes.length), WireError.OK);
  assert.ok(v.ipv4ChecksumOk(), 'IPv4 header checksum');
  assert.ok(v.l4ChecksumOk(), 'transport checksum');
  return v;
}

export function srcOf(v: PacketView): string { return fmt(v.buf.slice(v.srcOff, v.srcOff + v.addrLen)); }
export function dstOf(v: PacketView): string { return fmt(v.buf.slice(v.dstOff, v.dstOff + v.addrLen)); }
