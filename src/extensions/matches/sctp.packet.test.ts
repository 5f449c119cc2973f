/** sctp match packet function (net/netfilter/xt_sctp.c sctp_mt / match_packet) on hand-built SCTP packets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildIPv4Header } from '../../wire/ipv4';
import { buildIPv6Header } from '../../wire/ipv6';
import { check, ip6, makeNet, skbOf } from './packet-testkit';

/** A chunk: type, flags, and the value bytes' length (the length field is 4 + that; padding follows). */
type Chunk = [number, number, number];

function sctpBody(sport: number, dport: number, chunks: Chunk[], lenOverride?: number): Uint8Array {
  const parts: number[] = [sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 0, 0, 1, 0, 0, 0, 0];
  for (const [type, flags, vlen] of chunks) {
    const len = lenOverride ?? 4 + vlen;
    parts.push(type, flags, len >> 8, len & 255);
    const padded = (vlen + 3) & ~3;
    for (let i = 0; i < padded; i++) parts.push(i < vlen ? 0xab : 0);
  }
  return Uint8Array.from(parts);
}

function sctp4(sport: number, dport: number, chunks: Chunk[], o: { fragWord?: number; lenOverride?: number; cut?: number } = {}): Uint8Array {
  const body = sctpBody(sport, dport, chunks, o.lenOverride).subarray(0, o.cut);
  const b = new Uint8Array(20 + body.length);
  buildIPv4Header(b, 0, { tos: 0, id: 1, fragWord: o.fragWord ?? 0, ttl: 64, protocol: 132, saddr: 0x0a000002, daddr: 0x0a000001, options: null }, body.length);
  b.set(body, 20);
  return b;
}

const DATA = 0, INIT = 1, SACK = 3, ABORT = 6, COOKIE_ECHO = 10;

function run(bytes: Uint8Array, args: string[], family: 4 | 6 = 4): [boolean, boolean] {
  return check(family, ['-p', 'sctp', '-m', 'sctp', ...args], skbOf(bytes, makeNet()));
}

test('ports and their inversion', () => {
  const p = sctp4(5000, 36412, [[INIT, 0, 16]]);
  assert.deepEqual(run(p, ['--dport', '36412']), [true, false]);
  assert.deepEqual(run(p, ['--dport', '1:100']), [false, false]);
  assert.deepEqual(run(p, ['!', '--dport', '1:100']), [true, false]);
  assert.deepEqual(run(p, ['--sport', '5000', '--dport', '36412']), [true, false]);
  assert.deepEqual(run(p, ['--sport', '4999']), [false, false]);
});

test('--chunk-types any, all and only over the chunk list', () => {
  const p = sctp4(1, 2, [[COOKIE_ECHO, 0, 5], [DATA, 0x03, 10]]);
  assert.equal(run(p, ['--chunk-types', 'any', 'DATA'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'any', 'INIT,SACK'])[0], false);
  assert.equal(run(p, ['--chunk-types', 'all', 'DATA,COOKIE_ECHO'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'all', 'DATA,SACK'])[0], false);
  assert.equal(run(p, ['--chunk-types', 'only', 'DATA,COOKIE_ECHO,SACK'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'only', 'DATA'])[0], false);
  assert.equal(run(p, ['--chunk-types', 'all', 'ALL'])[0], false); // every type must appear
  assert.equal(run(p, ['--chunk-types', 'only', 'ALL'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'all', 'NONE'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'any', 'NONE'])[0], false);
  assert.equal(run(p, ['!', '--chunk-types', 'any', 'INIT'])[0], true);
});

test('chunk flags: the listed bits must equal the letters given (upper case set, lower case clear)', () => {
  const p = sctp4(1, 2, [[DATA, 0x03, 4], [ABORT, 0x01, 0]]); // DATA with B and E, ABORT with T
  assert.equal(run(p, ['--chunk-types', 'any', 'DATA:BE'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'any', 'DATA:Be'])[0], false);
  assert.equal(run(p, ['--chunk-types', 'any', 'DATA:BEu'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'all', 'DATA:I,ABORT'])[0], false);
  assert.equal(run(p, ['--chunk-types', 'all', 'DATA:i,ABORT:T'])[0], true);
  assert.equal(run(p, ['--chunk-types', 'only', 'DATA,ABORT:t'])[0], false);
});

test('a zero chunk length or a chunk header past the end hotdrops; later fragments never match', () => {
  assert.deepEqual(run(sctp4(1, 2, [[DATA, 0, 4]], { lenOverride: 0 }), ['--chunk-types', 'any', 'DATA']), [false, true]);
  // A chunk length running past the datagram ends the walk (offset >= skb->len), no drop.
  assert.deepEqual(run(sctp4(1, 2, [[INIT, 0, 4]], { lenOverride: 400 }), ['--chunk-types', 'any', 'INIT']), [true, false]);
  // Common header only: the first chunk header is missing.
  assert.deepEqual(run(sctp4(1, 2, []), ['--chunk-types', 'any', 'DATA']), [false, true]);
  assert.deepEqual(run(sctp4(1, 2, []), ['--dport', '2']), [true, false]);
  // The common header itself cut short: hotdrop before the ports are read.
  assert.deepEqual(run(sctp4(1, 2, [[DATA, 0, 4]], { cut: 8 }), ['--dport', '2']), [false, true]);
  assert.deepEqual(run(sctp4(1, 2, [[DATA, 0, 4]], { fragWord: 0x0004 }), ['--dport', '2']), [false, false]);
});

test('IPv6', () => {
  const body = sctpBody(7, 9, [[SACK, 0, 12]]);
  const b = new Uint8Array(40 + body.length);
  buildIPv6Header(b, 0, { trafficClass: 0, flowLabel: 0, nexthdr: 132, hopLimit: 64, src: ip6('2001:db8::2'), srcOff: 0, dst: ip6('2001:db8::1'), dstOff: 0 }, body.length);
  b.set(body, 40);
  assert.deepEqual(run(b, ['--sport', '7', '--chunk-types', 'only', 'SACK'], 6), [true, false]);
});
