/**
 * The native packet I/O addon against the real kernel, inside throwaway
 * network namespaces (root only). The test process stays in its own
 * namespace: each scenario re-runs this file as a child with
 * `ip netns exec NS node native.test.js` and NSV_IO_SCENARIO set; the
 * child does the I/O and prints what it saw as JSON, the parent asserts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { loadNativeIo, type NativeIo, type PacketPort } from './native';
import { segmentOffloaded, VNET_HDR_LEN, writeVnetHdrNone } from './offload';
import { checksum, get16, get32, l4Checksum, put16 } from '../wire/checksum';

const SCENARIO = process.env.NSV_IO_SCENARIO;

// ---------------------------------------------------------------- the child side

/** Experimental EtherType (IEEE 802 local use) for our test frames: nothing else sends it. */
const ETH_TEST = 0x88b5;

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

function io(): NativeIo {
  const r = loadNativeIo();
  if (!r.ok) throw new Error(r.reason);
  return r.io;
}

/** Resolves once pred() is true, checking on every readable callback and every 20 ms. */
function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (pred()) { resolve(); return; }
      if (Date.now() - t0 > ms) { reject(new Error(`timed out waiting for ${what}`)); return; }
      setTimeout(tick, 20);
    };
    tick();
  });
}

function testFrame(dst: Uint8Array, src: Uint8Array, i: number): Buffer {
  const len = 60 + ((i * 97) % 1400);
  const f = Buffer.alloc(len);
  f.set(dst, 0); f.set(src, 6);
  f.writeUInt16BE(ETH_TEST, 12);
  f.writeUInt32BE(i, 14);
  randomBytes(len - 18).copy(f, 18);
  return f;
}

/** Drains a port into `into` (our test frames only: the kernel's own IPv6 chatter is ignored). */
function drainTestFrames(p: PacketPort, buf: Buffer, slot: number, lens: Uint32Array, hdr: number, into: Buffer[]): number {
  let total = 0;
  for (;;) {
    const n = p.recv(buf, slot, lens);
    total += n;
    for (let i = 0; i < n; i++) {
      const f = buf.subarray(i * slot + hdr, i * slot + lens[i]);
      if (f.length >= 14 && f.readUInt16BE(12) === ETH_TEST) into.push(Buffer.from(f));
    }
    if (n < lens.length) return total;
  }
}

