import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  VNET_HDR_LEN, VnetHdr, completeChecksum, etherL3Offset, parseVnetHdr, segmentOffloaded, segmentTcp, segmentUdp, writeVnetHdrNone,
  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_HDR_GSO_UDP, VIRTIO_NET_HDR_GSO_UDP_L4,
} from './offload';

/** python3 with scapy (Debian's python3-scapy), or null. */
function scapyPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import scapy'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

function needScapy(t: { skip(msg: string): void }): string | null {
  const py = scapyPython();
  if (py) return py;
  if (process.env.CI === 'true') assert.fail('python3 with scapy is required under CI');
  t.skip('python3 with scapy is not installed');
  return null;
}

// scapy builds each super-packet with the checksum field holding only the
// pseudo-header sum (what CHECKSUM_PARTIAL leaves there), and the segments
// the kernel's GSO would produce from it, with scapy's own lengths and checksums.
const SCAPY = String.raw`
import json, struct, sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, raw
from scapy.layers.inet6 import IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, PadN

def fold(s):
    while s > 0xffff: s = (s & 0xffff) + (s >> 16)
    return s
def words(b):
    if len(b) % 2: b += b'\0'
    return sum(struct.unpack('!%dH' % (len(b) // 2), b))
def pseudo(pkt, proto, l4len):
    ip = pkt.getlayer(IP) or pkt.getlayer(IPv6)
    if ip.version == 4:
        ph = bytes(map(int, ip.src.split('.'))) + bytes(map(int, ip.dst.split('.'))) + struct.pack('!HH', proto, l4len)
    else:
        import socket
        ph = socket.inet_pton(socket.AF_INET6, ip.src) + socket.inet_pton(socket.AF_INET6, ip.dst) + struct.pack('!IxxxB', l4len, proto)
    return fold(words(ph))
def partial(pkt, l4cls, proto):
    """The packet as CHECKSUM_PARTIAL leaves it: the pseudo-header sum in the checksum field."""
    b = bytearray(raw(pkt))
    l4 = len(b) - len(raw(pkt[l4cls]))
    at = l4 + (16 if proto == 6 else 6)
    struct.pack_into('!H', b, at, pseudo(pkt, proto, len(b) - l4))
    return bytes(b), l4, at - l4

pattern = bytes((i * 7 + 3) % 251 for i in range(9000))
E = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
cases = []

def tcp_case(name, link, net, ecnflags, seq, size, mss, ipv):
    payload = pattern[:size]
    sup = (net if link is None else link / net) / TCP(sport=40000, dport=5201, seq=seq, ack=77, flags=ecnflags, window=502,
                           options=[('NOP', None), ('NOP', None), ('Timestamp', (1000, 2000))]) / Raw(payload)
    b, l4, _ = partial(sup, TCP, 6)
    segs = []
    n = max(1, -(-size // mss))
    for i in range(n):
        piece = payload[i * mss:(i + 1) * mss]
        f = ecnflags
        if i < n - 1: f = f.replace('F', '').replace('P', '')
        if i > 0: f = f.replace('C', '')
        n2 = net.copy()
        if ipv == 4:
            n2.id = (net.id + i) & 0xffff
            del n2.len; del n2.chksum
        else:
            del n2.plen
        seg = (n2 if link is None else link / n2) / TCP(sport=40000, dport=5201, seq=(seq + i * mss) & 0xffffffff, ack=77, flags=f, window=502,
                              options=[('NOP', None), ('NOP', None), ('Timestamp', (1000, 2000))]) / Raw(piece)
        segs.append(raw(seg).hex())
    cases.append(dict(name=name, kind='tcp', l3=len(raw(link)) if link is not None else 0, gso=mss, packet=b.hex(), segments=segs))

tcp_case('tcp4 over Ethernet, seq wraps, FIN+PSH+CWR', E, IP(src='10.9.0.1', dst='10.9.0.2', id=65534, flags='DF', ttl=64),
         'FPAC', 0xfffff000, 5000, 1448, 4)
tcp_case('tcp4 bare IP (TUN), exact multiple', None, IP(src='192.0.2.1', dst='198.51.100.7', id=1000, ttl=63), 'PA', 1, 4 * 1400, 1400, 4)
tcp_case('tcp6 over Ethernet', E, IPv6(src='2001:db8::1', dst='2001:db8::2', hlim=64), 'PA', 123456, 4000, 1428, 6)
tcp_case('tcp6 with hop-by-hop and destination options', E,
         IPv6(src='2001:db8::1', dst='2001:db8::2', hlim=64) / IPv6ExtHdrHopByHop(options=[PadN(optdata=b'\0\0\0\0')]) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b'\0\0\0\0')]),
         'A', 5, 3000, 1000, 6)

# USO: one UDP super-datagram, gso_size 1200, cut into datagrams of their own.
def udp_case(name, net, size, gso, ipv):
    payload = pattern[:size]
    sup = E / net / UDP(sport=4433, dport=443) / Raw(payload)
    b, _, _ = partial(sup, UDP, 17)
    segs = []
    for i in range(-(-size // gso)):
        n2 = net.copy()
        if ipv == 4:
            n2.id = net.id + i
            del n2.len; del n2.chksum
        else:
            del n2.plen
        segs.append(raw(E / n2 / UDP(sport=4433, dport=443) / Raw(payload[i * gso:(i + 1) * gso])).hex())
    cases.append(dict(name=name, kind='udp', l3=14, gso=gso, packet=b.hex(), segments=segs))
udp_case('udp4 USO', IP(src='10.9.0.1', dst='10.9.0.2', id=7, ttl=64), 3000, 1200, 4)
udp_case('udp6 USO', IPv6(src='2001:db8::1', dst='2001:db8::2'), 2500, 1000, 6)

# Checksum completion of plain CHECKSUM_PARTIAL packets.
csums = []
for pkt, cls, proto in [
    (E / IP(src='10.9.0.1', dst='10.9.0.2') / TCP(sport=1, dport=2, seq=9, flags='PA') / Raw(pattern[:333]), TCP, 6),
    (E / IP(src='10.9.0.1', dst='10.9.0.2') / UDP(sport=53, dport=5353) / Raw(pattern[:101]), UDP, 17),
    (E / IPv6(src='fe80::1', dst='ff02::fb') / UDP(sport=5353, dport=5353) / Raw(pattern[:64]), UDP, 17),
    (IPv6(src='2001:db8::1', dst='2001:db8::2') / TCP(sport=443, dport=50000, flags='SA') , TCP, 6),
]:
    b, l4, coff = partial(pkt, cls, proto)
    csums.append(dict(partial=b.hex(), full=raw(pkt).hex(), start=l4, offset=coff))
print(json.dumps(dict(cases=cases, csums=csums)))
`;

