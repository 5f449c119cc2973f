// REJECT's packet function against the answers the real kernel gave (REJECT.packet.fixtures.ts):
// nf_reject_ipv4.c / nf_reject_ipv6.c for the RST, icmp.c __icmp_send / icmp6_send for the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NF_DROP } from '../../engine/verdict';
import { ipv4SetChecksum } from '../../wire/ipv4';
import { hex } from '../../wire/fixtures';
import { PacketView } from '../../wire/packet';
import { KERNEL_REJECT } from './REJECT.packet.fixtures';
import { REJECT4, REJECT6 } from './REJECT';
import { makeNet, skbOf, toHex } from './target-testkit';

// Indexes into REJECT.ts's --reject-with tables (enum ipt_reject_with / ip6t_reject_with).
const V4 = { netUnreach: 0, portUnreach: 3, hostProhib: 6, tcpReset: 7, adminProhib: 8 };
const V6 = { admProhib: 1, portUnreach: 4, tcpReset: 6 };

/** The rule each probe met in the kernel's namespace. */
const RULE: Record<string, [4 | 6, number]> = {
  v4_rst_syn: [4, V4.tcpReset], v4_rst_ack_data: [4, V4.tcpReset], v4_rst_fin_data: [4, V4.tcpReset], v4_rst_to_rst: [4, V4.tcpReset],
  v4_port_unreach: [4, V4.portUnreach], v4_host_prohib: [4, V4.hostProhib], v4_admin_big: [4, V4.adminProhib],
  v4_icmp_echo_net: [4, V4.netUnreach], v4_icmp_err_quiet: [4, V4.netUnreach],
  v4_bad_csum_udp: [4, V4.portUnreach], v4_udp_nocsum: [4, V4.portUnreach], v4_bcast: [4, V4.portUnreach],
  v4_proto99: [4, V4.portUnreach], v4_proto99_zero: [4, V4.portUnreach],
  v6_rst_syn: [6, V6.tcpReset], v6_rst_ack_data: [6, V6.tcpReset],
  v6_port_unreach: [6, V6.portUnreach], v6_adm_big: [6, V6.admProhib], v6_port_unreach_tc: [6, V6.portUnreach],
  v6_udp_nocsum: [6, V6.portUnreach], v6_icmp_echo: [6, V6.portUnreach],
};

/** Copy the fields the kernel randomises (IPv4 ID of ICMP errors, IPv6 flow label) from the kernel's bytes. */
function normalise(ours: Uint8Array, kernel: Uint8Array): Uint8Array {
  const o = ours.slice();
  if ((o[0] >> 4) === 4 && o[9] === 1) {
    o[4] = kernel[4]; o[5] = kernel[5];
    ipv4SetChecksum(o, 0);
  } else if ((o[0] >> 4) === 6 && o[6] === 58) {
    o[1] = (o[1] & 0xf0) | (kernel[1] & 0x0f); o[2] = kernel[2]; o[3] = kernel[3];
  }
  return o;
}

for (const [name, probe] of Object.entries(KERNEL_REJECT)) {
  test(`REJECT ${name}: the kernel's answer`, () => {
    const [family, withIdx] = RULE[name];
    const net = makeNet();
    const skb = skbOf(net, probe.sent);
    const ext = family === 4 ? REJECT4 : REJECT6;
    const v = ext.target!(skb, { with: withIdx, xflags: 0 });
    assert.equal(v, NF_DROP);
    assert.equal(net.emitted.length, probe.got.length, `answers to ${name}`);
    for (let i = 0; i < probe.got.length; i++) {
      assert.equal(net.emitted[i].origin, 'reject');
      const k = hex(probe.got[i]);
      assert.equal(toHex(normalise(net.emitted[i].bytes, k)), probe.got[i]);
    }
  });
}

