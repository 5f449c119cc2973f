/**
 * Fragmentation compared byte for byte with scapy 2.5.0's fragment() and
 * fragment6() where the kernel does the same, and with the kernel's own
 * behaviour seen on a 6.18 kernel through a router namespace (fast path keeps
 * the received boundaries and drops DF; options without the copy bit become
 * NOPs after the first fragment; IPv6 gets a new identification).
 * o4: IP(192.0.2.1 > 198.51.100.2, id 0x1234, ttl 64)/UDP(1111,2222)/200 bytes;
 * o4_f64/o4_f40 = fragment(o4, 64/40); o4df_*: the same with DF;
 * o4o: options RR + Router Alert, o4o_f64_kernel: fragment(o4o, 64) with the
 * RR option of fragments 2.. replaced by 7 NOPs; o6_f = fragment6(o6 with a
 * fragment header id 0xabcdef01 after hop-by-hop, 120), o6_f_newid(_100) the
 * same with id 0x01020304.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../wire/fixtures';
import { PacketView } from '../wire/packet';
import { Defrag, FragInfo } from './defrag';
import { Fragmenter, forwardExceedsMtu, optionsFragment } from './fragment';
import type { Clock } from './net';
import { FRAG_FX } from './frag.fixtures';

const FX = {
  ...FRAG_FX,
  o4_f40: [
    '4500003c1234200040115c46c0000201c6336402045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    '4500003c1234200540115c41c0000201c6336402202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647',
    '4500003c1234200a40115c3cc0000201c633640248494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f',
    '4500003c1234200f40115c37c0000201c6336402707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f9091929394959697',
    '4500003c1234201440115c32c0000201c633640298999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf',
    '4500001c1234001940117c4dc0000201c6336402c0c1c2c3c4c5c6c7',
  ],
  o4df_f40: [
    '4500003c1234600040111c46c0000201c6336402045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    '4500003c1234600540111c41c0000201c6336402202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041424344454647',
    '4500003c1234600a40111c3cc0000201c633640248494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f',
    '4500003c1234600f40111c37c0000201c6336402707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f9091929394959697',
    '4500003c1234601440111c32c0000201c633640298999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf',
    '4500001c1234401940113c4dc0000201c6336402c0c1c2c3c4c5c6c7',
  ],
  o4o_f64_kernel: [
    '480000600099200040115b22c0000201c6336402070704000000009404000000045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    '48000060009920084011621ec0000201c633640201010101010101940400000038393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071727374757677',
    '480000600099201040116216c0000201c633640201010101010101940400000078797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7',
    '48000030009900184011823ec0000201c6336402010101010101019404000000b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  ],
  o6_f_newid: [
    '600000000050004020010db800000000000000000000000120010db80000000100000000000000022c000104000000001100000101020304045708ae00d0c29c000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    '600000000050004020010db800000000000000000000000120010db80000000100000000000000022c00010400000000110000410102030438393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071727374757677',
    '600000000050004020010db800000000000000000000000120010db80000000100000000000000022c00010400000000110000810102030478797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7',
    '600000000020004020010db800000000000000000000000120010db80000000100000000000000022c00010400000000110000c001020304b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  ],
} as const;

const clock: Clock = { now: () => 0, wall: () => 0 };

/** Reassemble fixtures with Defrag; returns the view of the datagram and its FragInfo. */
function reassembled(frags: readonly string[]): { v: PacketView; info: FragInfo } {
  const d = new Defrag(clock);
  const v = new PacketView();
  const out = new Uint8Array(70000);
  const info = new FragInfo();
  let n = 0;
  for (const h of frags) {
    const b = hex(h);
    v.parse(b, 0, b.length);
    n = d.gather(v, 'eth0', out, info);
  }
  assert.ok(n > 0, 'reassembled');
  v.parse(out, 0, n);
  return { v, info };
}

function whole(h: string): PacketView {
  const v = new PacketView();
  const b = hex(h);
  v.parse(b, 0, b.length);
  return v;
}

function run(v: PacketView, mtu: number, info: FragInfo | null, id = 0, optionsParsed = true): { r: string; out: string[]; f: Fragmenter } {
  const f = new Fragmenter();
  const out: string[] = [];
  const r = f.fragment(v, mtu, info, id, (b, off, len) => { out.push(toHex(b, off, len)); }, optionsParsed);
  return { r, out, f };
}

test('IPv4 without DF over the MTU: scapy fragment() geometry', () => {
  // MTU 60: 40 data bytes per fragment.
  const { r, out } = run(whole(FX.o4), 60, null);
  assert.equal(r, 'sent');
  assert.deepEqual(out, FX.o4_f40);
  // MTU 87 gives 67 bytes of room, cut to 64.
  assert.deepEqual(run(whole(FX.o4), 87, null).out, FX.o4_f64);
});

