/**
 * Capture files: our writers and readers agree with each other in both byte
 * orders and resolutions, read what scapy and tcpdump write, and tcpdump
 * reads what we write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CaptureMerge, L3Location, locateIp, openCapture } from './capture';
import { FileSink, MemorySink } from './filebuf';
import { CaptureError, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_RAW, PcapReader, PcapWriter, type CaptureReader } from './pcap';
import { PcapngReader, PcapngWriter } from './pcapng';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-pcap-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** A minimal IPv4/UDP packet (checksums are irrelevant to the file formats). */
function ipv4(n: number, len = 28): Uint8Array {
  const b = new Uint8Array(len);
  b[0] = 0x45; b[2] = len >> 8; b[3] = len & 0xff; b[8] = 64; b[9] = 17;
  b.set([10, 0, 0, 1], 12); b.set([10, 0, 0, 2], 16);
  b[20] = n >> 8; b[21] = n & 0xff; b[22] = 0; b[23] = 53; b[24] = 0; b[25] = 8;
  return b;
}

function ether(ip: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + ip.length);
  f.set([2, 0, 0, 0, 0, 0xaa, 2, 0, 0, 0, 0, 0xbb, 0x08, 0x00]);
  f.set(ip, 14);
  return f;
}

interface Rec { sec: number; nsec: number; linkType: number; bytes: number[]; origLen: number; ifIndex: number; }

function readAll(r: CaptureReader): Rec[] {
  const out: Rec[] = [];
  try {
    for (let x = r.next(); x; x = r.next()) out.push({ sec: x.sec, nsec: x.nsec, linkType: x.linkType, bytes: [...x.buf.subarray(x.off, x.off + x.caplen)], origLen: x.origLen, ifIndex: x.ifIndex });
  } finally { r.close(); }
  return out;
}

const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