async function vethScenario(): Promise<unknown> {
  const x = io();
  const infoA = x.linkInfo('va'), infoB = x.linkInfo('vb');
  const a = x.openPacket('va'), b = x.openPacket('vb');
  const slot = 2048, lens = new Uint32Array(64), buf = Buffer.alloc(slot * 64);
  let readableB = 0;
  const gotB: Buffer[] = [], gotA: Buffer[] = [];
  b.onReadable(() => { readableB++; drainTestFrames(b, buf, slot, lens, 0, gotB); });

  // 50 frames a -> b in one send() call.
  const sendBatch = (p: PacketPort, frames: Buffer[]): number => {
    const all = Buffer.concat(frames);
    const offs = new Uint32Array(frames.length), ls = new Uint32Array(frames.length);
    let o = 0;
    frames.forEach((f, i) => { offs[i] = o; ls[i] = f.length; o += f.length; });
    return p.send(all, offs, ls, frames.length);
  };
  const ab = Array.from({ length: 50 }, (_, i) => testFrame(infoB.mac, infoA.mac, i));
  const sentAB = sendBatch(a, ab);
  await until(() => gotB.length >= 50, 3000, '50 frames on vb');
  // Our own sends must not come back on va (PACKET_IGNORE_OUTGOING).
  const ownEcho: Buffer[] = [];
  drainTestFrames(a, buf, slot, lens, 0, ownEcho);

  // 50 frames b -> a, read with recv() calls of at most 16 packets, without the poll.
  const ba = Array.from({ length: 50 }, (_, i) => testFrame(infoA.mac, infoB.mac, 1000 + i));
  const sentBA = sendBatch(b, ba);
  const small = new Uint32Array(16);
  const batchSizes: number[] = [];
  await until(() => {
    const n = a.recv(buf, slot, small);
    if (n > 0) batchSizes.push(n);
    for (let i = 0; i < n; i++) {
      const f = buf.subarray(i * slot, i * slot + small[i]);
      if (f.readUInt16BE(12) === ETH_TEST) gotA.push(Buffer.from(f));
    }
    return gotA.length >= 50;
  }, 3000, '50 frames on va');

  // A frame longer than the slot is skipped whole (MSG_TRUNC), the next one still arrives.
  const big = testFrame(infoA.mac, infoB.mac, 7); // 7*97 % 1400 + 60 = 739 bytes
  const next = testFrame(infoA.mac, infoB.mac, 0); // 60 bytes
  sendBatch(b, [big, next]);
  const afterTrunc: Buffer[] = [];
  await until(() => {
    const n = a.recv(buf, 256, lens);
    for (let i = 0; i < n; i++) {
      const f = buf.subarray(i * 256, i * 256 + lens[i]);
      if (f.readUInt16BE(12) === ETH_TEST) afterTrunc.push(Buffer.from(f));
    }
    return afterTrunc.length >= 1;
  }, 3000, 'the frame after the truncated one');
  const truncStats = a.stats();

  // A VLAN-tagged frame: the kernel strips the tag on receive (skb_vlan_untag); recv() puts it back.
  const tagged = testFrame(infoA.mac, infoB.mac, 77);
  const vlanFrame = Buffer.concat([tagged.subarray(0, 12), Buffer.from([0x81, 0x00, 0x20, 0x2a]), tagged.subarray(12)]);
  sendBatch(b, [vlanFrame]);
  let gotVlan = '';
  await until(() => {
    const n = a.recv(buf, slot, lens);
    for (let i = 0; i < n; i++) {
      const f = buf.subarray(i * slot, i * slot + lens[i]);
      if (f.readUInt16BE(12) === 0x8100 && f.readUInt16BE(16) === ETH_TEST) gotVlan = sha(f);
    }
    return gotVlan !== '';
  }, 3000, 'the VLAN-tagged frame');

  // vnetHdr packet port: a zero header goes in front of what we send and comes back in front of what we read.
  const v = x.openPacket('vb', { vnetHdr: true });
  const vf = testFrame(infoA.mac, infoB.mac, 4242);
  const vbuf = Buffer.alloc(VNET_HDR_LEN + vf.length);
  writeVnetHdrNone(vbuf, 0);
  vf.copy(vbuf, VNET_HDR_LEN);
  const vSent = v.send(vbuf, new Uint32Array([0]), new Uint32Array([vbuf.length]), 1);
  const gotV: Buffer[] = [];
  await until(() => { drainTestFrames(a, buf, slot, lens, 0, gotV); return gotV.length >= 1; }, 3000, 'the vnet frame on va');
  // ... and a frame from a reaches v with a header in front (no offload on a raw frame: all zero).
  const hv = testFrame(infoB.mac, infoA.mac, 4343);
  sendBatch(a, [hv]);
  let vHdr = '', vFrame = '';
  await until(() => {
    const n = v.recv(buf, slot, lens);
    for (let i = 0; i < n; i++) {
      const f = buf.subarray(i * slot + VNET_HDR_LEN, i * slot + lens[i]);
      if (f.readUInt16BE(12) === ETH_TEST && f.readUInt32BE(14) === 4343) {
        vHdr = buf.subarray(i * slot, i * slot + VNET_HDR_LEN).toString('hex');
        vFrame = sha(f);
      }
    }
    return vFrame !== '';
  }, 3000, 'the frame on the vnet port');

  // close(): the fd goes, a second close is harmless, recv after close throws.
  const aFd = a.stats().fd;
  const fdBefore = fs.existsSync(`/proc/self/fd/${aFd}`) && fs.readlinkSync(`/proc/self/fd/${aFd}`);
  a.close();
  a.close();
  const fdAfter = fs.existsSync(`/proc/self/fd/${aFd}`) ? fs.readlinkSync(`/proc/self/fd/${aFd}`) : null;
  let recvAfterClose = '';
  try { a.recv(buf, slot, lens); } catch (e) { recvAfterClose = (e as Error).message; }
  b.close(); v.close();
  let noDev = '';
  try { x.openPacket('veth-x'); } catch (e) { noDev = `${(e as Error).message} ${(e as { code?: string }).code}`; }
  let noLink = '';
  try { x.linkInfo('veth-x'); } catch (e) { noLink = (e as Error).message; }
  return {
    infoA: { ...infoA, mac: Buffer.from(infoA.mac).toString('hex') },
    infoB: { index: infoB.index, mac: Buffer.from(infoB.mac).toString('hex') },
    sentAB, sentBA,
    ab: ab.map(sha), gotB: gotB.map(sha), ba: ba.map(sha), gotA: gotA.map(sha),
    ownEcho: ownEcho.length, readableB, batchSizes,
    afterTrunc: afterTrunc.map(sha), next: sha(next), truncStats, vlanSent: sha(vlanFrame), gotVlan,
    vSent, gotV: gotV.map(sha), vf: sha(vf), vHdr, vFrame, hv: sha(hv),
    fdBefore, fdAfter, recvAfterClose, noDev, noLink,
  };
}

