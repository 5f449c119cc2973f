/**
 * Robustness: truncated, mutated and random inputs never throw, truncation
 * always yields an error code, and whatever parses keeps every offset inside
 * the bytes given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FIX, hex } from './fixtures';
import { PacketView, WireError } from './packet';

const view = new PacketView();

/** Offsets a successful (or L4-only failed) parse reports must lie in the input. */
function checkBounds(v: PacketView, buf: Uint8Array, start: number, len: number): void {
  const end = start + len;
  if (!v.l3Ok()) return;
  assert.ok(v.family === 4 || v.family === 6);
  assert.ok(v.l3 >= start && v.l3 + v.l3HeaderLen <= v.ipEnd, 'l3 header inside');
  assert.ok(v.ipEnd <= end && v.ipEnd <= buf.length, 'ipEnd inside');
  assert.ok(v.srcOff + v.addrLen <= v.ipEnd && v.dstOff + v.addrLen <= v.ipEnd);
  if (v.error === WireError.OK) {
    assert.ok(v.l4 >= v.l3 + v.l3HeaderLen, 'l4 after l3');
    assert.ok(v.payloadOff >= v.l4 || v.payloadLen === 0);
    assert.ok(v.payloadLen >= 0 && v.payloadOff + v.payloadLen <= v.ipEnd, 'payload inside');
    if (v.tcpHeaderLen > 0) assert.ok(v.l4 + v.tcpHeaderLen <= v.ipEnd);
    if (v.hasPorts) assert.ok(v.l4 + 4 <= v.ipEnd);
    if (v.icmpType >= 0) assert.ok(v.l4 + 8 <= v.ipEnd);
  }
  // Accessors must not throw either.
  v.l4ChecksumOk();
  v.ipv4ChecksumOk();
  v.mssOffset();
  const inner = v.parseInner();
  if (inner !== null) checkBounds(inner, buf, v.l4 + 8, v.ipEnd - v.l4 - 8);
}

test('every strict prefix of every fixture yields an error code', () => {
  for (const [name, h] of Object.entries(FIX)) {
    const b = hex(h);
    const eth = name.startsWith('eth_');
    for (let n = 0; n < b.length; n++) {
      const e = eth ? view.parseFrame(b, 0, n) : view.parse(b, 0, n);
      assert.notEqual(e, WireError.OK, `${name} cut to ${n}`);
      checkBounds(view, b, 0, n);
    }
    assert.equal(eth ? view.parseFrame(b, 0, b.length) : view.parse(b, 0, b.length), WireError.OK, name);
  }
});

test('a truncated quote inside an ICMP error gives the inner view an error, not an exception', () => {
  const b = hex(FIX.icmp4_port_unreach);
  // Shrink the outer packet (fixing tot_len) so the quote loses its UDP ports, then its IP header.
  for (const cut of [4, 5, 10, 20, 27, 28]) {
    const c = b.slice(0, b.length - cut);
    c[2] = c.length >> 8; c[3] = c.length & 0xff;
    assert.equal(view.parse(c, 0, c.length), WireError.OK);
    const inner = view.parseInner();
    assert.ok(inner !== null);
    if (cut === 4) {
      // Four bytes of UDP are enough for conntrack's tuple (the ports).
      assert.equal(inner.error, WireError.OK);
      assert.equal(inner.dport, 53);
    } else {
      assert.notEqual(inner.error, WireError.OK, `cut ${cut}`);
      assert.equal(inner.hasPorts, false);
    }
  }
});

test('out-of-range offsets and lengths are errors', () => {
  const b = hex(FIX.tcp4_syn);
  assert.equal(view.parse(b, 0, b.length + 1), WireError.TRUNCATED);
  assert.equal(view.parse(b, b.length, 0), WireError.TRUNCATED);
  assert.equal(view.parse(b, -1, 10), WireError.TRUNCATED);
  assert.equal(view.parseFrame(b, 5, b.length), WireError.TRUNCATED);
  assert.equal(view.parse(new Uint8Array(0), 0, 0), WireError.TRUNCATED);
});

test('specific malformations map to their codes', () => {
  let b = hex(FIX.tcp4_syn);
  b[0] = 0x44;
  assert.equal(view.parse(b, 0, b.length), WireError.BAD_HEADER_LEN);
  b[0] = 0x55;
  assert.equal(view.parse(b, 0, b.length), WireError.BAD_VERSION);
  b = hex(FIX.tcp4_syn);
  b[2] = 0; b[3] = 19;
  assert.equal(view.parse(b, 0, b.length), WireError.BAD_TOTAL_LEN);
  b = hex(FIX.tcp4_syn);
  b[32] = 0x40; // TCP data offset 4
  assert.equal(view.parse(b, 0, b.length), WireError.BAD_L4_HEADER);
  assert.ok(view.l3Ok());
  assert.equal(view.hasPorts, false);
  b[32] = 0xf0; // data offset 15 = 60 bytes, past the end
  assert.equal(view.parse(b, 0, b.length), WireError.TRUNCATED_L4);
  assert.equal(view.proto, 6);
  b = hex(FIX.ip6_exthdrs_udp);
  b[41] = 200; // hop-by-hop length past the end
  assert.equal(view.parse(b, 0, b.length), WireError.BAD_EXTHDR);
  assert.equal(view.family, 6);
});

test('random mutations of fixtures never throw and keep offsets in bounds (property)', () => {
  const names = Object.keys(FIX) as (keyof typeof FIX)[];
  fc.assert(fc.property(
    fc.constantFrom(...names),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }),
    fc.nat(),
    (name, flips, cut) => {
      const b = hex(FIX[name]);
      for (const [i, v] of flips) b[i % b.length] = v;
      const len = cut % 3 === 0 ? b.length - (cut % b.length) : b.length;
      if (name.startsWith('eth_')) view.parseFrame(b, 0, len);
      else view.parse(b, 0, len);
      checkBounds(view, b, 0, len);
    }), { seed: 42, numRuns: 20000 });
});

test('random bytes never throw (property)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (b, asFrame) => {
    // Make the version nibble often plausible so deeper code runs.
    if (b.length > 0 && !asFrame && (b[0] & 1) === 0) b[0] = (b[0] & 0x0f) | ((b[0] & 2) !== 0 ? 0x60 : 0x40);
    if (asFrame) view.parseFrame(b, 0, b.length);
    else view.parse(b, 0, b.length);
    checkBounds(view, b, 0, b.length);
  }), { seed: 1234, numRuns: 20000 });
});
