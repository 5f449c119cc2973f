/**
 * Defrag against fragments made by scapy 2.5.0 (fragment(), fragment6();
 * the generator's expressions are summarised beside each fixture): the
 * reassembled datagram must equal scapy's unfragmented packet byte for byte.
 * o4: IP(192.0.2.1 > 198.51.100.2, id 0x1234, ttl 64)/UDP(1111,2222)/200 bytes 0..199;
 * o4_f64 = fragment(o4, 64); o4df: the same with DF; o4e: tos ECT(0), first
 * fragment CE (o4e_bad: second fragment Not-ECT); o4o: options RR + Router Alert;
 * o6: IPv6/HopByHop(PadN)/UDP/200 bytes, o6_f = fragment6(o6 with
 * IPv6ExtHdrFragment(id=0xabcdef01) after the hop-by-hop header, 120);
 * o6d: a destination options header after the fragment header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../wire/fixtures';
import { PacketView } from '../wire/packet';
import { ipv4ChecksumOk } from '../wire/ipv4';
import { Defrag, DEFRAG_DROPPED, DEFRAG_HELD, DEFRAG_WHOLE, FragInfo } from './defrag';
import type { Clock } from './net';
import { FRAG_FX } from './frag.fixtures';

const FX = {
  ...FRAG_FX,
  o4df: '450000e41234400040113b9ec0000201c6336402045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  o4e_f64: [
    '450300540055200040116e0ac0000201c6336402045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    '450200540055200840116e03c0000201c633640238393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071727374757677',
    '450200540055201040116dfbc0000201c633640278797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7',
    '450200240055001840118e23c0000201c6336402b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  ],
  o4e_ce: '450300e40055000040118d7ac0000201c6336402045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  o4e_bad: [
    '450200540055200040116e0bc0000201c6336402045708ae00d031db000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    '450000540055200840116e05c0000201c633640238393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f7071727374757677',
    '450200540055201040116dfbc0000201c633640278797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7',
    '450200240055001840118e23c0000201c6336402b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  ],
  o6d: '6000000000d83c4020010db800000000000000000000000120010db80000000100000000000000021100010400000000045708ae00d0c29c000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  o6d_f: [
    '6000000000502c4020010db800000000000000000000000120010db80000000100000000000000023c000001000000771100010400000000045708ae00d0c29c000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
    '6000000000502c4020010db800000000000000000000000120010db80000000100000000000000023c0000490000007738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f',
    '6000000000502c4020010db800000000000000000000000120010db80000000100000000000000023c00009000000077808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7',
  ],
  o6_atomic: '6000000000142c4020010db800000000000000000000000120010db80000000100000000000000021100000000000042045708ae000cd29461626364',
  o6_atomic_whole: '60000000000c114020010db800000000000000000000000120010db8000000010000000000000002045708ae000cd29461626364',
} as const;

class TestClock implements Clock {
  t = 0;
  now(): number { return this.t; }
  wall(): number { return this.t; }
}

function setup() {
  const clock = new TestClock();
  const d = new Defrag(clock);
  const v = new PacketView();
  const out = new Uint8Array(70000);
  const info = new FragInfo();
  const feed = (h: string, indev = 'eth0'): number => {
    const b = hex(h);
    v.parse(b, 0, b.length);
    return d.gather(v, indev, out, info);
  };
  return { clock, d, out, info, feed };
}

test('IPv4 in order: held until complete, then the original datagram', () => {
  const { d, out, info, feed } = setup();
  const f = FX.o4_f64;
  for (let i = 0; i < f.length - 1; i++) assert.equal(feed(f[i]), DEFRAG_HELD);
  assert.equal(d.pending, 1);
  const n = feed(f[f.length - 1]);
  assert.equal(toHex(out, 0, n), FX.o4);
  assert.ok(ipv4ChecksumOk(out, 0));
  assert.equal(d.pending, 0);
  // The largest fragment was 84 bytes (20 + 64), and the list of fragments is kept.
  assert.equal(info.fragMax, 84);
  assert.equal(info.pmtu, false);
  assert.deepEqual(Array.from(info.lens.subarray(0, info.count)), [64, 64, 64, 16]);
});

test('IPv4 out of order and with a duplicate', () => {
  const { out, feed, d } = setup();
  const f = FX.o4_f64;
  assert.equal(feed(f[3]), DEFRAG_HELD);
  assert.equal(feed(f[1]), DEFRAG_HELD);
  assert.equal(feed(f[1]), DEFRAG_DROPPED);
  assert.match(d.reason, /duplicate/);
  assert.equal(feed(f[0]), DEFRAG_HELD);
  const n = feed(f[2]);
  assert.equal(toHex(out, 0, n), FX.o4);
});

test('IPv4 duplicate of a run of contiguous fragments is a duplicate, a straddling one an overlap', () => {
  const { feed, d } = setup();
  const f = FX.o4_f64;
  feed(f[0]); feed(f[1]);          // one run [0, 128)
  // A fragment covering [32, 96) inside the run: rebuild fragment 0 with offset 32 and 64 bytes.
  const b = hex(f[1]);
  b[6] = 0x20; b[7] = 4;           // MF, offset 32
  fixCsum(b);
  assert.equal(feedBytes(d, b), DEFRAG_DROPPED);
  assert.match(d.reason, /duplicate/);
  assert.equal(d.pending, 1);
  b[7] = 12;                       // offset 96: [96, 160) runs past the tail but starts inside it
  fixCsum(b);
  assert.equal(feedBytes(d, b), DEFRAG_DROPPED);
  assert.match(d.reason, /overlapping/);
  assert.equal(d.pending, 0);       // the whole datagram is gone
  assert.equal(feed(f[2]), DEFRAG_HELD); // a new queue starts
});

test('IPv4 overlap inside the data drops the whole queue', () => {
  const { feed, d } = setup();
  const f = FX.o4_f64;
  feed(f[0]); feed(f[2]);          // runs [0,64) and [128,192)
  const b = hex(f[1]);
  b[7] = 6;                         // offset 48: [48,112) overlaps the first run
  fixCsum(b);
  assert.equal(feedBytes(d, b), DEFRAG_DROPPED);
  assert.equal(d.pending, 0);
  assert.equal(feed(f[1]), DEFRAG_HELD);
  assert.equal(feed(f[3]), DEFRAG_HELD); // no completion: fragments 0 and 2 were lost
});

test('IPv4 DF on every fragment: DF on the datagram (IPSKB_FRAG_PMTU)', () => {
  const { out, info, feed } = setup();
  let n = 0;
  for (const h of FX.o4df_f64) n = feed(h);
  assert.equal(toHex(out, 0, n), FX.o4df);
  assert.equal(info.pmtu, true);
});

test('IPv4 ECN: CE with ECT is CE; Not-ECT mixed with ECT drops the datagram', () => {
  const a = setup();
  let n = 0;
  for (const h of FX.o4e_f64) n = a.feed(h);
  assert.equal(toHex(a.out, 0, n), FX.o4e_ce);
  const b = setup();
  for (const h of FX.o4e_bad) n = b.feed(h);
  assert.equal(n, DEFRAG_DROPPED);
  assert.match(b.d.reason, /ECN/);
});

test('IPv4 header with options comes from the first fragment', () => {
  // fragment() copies options into every fragment; only the first one's header is used.
  const opts = hex(FX.o4o).subarray(20, 32);
  const whole = hex(FX.o4o);
  const frags: Uint8Array[] = [];
  for (let off = 0; off < 208; off += 64) {
    const n = Math.min(64, 208 - off);
    const b = new Uint8Array(32 + n);
    b.set(whole.subarray(0, 32), 0);
    b.set(whole.subarray(32 + off, 32 + off + n), 32);
    b[2] = (32 + n) >> 8; b[3] = (32 + n) & 0xff;
    const w = (off >> 3) | (off + n < 208 ? 0x2000 : 0);
    b[6] = w >> 8; b[7] = w & 0xff;
    if (off > 0) b.fill(1, 20, 27); // later fragments: the RR option NOPed, as a router sends them
    fixCsum(b);
    frags.push(b);
  }
  assert.deepEqual(Array.from(opts.subarray(0, 3)), [7, 7, 4]);
  const d = setup();
  let n = 0;
  for (const b of frags.reverse()) n = feedBytes(d.d, b, d.out, d.info);
  assert.equal(toHex(d.out, 0, n), FX.o4o);
});

test('IPv4 timeout: 30 s after the first fragment, the queue expires (ICMP only if local)', () => {
  const { clock, d, feed } = setup();
  const f = FX.o4_f64;
  feed(f[0]); feed(f[1]);
  clock.t = 29_999;
  assert.equal(d.expire().length, 0);
  clock.t = 30_000;
  const e = d.expire();
  assert.equal(e.length, 1);
  assert.equal(e[0].icmp, 'if-local');
  assert.equal(e[0].indev, 'eth0');
  assert.equal(toHex(e[0].head!), f[0]);
  assert.equal(d.pending, 0);
  // Late fragments start a new queue, which never completes without the first ones.
  assert.equal(feed(f[2]), DEFRAG_HELD);
  assert.equal(feed(f[3]), DEFRAG_HELD);
  clock.t = 60_000;
  assert.deepEqual(d.expire().map((x) => x.icmp), ['never']);
});

test('IPv4 expiry noticed by gather before the engine calls expire()', () => {
  const { clock, d, feed } = setup();
  const f = FX.o4_f64;
  feed(f[0]); feed(f[1]); feed(f[2]);
  clock.t = 31_000;
  assert.equal(feed(f[3]), DEFRAG_HELD);
  assert.equal(d.expire().length, 1);
});

test('IPv4 PREROUTING and OUTPUT fragments are separate queues', () => {
  const { feed, d } = setup();
  const f = FX.o4_f64;
  feed(f[0], 'eth0'); feed(f[1], ''); feed(f[2], 'eth0');
  assert.equal(feed(f[3], 'eth0'), DEFRAG_HELD);
  assert.equal(d.pending, 2);
});

test('IPv4 ipfrag_max_dist: a queue overtaken by 64 fragments of its source starts over', () => {
  const { feed, d } = setup();
  const f = FX.o4_f64;
  feed(f[0]); feed(f[1]);
  // 64 fragments of other datagrams from the same source (ids 1..64).
  for (let id = 1; id <= 64; id++) {
    const b = hex(f[0]); b[4] = 0; b[5] = id; fixCsum(b);
    feedBytes(d, b);
  }
  // 65 counts since fragment 1: more than 64, so fragments 0 and 1 are dropped.
  assert.equal(feed(f[2]), DEFRAG_HELD);
  assert.equal(feed(f[3]), DEFRAG_HELD);
});

test('non-fragments pass untouched', () => {
  const { feed, info } = setup();
  info.fragMax = 7;
  assert.equal(feed(FX.o4), DEFRAG_WHOLE);
  assert.equal(feed(FX.o6), DEFRAG_WHOLE);
  assert.equal(info.fragMax, 7);
});

test('IPv6 with a hop-by-hop header before the fragment header, any order', () => {
  for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]]) {
    const { out, info, feed } = setup();
    let n = 0;
    for (const i of order) n = feed(FX.o6_f[i]);
    assert.equal(toHex(out, 0, n), FX.o6, `order ${order}`);
    // frag_max_size: 40 + the largest payload length (8 hop-by-hop + 8 fragment header + 64).
    assert.equal(info.fragMax, 120);
    assert.equal(info.headLen, 48);
  }
});

test('IPv6 destination options after the fragment header stay in the data', () => {
  const { out, feed } = setup();
  let n = 0;
  for (const h of FX.o6d_f) n = feed(h);
  assert.equal(toHex(out, 0, n), FX.o6d);
});

test('IPv6 overlap drops the whole datagram; duplicates are dropped alone', () => {
  const { feed, d } = setup();
  const f = FX.o6_f;
  feed(f[0]);
  assert.equal(feed(f[0]), DEFRAG_DROPPED);
  assert.match(d.reason, /duplicate/);
  assert.equal(d.pending, 1);
  const b = hex(f[1]);
  b[48 + 3] = (32 & 0xf8) | 1; // offset 32, MF: overlaps [0,64)
  assert.equal(feedBytes(d, b), DEFRAG_DROPPED);
  assert.match(d.reason, /overlapping/);
  assert.equal(d.pending, 0);
});

test('IPv6 non-final fragment not a multiple of 8 passes as it is (and kills the queue)', () => {
  const { feed, d } = setup();
  feed(FX.o6_f[0]);
  const b = hex(FX.o6_f[1]);
  const shorter = b.subarray(0, b.length - 3);
  shorter[5] -= 3; // payload length
  assert.equal(feedBytes(d, shorter), DEFRAG_WHOLE);
  assert.equal(d.pending, 0);
});

test('IPv6 atomic fragment: reassembled at once without its fragment header', () => {
  const { feed, out, info } = setup();
  const n = feed(FX.o6_atomic);
  assert.equal(toHex(out, 0, n), FX.o6_atomic_whole);
  assert.equal(info.fragMax, 60);
});

test('IPv6 timeout: 60 s, ICMPv6 time exceeded whenever the first fragment came', () => {
  const { clock, d, feed } = setup();
  feed(FX.o6_f[0]);
  feed(FX.o6_f[2], 'eth1');
  clock.t = 59_999;
  assert.equal(d.expire().length, 0);
  clock.t = 60_000;
  const e = d.expire();
  assert.equal(e.length, 1);
  assert.equal(e[0].icmp, 'always');
  assert.equal(e[0].family, 6);
  assert.equal(e[0].indev, 'eth1');
  assert.equal(toHex(e[0].head!), FX.o6_f[0]);
});

test('IPv6 first fragment without its UDP header passes as it is', () => {
  const { feed, d } = setup();
  const b = hex(FX.o6_f[0]).subarray(0, 56 + 4);
  b[4] = 0; b[5] = 20;
  assert.equal(feedBytes(d, b), DEFRAG_WHOLE);
  assert.equal(d.pending, 0);
});

const pv = new PacketView();
const scratchOut = new Uint8Array(70000);
const scratchInfo = new FragInfo();
function feedBytes(d: Defrag, b: Uint8Array, out = scratchOut, info = scratchInfo): number {
  pv.parse(b, 0, b.length);
  return d.gather(pv, 'eth0', out, info);
}

function fixCsum(b: Uint8Array): void {
  b[10] = 0; b[11] = 0;
  let s = 0;
  const hl = (b[0] & 15) * 4;
  for (let i = 0; i < hl; i += 2) s += (b[i] << 8) | b[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  s = ~s & 0xffff;
  b[10] = s >> 8; b[11] = s & 0xff;
}
