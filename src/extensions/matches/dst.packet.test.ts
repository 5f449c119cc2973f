/**
 * dst match packet function (net/ipv6/netfilter/ip6t_hbh.c hbh_mt6 looking
 * for NEXTHDR_DEST), on packets built byte by byte. The expectations are
 * the kernel's; the last test sends every packet through the real kernel
 * (filter OUTPUT in a throwaway namespace) and compares counters and drops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, skbOf } from './packet-testkit';
import { assertSameAsKernelPackets, v6 } from './exthdr-testkit';

const net = makeNet();


/* ---- dst ---- */

const DST = 60;
const NONE = 59;
const ADDR = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42];

const P = {
  plain: v6([], NONE),
  // PadN of 4: 8 bytes.
  pad: v6([[DST, [0, 1, 4, 0, 0, 0, 0]]], NONE),
  // Two Destination Options headers around a type 2 Routing header: the first (16 bytes) is the one matched.
  two: v6([[DST, [1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], [43, [2, 2, 1, 0, 0, 0, 0, ...ADDR]], [DST, [0, 1, 4, 0, 0, 0, 0]]], NONE),
  // PadN of 2, then Home Address (201, 16 bytes): 24 bytes.
  home: v6([[DST, [2, 1, 2, 0, 0, 201, 16, ...ADDR]]], NONE),
  onlyHop: v6([[0, [0, 1, 4, 0, 0, 0, 0]]], NONE),
  afterLaterFrag: v6([[44, [0, 0, 16, 0, 0, 0, 1]], [DST, [0, 1, 4, 0, 0, 0, 0]]], NONE),
  tooLong: v6([[DST, [3, 1, 4, 0, 0, 0, 0]]], NONE),
  cut: v6([[DST, []]], NONE),
};

const m = (...a: string[]): string[] => ['-m', 'dst', ...a];

test('the first Destination Options header is the one matched', () => {
  assert.deepEqual(check(6, m(), skbOf(P.pad, net)), [true, false]);
  assert.deepEqual(check(6, m(), skbOf(P.plain, net)), [false, false]);
  assert.deepEqual(check(6, m(), skbOf(P.onlyHop, net)), [false, false]);
  assert.deepEqual(check(6, m(), skbOf(P.afterLaterFrag, net)), [false, false]);
  const two = skbOf(P.two, net);
  assert.equal(check(6, m('--dst-len', '16'), two)[0], true);
  assert.equal(check(6, m('--dst-len', '8'), two)[0], false);
  assert.equal(check(6, m('!', '--dst-len', '8'), two)[0], true);
  assert.equal(check(6, m('--dst-opts', '1:12'), two)[0], true);
  assert.equal(check(6, m('--dst-opts', '1:4'), two)[0], false);
});

test('--dst-opts walks the options; a malformed header hotdrops', () => {
  const home = skbOf(P.home, net);
  assert.equal(check(6, m('--dst-opts', '1:2,201:16'), home)[0], true);
  assert.equal(check(6, m('--dst-opts', '1,201'), home)[0], true);
  assert.equal(check(6, m('--dst-opts', '201'), home)[0], false);
  assert.equal(check(6, m('--dst-opts', '1,201:15'), home)[0], false);
  assert.equal(check(6, m('--dst-opts', '1,201,0'), home)[0], false);
  assert.equal(check(6, m('--dst-len', '24', '--dst-opts', '1'), home)[0], true);
  assert.deepEqual(check(6, m(), skbOf(P.tooLong, net)), [false, true]);
  assert.deepEqual(check(6, m(), skbOf(P.cut, net)), [false, true]);
});

test('dst: same counters and drops as the kernel', (t) => {
  const rules = [
    m(), m('--dst-len', '8'), m('!', '--dst-len', '8'), m('--dst-len', '16'), m('--dst-opts', '1:4'), m('--dst-opts', '1:12'),
    m('--dst-opts', '1:2,201:16'), m('--dst-opts', '1,201'), m('--dst-opts', '201'), m('--dst-opts', '1,201,0'),
    m('--dst-len', '24', '--dst-opts', '1'), ['-m', 'hbh'],
  ];
  assertSameAsKernelPackets(t, rules, P);
});
