/**
 * Internet checksum, pseudo headers and RFC 1624 incremental updates:
 * checked against scapy's checksums, RFC 1071's worked example, and (as a
 * property) against full recomputation over many random rewrites.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checksum, csumReplace16, csumReplace32, csumReplaceBytes, fold, get16, get32, l4Checksum, put16, put32, rewrite16, rewriteAddr, sumBytes,
} from './checksum';
import { FIX, hex, toHex } from './fixtures';
import { ipv4ChecksumOk, ipv4DecTtl, ipv4SetChecksum } from './ipv4';
import { PacketView, WireError } from './packet';
import { tcpFindMss, tcpGetMss, tcpSetMss } from './tcp';
import { udpCsumReplace16, udpCsumReplaceBytes, udpRewritePort } from './udp';

test('RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2', () => {
  const b = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
  assert.equal(fold(sumBytes(b, 0, 8)), 0xddf2);
  assert.equal(checksum(b, 0, 8), 0xddf2 ^ 0xffff);
  // An odd length pads the last byte with zero.
  assert.equal(fold(sumBytes(b, 0, 3)), fold(0x0001 + 0xf200));
});

test('fold handles accumulators beyond 32 bits', () => {
  const big = new Uint8Array(200000).fill(0xff);
  assert.equal(fold(sumBytes(big, 0, big.length)), 0xffff);
  assert.equal(checksum(big, 0, big.length), 0);
});

test('scapy IPv4 header and transport checksums verify; recomputing them gives scapy\'s bytes', () => {
  const v = new PacketView();
  for (const [name, h] of Object.entries(FIX)) {
    if (name.startsWith('eth_') || name === 'ip6_ah_tcp') continue; // scapy leaves TCP under AH unsummed
    if (name === 'ip6_exthdrs_udp' || name.includes('_frag_')) continue; // routing header; fragments carry partial data
    const b = hex(h);
    assert.equal(v.parse(b, 0, b.length), WireError.OK, name);
    if (v.family === 4) assert.ok(ipv4ChecksumOk(b, 0), name);
    assert.ok(v.l4ChecksumOk(), name);
    const copy = b.slice();
    v.parse(copy, 0, copy.length);
    if (v.family === 4) { put16(copy, 10, 0xdead); v.setIpv4Checksum(); }
    const co = v.l4CheckOffset();
    if (co >= 0) { put16(copy, co, 0xbeef); v.setL4Checksum(); }
    assert.equal(toHex(copy), h, name);
  }
});

/**
 * Random "headers": an even number of bytes with a non-zero first word (real
 * headers always have one, e.g. 0x45 or the pseudo-header protocol). With
 * all-zero data RFC 1624 eqn. 3 and a full sum legitimately differ
 * (0x0000 vs 0xFFFF), the one corner the RFC itself discusses.
 */
const headerArb = fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.uint8Array({ minLength: 20, maxLength: 80 })).map(([w, rest]) => {
  const b = new Uint8Array(2 + (rest.length & ~1));
  put16(b, 0, w);
  b.set(rest.subarray(0, b.length - 2), 2);
  return b;
});

test('incremental 16-bit, 32-bit and address rewrites equal a full recompute (property)', () => {
  fc.assert(fc.property(headerArb, fc.nat(), fc.nat(), fc.uint8Array({ minLength: 16, maxLength: 16 }), (data, where, val, addr) => {
    // Layout: [checksum word][data]; the checksum covers everything.
    const b = new Uint8Array(data.length + 2);
    b.set(data, 2);
    put16(b, 0, checksum(b, 0, b.length));
    const words = data.length >> 1;
    // 16-bit field
    const f16 = 2 + 2 * (where % words);
    const n16 = val & 0xffff;
    rewrite16(b, f16, n16, 0);
    assert.equal(checksum(b, 0, b.length), 0);
    const full16 = b.slice(); put16(full16, 0, 0); put16(full16, 0, checksum(full16, 0, full16.length));
    assert.equal(get16(b, 0), get16(full16, 0));
    // 32-bit field (even-aligned)
    if (words >= 2) {
      const f32 = 2 + 2 * (where % (words - 1));
      const old = get32(b, f32);
      const nv = (val * 2654435761) >>> 0;
      put16(b, 0, csumReplace32(get16(b, 0), old, nv));
      put32(b, f32, nv);
      const full = b.slice(); put16(full, 0, 0);
      assert.equal(get16(b, 0), checksum(full, 0, full.length));
    }
    // 4- and 16-byte address fields
    for (const len of [4, 16]) {
      if (words * 2 < len) continue;
      const fa = 2 + 2 * (where % (words - len / 2 + 1));
      rewriteAddr(b, fa, addr, 0, len, 0, -1);
      const full = b.slice(); put16(full, 0, 0);
      assert.equal(get16(b, 0), checksum(full, 0, full.length));
    }
  }), { seed: 0x5eed, numRuns: 3000 });
});

test('csumReplace16/csumReplaceBytes compose: rewriting back restores the checksum', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xfffe }), fc.nat(0xffff), fc.nat(0xffff), (check, a, c) => {
    // Starting from a checksum a non-zero sum can produce (0xFFFF needs an all-zero sum).
    const there = csumReplace16(check, a, c);
    assert.equal(csumReplace16(there, c, a), check);
    const x = Uint8Array.of(a >> 8, a & 0xff, c >> 8, c & 0xff);
    assert.equal(csumReplaceBytes(check, x, 0, x, 2, 2), there);
  }), { seed: 7, numRuns: 2000 });
});

