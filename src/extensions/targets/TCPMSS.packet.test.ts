// TCPMSS packet function (xt_TCPMSS.c tcpmss_mangle_packet, tcpmss_tg4/tcpmss_tg6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NF_DROP, XT_CONTINUE } from '../../engine/verdict';
import { buildTcp4, buildTcp6 } from '../../wire/build';
import { FIX, hex } from '../../wire/fixtures';
import { parseIp } from '../../host/prefix';
import { addAddr, addLink, setLinkUp } from '../../host/link';
import { TCPMSS4, TCPMSS6 } from './TCPMSS';
import { hostB, makeNet, skbOf, targetData } from './target-testkit';

function mssOf(skb: ReturnType<typeof skbOf>): number {
  const o = skb.view.mssOffset();
  return o < 0 ? -1 : (skb.view.buf[o + 2] << 8) | skb.view.buf[o + 3];
}

test('--set-mss lowers the MSS option and keeps the checksum right; it never raises it', () => {
  // tcp4_syn carries MSS 1460.
  const skb = skbOf(makeNet(), FIX.tcp4_syn, 'FORWARD', 'mangle');
  assert.equal(TCPMSS4.target!(skb, targetData(TCPMSS4, 4, ['--set-mss', '1400'])), XT_CONTINUE);
  assert.equal(mssOf(skb), 1400);
  assert.ok(skb.view.l4ChecksumOk());
  TCPMSS4.target!(skb, targetData(TCPMSS4, 4, ['--set-mss', '1450']));
  assert.equal(mssOf(skb), 1400);
});

test('--clamp-mss-to-pmtu uses the smaller of the out route MTU and the MTU back to the sender', () => {
  const h = hostB();
  addLink(h, 'wan', 'dummy', { mtu: 1400 });
  setLinkUp(h, 'wan', true);
  addAddr(h, 'wan', 4, parseIp(4, '198.51.100.1')!, 24);
  addAddr(h, 'vb', 4, parseIp(4, '192.0.2.254')!, 24);
  const skb = skbOf(makeNet(h), FIX.tcp4_syn, 'FORWARD', 'mangle'); // 192.0.2.1 -> 198.51.100.2
  skb.outdev = 'wan';
  TCPMSS4.target!(skb, targetData(TCPMSS4, 4, ['--clamp-mss-to-pmtu']));
  assert.equal(mssOf(skb), 1400 - 40);
  assert.ok(skb.view.l4ChecksumOk());
});

test('a SYN without MSS option gets one, at most 536 (IPv4) / 1220 (IPv6); lengths and checksums follow', () => {
  const b = new Uint8Array(100);
  const n = buildTcp4(b, 0, { tos: 0, id: 1, fragWord: 0x4000, ttl: 64, protocol: 6, saddr: 0xc0000201, daddr: 0xc6336402, options: null },
    { sport: 1000, dport: 80, seq: 5, ack: 0, flags: 0x02, window: 100, urgPtr: 0, options: Uint8Array.from([1, 1, 4, 2]) }, null);
  // A buffer exactly as long as the packet: the target must move it to grow it.
  const skb = skbOf(makeNet(), b.slice(0, n), 'FORWARD', 'mangle');
  TCPMSS4.target!(skb, targetData(TCPMSS4, 4, ['--set-mss', '1400']));
  const v = skb.view;
  assert.equal(v.ipEnd - v.l3, n + 4);
  assert.equal(v.tcpHeaderLen, 28);
  assert.equal(mssOf(skb), 536);
  // The old options follow the new one.
  assert.deepEqual([...v.buf.subarray(v.l4 + 24, v.l4 + 28)], [1, 1, 4, 2]);
  assert.ok(v.ipv4ChecksumOk() && v.l4ChecksumOk());

  const b6 = new Uint8Array(200);
  const a = parseIp(6, 'fd00:99::1')!, z = parseIp(6, 'fd00:99::2')!;
  const n6 = buildTcp6(b6, 0, { trafficClass: 0, flowLabel: 0, nexthdr: 6, hopLimit: 64, src: a, srcOff: 0, dst: z, dstOff: 0 },
    { sport: 1000, dport: 80, seq: 5, ack: 0, flags: 0x02, window: 100, urgPtr: 0, options: null }, null);
  const s6 = skbOf(makeNet(), b6.slice(0, n6), 'FORWARD', 'mangle');
  TCPMSS6.target!(s6, targetData(TCPMSS6, 6, ['--set-mss', '1300']));
  assert.equal(mssOf(s6), 1220);
  assert.equal((s6.view.buf[4] << 8) | s6.view.buf[5], 24);
  assert.ok(s6.view.l4ChecksumOk());
});

test('no option is added to a segment with data; a truncated TCP header is dropped', () => {
  const skb = skbOf(makeNet(), FIX.tcp4_ack_data, 'FORWARD', 'mangle');
  const before = hex(FIX.tcp4_ack_data);
  assert.equal(TCPMSS4.target!(skb, targetData(TCPMSS4, 4, ['--set-mss', '500'])), XT_CONTINUE);
  assert.deepEqual([...skb.view.buf.subarray(0, before.length)], [...before]);
  const p = hex(FIX.tcp4_syn);
  p[32] = 0xf0; // data offset 60, more than the packet holds
  const bad = skbOf(makeNet(), p, 'FORWARD', 'mangle');
  assert.equal(TCPMSS4.target!(bad, targetData(TCPMSS4, 4, ['--set-mss', '500'])), NF_DROP);
});

test('clamping with a path MTU not above the headers drops the packet (unknown or invalid path-MTU)', () => {
  const h = hostB();
  addLink(h, 'tiny', 'dummy');
  setLinkUp(h, 'tiny', true);
  // An MTU of 60 (as a route's mtu metric could say): not above the 60 bytes of IPv6 + TCP headers.
  h.ifaces.find((i) => i.name === 'tiny')!.mtu = 60;
  const skb = skbOf(makeNet(h), FIX.tcp6_synack, 'FORWARD', 'mangle');
  skb.outdev = 'tiny';
  assert.equal(TCPMSS6.target!(skb, targetData(TCPMSS6, 6, ['--clamp-mss-to-pmtu'])), NF_DROP);
});