test('IPv4 within the MTU goes out whole', () => {
  const { r, out, f } = run(whole(FX.o4), 1500, null);
  assert.equal(r, 'sent');
  assert.deepEqual(out, [FX.o4]);
  assert.equal(f.count, 1);
});

test('IPv4 with DF over the MTU: fragmentation needed', () => {
  // The DF datagram, handled as one that was never fragmented (no FragInfo).
  const v = reassembled(FX.o4df_f64).v;
  const { r, f } = run(v, 100, null);
  assert.equal(r, 'too-big');
  assert.equal(f.icmpMtu, 100);
});

test('IPv4 options: RR (copy bit clear) becomes NOPs after the first fragment', () => {
  const { out } = run(whole(FX.o4o), 96, null);
  assert.deepEqual(out, FX.o4o_f64_kernel);
  // A raw-socket packet's options were never parsed: copied unchanged (as scapy does).
  const raw = run(whole(FX.o4o), 96, null, 0, false).out;
  assert.equal(raw[1].slice(40, 64), FX.o4o.slice(40, 64));
});

test('optionsFragment keeps copied options and stops at END', () => {
  const h = hex('4800000000000000000000000000000000000000' + '07070800000000' + '94040000' + '00');
  optionsFragment(h, 32);
  assert.equal(toHex(h, 20, 12), '010101010101019404000000');
});

test('reassembled IPv4: the received fragments go out again (fast path), whatever the MTU', () => {
  const { v, info } = reassembled([...FX.o4_f64].reverse());
  for (const mtu of [84, 1500]) {
    const { r, out } = run(v, mtu, info);
    assert.equal(r, 'sent');
    assert.deepEqual(out, FX.o4_f64);
  }
});

test('reassembled IPv4 over a smaller MTU: cut at the MTU (slow path)', () => {
  const { v, info } = reassembled(FX.o4_f64);
  assert.deepEqual(run(v, 60, info).out, FX.o4_f40);
});

test('reassembled IPv4 with DF: fast path drops DF, slow path keeps it, too big when a fragment exceeded the MTU', () => {
  const { v, info } = reassembled(FX.o4df_f64);
  assert.deepEqual(run(v, 1500, info).out, FX.o4_f64);
  const big = run(v, 60, info);
  assert.equal(big.r, 'too-big');
  assert.equal(big.f.icmpMtu, 60);
  // Break the fast path's geometry (a first fragment of 60 data bytes is not a multiple of 8).
  const odd = new FragInfo();
  odd.fragMax = 84; odd.pmtu = true; odd.headLen = 20; odd.count = 2;
  odd.lens[0] = 60; odd.lens[1] = 148;
  assert.deepEqual(run(v, 1500, odd).out, FX.o4df_f64);
});

test('forwarding check: DF judged by the largest received fragment', () => {
  const { v, info } = reassembled(FX.o4df_f64);
  assert.equal(forwardExceedsMtu(v, 100, info), false);
  assert.equal(forwardExceedsMtu(v, 80, info), true);
  assert.equal(forwardExceedsMtu(v, 100, null), true);
  assert.equal(forwardExceedsMtu(whole(FX.o4), 100, null), false);
  const six = reassembled(FX.o6_f);
  assert.equal(forwardExceedsMtu(six.v, 1280, six.info), false);
  assert.equal(forwardExceedsMtu(six.v, 1280, null), false); // 256 bytes fit anyway
});

test('reassembled IPv6: the received fragments with a new identification', () => {
  const { v, info } = reassembled(FX.o6_f);
  const { r, out } = run(v, 1500, info, 0x01020304);
  assert.equal(r, 'sent');
  assert.deepEqual(out, FX.o6_f_newid);
});

test('reassembled IPv6 without a usable fragment list: cut at max(frag_max_size, 1280) (slow path)', () => {
  const { v } = reassembled(FX.o6_f);
  const info = new FragInfo();
  info.fragMax = 120; info.headLen = 48; info.count = 1; info.lens[0] = 208;
  // Longer than frag_max_size, so fragmented; ip6_fragment raises the size to 1280: one
  // fragment, offset 0, no MF, carrying all 208 bytes.
  const r = run(v, 1500, info, 0x01020304);
  assert.equal(r.r, 'sent');
  const first = hex(FX.o6_f_newid[0]);
  first[5] = 8 + 8 + 208; // payload length: hop-by-hop + fragment header + data
  first[48 + 3] = 0;      // offset 0, M clear
  assert.deepEqual(r.out, [toHex(first, 0, 56) + FX.o6.slice(96)]);
});

test('IPv6 forwarded packet over the MTU: packet too big, never fragmented', () => {
  const { r, f } = run(whole(FX.o6), 200, null);
  assert.equal(r, 'too-big');
  assert.equal(f.icmpMtu, 200);
  const { v, info } = reassembled(FX.o6_f);
  const big = run(v, 100, info);
  assert.equal(big.r, 'too-big');
});