/** An ICMP echo request 10.77.0.2 -> 10.77.0.1 (the TUN's own address), id 0x4e53, seq n. */
function echoRequest(seq: number, payload: Buffer): Buffer {
  const p = Buffer.alloc(28 + payload.length);
  p[0] = 0x45; p.writeUInt16BE(p.length, 2); p.writeUInt16BE(seq, 4); p[8] = 64; p[9] = 1;
  p.set([10, 77, 0, 2], 12); p.set([10, 77, 0, 1], 16);
  put16(p, 10, checksum(p, 0, 20));
  p[20] = 8; p.writeUInt16BE(0x4e53, 24); p.writeUInt16BE(seq, 26);
  payload.copy(p, 28);
  put16(p, 22, checksum(p, 20, p.length - 20));
  return p;
}

/** The echo reply for seq in buf[off, off+len) (an IPv4 packet), or null. */
function echoReplyOf(b: Buffer, off: number, len: number, seq: number): Buffer | null {
  if (len < 28 || b[off] >> 4 !== 4 || b[off + 9] !== 1) return null;
  const ihl = (b[off] & 15) * 4;
  if (b[off + ihl] !== 0 || get16(b, off + ihl + 4) !== 0x4e53 || get16(b, off + ihl + 6) !== seq) return null;
  if (checksum(b, off, ihl) !== 0 || checksum(b, off + ihl, len - ihl) !== 0) return null;
  return Buffer.from(b.subarray(off + ihl + 8, off + len));
}

async function tunScenario(): Promise<unknown> {
  const x = io();
  const t = x.openTun('wan0');
  const before = x.linkInfo(t.name);
  x.setLinkUp(t.name, true);
  const after = x.linkInfo(t.name);
  const ip = spawnSync('ip', ['addr', 'add', '10.77.0.1/24', 'dev', t.name], { encoding: 'utf8' });
  if (ip.status !== 0) throw new Error(`ip addr add: ${ip.stderr}`);
  const slot = 2048, lens = new Uint32Array(8), buf = Buffer.alloc(slot * 8);
  let readable = 0;
  const replies: Buffer[] = [];
  t.onReadable(() => {
    readable++;
    const n = t.recv(buf, slot, lens);
    for (let i = 0; i < n; i++) {
      const r = echoReplyOf(buf, i * slot, lens[i], 1);
      if (r) replies.push(r);
    }
  });
  const payload = randomBytes(56);
  const req = echoRequest(1, payload);
  const sent = t.send(req, new Uint32Array([0]), new Uint32Array([req.length]), 1);
  await until(() => replies.length > 0, 3000, 'the echo reply on the TUN');

  // A second TUN with a virtio-net header in front of each packet.
  const tv = x.openTun('wan1', { vnetHdr: true });
  x.setLinkUp('wan1', true);
  const ip2 = spawnSync('ip', ['addr', 'add', '10.77.0.1/24', 'dev', 'wan1'], { encoding: 'utf8' });
  if (ip2.status !== 0) throw new Error(`ip addr add wan1: ${ip2.stderr}`);
  spawnSync('ip', ['addr', 'del', '10.77.0.1/24', 'dev', t.name]);
  const req2 = echoRequest(2, payload);
  const vb = Buffer.alloc(VNET_HDR_LEN + req2.length);
  writeVnetHdrNone(vb, 0);
  req2.copy(vb, VNET_HDR_LEN);
  const sent2 = tv.send(vb, new Uint32Array([0]), new Uint32Array([vb.length]), 1);
  let vReply: Buffer | null = null;
  await until(() => {
    const n = tv.recv(buf, slot, lens);
    for (let i = 0; i < n; i++) vReply = vReply ?? echoReplyOf(buf, i * slot + VNET_HDR_LEN, lens[i] - VNET_HDR_LEN, 2);
    return vReply !== null;
  }, 3000, 'the echo reply on the vnet TUN');

  const name = t.name;
  t.close();
  t.close();
  tv.close();
  let gone = '';
  try { x.linkInfo(name); } catch (e) { gone = (e as Error).message; }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  return {
    name, before: { up: before.up, hwType: before.hwType, mtu: before.mtu }, afterUp: after.up, sent, sent2, readable,
    reply: replies[0]?.toString('hex') ?? null, vReply: (vReply as Buffer | null)?.toString('hex') ?? null, payload: payload.toString('hex'),
    gone, wanLeft: /\b(wan0|wan1)\b/.test(links),
  };
}