interface Case { name: string; kind: 'tcp' | 'udp'; l3: number; gso: number; packet: string; segments: string[] }
interface Csum { partial: string; full: string; start: number; offset: number }

let scapyOut: { cases: Case[]; csums: Csum[] } | undefined;

/** The fixtures, built once per run. */
function runScapy(py: string): { cases: Case[]; csums: Csum[] } {
  if (scapyOut) return scapyOut;
  const r = spawnSync(py, ['-c', SCAPY], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return (scapyOut = JSON.parse(r.stdout) as { cases: Case[]; csums: Csum[] });
}

function collect(): { sink: (b: Uint8Array, o: number, l: number) => void; got: string[] } {
  const got: string[] = [];
  return { got, sink: (b, o, l) => { got.push(Buffer.from(b.subarray(o, o + l)).toString('hex')); } };
}

test('segmentTcp/segmentUdp cut super-packets exactly as scapy builds the segments', (t) => {
  const py = needScapy(t);
  if (!py) return;
  const { cases } = runScapy(py);
  assert.equal(cases.length, 6);
  const out = new Uint8Array(2048);
  for (const c of cases) {
    const pkt = Buffer.from(c.packet, 'hex');
    // Place the packet at an odd offset of a bigger buffer: offsets must be honoured.
    const big = new Uint8Array(pkt.length + 13);
    big.set(pkt, 13);
    const { sink, got } = collect();
    const n = (c.kind === 'tcp' ? segmentTcp : segmentUdp)(big, 13, pkt.length, c.l3, c.gso, out, sink);
    assert.equal(n, c.segments.length, c.name);
    assert.equal(got.length, c.segments.length, c.name);
    for (let i = 0; i < got.length; i++) assert.equal(got[i], c.segments[i], `${c.name}: segment ${i}`);
    // The input is left as it was.
    assert.deepEqual(Buffer.from(big.subarray(13)), pkt, c.name);
  }
});

test('completeChecksum fills a partial checksum as scapy computes it in full', (t) => {
  const py = needScapy(t);
  if (!py) return;
  const { csums } = runScapy(py);
  assert.equal(csums.length, 4);
  for (const c of csums) {
    const b = Buffer.from(c.partial, 'hex');
    assert.notEqual(b.toString('hex'), c.full); // the fixture really is partial
    assert.equal(completeChecksum(b, 0, b.length, c.start, c.offset), true);
    assert.equal(b.toString('hex'), c.full);
  }
});

test('segmentOffloaded: virtio-net header in front, GSO and checksum-only packets', (t) => {
  const py = needScapy(t);
  if (!py) return;
  const { cases, csums } = runScapy(py);
  const out = new Uint8Array(2048);
  const tcp4 = cases[0];
  const pkt = Buffer.from(tcp4.packet, 'hex');
  const withHdr = Buffer.alloc(VNET_HDR_LEN + pkt.length);
  // flags NEEDS_CSUM, gso TCPV4|ECN, hdr_len 66, gso_size, csum_start 34, csum_offset 16 (little-endian).
  withHdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  withHdr[1] = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
  withHdr.writeUInt16LE(66, 2); withHdr.writeUInt16LE(tcp4.gso, 4); withHdr.writeUInt16LE(34, 6); withHdr.writeUInt16LE(16, 8);
  pkt.copy(withHdr, VNET_HDR_LEN);
  let c = collect();
  assert.equal(segmentOffloaded(withHdr, 0, withHdr.length, true, out, c.sink), tcp4.segments.length);
  assert.deepEqual(c.got, tcp4.segments);

  // The same on a TUN (bare IP): the Ethernet header is gone.
  const tun = cases[1];
  const ip = Buffer.from(tun.packet, 'hex');
  const tunHdr = Buffer.alloc(VNET_HDR_LEN + ip.length);
  tunHdr[1] = VIRTIO_NET_HDR_GSO_TCPV4;
  tunHdr.writeUInt16LE(tun.gso, 4);
  ip.copy(tunHdr, VNET_HDR_LEN);
  c = collect();
  assert.equal(segmentOffloaded(tunHdr, 0, tunHdr.length, false, out, c.sink), tun.segments.length);
  assert.deepEqual(c.got, tun.segments);

  // No GSO, NEEDS_CSUM: the packet itself, checksum completed in place.
  const cs = csums[1];
  const partial = Buffer.from(cs.partial, 'hex');
  const one = Buffer.alloc(VNET_HDR_LEN + partial.length);
  one[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  one.writeUInt16LE(cs.start, 6); one.writeUInt16LE(cs.offset, 8);
  partial.copy(one, VNET_HDR_LEN);
  c = collect();
  assert.equal(segmentOffloaded(one, 0, one.length, true, out, c.sink), 1);
  assert.deepEqual(c.got, [cs.full]);

  // UFO is refused (dropped), nothing emitted.
  one[0] = 0; one[1] = VIRTIO_NET_HDR_GSO_UDP; one.writeUInt16LE(100, 4);
  c = collect();
  assert.equal(segmentOffloaded(one, 0, one.length, true, out, c.sink), -1);
  assert.equal(c.got.length, 0);
  // USO of that same datagram in 40-byte pieces: 101 bytes of payload -> 3 datagrams.
  one[1] = VIRTIO_NET_HDR_GSO_UDP_L4; one.writeUInt16LE(40, 4);
  c = collect();
  assert.equal(segmentOffloaded(one, 0, one.length, true, out, c.sink), 3);
  assert.deepEqual(c.got.map((h) => h.length / 2), [14 + 20 + 8 + 40, 14 + 20 + 8 + 40, 14 + 20 + 8 + 21]);
});

test('parseVnetHdr reads the little-endian fields; writeVnetHdrNone zeroes ten bytes', () => {
  const b = Uint8Array.from([0xee, 0x01, 0x81, 0x42, 0x00, 0xa8, 0x05, 0x22, 0x00, 0x10, 0x00, 0x77]);
  const h = parseVnetHdr(b, 1, new VnetHdr());
  assert.deepEqual({ ...h }, { flags: 0x01, gsoType: 0x81, hdrLen: 0x0042, gsoSize: 0x05a8, csumStart: 0x0022, csumOffset: 0x0010 });
  assert.equal(h.gsoType & ~VIRTIO_NET_HDR_GSO_ECN, VIRTIO_NET_HDR_GSO_TCPV4);
  const reused = parseVnetHdr(b, 0, h);
  assert.equal(reused, h);
  assert.equal(reused.flags, 0xee);
  const z = new Uint8Array(12).fill(0xaa);
  writeVnetHdrNone(z, 1);
  assert.deepEqual([...z], [0xaa, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa]);
  assert.equal(VIRTIO_NET_HDR_GSO_TCPV6, 4);
});

test('refusals: bad offsets, no TCP, fragments, a too small output buffer', () => {
  // A hand-built IPv4/TCP packet: 20-byte IP, 20-byte TCP, 100 bytes of payload.
  const p = new Uint8Array(140);
  p[0] = 0x45; p[2] = 0; p[3] = 140; p[8] = 64; p[9] = 6;
  p.set([10, 0, 0, 1], 12); p.set([10, 0, 0, 2], 16);
  p[32] = 0x50; p[33] = 0x18;
  const out = new Uint8Array(1024);
  const { sink, got } = collect();
  assert.equal(completeChecksum(p, 0, p.length, 140, 0), false);
  assert.equal(completeChecksum(p, 0, p.length, 20, 119), false);
  assert.equal(segmentTcp(p, 0, p.length, 0, 0, out, sink), -1);
  assert.equal(segmentTcp(p, 0, p.length, 0, 40, new Uint8Array(60), sink), -1); // needs 40 + 40
  assert.equal(segmentUdp(p, 0, p.length, 0, 40, out, sink), -1);                // not UDP
  p[6] = 0x20;                                                                     // MF: a fragment
  assert.equal(segmentTcp(p, 0, p.length, 0, 40, out, sink), -1);
  p[6] = 0;
  assert.equal(got.length, 0);
  assert.equal(segmentTcp(p, 0, p.length, 0, 40, out, sink), 3);
  assert.deepEqual(got.map((h) => h.length / 2), [80, 80, 60]);
  // Sequence numbers advance by the payload cut, PSH only on the last one.
  assert.deepEqual(got.map((h) => [Buffer.from(h, 'hex').readUInt32BE(24), Buffer.from(h, 'hex')[33]]), [[0, 0x10], [40, 0x10], [80, 0x18]]);
});

test('etherL3Offset skips VLAN tags and refuses non-IP frames', () => {
  const f = new Uint8Array(40);
  f[12] = 0x08; f[13] = 0x00;
  assert.equal(etherL3Offset(f, 0, 40), 14);
  f.set([0x81, 0x00, 0, 5, 0x88, 0xa8, 0, 6, 0x86, 0xdd], 12);
  assert.equal(etherL3Offset(f, 0, 40), 22);
  f.set([0x08, 0x06], 12);
  assert.equal(etherL3Offset(f, 0, 40), -1);
});