/** tcpdump's one-line-per-packet reading of a file (its own parser is the independent judge). */
function tcpdumpRead(file: string, extra: string[] = []): string[] {
  const r = spawnSync('tcpdump', ['-nn', '-r', file, ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tcpdump -r ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

for (const bigEndian of [false, true]) {
  for (const nanosecond of [false, true]) {
    test(`pcap ${bigEndian ? 'big' : 'little'}-endian ${nanosecond ? 'ns' : 'µs'}: written, read back, read by tcpdump`, (t) => {
      const file = path.join(tmp, `w-${bigEndian}-${nanosecond}.pcap`);
      const w = new PcapWriter(new FileSink(file), LINKTYPE_ETHERNET, { bigEndian, nanosecond });
      const pkts = [ether(ipv4(1)), ether(ipv4(2, 60)), ether(ipv4(3))];
      const times = [[1700000000, 123456789], [1700000000, 999999999], [1700000001, 5000]];
      pkts.forEach((p, i) => w.write(times[i][0], times[i][1], p, 0, p.length));
      w.close();
      const got = readAll(openCapture(file));
      assert.equal(got.length, 3);
      got.forEach((g, i) => {
        assert.equal(g.sec, times[i][0]);
        assert.equal(g.nsec, nanosecond ? times[i][1] : Math.floor(times[i][1] / 1000) * 1000);
        assert.equal(g.linkType, LINKTYPE_ETHERNET);
        assert.deepEqual(g.bytes, [...pkts[i]]);
        assert.equal(g.origLen, pkts[i].length);
      });
      if (!hasTcpdump) { t.diagnostic('tcpdump not installed: the tcpdump reading was skipped'); return; }
      const lines = tcpdumpRead(file, ['--time-stamp-precision=nano', '-tt']);
      assert.equal(lines.length, 3);
      assert.match(lines[0], nanosecond ? /^1700000000\.123456789 IP 10\.0\.0\.1\.1 > 10\.0\.0\.2\.53/ : /^1700000000\.123456000 IP 10\.0\.0\.1\.1 > 10\.0\.0\.2\.53/);
      assert.match(lines[2], /^1700000001\.0000050?00 IP 10\.0\.0\.1\.3 > 10\.0\.0\.2\.53/);
    });
  }
}

for (const bigEndian of [false, true]) {
  test(`pcapng ${bigEndian ? 'big' : 'little'}-endian: two interfaces with their own link types, read back, read by tcpdump`, (t) => {
    const file = path.join(tmp, `w-${bigEndian}.pcapng`);
    const w = new PcapngWriter(new FileSink(file), { bigEndian });
    const e = w.addInterface(LINKTYPE_ETHERNET, 'eth0');
    const r = w.addInterface(LINKTYPE_RAW, 'ppp0');
    w.writePacket(e, 1700000000, 1, ether(ipv4(1)), 0, 42);
    w.writePacket(r, 1700000000, 123456789, ipv4(2, 31), 0, 31);
    w.writePacket(r, 1800000000, 999999999, ipv4(3, 30), 0, 20, 30);
    w.close();
    const reader = PcapngReader.open(file);
    const got = readAll(reader);
    assert.deepEqual(reader.interfaces(), [{ name: 'eth0', linkType: 1 }, { name: 'ppp0', linkType: 101 }]);
    assert.deepEqual(got.map((g) => [g.sec, g.nsec, g.linkType, g.ifIndex, g.bytes.length, g.origLen]), [
      [1700000000, 1, 1, 0, 42, 42], [1700000000, 123456789, 101, 1, 31, 31], [1800000000, 999999999, 101, 1, 20, 30],
    ]);
    assert.deepEqual(got[1].bytes, [...ipv4(2, 31)]);
    if (!hasTcpdump) { t.diagnostic('tcpdump not installed: the tcpdump reading was skipped'); return; }
    // libpcap refuses a file whose interfaces differ in link type, so tcpdump gets one with two Ethernet interfaces.
    const same = path.join(tmp, `w2-${bigEndian}.pcapng`);
    const w2 = new PcapngWriter(new FileSink(same), { bigEndian });
    const a = w2.addInterface(LINKTYPE_ETHERNET, 'eth0'), b = w2.addInterface(LINKTYPE_ETHERNET, 'eth1');
    w2.writePacket(a, 1700000000, 1, ether(ipv4(1)), 0, 42);
    w2.writePacket(b, 1700000000, 123456789, ether(ipv4(2, 31)), 0, 45);
    w2.close();
    assert.deepEqual(readAll(openCapture(same)).map((g) => [g.ifIndex, g.nsec, g.bytes.length]), [[0, 1, 42], [1, 123456789, 45]]);
    const lines = tcpdumpRead(same, ['--time-stamp-precision=nano', '-tt']);
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^1700000000\.000000001 IP 10\.0\.0\.1\.1 > 10\.0\.0\.2\.53/);
    assert.match(lines[1], /^1700000000\.123456789 IP 10\.0\.0\.1\.2 > 10\.0\.0\.2\.53/);
  });
}

/** Block builder for hand-made pcapng (blocks the writer never makes: SPB, PB, odd resolutions, foreign blocks). */
function block(le: boolean, type: number, body: number[]): number[] {
  const padded = [...body, ...new Array((4 - (body.length % 4)) % 4).fill(0)];
  const total = padded.length + 12;
  const u32 = (v: number): number[] => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, le); return [...b]; };
  return [...u32(type), ...u32(total), ...padded, ...u32(total)];
}
const u16 = (le: boolean, v: number): number[] => (le ? [v & 0xff, v >> 8] : [v >> 8, v & 0xff]);
const u32 = (le: boolean, v: number): number[] => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, le); return [...b]; };
const u64 = (le: boolean, v: bigint): number[] => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, le); return [...b]; };
const shb = (le: boolean): number[] => block(le, 0x0a0d0d0a, [...u32(le, 0x1a2b3c4d), ...u16(le, 1), ...u16(le, 0), ...u64(le, 0xffffffffffffffffn)]);
const idb = (le: boolean, linkType: number, snaplen: number, opts: number[]): number[] => block(le, 1, [...u16(le, linkType), 0, 0, ...u32(le, snaplen), ...opts]);
const opt = (le: boolean, code: number, v: number[]): number[] => [...u16(le, code), ...u16(le, v.length), ...v, ...new Array((4 - (v.length % 4)) % 4).fill(0)];

