/**
 * ipv6header match packet function (net/ipv6/netfilter/ip6t_ipv6header.c
 * ipv6header_mt6), on packets built byte by byte. The expectations are the
 * kernel's; the last test sends every packet through the real kernel
 * (filter OUTPUT in a throwaway namespace) and compares the counters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, skbOf } from './packet-testkit';
import { assertSameAsKernelPackets, v6 } from './exthdr-testkit';

const net = makeNet();


/* ---- ipv6header ---- */

const UDP = 17;
const NONE = 59;
const DATA = [0x13, 0x88, 0x13, 0x89, 0, 8, 0, 0];
const OPTS8 = [0, 1, 4, 0, 0, 0, 0];

const P = {
  udp: v6([], UDP, DATA),
  none: v6([], NONE),
  hopUdp: v6([[0, OPTS8]], UDP, DATA),
  // Every kind but ESP: Hop-by-Hop, Destination, Routing (type 2), first fragment, AH, then UDP.
  all: v6([[0, OPTS8], [60, OPTS8], [43, [2, 2, 1, 0, 0, 0, 0, ...new Array<number>(16).fill(0x11)]], [44, [0, 0, 1, 0, 0, 0, 1]], [51, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]]], UDP, DATA),
  hopEsp: v6([[0, OPTS8]], 50, [0, 0, 1, 0, 0, 0, 0, 1]),
  // One byte after the fixed header where ESP should start: no match at all.
  espShort: v6([], 50, [0]),
  // A later fragment whose data looks like a Destination Options header: the walk goes on into it.
  laterFragDst: v6([[44, [0, 0, 8, 0, 0, 0, 1]]], 60, [NONE, 0, 1, 4, 0, 0, 0, 0]),
  // Hop-by-Hop claiming 48 bytes of 8: the walk stops past the end, its next header (UDP) counts.
  hopRunsOff: v6([[0, [5, 1, 4, 0, 0, 0, 0]]], UDP),
  // Hop-by-Hop announcing a Destination Options header that is not there.
  hopEndsExactly: v6([[0, OPTS8]], 60),
  ahUdp: v6([[51, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]]], UDP, DATA),
};

const h = (...a: string[]): string[] => ['-m', 'ipv6header', ...a];

const RULES = [
  h('--header', 'prot'), h('--header', 'none'), h('--header', 'hop,prot'), h('--header', 'hop', '--soft'),
  h('!', '--header', 'hop', '--soft'), h('!', '--header', 'prot'), h('--header', 'hop,dst,route,frag,auth,prot'),
  h('--header', 'frag,dst,none'), h('--header', 'esp', '--soft'), h('--header', 'hop,esp'), h('--header', 'frag,auth', '--soft'),
  h('!', '--header', 'frag,auth', '--soft'), h('--header', 'hop,dst', '--soft'), h('--header', 'auth,prot'),
];

/** Which of RULES match the packet (1/0), none hotdropping. */
function hits(pkt: Uint8Array): number[] {
  return RULES.map((r) => {
    const [ok, hotdrop] = check(6, r, skbOf(pkt, net));
    assert.equal(hotdrop, false);
    return ok ? 1 : 0;
  });
}

test('without --soft the set of headers must be exactly the listed one (inverted: differ)', () => {
  //                          1  2  3  4  5  6  7  8  9 10 11 12 13 14
  assert.deepEqual(hits(P.udp), [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(hits(P.none), [0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(hits(P.hopUdp), [0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(hits(P.ahUdp), [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
});

test('with --soft every listed header must be there (inverted: none of them)', () => {
  assert.deepEqual(hits(P.all), [0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0]);
  assert.deepEqual(hits(P.hopEsp), [0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0]);
});

test('ESP and NONE end the walk; a later fragment is walked into; a short chain matches nothing', () => {
  assert.deepEqual(hits(P.laterFragDst), [0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(hits(P.hopRunsOff), [0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(hits(P.espShort), new Array<number>(RULES.length).fill(0));
  assert.deepEqual(hits(P.hopEndsExactly), new Array<number>(RULES.length).fill(0));
});

test('ipv6header: same counters as the kernel', (t) => {
  assertSameAsKernelPackets(t, RULES, P);
});
