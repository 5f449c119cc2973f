/**
 * hbh match packet function (net/ipv6/netfilter/ip6t_hbh.c hbh_mt6), on
 * packets built byte by byte. The expectations are the kernel's; the last
 * test sends every packet through the real kernel (filter OUTPUT in a
 * throwaway namespace) and compares each rule's counter and the drop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, skbOf } from './packet-testkit';
import { assertSameAsKernelPackets, v6 } from './exthdr-testkit';

const net = makeNet();


/* ---- hbh ---- */

const HOP = 0;
const NONE = 59;

const P = {
  plain: v6([], NONE),
  // Router Alert (5, len 2) then PadN (1, len 0): 8 bytes.
  ra: v6([[HOP, [0, 5, 2, 0, 0, 1, 0]]], NONE),
  // Pad1, Pad1, Router Alert.
  pad1: v6([[HOP, [0, 0, 0, 5, 2, 0, 0]]], NONE),
  // 16 bytes: Router Alert, PadN of 8.
  long: v6([[HOP, [1, 5, 2, 0, 0, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0]]], NONE),
  // The last option (PadN 200) runs past the header.
  lastOverrun: v6([[HOP, [0, 5, 2, 0, 0, 1, 200]]], NONE),
  // The first option (type 5, length 10) runs past the header.
  midOverrun: v6([[HOP, [0, 5, 10, 0, 0, 0, 0]]], NONE),
  // The header says 48 bytes; 8 are there.
  tooLong: v6([[HOP, [5, 5, 2, 0, 0, 1, 0]]], NONE),
  // One byte of header: ipv6_find_hdr cannot read it.
  cut: v6([[HOP, []]], NONE),
  // After a Destination Options header (not where RFC 8200 puts it, but found).
  afterDst: v6([[60, [0, 1, 4, 0, 0, 0, 0]], [HOP, [0, 5, 2, 0, 0, 1, 0]]], NONE),
  // After a first fragment, found; after a later fragment, not looked for.
  afterFirstFrag: v6([[44, [0, 0, 1, 0, 0, 0, 9]], [HOP, [0, 5, 2, 0, 0, 1, 0]]], NONE),
  afterLaterFrag: v6([[44, [0, 0, 9, 0, 0, 0, 9]], [HOP, [0, 5, 2, 0, 0, 1, 0]]], NONE),
};

const m = (...a: string[]): string[] => ['-m', 'hbh', ...a];

test('presence: found anywhere in the chain except behind a later fragment', () => {
  assert.deepEqual(check(6, m(), skbOf(P.ra, net)), [true, false]);
  assert.deepEqual(check(6, m(), skbOf(P.plain, net)), [false, false]);
  assert.deepEqual(check(6, m(), skbOf(P.afterDst, net)), [true, false]);
  assert.deepEqual(check(6, m(), skbOf(P.afterFirstFrag, net)), [true, false]);
  assert.deepEqual(check(6, m(), skbOf(P.afterLaterFrag, net)), [false, false]);
});

test('a header longer than the packet, or cut inside its first 2 bytes, hotdrops', () => {
  // Since "netfilter: ip6tables: mark malformed IPv6 extension headers for hotdrop" (6.18 stable).
  assert.deepEqual(check(6, m(), skbOf(P.tooLong, net)), [false, true]);
  assert.deepEqual(check(6, m('!', '--hbh-len', '8'), skbOf(P.tooLong, net)), [false, true]);
  assert.deepEqual(check(6, m(), skbOf(P.cut, net)), [false, true]);
});

test('--hbh-len is the whole header length in bytes', () => {
  assert.equal(check(6, m('--hbh-len', '8'), skbOf(P.ra, net))[0], true);
  assert.equal(check(6, m('--hbh-len', '16'), skbOf(P.ra, net))[0], false);
  assert.equal(check(6, m('!', '--hbh-len', '8'), skbOf(P.ra, net))[0], false);
  assert.equal(check(6, m('--hbh-len', '16'), skbOf(P.long, net))[0], true);
  assert.equal(check(6, m('!', '--hbh-len', '8'), skbOf(P.long, net))[0], true);
});

test('--hbh-opts: the first options in order, with their lengths when given', () => {
  const ra = skbOf(P.ra, net);
  assert.equal(check(6, m('--hbh-opts', '5'), ra)[0], true);
  assert.equal(check(6, m('--hbh-opts', '5:2,1:0'), ra)[0], true);
  assert.equal(check(6, m('--hbh-opts', '5:3'), ra)[0], false);
  assert.equal(check(6, m('--hbh-opts', '1'), ra)[0], false);
  assert.equal(check(6, m('--hbh-opts', '5,0'), ra)[0], false);
  // Three listed, two in the header: no match.
  assert.equal(check(6, m('--hbh-opts', '5,1,1'), ra)[0], false);
  assert.equal(check(6, m('--hbh-len', '8', '--hbh-opts', '5:2'), ra)[0], true);
  assert.equal(check(6, m('--hbh-len', '16', '--hbh-opts', '5:2'), ra)[0], false);
  // Pad1 is one byte without a length.
  assert.equal(check(6, m('--hbh-opts', '0,0,5:2'), skbOf(P.pad1, net))[0], true);
  assert.equal(check(6, m('--hbh-opts', '5'), skbOf(P.pad1, net))[0], false);
  assert.equal(check(6, m('--hbh-opts', '5,1:8'), skbOf(P.long, net))[0], true);
});

test('--hbh-opts: only the last listed option may run past the header', () => {
  assert.equal(check(6, m('--hbh-opts', '5:2,1'), skbOf(P.lastOverrun, net))[0], true);
  assert.equal(check(6, m('--hbh-opts', '5:2,1,1'), skbOf(P.lastOverrun, net))[0], false);
  assert.equal(check(6, m('--hbh-opts', '5'), skbOf(P.midOverrun, net))[0], true);
  assert.equal(check(6, m('--hbh-opts', '5,0'), skbOf(P.midOverrun, net))[0], false);
});

test('hbh: same counters and drops as the kernel', (t) => {
  const rules = [
    m(), m('--hbh-len', '8'), m('!', '--hbh-len', '8'), m('--hbh-len', '16'), m('--hbh-opts', '5'),
    m('--hbh-opts', '5:2,1:0'), m('--hbh-opts', '5:3'), m('--hbh-opts', '0,0,5:2'), m('--hbh-opts', '5,1,1'),
    m('--hbh-opts', '5,0'), m('--hbh-opts', '5:2,1'), m('--hbh-opts', '5,1:8'), m('!', '--hbh-len', '16', '--hbh-opts', '5'),
    ['-m', 'dst'],
  ];
  assertSameAsKernelPackets(t, rules, P);
});