test('pcapng: SPB, obsolete PB, millisecond and binary resolutions, tsoffset, unknown blocks, a second section in the other byte order', () => {
  const p = [...ipv4(7)];
  const le = true, be = false;
  // EPB at 10^-3 s with a tsoffset of 1000 s.
  const ms = 1700000000123n;
  const bytes = [
    ...shb(le),
    ...idb(le, LINKTYPE_RAW, 64, [...opt(le, 9, [3]), ...opt(le, 14, u64(le, 1000n)), ...opt(le, 0, [])]),
    ...block(le, 6, [...u32(le, 0), ...u32(le, Number(ms >> 32n)), ...u32(le, Number(ms & 0xffffffffn)), ...u32(le, 28), ...u32(le, 28), ...p]),
    ...block(le, 0x0bad, [1, 2, 3, 4]), // unknown block: skipped
    ...block(le, 3, [...u32(le, 28), ...p]), // SPB: interface 0, the previous packet's timestamp
    ...shb(be),
  ];
  // Section 2, big-endian, resolution 2^-10 s.
  bytes.push(...idb(be, LINKTYPE_LINUX_SLL, 0, [...opt(be, 9, [0x80 | 10]), ...opt(be, 0, [])]));
  const sll = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0xcc, 0, 0, 0x08, 0x00, ...p];
  const ticks = (1234n << 10n) + 512n; // 1234.5 s
  bytes.push(...block(be, 2, [...u16(be, 0), ...u16(be, 0), ...u32(be, Number(ticks >> 32n)), ...u32(be, Number(ticks & 0xffffffffn)), ...u32(be, sll.length), ...u32(be, sll.length), ...sll]));
  const file = path.join(tmp, 'hand.pcapng');
  fs.writeFileSync(file, Uint8Array.from(bytes));
  const got = readAll(openCapture(file));
  assert.deepEqual(got.map((g) => [g.sec, g.nsec, g.linkType, g.bytes.length]), [
    [1700000000 + 1000, 123000000, LINKTYPE_RAW, 28],
    [1700000000 + 1000, 123000000, LINKTYPE_RAW, 28],
    [1234, 500000000, LINKTYPE_LINUX_SLL, sll.length],
  ]);
  const loc = new L3Location();
  const r = PcapngReader.open(file);
  let x = r.next();
  for (let i = 0; i < 2; i++) x = r.next();
  assert.ok(x && locateIp(x, loc));
  assert.equal(loc.ip - x.off, 16);
  r.close();
});

test('damaged files give a CaptureError naming the problem, not an exception from deep inside', () => {
  const bad = path.join(tmp, 'bad.pcap');
  fs.writeFileSync(bad, 'hello, this is not a capture file');
  assert.throws(() => openCapture(bad), (e: unknown) => e instanceof CaptureError && /not a pcap file/.test(e.message));
  const good = new MemorySink();
  const w = new PcapWriter(good, LINKTYPE_RAW);
  w.write(1, 0, ipv4(1), 0, 28);
  const cut = good.bytes().subarray(0, 24 + 16 + 10);
  const f = path.join(tmp, 'cut.pcap');
  fs.writeFileSync(f, cut);
  const r = PcapReader.open(f);
  assert.throws(() => r.next(), /truncated packet 1/);
  r.close();
});