/** Verifies one emitted segment (an Ethernet frame with IPv4/TCP); returns its TCP payload range or a problem. */
function checkSegment(b: Uint8Array, off: number, len: number): { seq: number; data: Buffer; sport: number } | string {
  if (len > 1514) return `segment of ${len} bytes`;
  if (get16(b, off + 12) !== 0x0800) return 'not IPv4';
  const ip = off + 14, ihl = (b[ip] & 15) * 4;
  if (checksum(b, ip, ihl) !== 0) return 'bad IP header checksum';
  const tot = get16(b, ip + 2);
  if (tot !== len - 14) return `IP total length ${tot} for ${len - 14} bytes`;
  if (b[ip + 9] !== 6) return 'not TCP';
  const tcp = ip + ihl;
  if (l4Checksum(b, 4, ip + 12, ip + 16, 6, tcp, tot - ihl) !== 0) return 'bad TCP checksum';
  const doff = (b[tcp + 12] >> 4) * 4;
  return { seq: get32(b, tcp + 4), data: Buffer.from(b.subarray(tcp + doff, ip + tot)), sport: get16(b, tcp) };
}

async function gsoScenario(senderNs: string): Promise<unknown> {
  const x = io();
  const p = x.openPacket('vb', { vnetHdr: true });
  const slot = 65536 + 512, lens = new Uint32Array(32), buf = Buffer.alloc(slot * 32);
  const out = new Uint8Array(2048);
  const N = 400_000;
  const expected = Buffer.alloc(N);
  for (let i = 0; i < N; i++) expected[i] = (i * 7 + 3) % 251;
  let gsoPackets = 0, csumPartial = 0, maxLen = 0, segments = 0, dropped = 0, other = 0;
  const problems: string[] = [];
  const pieces = new Map<number, Buffer>();
  let isn = -1;
  const sink = (b: Uint8Array, o: number, l: number): void => {
    segments++;
    const s = checkSegment(b, o, l);
    if (typeof s === 'string') { if (problems.length < 5) problems.push(s); return; }
    if (s.sport === 5201) return; // the server's ACKs would be outgoing; none should be here
    if (s.data.length > 0) pieces.set(s.seq, s.data);
  };
  const drain = (): void => {
    for (;;) {
      const n = p.recv(buf, slot, lens);
      for (let i = 0; i < n; i++) {
        const off = i * slot, len = lens[i];
        const f = off + VNET_HDR_LEN;
        if (buf.readUInt16BE(f + 12) !== 0x0800 || buf[f + 14 + 9] !== 6) { other++; continue; }
        maxLen = Math.max(maxLen, len - VNET_HDR_LEN);
        if (buf[off + 1] !== 0) gsoPackets++;
        if ((buf[off] & 1) !== 0) csumPartial++;
        const tcp = f + 14 + (buf[f + 14] & 15) * 4;
        if ((buf[tcp + 13] & 0x02) !== 0 && get16(buf, tcp) !== 5201) isn = get32(buf, tcp + 4);
        if (segmentOffloaded(buf, off, len, true, out, sink) < 0) dropped++;
      }
      if (n < lens.length) return;
    }
  };
  p.onReadable(drain);
  let received = 0;
  const server = net.createServer((sock) => { sock.on('data', (d: Buffer) => { received += d.length; }); sock.on('end', () => sock.end()); });
  await new Promise<void>((resolve) => server.listen(5201, '10.78.0.2', resolve));
  const sender = `const s=require('net').connect(5201,'10.78.0.2',()=>{const b=Buffer.alloc(${N});for(let i=0;i<${N};i++)b[i]=(i*7+3)%251;s.end(b)});s.on('error',e=>{console.error(e.message);process.exit(1)});s.resume()`;
  const child = spawn('ip', ['netns', 'exec', senderNs, process.execPath, '-e', sender], { stdio: ['ignore', 'ignore', 'pipe'] });
  let childErr = '';
  child.stderr.on('data', (d: Buffer) => { childErr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => received >= N, 10000, `the ${N} bytes to arrive`);
  const code = await exited;
  await new Promise((r) => setTimeout(r, 100));
  drain();
  p.close();
  server.close();
  // Reassemble the stream from the segments' sequence numbers.
  const stream = Buffer.alloc(N);
  let have = 0;
  for (const [seq, data] of pieces) {
    const at = (seq - isn - 1) >>> 0;
    if (at >= N) continue;
    data.copy(stream, at);
  }
  for (const data of pieces.values()) have += data.length;
  return {
    code, childErr, received, gsoPackets, csumPartial, maxLen, segments, dropped, other, problems, isn,
    bytesInSegments: have, streamOk: stream.equals(expected), stats: p.stats(),
  };
}

if (SCENARIO) {
  const run = SCENARIO === 'veth' ? vethScenario() : SCENARIO === 'tun' ? tunScenario() : gsoScenario(process.env.NSV_IO_SENDER ?? '');
  run.then((r) => { process.stdout.write(`\n${JSON.stringify(r)}\n`); process.exit(0); },
    (e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
} else {
  registerTests();
}

// ---------------------------------------------------------------- the parent side

/** null when the tests can run, else why not. */
function unavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (network namespaces need it)';
  const r = loadNativeIo();
  if (!r.ok) return r.reason;
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) is not installed';
  return null;
}

function skipOrFail(t: { skip(msg: string): void }): boolean {
  const why = unavailable();
  if (why === null) return false;
  if (process.env.CI === 'true') assert.fail(`native I/O test prerequisite missing under CI: ${why}`);
  t.skip(why);
  return true;
}

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

function nsName(): string {
  return `nsv-io-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function withNamespaces(n: number, body: (names: string[]) => void): void {
  const names: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const name = nsName();
      ip('netns', 'add', name);
      names.push(name);
      ip('-n', name, 'link', 'set', 'lo', 'up');
    }
    body(names);
  } finally {
    for (const name of names) spawnSync('ip', ['netns', 'del', name]);
  }
}

/** Runs a scenario of this file in namespace ns; returns what it printed. */
function child<T>(ns: string, scenario: string, env: Record<string, string> = {}): T {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, __filename], {
    encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26,
    env: { ...process.env, ...env, NSV_IO_SCENARIO: scenario },
  });
  assert.equal(r.status, 0, `scenario ${scenario} failed: ${r.stderr}${r.error ? r.error.message : ''}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}

interface VethResult {
  infoA: { index: number; mtu: number; mac: string; up: boolean; flags: number; hwType: number };
  infoB: { index: number; mac: string };
  sentAB: number; sentBA: number; ab: string[]; gotB: string[]; ba: string[]; gotA: string[];
  ownEcho: number; readableB: number; batchSizes: number[];
  afterTrunc: string[]; next: string; truncStats: { rxTruncated: number }; vlanSent: string; gotVlan: string;
  vSent: number; gotV: string[]; vf: string; vHdr: string; vFrame: string; hv: string;
  fdBefore: string | false; fdAfter: string | null; recvAfterClose: string; noDev: string; noLink: string;
}

interface TunResult {
  name: string; before: { up: boolean; hwType: number; mtu: number }; afterUp: boolean; sent: number; sent2: number; readable: number;
  reply: string | null; vReply: string | null; payload: string; gone: string; wanLeft: boolean;
}

interface GsoResult {
  code: number | null; childErr: string; received: number; gsoPackets: number; csumPartial: number; maxLen: number; segments: number;
  dropped: number; other: number; problems: string[]; isn: number; bytesInSegments: number; streamOk: boolean;
}

function registerTests(): void {
  test('packet ports on a veth pair: batches both ways, own sends hidden, truncation, VLAN tags, vnet header, close', (t) => {
    if (skipOrFail(t)) return;
    withNamespaces(1, ([ns]) => {
      ip('-n', ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
      ip('-n', ns, 'link', 'set', 'va', 'up');
      ip('-n', ns, 'link', 'set', 'vb', 'up');
      const r = child<VethResult>(ns, 'veth');
      const shown = JSON.parse(spawnSync('ip', ['-n', ns, '-j', 'link', 'show', 'va'], { encoding: 'utf8' }).stdout) as { ifindex: number; mtu: number; address: string; flags: string[] }[];
      assert.equal(r.infoA.index, shown[0].ifindex);
      assert.equal(r.infoA.mtu, shown[0].mtu);
      assert.equal(r.infoA.mac, shown[0].address.replace(/:/g, ''));
      assert.equal(r.infoA.up, shown[0].flags.includes('UP'));
      assert.equal(r.infoA.hwType, 1);
      assert.notEqual(r.infoA.index, r.infoB.index);
      assert.equal(r.sentAB, 50);
      assert.deepEqual(r.gotB, r.ab, 'a -> b: the same frames, in order');
      assert.ok(r.readableB > 0, 'the readable callback fired');
      assert.equal(r.ownEcho, 0, 'PACKET_IGNORE_OUTGOING: none of our own frames came back');
      assert.equal(r.sentBA, 50);
      assert.deepEqual(r.gotA, r.ba, 'b -> a: the same frames, in order');
      assert.ok(r.batchSizes.every((n) => n <= 16), `recv never returned more than lens.length: ${r.batchSizes.join(',')}`);
      assert.deepEqual(r.afterTrunc, [r.next], 'the too-long frame was skipped, the next one delivered');
      assert.equal(r.truncStats.rxTruncated, 1);
      assert.equal(r.gotVlan, r.vlanSent, 'the stripped VLAN tag is back in the frame, byte for byte');
      assert.equal(r.vSent, 1);
      assert.deepEqual(r.gotV, [r.vf], 'a frame sent with a virtio-net header arrives without it');
      assert.equal(r.vHdr, '00000000000000000000');
      assert.equal(r.vFrame, r.hv);
      assert.match(String(r.fdBefore), /^socket:/);
      assert.equal(r.fdAfter, null, 'the socket fd is closed');
      assert.equal(r.recvAfterClose, 'recv(va): the port is closed');
      assert.equal(r.noDev, 'openPacket(veth-x): No such device ENODEV');
      assert.equal(r.noLink, 'linkInfo(veth-x): No such device');
    });
  });

  test('TUN: created, brought up, an echo request answered by the kernel, vnet header, gone after close', (t) => {
    if (skipOrFail(t)) return;
    withNamespaces(1, ([ns]) => {
      const r = child<TunResult>(ns, 'tun');
      assert.equal(r.name, 'wan0');
      assert.deepEqual(r.before, { up: false, hwType: 65534, mtu: 1500 });
      assert.equal(r.afterUp, true);
      assert.equal(r.sent, 1);
      assert.ok(r.readable > 0, 'the readable callback fired');
      assert.equal(r.reply, r.payload, 'the kernel echoed our payload back through the TUN');
      assert.equal(r.sent2, 1);
      assert.equal(r.vReply, r.payload, 'the same through a TUN with virtio-net headers');
      assert.equal(r.gone, 'linkInfo(wan0): No such device', 'closing the last fd removed the device');
      assert.equal(r.wanLeft, false);
    });
  });

  test('GSO: a kernel TCP stream over veth arrives as super-packets that segmentTcp cuts into valid segments', (t) => {
    if (skipOrFail(t)) return;
    withNamespaces(2, ([nsA, nsB]) => {
      ip('-n', nsA, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', nsB);
      ip('-n', nsA, 'addr', 'add', '10.78.0.1/24', 'dev', 'va');
      ip('-n', nsB, 'addr', 'add', '10.78.0.2/24', 'dev', 'vb');
      ip('-n', nsA, 'link', 'set', 'va', 'up');
      ip('-n', nsB, 'link', 'set', 'vb', 'up');
      const r = child<GsoResult>(nsB, 'gso', { NSV_IO_SENDER: nsA });
      assert.equal(r.code, 0, r.childErr);
      assert.equal(r.received, 400_000);
      assert.ok(r.gsoPackets > 0, 'TSO on va produced GSO super-packets');
      assert.ok(r.maxLen > 1514, `a super-packet larger than the MTU was read whole (${r.maxLen} bytes)`);
      assert.ok(r.csumPartial > 0, 'partial checksums were reported (NEEDS_CSUM)');
      assert.deepEqual(r.problems, [], 'every segment has a valid length, IP and TCP checksum');
      assert.equal(r.dropped, 0);
      assert.ok(r.isn >= 0, 'the SYN was seen');
      assert.ok(r.segments >= Math.ceil(400_000 / 1448), `${r.segments} segments`);
      assert.equal(r.streamOk, true, 'the segments carry exactly the bytes sent, at their sequence numbers');
    });
  });
}
