/**
 * rt match packet function (net/ipv6/netfilter/ip6t_rt.c rt_mt6), on
 * packets built byte by byte. The expectations are the kernel's; the last
 * test sends every packet through the real kernel (filter OUTPUT in a
 * throwaway namespace) and compares counters and drops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, skbOf } from './packet-testkit';
import { assertSameAsKernelPackets, v6 } from './exthdr-testkit';

const net = makeNet();


/* ---- rt ---- */

const RT = 43;
const NONE = 59;
const addr = (last: number): number[] => [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last];
const [A, B, C] = ['2001:db8::a', '2001:db8::b', '2001:db8::c'];

/** Routing header bytes after the next-header byte: a header of `addrs.length` addresses (hdrlen 2 per address). */
const rh = (type: number, segs: number, addrs: number[][], reserved = [0, 0, 0, 0]): number[] => [2 * addrs.length, type, segs, ...reserved, ...addrs.flat()];

const P = {
  plain: v6([], NONE),
  ab: v6([[RT, rh(0, 2, [addr(0xa), addr(0xb)])]], NONE),
  abReserved: v6([[RT, rh(0, 2, [addr(0xa), addr(0xb)], [0, 0, 0, 1])]], NONE),
  abc: v6([[RT, rh(0, 1, [addr(0xa), addr(0xb), addr(0xc)])]], NONE),
  type2: v6([[RT, rh(2, 1, [addr(0x42)])]], NONE),
  empty: v6([[RT, rh(0, 0, [])]], NONE),
  afterLaterFrag: v6([[44, [0, 0, 8, 0, 0, 0, 1]], [RT, rh(2, 1, [addr(0x42)])]], NONE),
  // 40 bytes announced, 8 present.
  tooLong: v6([[RT, [4, 0, 2, 0, 0, 0, 0]]], NONE),
  // 3 bytes: ipv6_find_hdr wants the 4 of struct ipv6_rt_hdr.
  cut: v6([[RT, [0, 0]]], NONE),
};

const m = (...a: string[]): string[] => ['-m', 'rt', ...a];
const t0 = (...a: string[]): string[] => m('--rt-type', '0', ...a);

test('type, segments left and length, with inversions', () => {
  const ab = skbOf(P.ab, net);
  assert.deepEqual(check(6, m(), ab), [true, false]);
  assert.deepEqual(check(6, m(), skbOf(P.plain, net)), [false, false]);
  assert.deepEqual(check(6, m(), skbOf(P.afterLaterFrag, net)), [false, false]);
  assert.equal(check(6, m('--rt-type', '0'), ab)[0], true);
  assert.equal(check(6, m('!', '--rt-type', '0'), ab)[0], false);
  assert.equal(check(6, m('--rt-type', '2'), skbOf(P.type2, net))[0], true);
  assert.equal(check(6, m('!', '--rt-type', '0'), skbOf(P.type2, net))[0], true);
  // The rule's type is 32 bits, the header's 8: 256 is not 0.
  assert.equal(check(6, m('--rt-type', '256'), ab)[0], false);
  assert.equal(check(6, m('--rt-segsleft', '1:2'), ab)[0], true);
  assert.equal(check(6, m('!', '--rt-segsleft', '2'), ab)[0], false);
  assert.equal(check(6, m('--rt-len', '40'), ab)[0], true);
  assert.equal(check(6, m('--rt-len', '40'), skbOf(P.abc, net))[0], false);
  assert.equal(check(6, m('!', '--rt-len', '40'), skbOf(P.abc, net))[0], true);
});

test('--rt-0-res tests the 32-bit reserved word', () => {
  assert.equal(check(6, t0('--rt-0-res'), skbOf(P.ab, net))[0], true);
  assert.equal(check(6, t0('--rt-0-res'), skbOf(P.abReserved, net))[0], false);
  assert.equal(check(6, t0(), skbOf(P.abReserved, net))[0], true);
});

test('--rt-0-addrs: strict is the exact list, not strict an ordered subsequence', () => {
  const ab = skbOf(P.ab, net);
  const abc = skbOf(P.abc, net);
  assert.equal(check(6, t0('--rt-0-addrs', `${A},${B}`), ab)[0], true);
  assert.equal(check(6, t0('--rt-0-addrs', A), ab)[0], false);
  assert.equal(check(6, t0('--rt-0-addrs', `${A},${B}`), abc)[0], false);
  assert.equal(check(6, t0('--rt-0-addrs', `${A},${B},${C}`), abc)[0], true);
  assert.equal(check(6, t0('--rt-0-addrs', B, '--rt-0-not-strict'), ab)[0], true);
  assert.equal(check(6, t0('--rt-0-addrs', `${B},${A}`, '--rt-0-not-strict'), ab)[0], false);
  assert.equal(check(6, t0('--rt-0-addrs', `${A},${C}`, '--rt-0-not-strict'), abc)[0], true);
  assert.equal(check(6, t0('--rt-0-addrs', `${A},${B},${C}`, '--rt-0-not-strict'), ab)[0], false);
  assert.equal(check(6, t0('--rt-0-addrs', A), skbOf(P.empty, net))[0], false);
  // The other tests still apply.
  assert.equal(check(6, t0('--rt-segsleft', '5', '--rt-0-addrs', `${A},${B}`), ab)[0], false);
});

test('hotdrop: a header longer than the packet, or shorter than 4 bytes', () => {
  assert.deepEqual(check(6, m(), skbOf(P.tooLong, net)), [false, true]);
  assert.deepEqual(check(6, m(), skbOf(P.cut, net)), [false, true]);
});

test('rt: same counters and drops as the kernel', (t) => {
  const rules = [
    m(), m('--rt-type', '0'), m('!', '--rt-type', '0'), m('--rt-type', '2'), m('--rt-segsleft', '1:2'), m('!', '--rt-segsleft', '2'),
    m('--rt-len', '40'), m('!', '--rt-len', '40'), m('--rt-type', '256'), t0('--rt-0-res'), t0('--rt-0-addrs', `${A},${B}`),
    t0('--rt-0-addrs', A), t0('--rt-0-addrs', B, '--rt-0-not-strict'), t0('--rt-0-addrs', `${B},${A}`, '--rt-0-not-strict'),
    t0('--rt-0-addrs', `${A},${C}`, '--rt-0-not-strict'), t0('--rt-0-addrs', `${A},${B},${C}`, '--rt-0-not-strict'),
    t0('--rt-0-addrs', `${A},${B},${C}`), t0('--rt-segsleft', '5', '--rt-0-addrs', `${A},${B}`),
  ];
  assertSameAsKernelPackets(t, rules, P);
});