test('REJECT: the RST carries ID 0 with DF, the ICMP error a fresh ID without DF', () => {
  const net = makeNet(undefined, 12345);
  REJECT4.target!(skbOf(net, KERNEL_REJECT.v4_rst_syn.sent), { with: V4.tcpReset, xflags: 0 });
  REJECT4.target!(skbOf(net, KERNEL_REJECT.v4_port_unreach.sent), { with: V4.portUnreach, xflags: 0 });
  REJECT4.target!(skbOf(net, KERNEL_REJECT.v4_port_unreach.sent), { with: V4.portUnreach, xflags: 0 });
  const [rst, e1, e2] = net.emitted.map((e) => e.bytes);
  assert.deepEqual([rst[4], rst[5], rst[6]], [0, 0, 0x40]);
  assert.equal(e1[6], 0);
  assert.notEqual((e1[4] << 8) | e1[5], (e2[4] << 8) | e2[5]);
  // Each answer is a valid packet with correct checksums.
  for (const b of net.emitted) {
    const pv = new PacketView();
    assert.equal(pv.parse(b.bytes, 0, b.bytes.length), 0);
    assert.ok(pv.ipv4ChecksumOk() && pv.l4ChecksumOk());
  }
});

test('REJECT: the TTL and hop limit follow the sysctls', () => {
  const net = makeNet();
  net.host.sysctl['net.ipv4.ip_default_ttl'] = '99';
  net.host.sysctl['net.ipv6.conf.vb.hop_limit'] = '17';
  REJECT4.target!(skbOf(net, KERNEL_REJECT.v4_rst_syn.sent), { with: V4.tcpReset, xflags: 0 });
  REJECT6.target!(skbOf(net, KERNEL_REJECT.v6_rst_syn.sent), { with: V6.tcpReset, xflags: 0 });
  REJECT6.target!(skbOf(net, KERNEL_REJECT.v6_port_unreach.sent), { with: V6.portUnreach, xflags: 0 });
  assert.equal(net.emitted[0].bytes[8], 99);
  assert.equal(net.emitted[1].bytes[7], 17);
  assert.equal(net.emitted[2].bytes[7], 17);
});

test('REJECT: the same ICMPv6 flow keeps its flow label; another code gets another', () => {
  const net = makeNet();
  const p = KERNEL_REJECT.v6_port_unreach.sent;
  REJECT6.target!(skbOf(net, p), { with: V6.portUnreach, xflags: 0 });
  REJECT6.target!(skbOf(net, p), { with: V6.portUnreach, xflags: 0 });
  REJECT6.target!(skbOf(net, p), { with: V6.admProhib, xflags: 0 });
  const fl = (b: Uint8Array): number => ((b[1] & 0x0f) << 16) | (b[2] << 8) | b[3];
  const [a, b, c] = net.emitted.map((e) => fl(e.bytes));
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('REJECT: no answer when there is no route back; the packet is dropped anyway', () => {
  const net = makeNet();
  // From 192.0.2.1: host B has no route there.
  const pv = new PacketView();
  const sent = hex(KERNEL_REJECT.v4_rst_syn.sent);
  sent.set([192, 0, 2, 1], 12);
  ipv4SetChecksum(sent, 0);
  pv.parse(sent, 0, sent.length);
  pv.setL4Checksum();
  assert.equal(REJECT4.target!(skbOf(net, sent), { with: V4.tcpReset, xflags: 0 }), NF_DROP);
  assert.equal(REJECT4.target!(skbOf(net, sent), { with: V4.portUnreach, xflags: 0 }), NF_DROP);
  assert.equal(net.emitted.length, 0);
});

test('REJECT: a locally generated packet is answered without a checksum check (CHECKSUM_PARTIAL)', () => {
  const net = makeNet();
  const sent = hex(KERNEL_REJECT.v4_bad_csum_udp.sent);
  const skb = skbOf(net, sent, 'OUTPUT');
  skb.local = true;
  REJECT4.target!(skb, { with: V4.portUnreach, xflags: 0 });
  assert.equal(net.emitted.length, 1);
  // The quote is the whole 36-byte datagram behind the 20+8 bytes of headers.
  assert.equal(net.emitted[0].bytes.length, 20 + 8 + 36);
});

test('REJECT: a non-first IPv4 fragment gets no answer', () => {
  const net = makeNet();
  // 10.99.0.1 -> 10.99.0.2 proto 17, offset 80 bytes, 16 bytes of data.
  const p = hex('4500002477770000401104f60a6300010a6300027a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a');
  p[6] = 0; p[7] = 10; ipv4SetChecksum(p, 0);
  REJECT4.target!(skbOf(net, p), { with: V4.portUnreach, xflags: 0 });
  assert.equal(net.emitted.length, 0);
});
