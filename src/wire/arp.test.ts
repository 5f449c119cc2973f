/**
 * ARP wire format: frames built as arp_create builds them, compared with
 * scapy's (fixtures printed by /usr/bin/python3 with scapy 2.5:
 * Ether()/ARP(...)), and the parser's checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArpMessage, ARPOP_REPLY, ARPOP_REQUEST, ARP_FRAME_LEN, buildArpFrame, ipv4MulticastMac, parseArp } from './arp';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const MAC1 = hex('020000000001'), MAC2 = hex('020000000002');
const IP1 = 0x0a000001, IP2 = 0x0a000002;

// Ether(dst='ff:..',src=MAC1)/ARP(op=1,hwsrc=MAC1,psrc='10.0.0.1',hwdst=0,pdst='10.0.0.2')
const REQUEST = 'ffffffffffff020000000001080600010800060400010200000000010a0000010000000000000a000002';
// Ether(dst=MAC2,src=MAC1)/ARP(op=2,hwsrc=MAC1,psrc='10.0.0.1',hwdst=MAC2,pdst='10.0.0.2')
const REPLY = '020000000002020000000001080600010800060400020200000000010a0000010200000000020a000002';

test('arp: a request is broadcast with a zero target MAC, 42 bytes, like scapy', () => {
  const b = new Uint8Array(64).fill(0xee);
  const n = buildArpFrame(b, 0, ARPOP_REQUEST, null, 0, MAC1, 0, IP1, null, 0, IP2);
  assert.equal(n, ARP_FRAME_LEN);
  assert.equal(toHex(b.subarray(0, n)), REQUEST);
  assert.equal(b[n], 0xee, 'nothing written past the frame (no padding)');
});

test('arp: a reply goes to the asker, at an offset', () => {
  const b = new Uint8Array(50);
  const n = buildArpFrame(b, 4, ARPOP_REPLY, MAC2, 0, MAC1, 0, IP1, MAC2, 0, IP2);
  assert.equal(toHex(b.subarray(4, 4 + n)), REPLY);
});

test('arp: parse gives opcode, addresses and offsets', () => {
  const f = hex(REPLY);
  const m = new ArpMessage();
  assert.equal(parseArp(f, 14, f.length, m), true);
  assert.equal(m.op, ARPOP_REPLY);
  assert.equal(m.spa, IP1);
  assert.equal(m.tpa, IP2);
  assert.equal(toHex(f.subarray(m.sha, m.sha + 6)), '020000000001');
  assert.equal(toHex(f.subarray(m.tha, m.tha + 6)), '020000000002');
});

test('arp: parse refuses what arp_rcv/arp_process drop', () => {
  const m = new ArpMessage();
  const bad = (patch: (f: Uint8Array) => void, why: string): void => {
    const f = hex(REQUEST);
    patch(f);
    assert.equal(parseArp(f, 14, f.length, m), false, why);
  };
  bad((f) => { f[14 + 1] = 7; }, 'hardware type');
  bad((f) => { f[14 + 2] = 0x86; f[14 + 3] = 0xdd; }, 'protocol');
  bad((f) => { f[14 + 4] = 8; }, 'hardware length');
  bad((f) => { f[14 + 5] = 16; }, 'protocol length');
  bad((f) => { f[14 + 7] = 3; }, 'opcode (RARP)');
  const f = hex(REQUEST);
  assert.equal(parseArp(f, 14, f.length - 1, m), false, 'truncated');
  f[14 + 1] = 6;
  assert.equal(parseArp(f, 14, f.length, m), true, 'IEEE 802 hardware type accepted');
});

test('arp: RFC 1112 multicast MAC keeps the low 23 bits', () => {
  const ip = Uint8Array.from([239, 255, 1, 2]);
  const out = new Uint8Array(6);
  ipv4MulticastMac(ip, 0, out, 0);
  assert.equal(toHex(out), '01005e7f0102');
  ipv4MulticastMac(Uint8Array.from([224, 0, 0, 1]), 0, out, 0);
  assert.equal(toHex(out), '01005e000001');
});