test('locateIp: Ethernet with VLAN tags, ARP is not IP, raw IP', () => {
  const ip = ipv4(9);
  const tagged = new Uint8Array(14 + 4 + ip.length);
  tagged.set([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
  tagged.set(ip, 18);
  const loc = new L3Location();
  const rec = { sec: 0, nsec: 0, linkType: LINKTYPE_ETHERNET, ifIndex: 0, buf: tagged, off: 0, caplen: tagged.length, origLen: tagged.length };
  assert.ok(locateIp(rec, loc));
  assert.equal(loc.ip, 18);
  tagged[16] = 0x08; tagged[17] = 0x06;
  assert.ok(!locateIp(rec, loc));
  assert.equal(loc.why, 'not IP (ethertype 0x0806)');
  assert.ok(locateIp({ ...rec, linkType: LINKTYPE_RAW, buf: ip, caplen: ip.length }, loc));
  assert.equal(loc.ip, 0);
});

test('merge: records of several files come out in timestamp order, ties in source order, one record held per source', () => {
  const mk = (name: string, times: number[]): string => {
    const f = path.join(tmp, name);
    const w = new PcapWriter(new FileSink(f), LINKTYPE_RAW, { nanosecond: true });
    times.forEach((t, i) => w.write(Math.floor(t), Math.round((t % 1) * 1e9), ipv4(i), 0, 28));
    w.close();
    return f;
  };
  const a = mk('a.pcap', [1, 3, 3, 7.5]);
  const b = mk('b.pcap', [0.5, 3, 4, 9]);
  const c = mk('c.pcap', []);
  const m = new CaptureMerge([{ reader: openCapture(a), label: 'a' }, { reader: openCapture(b), label: 'b' }, { reader: openCapture(c), label: 'c' }]);
  const order: string[] = [];
  for (let r = m.next(); r; r = m.next()) order.push(`${m.sources[m.current].label}${m.counts[m.current]}@${r.sec + r.nsec / 1e9}`);
  m.close();
  assert.deepEqual(order, ['b1@0.5', 'a1@1', 'a2@3', 'a3@3', 'b2@3', 'b3@4', 'a4@7.5', 'b4@9']);
});

/** python3 with scapy: Debian's /usr/bin/python3 first (a pyenv shim may hide python3-scapy). */
function scapyPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import scapy.all'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

const SCAPY = `
import sys, json
from decimal import Decimal
from scapy.all import Ether, IP, IPv6, TCP, UDP, raw
from scapy.utils import PcapWriter, PcapNgWriter
d = sys.argv[1]
pkts = [Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='192.0.2.1', dst='198.51.100.7')/TCP(sport=40000, dport=80, flags='S'),
        Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=5353, dport=53)/b'abc']
times = [Decimal('1700000000.123456'), Decimal('1700000002.000001')]
for p, t in zip(pkts, times): p.time = t
w = PcapWriter(d + '/scapy-le-us.pcap', linktype=1); [w.write(p) for p in pkts]; w.close()
w = PcapWriter(d + '/scapy-be-ns.pcap', linktype=101, endianness='>', nano=True)
for p, t in zip(pkts, times):
    q = p.payload.copy(); q.time = t + Decimal('0.000000789'); w.write(q)
w.close()
w = PcapNgWriter(d + '/scapy.pcapng'); [w.write(p) for p in pkts]; w.close()
print(json.dumps([raw(p).hex() for p in pkts]))
`;

test('reads the pcap (both byte orders, µs and ns) and pcapng that scapy writes', (t) => {
  const py = scapyPython();
  if (!py) { t.skip('python3 with scapy is not installed'); return; }
  const dir = fs.mkdtempSync(path.join(tmp, 'scapy-'));
  const r = spawnSync(py, ['-c', SCAPY, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const hex = JSON.parse(r.stdout) as string[];
  const frames = hex.map((h) => [...Buffer.from(h, 'hex')]);
  const le = readAll(openCapture(path.join(dir, 'scapy-le-us.pcap')));
  assert.deepEqual(le.map((g) => [g.sec, g.nsec, g.linkType]), [[1700000000, 123456000, 1], [1700000002, 1000, 1]]);
  assert.deepEqual(le.map((g) => g.bytes), frames);
  const be = readAll(openCapture(path.join(dir, 'scapy-be-ns.pcap')));
  assert.deepEqual(be.map((g) => [g.sec, g.nsec, g.linkType]), [[1700000000, 123456789, 101], [1700000002, 1789, 101]]);
  assert.deepEqual(be.map((g) => g.bytes), frames.map((f) => f.slice(14)));
  const ng = readAll(openCapture(path.join(dir, 'scapy.pcapng')));
  assert.deepEqual(ng.map((g) => g.bytes), frames);
  assert.deepEqual(ng.map((g) => g.linkType), [1, 1]);
  assert.deepEqual(ng.map((g) => g.sec), [1700000000, 1700000002]);
});

test('reads the pcap tcpdump writes (its own rewrite of one of our files, at nanosecond precision)', (t) => {
  if (!hasTcpdump) { t.skip('tcpdump is not installed'); return; }
  const ours = path.join(tmp, 'for-tcpdump.pcap');
  const w = new PcapWriter(new FileSink(ours), LINKTYPE_ETHERNET, { nanosecond: true });
  w.write(1600000000, 42, ether(ipv4(5)), 0, 42);
  w.write(1600000000, 43, ether(ipv4(6)), 0, 42);
  w.close();
  const theirs = path.join(tmp, 'from-tcpdump.pcap');
  const r = spawnSync('tcpdump', ['-r', ours, '-w', theirs, '--time-stamp-precision=nano', 'udp port 6'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = readAll(openCapture(theirs));
  assert.deepEqual(got.map((g) => [g.sec, g.nsec, g.bytes.length]), [[1600000000, 43, 42]]);
  assert.deepEqual(got[0].bytes, [...ether(ipv4(6))]);
});
