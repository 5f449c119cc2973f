/**
 * Neighbour discovery wire format: NS/NA built as ndisc_send_ns /
 * ndisc_send_na do, byte-compared with scapy (fixtures printed by
 * /usr/bin/python3 with scapy 2.5: IPv6(hlim=255)/ICMPv6ND_NS(...)/
 * ICMPv6NDOptSrcLLAddr(...) and the NA equivalents), and the checks of
 * ndisc_rcv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIPv6 } from '../util/addr';
import { NDISC_NEIGHBOUR_ADVERTISEMENT, NDISC_NEIGHBOUR_SOLICITATION } from './icmpv6';
import { buildNa, buildNs, ipv6MulticastMac, isSolicitedNode, ND_NA_OVERRIDE, ND_NA_ROUTER, ND_NA_SOLICITED, NdMessage, parseNdisc, solicitedNode } from './ndisc';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ip6 = (s: string): Uint8Array => parseIPv6(s)!;
const MAC1 = hex('020000000001'), MAC2 = hex('020000000002');

const NS_MCAST = '6000000000203afffe800000000000000000000000000001ff0200000000000000000001ff00000287004b5f0000000020010db80000000000000000000000020101020000000001';
const NS_UCAST = '6000000000203afffe80000000000000000000000000000120010db800000000000000000000000287001bab0000000020010db80000000000000000000000020101020000000001';
const NA_RSO = '6000000000203aff20010db8000000000000000000000002fe800000000000000000000000000001880039a9e000000020010db80000000000000000000000020201020000000002';
const NA_S = '6000000000183aff20010db8000000000000000000000002fe8000000000000000000000000000018800ddb44000000020010db8000000000000000000000002';

test('ndisc: solicited-node group and multicast MAC', () => {
  const g = new Uint8Array(16);
  solicitedNode(ip6('2001:db8::12:3456:789a'), 0, g, 0);
  assert.equal(toHex(g), toHex(ip6('ff02::1:ff56:789a')));
  assert.equal(isSolicitedNode(g, 0), true);
  assert.equal(isSolicitedNode(ip6('ff02::1'), 0), false);
  const m = new Uint8Array(6);
  ipv6MulticastMac(g, 0, m, 0);
  assert.equal(toHex(m), '3333ff56789a');
});

test('ndisc: NS to the solicited-node group and unicast, like scapy', () => {
  const b = new Uint8Array(100);
  const tgt = ip6('2001:db8::2');
  const g = new Uint8Array(16);
  solicitedNode(tgt, 0, g, 0);
  let n = buildNs(b, 0, ip6('fe80::1'), 0, g, 0, tgt, 0, MAC1);
  assert.equal(toHex(b.subarray(0, n)), NS_MCAST);
  n = buildNs(b, 0, ip6('fe80::1'), 0, tgt, 0, tgt, 0, MAC1);
  assert.equal(toHex(b.subarray(0, n)), NS_UCAST);
});

test('ndisc: NA with and without TLLAO, like scapy', () => {
  const b = new Uint8Array(100);
  let n = buildNa(b, 0, ip6('2001:db8::2'), 0, ip6('fe80::1'), 0, ip6('2001:db8::2'), 0, ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE, MAC2);
  assert.equal(toHex(b.subarray(0, n)), NA_RSO);
  n = buildNa(b, 0, ip6('2001:db8::2'), 0, ip6('fe80::1'), 0, ip6('2001:db8::2'), 0, ND_NA_SOLICITED, null);
  assert.equal(toHex(b.subarray(0, n)), NA_S);
});

test('ndisc: parse finds target, flags and options', () => {
  const m = new NdMessage();
  let p = hex(NS_MCAST);
  assert.equal(parseNdisc(p, 0, p.length, m), true);
  assert.equal(m.type, NDISC_NEIGHBOUR_SOLICITATION);
  assert.equal(toHex(p.subarray(m.target, m.target + 16)), toHex(ip6('2001:db8::2')));
  assert.equal(toHex(p.subarray(m.sllao, m.sllao + 6)), '020000000001');
  assert.equal(m.tllao, -1);
  p = hex(NA_RSO);
  assert.equal(parseNdisc(p, 0, p.length, m), true);
  assert.equal(m.type, NDISC_NEIGHBOUR_ADVERTISEMENT);
  assert.equal(m.flags, ND_NA_ROUTER | ND_NA_SOLICITED | ND_NA_OVERRIDE);
  assert.equal(toHex(p.subarray(m.tllao, m.tllao + 6)), '020000000002');
  p = hex(NA_S);
  assert.equal(parseNdisc(p, 0, p.length, m), true);
  assert.equal(m.flags, ND_NA_SOLICITED);
  assert.equal(m.tllao, -1);
});

test('ndisc: parse refuses what ndisc_rcv drops', () => {
  const m = new NdMessage();
  const bad = (base: string, patch: (p: Uint8Array) => void, why: string): void => {
    const p = hex(base);
    patch(p);
    assert.equal(parseNdisc(p, 0, p.length, m), false, why);
  };
  bad(NS_MCAST, (p) => { p[7] = 64; }, 'hop limit not 255');
  bad(NS_MCAST, (p) => { p[41] = 1; }, 'code not 0');
  bad(NS_MCAST, (p) => { p[42] ^= 1; }, 'bad checksum');
  bad(NS_MCAST, (p) => { p[40 + 25] = 0; }, 'option of length 0');
  bad(NA_S, (p) => { p[24] = 0xff; p[25] = 0x02; p.fill(0, 26, 39); p[39] = 1; }, 'solicited NA to multicast (checksum also wrong)');
  const p = hex(NS_MCAST);
  assert.equal(parseNdisc(p, 0, p.length - 1, m), false, 'truncated');
});