test('SNAT of a scapy SYN by incremental updates gives scapy\'s SNATed bytes', () => {
  const b = hex(FIX.tcp4_syn);
  const v = new PacketView();
  assert.equal(v.parse(b, 0, b.length), WireError.OK);
  const newSrc = Uint8Array.of(203, 0, 113, 7);
  // The address is in the IP header sum and, via the pseudo header, in the TCP sum.
  rewriteAddr(b, v.srcOff, newSrc, 0, 4, v.l3 + 10, v.l4 + 16);
  rewrite16(b, v.l4, 61000, v.l4 + 16);
  assert.equal(toHex(b), FIX.tcp4_syn_nat);
});

test('DNAT of a scapy IPv6 UDP packet (address and port) gives scapy\'s bytes', () => {
  const b = hex(FIX.build_udp6);
  const v = new PacketView();
  assert.equal(v.parse(b, 0, b.length), WireError.OK);
  const ndst = hex('20010db8ffff00000000000000000005');
  const check = v.l4 + 6;
  put16(b, check, udpCsumReplaceBytes(get16(b, check), b, v.dstOff, ndst, 0, 16));
  b.set(ndst, v.dstOff);
  udpRewritePort(b, v.l4, 2, 9999);
  assert.equal(toHex(b), FIX.build_udp6_dnat);
});

test('UDP: an absent (zero) checksum stays zero, a zero result becomes 0xFFFF', () => {
  assert.equal(udpCsumReplace16(0, 1234, 4321), 0);
  // Find a rewrite whose one's complement result is 0 and check it is mangled to 0xFFFF.
  const check = 0x1234;
  const oldv = 0x0001;
  // ~(~check + ~oldv + newv) = 0  <=>  ~check + ~oldv + newv = 0xFFFF
  const newv = fold(0xffff - (~check & 0xffff) + 0xffff - (~oldv & 0xffff));
  assert.equal(csumReplace16(check, oldv, newv), 0);
  assert.equal(udpCsumReplace16(check, oldv, newv), 0xffff);
});

test('TCPMSS: clamping the scapy SYN to 1400 in place gives scapy\'s bytes', () => {
  const b = hex(FIX.tcp4_syn);
  const opt = tcpFindMss(b, 20, 40);
  assert.equal(tcpGetMss(b, opt), 1460);
  tcpSetMss(b, 20, opt, 1400);
  assert.equal(toHex(b), FIX.tcp4_syn_mss1400);
});

test('TTL decrement keeps the header checksum valid (property) and matches a full recompute', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 1, max: 255 }), (h, ttl) => {
    const b = h.slice();
    b[0] = 0x45;
    b[8] = ttl;
    ipv4SetChecksum(b, 0);
    ipv4DecTtl(b, 0);
    assert.equal(b[8], ttl - 1);
    assert.ok(ipv4ChecksumOk(b, 0));
    const full = b.slice();
    ipv4SetChecksum(full, 0);
    // Equal except the kernel's 0xFFFF -> 0x0000 quirk, both being valid encodings of the same sum.
    const inc = get16(b, 10);
    const ref = get16(full, 10);
    assert.ok(inc === ref || (inc === 0 && ref === 0xffff), `${inc} vs ${ref}`);
  }), { seed: 99, numRuns: 3000 });
});

test('l4Checksum with a pseudo header over IPv6 equals scapy', () => {
  const b = hex(FIX.icmp6_echo);
  const c = get16(b, 42);
  put16(b, 42, 0);
  assert.equal(l4Checksum(b, 6, 8, 24, 58, 40, b.length - 40), c);
});

test('ipv4DecTtl equals ip_decrease_ttl as a little-endian kernel computes it, for all 65536 checksums', () => {
  // include/net/ip.h adds htons(0x0100) to the checksum loaded in host
  // (little-endian) order and adds one more when the sum is >= 0xFFFF.
  const b = new Uint8Array(20);
  b[0] = 0x45;
  for (let w = 0; w <= 0xffff; w++) {
    const host = ((w & 0xff) << 8) | (w >> 8);
    let k = host + 0x0001;
    k = (k + (k >= 0xffff ? 1 : 0)) & 0xffff;
    const kernelWire = ((k & 0xff) << 8) | (k >> 8);
    b[8] = 10;
    put16(b, 10, w);
    ipv4DecTtl(b, 0);
    assert.equal(get16(b, 10), kernelWire, `check ${w.toString(16)}`);
  }
});

test('the 32-bit fast path of sumBytes equals the plain 16-bit sum at every alignment and length', () => {
  const slow = (b: Uint8Array, off: number, len: number): number => {
    let s = 0;
    for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
    return fold(s);
  };
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.nat(7), fc.nat(3000), (bytes, shift, want) => {
    const backing = new Uint8Array(bytes.length + 16);
    const buf = backing.subarray(shift % 8);
    buf.set(bytes.subarray(0, Math.min(bytes.length, buf.length)));
    const off = Math.min(shift, buf.length);
    const len = Math.min(want, buf.length - off);
    assert.equal(fold(sumBytes(buf, off, len)), slow(buf, off, len));
  }), { numRuns: 2000, seed: 42 });
});
