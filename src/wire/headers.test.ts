/**
 * Protocol helpers: the IPv6 extension-header walkers with the kernel's
 * ipv6_skip_exthdr/ipv6_find_hdr semantics, IPv4 options, TCP options and
 * the xt_TCPMSS option walk, ICMP type classes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIX, hex } from './fixtures';
import { icmpHasId, icmpIsError, icmpReplyType } from './icmp';
import { icmpv6IsError, icmpv6IsNdisc, icmpv6ReplyType } from './icmpv6';
import { IPOPT_RA, IPOPT_RR, ipv4DF, ipv4FindOption, ipv4FragOffset, ipv4HeaderLen, ipv4Id, ipv4IsFragment, ipv4MF, ipv4OptionsWellFormed, ipv4Protocol, ipv4TotalLen, ipv4Ttl } from './ipv4';
import {
  ExtHdrWalk, FindHdrResult, FINDHDR_EBADMSG, FINDHDR_ENOENT, IP6_FH_F_AUTH, IP6_FH_F_FRAG, IP6_FH_F_SKIP_RH, ipv6FindHdr, ipv6FlowLabel, ipv6FragId,
  ipv6HopLimit, ipv6NextHeader, ipv6PayloadLen, ipv6SkipExthdr, ipv6TrafficClass, NEXTHDR_AUTH, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_ROUTING,
} from './ipv6';
import { parseTcpOptions, tcpFindMss, TcpOptions } from './tcp';

const walk = new ExtHdrWalk();
const fh = new FindHdrResult();

test('IPv4 accessors on a scapy header', () => {
  const b = hex(FIX.udp4_ra);
  assert.equal(ipv4HeaderLen(b, 0), 24);
  assert.equal(ipv4TotalLen(b, 0), b.length);
  assert.equal(ipv4Id(b, 0), 1);
  assert.equal(ipv4Ttl(b, 0), 1);
  assert.equal(ipv4Protocol(b, 0), 17);
  assert.equal(ipv4DF(b, 0), false);
  assert.equal(ipv4FindOption(b, 0, IPOPT_RA), 20);
  assert.equal(ipv4FindOption(b, 0, IPOPT_RR), -1);
  assert.ok(ipv4OptionsWellFormed(b, 0));
  b[21] = 9; // RA length now runs past the header
  assert.equal(ipv4FindOption(b, 0, IPOPT_RA), -2);
  assert.equal(ipv4OptionsWellFormed(b, 0), false);
  const f = hex(FIX.ip4_frag_later);
  assert.equal(ipv4MF(f, 0), true);
  assert.equal(ipv4FragOffset(f, 0), 1480);
  assert.ok(ipv4IsFragment(f, 0));
});

test('IPv6 fixed header accessors', () => {
  const b = hex(FIX.tcp6_synack);
  assert.equal(ipv6TrafficClass(b, 0), 0x20);
  assert.equal(ipv6FlowLabel(b, 0), 0x12345);
  assert.equal(ipv6PayloadLen(b, 0), b.length - 40);
  assert.equal(ipv6NextHeader(b, 0), 6);
  assert.equal(ipv6HopLimit(b, 0), 64);
});

test('ipv6_skip_exthdr: hop-by-hop, routing, destination options, AH', () => {
  let b = hex(FIX.ip6_exthdrs_udp);
  assert.equal(ipv6SkipExthdr(b, 40, b.length, NEXTHDR_HOP, walk), 80);
  assert.equal(walk.nexthdr, 17);
  assert.equal(walk.fragWord, 0);
  assert.equal(walk.count, 3);
  b = hex(FIX.ip6_ah_tcp);
  assert.equal(ipv6SkipExthdr(b, 40, b.length, NEXTHDR_AUTH, walk), 64);
  assert.equal(walk.nexthdr, 6);
  // A count limit (recent kernels: 12) stops the walk.
  assert.equal(ipv6SkipExthdr(hex(FIX.ip6_exthdrs_udp), 40, 200, NEXTHDR_HOP, walk, 2), -1);
});

test('ipv6_skip_exthdr and ipv6_find_hdr differ on fragments and "no next header"', () => {
  // First fragment: both skip the fragment header.
  let b = hex(FIX.ip6_frag_first);
  assert.equal(ipv6SkipExthdr(b, 40, b.length, NEXTHDR_FRAGMENT, walk), 48);
  assert.equal(walk.nexthdr, 17);
  assert.equal(walk.fragWord, 1); // offset 0, M flag
  assert.equal(ipv6FindHdr(b, 0, b.length, -1, 0, fh), 17);
  assert.equal(fh.offset, 48);
  assert.equal(fh.flags & IP6_FH_F_FRAG, IP6_FH_F_FRAG);
  assert.equal(ipv6FragId(b, 40), 0xdeadbeef);
  // Later fragment: skip_exthdr stops AT the fragment header (type 44), find_hdr reports its next header.
  b = hex(FIX.ip6_frag_later);
  assert.equal(ipv6SkipExthdr(b, 40, b.length, NEXTHDR_FRAGMENT, walk), 40);
  assert.equal(walk.nexthdr, NEXTHDR_FRAGMENT);
  assert.equal(walk.fragWord & ~7, 154 * 8);
  assert.equal(ipv6FindHdr(b, 0, b.length, -1, 0, fh), 17);
  assert.equal(fh.fragOff, 154 * 8);
  // Searching for the fragment header itself finds it.
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_FRAGMENT, 0, fh), NEXTHDR_FRAGMENT);
  assert.equal(fh.offset, 40);
  // ...but a later fragment hides what follows it.
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_DEST, 0, fh), FINDHDR_ENOENT);
  // NEXTHDR_NONE: skip_exthdr fails, find_hdr returns 59.
  b = hex(FIX.ip6_nonext);
  assert.equal(ipv6SkipExthdr(b, 40, b.length, 59, walk), -1);
  assert.equal(ipv6FindHdr(b, 0, b.length, -1, 0, fh), 59);
  assert.equal(fh.offset, 40);
});

test('ipv6_find_hdr: targets, IP6_FH_F_AUTH, IP6_FH_F_SKIP_RH, truncation', () => {
  let b = hex(FIX.ip6_exthdrs_udp);
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_ROUTING, 0, fh), NEXTHDR_ROUTING);
  assert.equal(fh.offset, 48);
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_DEST, 0, fh), NEXTHDR_DEST);
  assert.equal(fh.offset, 72);
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_AUTH, 0, fh), FINDHDR_ENOENT);
  // Segments left is 1, so SKIP_RH still finds the routing header; with 0 it is skipped.
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_ROUTING, IP6_FH_F_SKIP_RH, fh), NEXTHDR_ROUTING);
  b[48 + 3] = 0;
  assert.equal(ipv6FindHdr(b, 0, b.length, NEXTHDR_ROUTING, IP6_FH_F_SKIP_RH, fh), FINDHDR_ENOENT);
  assert.equal(ipv6FindHdr(b, 0, 45, -1, 0, fh), FINDHDR_EBADMSG);
  b = hex(FIX.ip6_ah_tcp);
  assert.equal(ipv6FindHdr(b, 0, b.length, -1, IP6_FH_F_AUTH, fh), NEXTHDR_AUTH);
  assert.equal(fh.offset, 40);
  assert.equal(ipv6FindHdr(b, 0, b.length, -1, 0, fh), 6);
  assert.equal(ipv6FindHdr(hex(FIX.tcp4_syn), 0, 60, -1, 0, fh), FINDHDR_EBADMSG);
});

test('TCP options of a scapy SYN: MSS, SACK-permitted, timestamps, window scale', () => {
  const b = hex(FIX.tcp4_syn);
  const o = new TcpOptions();
  assert.equal(parseTcpOptions(b, 20, 40, o), true);
  assert.equal(o.mss, 1460);
  assert.equal(o.sackPerm, true);
  assert.equal(o.hasTimestamp, true);
  assert.equal(o.tsVal, 123456789);
  assert.equal(o.tsEcr, 0);
  assert.equal(o.wscale, 7);
  assert.equal(o.sackBlocks, 0);
  const d = hex(FIX.tcp4_ack_data);
  assert.equal(parseTcpOptions(d, 20, 52, o), true);
  assert.equal(o.mss, -1);
  assert.equal(o.tsVal, 1);
  assert.equal(o.tsEcr, 2);
  assert.equal(o.sackBlocks, 2);
  assert.equal((d[o.sackOff] << 24 | d[o.sackOff + 1] << 16 | d[o.sackOff + 2] << 8 | d[o.sackOff + 3]) >>> 0, 100);
  // A zero option length is malformed.
  b[20 + 20 + 1] = 0;
  assert.equal(parseTcpOptions(b, 20, 40, o), false);
});

test('xt_TCPMSS option walk: kind 2 length 4 only, zero lengths step by one, no stop at EOL', () => {
  const h = new Uint8Array(40);
  h[12] = 10 << 4;
  // [EOL][2,3 (wrong length)...][NOP][2,4,0x05,0xdc]
  h.set([0, 2, 3, 0, 1, 2, 4, 0x05, 0xdc], 20);
  assert.equal(tcpFindMss(h, 0, 40), 25);
  const short = new Uint8Array(24);
  short.set([1, 1, 2, 4], 20);
  assert.equal(tcpFindMss(short, 0, 24), -1); // fewer than 4 bytes left at the MSS
  short.set([2, 4, 1, 0], 20);
  assert.equal(tcpFindMss(short, 0, 24), 20);
});

test('ICMP and ICMPv6 type classes', () => {
  for (const t of [3, 4, 5, 11, 12]) assert.ok(icmpIsError(t));
  for (const t of [0, 8, 13, 14, 9, 10]) assert.equal(icmpIsError(t), false);
  assert.equal(icmpReplyType(8), 0);
  assert.equal(icmpReplyType(17), 18);
  assert.equal(icmpHasId(3), false);
  for (const t of [1, 2, 3, 4, 127]) assert.ok(icmpv6IsError(t));
  assert.equal(icmpv6IsError(128), false);
  assert.equal(icmpv6ReplyType(128), 129);
  assert.equal(icmpv6ReplyType(135), -1);
  assert.ok(icmpv6IsNdisc(135));
  assert.equal(icmpv6IsNdisc(138), false);
});
