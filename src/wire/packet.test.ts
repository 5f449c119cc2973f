/**
 * PacketView against scapy-made packets (fixtures.ts): every field the view
 * exposes is checked against the values the packet was built with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIX, hex, toHex } from './fixtures';
import { PacketView, WireError } from './packet';
import { l4Checksum } from './checksum';
import { TCP_ACK, TCP_PSH, TCP_SYN } from './tcp';

const view = new PacketView();

function ip4(b: Uint8Array, off: number): string { return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`; }

test('Ethernet + IPv4 + TCP SYN with options', () => {
  const b = hex(FIX.eth_tcp4_syn);
  assert.equal(view.parseFrame(b, 0, b.length), WireError.OK);
  assert.equal(view.l2, 0);
  assert.equal(view.ethertype, 0x0800);
  assert.equal(view.family, 4);
  assert.equal(view.l3, 14);
  assert.equal(view.l3HeaderLen, 20);
  assert.equal(view.ipEnd, b.length);
  assert.equal(view.l4, 34);
  assert.equal(view.proto, 6);
  assert.equal(ip4(b, view.srcOff), '192.0.2.1');
  assert.equal(ip4(b, view.dstOff), '198.51.100.2');
  assert.equal(view.src4(), 0xc0000201);
  assert.equal(view.dst4(), 0xc6336402);
  assert.equal(view.addrLen, 4);
  assert.equal(view.ttl, 64);
  assert.equal(view.tos, 0x10);
  assert.equal(view.ipId, 0x1234);
  assert.equal(view.dontFragment, true);
  assert.equal(view.isFragment, false);
  assert.equal(view.firstFragment, true);
  assert.equal(view.moreFragments, false);
  assert.equal(view.fragOffset, 0);
  assert.equal(view.hasPorts, true);
  assert.equal(view.sport, 40000);
  assert.equal(view.dport, 80);
  assert.equal(view.tcpFlags, TCP_SYN);
  assert.equal(view.seq, 1000);
  assert.equal(view.ack, 0);
  assert.equal(view.window, 64240);
  assert.equal(view.tcpHeaderLen, 40);
  assert.equal(view.payloadOff, b.length);
  assert.equal(view.payloadLen, 0);
  assert.equal(view.icmpType, -1);
  assert.ok(view.ipv4ChecksumOk());
  assert.ok(view.l4ChecksumOk());
  const mss = view.mssOffset();
  assert.equal(mss, 34 + 20);
  assert.equal((b[mss + 2] << 8) | b[mss + 3], 1460);
});

test('VLAN-tagged frame: tag skipped, same IP fields; without skipping it is not IP', () => {
  const b = hex(FIX.eth_vlan_tcp4_syn);
  assert.equal(view.parseFrame(b, 0, b.length, true), WireError.OK);
  assert.equal(view.l3, 18);
  assert.equal(view.sport, 40000);
  assert.equal(view.tcpHeaderLen, 40);
  assert.equal(view.parseFrame(b, 0, b.length, false), WireError.NOT_IP);
  assert.equal(view.ethertype, 0x8100);
});

test('IPv4 TCP with data, SACK and timestamps; sequence numbers above 2^31', () => {
  const b = hex(FIX.tcp4_ack_data);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.seq, 0xfffffff0);
  assert.equal(view.ack, 0x80000001);
  assert.equal(view.tcpFlags, TCP_PSH | TCP_ACK);
  assert.equal(view.window, 501);
  assert.equal(view.ttl, 63);
  assert.equal(view.dontFragment, false);
  assert.equal(view.tcpHeaderLen, 20 + 4 + 10 + 18);
  assert.equal(Buffer.from(b.subarray(view.payloadOff, view.payloadOff + view.payloadLen)).toString(), 'GET / HTTP/1.1\r\n\r\n');
  assert.equal(view.mssOffset(), -1);
  assert.ok(view.l4ChecksumOk());
});

test('IPv4 with a router-alert option and UDP', () => {
  const b = hex(FIX.udp4_ra);
  assert.equal(view.parse(b, 0, b.length, 4), WireError.OK);
  assert.equal(view.l3HeaderLen, 24);
  assert.equal(view.l4, 24);
  assert.equal(view.proto, 17);
  assert.equal(view.sport, 5353);
  assert.equal(view.dport, 5353);
  assert.equal(view.ttl, 1);
  assert.equal(ip4(b, view.dstOff), '224.0.0.22');
  assert.equal(Buffer.from(b.subarray(view.payloadOff, view.payloadOff + view.payloadLen)).toString(), 'hello');
  assert.ok(view.ipv4ChecksumOk());
  assert.ok(view.l4ChecksumOk());
  // Family mismatch is a version error.
  assert.equal(view.parse(b, 0, b.length, 6), WireError.BAD_VERSION);
});

test('ICMP echo request: type, code, id, seq', () => {
  const b = hex(FIX.icmp4_echo);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.proto, 1);
  assert.equal(view.icmpType, 8);
  assert.equal(view.icmpCode, 0);
  assert.equal(view.icmpId, 0x4242);
  assert.equal(view.icmpSeq, 7);
  assert.equal(view.icmpError, false);
  assert.equal(view.hasPorts, false);
  assert.equal(view.payloadLen, 8);
  assert.ok(view.l4ChecksumOk());
  assert.equal(view.parseInner(), null);
});

test('ICMP port unreachable: embedded IPv4/UDP header', () => {
  const b = hex(FIX.icmp4_port_unreach);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.icmpType, 3);
  assert.equal(view.icmpCode, 3);
  assert.equal(view.icmpId, -1);
  assert.equal(view.icmpError, true);
  assert.ok(view.l4ChecksumOk());
  const inner = view.parseInner();
  assert.ok(inner !== null);
  assert.equal(inner.error, WireError.OK);
  assert.equal(inner.embedded, true);
  assert.equal(inner.family, 4);
  assert.equal(inner.l3, 28);
  assert.equal(inner.proto, 17);
  assert.equal(ip4(b, inner.srcOff), '192.0.2.2');
  assert.equal(ip4(b, inner.dstOff), '198.51.100.9');
  assert.equal(inner.ipId, 99);
  assert.equal(inner.sport, 33000);
  assert.equal(inner.dport, 53);
  // The quote ends after 8 bytes of UDP although the inner tot_len says 48.
  assert.equal(inner.ipEnd, b.length);
  assert.ok(inner.ipv4ChecksumOk());
  assert.equal(view.inner, inner);
  // The same inner view object is reused.
  assert.equal(view.parseInner(), inner);
});

test('ICMP time exceeded quoting a whole TCP SYN; unreachable quoting an ICMP echo', () => {
  let b = hex(FIX.icmp4_ttl_exceeded_tcp);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.icmpType, 11);
  let inner = view.parseInner();
  assert.ok(inner !== null && inner.error === WireError.OK);
  assert.equal(inner.proto, 6);
  assert.equal(inner.sport, 40001);
  assert.equal(inner.dport, 22);
  assert.equal(inner.seq, 555);
  assert.equal(inner.tcpFlags, TCP_SYN);
  assert.equal(inner.ttl, 1);

  b = hex(FIX.icmp4_unreach_icmp);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.icmpCode, 1);
  inner = view.parseInner();
  assert.ok(inner !== null && inner.error === WireError.OK);
  assert.equal(inner.proto, 1);
  assert.equal(inner.icmpType, 8);
  assert.equal(inner.icmpId, 0x77);
  assert.equal(inner.icmpSeq, 1);
});

test('IPv4 fragments: later fragment has no transport header; first one does', () => {
  let b = hex(FIX.ip4_frag_later);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.isFragment, true);
  assert.equal(view.moreFragments, true);
  assert.equal(view.fragOffset, 185 * 8);
  assert.equal(view.firstFragment, false);
  assert.equal(view.proto, 17);
  assert.equal(view.hasPorts, false);
  assert.equal(view.payloadOff, 20);
  assert.equal(view.payloadLen, 16);
  assert.equal(view.ipId, 0x4321);

  b = hex(FIX.ip4_frag_first);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.isFragment, true);
  assert.equal(view.moreFragments, true);
  assert.equal(view.firstFragment, true);
  assert.equal(view.fragOffset, 0);
  assert.equal(view.sport, 1000);
  assert.equal(view.dport, 2000);
});

test('Ethernet + IPv6 + TCP SYN-ACK', () => {
  const b = hex(FIX.eth_tcp6_synack);
  assert.equal(view.parseFrame(b, 0, b.length), WireError.OK);
  assert.equal(view.ethertype, 0x86dd);
  assert.equal(view.family, 6);
  assert.equal(view.l3, 14);
  assert.equal(view.l4, 54);
  assert.equal(view.addrLen, 16);
  assert.equal(toHex(b, view.srcOff, 16), '20010db8000000000000000000000001');
  assert.equal(toHex(b, view.dstOff, 16), '20010db8000000010000000000000002');
  assert.equal(view.ttl, 64);
  assert.equal(view.tos, 0x20);
  assert.equal(view.proto, 6);
  assert.equal(view.sport, 443);
  assert.equal(view.dport, 50000);
  assert.equal(view.seq, 7);
  assert.equal(view.ack, 1001);
  assert.equal(view.tcpFlags, TCP_SYN | TCP_ACK);
  assert.equal(view.window, 65535);
  assert.equal(view.tcpHeaderLen, 24);
  assert.equal(view.isFragment, false);
  assert.ok(view.l4ChecksumOk());
  assert.ok(view.ipv4ChecksumOk());
  const m = view.mssOffset();
  assert.equal((b[m + 2] << 8) | b[m + 3], 1440);
});

test('IPv6 hop-by-hop, routing and destination options before UDP', () => {
  const b = hex(FIX.ip6_exthdrs_udp);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.proto, 17);
  assert.equal(view.l4, 40 + 8 + 24 + 8);
  assert.equal(view.sport, 1111);
  assert.equal(view.dport, 2222);
  assert.equal(Buffer.from(b.subarray(view.payloadOff, view.payloadOff + view.payloadLen)).toString(), 'data');
  // The sender (scapy) sums the final destination, the routing header's last
  // address (RFC 8200 8.1); the view, like nf_ip6_checksum, sums the header's
  // destination, which only equals it once the segments are used up.
  assert.equal(view.l4ChecksumOk(), false);
  const rhAddr = 48 + 8;
  assert.equal(toHex(b, rhAddr, 16), '20010db8000000000000000000000099');
  assert.equal(l4Checksum(b, 6, view.srcOff, rhAddr, 17, view.l4, view.ipEnd - view.l4), 0);
});

test('IPv6 fragments: first carries UDP ports, later one does not', () => {
  let b = hex(FIX.ip6_frag_first);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.isFragment, true);
  assert.equal(view.fragHdr, 40);
  assert.equal(view.moreFragments, true);
  assert.equal(view.firstFragment, true);
  assert.equal(view.ipId, 0xdeadbeef);
  assert.equal(view.proto, 17);
  assert.equal(view.l4, 48);
  assert.equal(view.sport, 3000);
  assert.equal(view.dport, 4000);

  b = hex(FIX.ip6_frag_later);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.isFragment, true);
  assert.equal(view.moreFragments, false);
  assert.equal(view.firstFragment, false);
  assert.equal(view.fragOffset, 154 * 8);
  assert.equal(view.proto, 17);
  assert.equal(view.hasPorts, false);
  assert.equal(view.l4, 48);
  assert.equal(view.payloadLen, 16);
});

test('IPv6 AH is skipped to reach TCP; no-next-header gives protocol 59', () => {
  let b = hex(FIX.ip6_ah_tcp);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.proto, 6);
  assert.equal(view.l4, 40 + 24);
  assert.equal(view.sport, 1);
  assert.equal(view.dport, 2);
  assert.equal(view.tcpFlags, TCP_ACK);
  b = hex(FIX.ip6_nonext);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.proto, 59);
  assert.equal(view.l4, 40);
  assert.equal(view.payloadLen, 0);
});

test('ICMPv6 echo, neighbour solicitation, and an error quoting IPv6/TCP', () => {
  let b = hex(FIX.icmp6_echo);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.proto, 58);
  assert.equal(view.icmpType, 128);
  assert.equal(view.icmpId, 0x99);
  assert.equal(view.icmpSeq, 3);
  assert.equal(view.icmpError, false);
  assert.ok(view.l4ChecksumOk());

  b = hex(FIX.icmp6_ns);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.icmpType, 135);
  assert.equal(view.icmpId, -1);
  assert.equal(view.ttl, 255);
  assert.ok(view.l4ChecksumOk());

  b = hex(FIX.icmp6_unreach_tcp);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.icmpType, 1);
  assert.equal(view.icmpCode, 4);
  assert.equal(view.icmpError, true);
  assert.ok(view.l4ChecksumOk());
  const inner = view.parseInner();
  assert.ok(inner !== null && inner.error === WireError.OK);
  assert.equal(inner.family, 6);
  assert.equal(inner.l3, 48);
  assert.equal(toHex(b, inner.srcOff, 16), '20010db8000000010000000000000002');
  assert.equal(inner.proto, 6);
  assert.equal(inner.sport, 2000);
  assert.equal(inner.dport, 3000);
  assert.equal(inner.seq, 42);
  assert.equal(inner.tcpFlags, TCP_SYN);
});

test('checksum failures are reported, not thrown', () => {
  const b = hex(FIX.tcp4_syn);
  b[view.parse(b, 0, b.length) === WireError.OK ? 8 : 0] ^= 1; // TTL: IP checksum now wrong
  assert.equal(view.ipv4ChecksumOk(), false);
  b[8] ^= 1;
  b[b.length - 1] ^= 0x40; // last option byte: TCP checksum wrong
  assert.equal(view.ipv4ChecksumOk(), true);
  assert.equal(view.l4ChecksumOk(), false);
  view.setL4Checksum();
  assert.equal(view.l4ChecksumOk(), true);
});

test('trailing bytes past the IP total length (Ethernet padding) are ignored', () => {
  const s = hex(FIX.ip6_nonext);
  const b = new Uint8Array(s.length + 6);
  b.set(s);
  assert.equal(view.parse(b, 0, b.length), WireError.OK);
  assert.equal(view.ipEnd, s.length);
  const t = hex(FIX.icmp4_echo);
  const p = new Uint8Array(t.length + 10);
  p.set(t);
  assert.equal(view.parse(p, 0, p.length), WireError.OK);
  assert.equal(view.ipEnd, t.length);
  assert.equal(view.payloadLen, 8);
  assert.ok(view.l4ChecksumOk());
});

test('parsing at an offset inside a larger buffer', () => {
  const s = hex(FIX.tcp6_synack);
  const b = new Uint8Array(s.length + 100);
  b.set(s, 37);
  assert.equal(view.parse(b, 37, s.length), WireError.OK);
  assert.equal(view.l3, 37);
  assert.equal(view.l4, 77);
  assert.equal(view.sport, 443);
  assert.ok(view.l4ChecksumOk());
});
