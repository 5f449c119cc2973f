/**
 * frag match packet function (net/ipv6/netfilter/ip6t_frag.c frag_mt6), on
 * packets built byte by byte. The expectations are the kernel's; the last
 * test sends every packet through the real kernel (filter OUTPUT in a
 * throwaway namespace) and compares counters and drops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, skbOf } from './packet-testkit';
import { assertSameAsKernelPackets, v6 } from './exthdr-testkit';

const net = makeNet();


/* ---- frag ---- */

const FRAG = 44;
const UDP = 17;
const NONE = 59;
const DATA = [0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0];

/** Fragment header bytes after the next-header byte: reserved, frag_off (offset << 3 | res << 1 | M), identification. */
const fh = (frag: number, id: number, reserved = 0): number[] => [reserved, frag >> 8, frag & 0xff, id >>> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff];

const P = {
  plain: v6([], UDP, DATA),
  first: v6([[FRAG, fh(0x0001, 5)]], UDP, DATA),
  middle: v6([[FRAG, fh((1 << 3) | 1, 5)]], UDP, DATA),
  last: v6([[FRAG, fh(2 << 3, 5)]], UDP, DATA),
  atomic: v6([[FRAG, fh(0, 0xffffffff)]], UDP, DATA),
  resByte: v6([[FRAG, fh(0x0001, 6, 0x11)]], UDP, DATA),
  resBits: v6([[FRAG, fh(0x0007, 6)]], UDP, DATA),
  afterHop: v6([[0, [0, 1, 4, 0, 0, 0, 0]], [FRAG, fh(0x0001, 7)]], UDP, DATA),
  // 4 of the 8 bytes: ipv6_find_hdr finds it (it reads frag_off), the match cannot read it whole.
  short: v6([[FRAG, [0, 0, 1]]], NONE),
  // 2 bytes: ipv6_find_hdr cannot read frag_off.
  tiny: v6([[FRAG, [0]]], NONE),
  // Behind a Hop-by-Hop header claiming 48 bytes of 8: the walk runs off the end.
  afterBadHop: v6([[0, [5, 1, 4, 0, 0, 0, 0]], [FRAG, fh(0x0001, 7)]], UDP),
};

const m = (...a: string[]): string[] => ['-m', 'frag', ...a];

test('identification range and inversion', () => {
  const first = skbOf(P.first, net);
  assert.deepEqual(check(6, m(), first), [true, false]);
  assert.deepEqual(check(6, m(), skbOf(P.plain, net)), [false, false]);
  assert.equal(check(6, m('--fragid', '5'), first)[0], true);
  assert.equal(check(6, m('!', '--fragid', '5'), first)[0], false);
  assert.equal(check(6, m('--fragid', '4:6'), first)[0], true);
  assert.equal(check(6, m('--fragid', '6:4'), first)[0], false);
  assert.equal(check(6, m('!', '--fragid', '0:4294967295'), first)[0], false);
  assert.equal(check(6, m('--fragid', '4294967295'), skbOf(P.atomic, net))[0], true);
  assert.equal(check(6, m('--fragid', '7'), skbOf(P.afterHop, net))[0], true);
});

test('--fragfirst, --fragmore, --fraglast read the offset and the M flag', () => {
  const cases: [keyof typeof P, boolean, boolean, boolean][] = [
    ['first', true, true, false], ['middle', false, true, false], ['last', false, false, true], ['atomic', true, false, true],
  ];
  for (const [name, first, more, last] of cases) {
    const s = skbOf(P[name], net);
    assert.equal(check(6, m('--fragfirst'), s)[0], first, `${name} --fragfirst`);
    assert.equal(check(6, m('--fragmore'), s)[0], more, `${name} --fragmore`);
    assert.equal(check(6, m('--fraglast'), s)[0], last, `${name} --fraglast`);
  }
  assert.equal(check(6, m('--fragfirst', '--fraglast'), skbOf(P.atomic, net))[0], true);
  assert.equal(check(6, m('--fragfirst', '--fraglast'), skbOf(P.first, net))[0], false);
});

test('--fragres wants the reserved byte and the two reserved bits zero; --fraglen is not tested', () => {
  assert.equal(check(6, m('--fragres'), skbOf(P.first, net))[0], true);
  assert.equal(check(6, m('--fragres'), skbOf(P.resByte, net))[0], false);
  assert.equal(check(6, m('--fragres'), skbOf(P.resBits, net))[0], false);
  assert.equal(check(6, m('--fragmore'), skbOf(P.resBits, net))[0], true);
  assert.equal(check(6, m('--fraglen', '99'), skbOf(P.first, net))[0], true);
  assert.equal(check(6, m('!', '--fraglen', '8'), skbOf(P.first, net))[0], true);
});

test('hotdrop: a fragment header cut short, or a chain running off the end', () => {
  assert.deepEqual(check(6, m(), skbOf(P.short, net)), [false, true]);
  assert.deepEqual(check(6, m(), skbOf(P.tiny, net)), [false, true]);
  assert.deepEqual(check(6, m(), skbOf(P.afterBadHop, net)), [false, true]);
});

test('frag: same counters and drops as the kernel', (t) => {
  const rules = [
    m(), m('--fragid', '5'), m('!', '--fragid', '5'), m('--fragid', '4:6'), m('--fragid', '6:4'), m('--fragfirst'),
    m('--fragmore'), m('--fraglast'), m('--fragres'), m('--fraglen', '99'), m('--fragfirst', '--fraglast'),
    m('!', '--fragid', '0:4294967295'), m('--fragid', '4294967295'), m('--fragres', '--fragmore', '!', '--fragid', '6'),
  ];
  assertSameAsKernelPackets(t, rules, P);
});
