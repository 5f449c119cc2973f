/**
 * Builders against scapy: each packet is built into a dirty buffer at an
 * offset and compared byte for byte with the scapy-made reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6, buildUdp4, buildUdp6, type IcmpSpec, type PayloadSpec } from './build';
import { buildEthernet, EthernetHeader, parseEthernet } from './ethernet';
import { FIX, hex, toHex } from './fixtures';
import { IP_DF, type IPv4HeaderSpec } from './ipv4';
import type { IPv6HeaderSpec } from './ipv6';
import { PacketView, WireError } from './packet';
import { TCP_ACK, TCP_RST, type TcpHeaderSpec } from './tcp';

const A6 = hex('20010db8000000000000000000000001');
const B6 = hex('20010db8000000010000000000000002');

function dirty(n: number): Uint8Array { return new Uint8Array(n).fill(0xa5); }
function ip4(tos: number, id: number, fragWord: number, ttl: number, saddr: number, daddr: number): IPv4HeaderSpec {
  return { tos, id, fragWord, ttl, protocol: 0, saddr, daddr, options: null };
}
function ip6(src: Uint8Array, dst: Uint8Array, hopLimit: number, flowLabel = 0): IPv6HeaderSpec {
  return { trafficClass: 0, flowLabel, nexthdr: 0, hopLimit, src, srcOff: 0, dst, dstOff: 0 };
}
function payload(data: Uint8Array | null): PayloadSpec { return { data, off: 0, len: data === null ? 0 : data.length }; }

test('TCP RST|ACK over IPv4 (as REJECT --reject-with tcp-reset answers the SYN)', () => {
  const b = dirty(100);
  const tcp: TcpHeaderSpec = { sport: 80, dport: 40000, seq: 0, ack: 1001, flags: TCP_RST | TCP_ACK, window: 0, urgPtr: 0, options: null };
  const n = buildTcp4(b, 10, ip4(0, 0, IP_DF, 64, 0xc6336402, 0xc0000201), tcp, null);
  assert.equal(toHex(b, 10, n), FIX.build_rst4);
  assert.equal(b[9], 0xa5);
  assert.equal(b[10 + n], 0xa5);
});

test('UDP over IPv4 with payload', () => {
  const b = dirty(64);
  const n = buildUdp4(b, 0, ip4(0, 0x55aa, 0, 17, 0x0a000001, 0x0a000002), 1234, 5678, payload(Buffer.from('payload!')));
  assert.equal(toHex(b, 0, n), FIX.build_udp4);
});

test('ICMP port unreachable over IPv4 quoting a datagram', () => {
  const quote = hex(FIX.icmp4_port_unreach).subarray(28);
  const b = dirty(100);
  const icmp: IcmpSpec = { type: 3, code: 3, rest: 0 };
  const n = buildIcmp4(b, 0, ip4(0, 0x1111, 0, 64, 0xc6336409, 0xc0000202), icmp, payload(quote));
  assert.equal(toHex(b, 0, n), FIX.build_icmp4_unreach);
});

test('TCP RST over IPv6', () => {
  const b = dirty(80);
  const tcp: TcpHeaderSpec = { sport: 50000, dport: 443, seq: 1001, ack: 0, flags: TCP_RST, window: 0, urgPtr: 0, options: null };
  const n = buildTcp6(b, 0, ip6(B6, A6, 64), tcp, null);
  assert.equal(toHex(b, 0, n), FIX.build_rst6);
});

test('UDP over IPv6 with a flow label', () => {
  const b = dirty(80);
  const n = buildUdp6(b, 0, ip6(A6, B6, 255, 0xabcde), 547, 546, payload(Buffer.from('dhcp')));
  assert.equal(toHex(b, 0, n), FIX.build_udp6);
});

test('ICMPv6 administratively-prohibited quoting a packet, and an echo reply', () => {
  const quote = hex(FIX.icmp6_unreach_tcp).subarray(48);
  const b = dirty(200);
  let n = buildIcmp6(b, 0, ip6(A6, B6, 64), { type: 1, code: 1, rest: 0 }, payload(quote));
  assert.equal(toHex(b, 0, n), FIX.build_icmp6_unreach);
  n = buildIcmp6(b, 0, ip6(B6, A6, 64), { type: 129, code: 0, rest: (0x99 << 16) | 3 }, payload(Buffer.from('ping6')));
  assert.equal(toHex(b, 0, n), FIX.build_icmp6_echo_reply);
});

test('a TCP header with options round-trips through PacketView', () => {
  const b = dirty(120);
  const opts = Uint8Array.of(2, 4, 0x05, 0xb4, 1, 3, 3, 7);
  const tcp: TcpHeaderSpec = { sport: 1, dport: 2, seq: 0xffffffff, ack: 5, flags: 0x12, window: 1000, urgPtr: 0, options: opts };
  const n = buildTcp4(b, 0, ip4(0, 1, 0, 9, 0x01020304, 0x05060708), tcp, payload(Uint8Array.of(1, 2, 3)));
  const v = new PacketView();
  assert.equal(v.parse(b, 0, n), WireError.OK);
  assert.equal(v.seq, 0xffffffff);
  assert.equal(v.tcpHeaderLen, 28);
  assert.equal(v.payloadLen, 3);
  assert.ok(v.ipv4ChecksumOk());
  assert.ok(v.l4ChecksumOk());
});

test('Ethernet header build and parse, with and without a VLAN tag', () => {
  const frame = hex(FIX.eth_tcp4_syn);
  const b = dirty(14);
  buildEthernet(b, 0, frame, 0, frame, 6, 0x0800);
  assert.equal(toHex(b), toHex(frame, 0, 14));
  const h = new EthernetHeader();
  assert.equal(parseEthernet(frame, 0, frame.length, true, h), 14);
  assert.equal(h.ethertype, 0x0800);
  assert.equal(h.vlanCount, 0);
  assert.equal(h.vlanId, -1);
  assert.equal(toHex(frame, h.src, 6), '020000000001');
  assert.equal(toHex(frame, h.dst, 6), '020000000002');
  const tagged = hex(FIX.eth_vlan_tcp4_syn);
  assert.equal(parseEthernet(tagged, 0, tagged.length, true, h), 18);
  assert.equal(h.vlanId, 42);
  assert.equal(h.vlanCount, 1);
  assert.equal(parseEthernet(tagged, 0, 17, true, h), -1);
  assert.equal(parseEthernet(tagged, 0, 13, false, h), -1);
});
