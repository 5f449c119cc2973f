/**
 * `netsieve replay` on a small NAT router: an Ethernet capture of the LAN
 * side, a raw-IP capture of the WAN side and packets of local processes,
 * merged by time. Checks the files written (read back with our reader and
 * with tcpdump), summary.json, kern.log, and what the state directory
 * shows afterwards (conntrack -L, iptables -nvL, clock.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runConntrack } from './conntrack';
import { runIp, runListen, runSysctl } from './host-commands';
import { runIptables } from './iptables';
import { parseReplayArgs, runReplay } from './replay';
import { newHost, type Host } from '../host/model';
import { loadHost, storeHost } from '../host/store';
import { newRuleset, type Ruleset } from '../rules/model';
import { loadClock, loadConntrackState } from '../state/conntrack-store';
import { loadRuleset, storeRuleset } from '../state/store';
import { openCapture } from '../io/capture';
import { FileSink } from '../io/filebuf';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, PcapWriter } from '../io/pcap';
import { PcapngWriter } from '../io/pcapng';
import { tcp, udp } from '../scenarios/engine/testkit';
import { PacketView } from '../wire/packet';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../wire/tcp';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-replay-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
const hasTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

const CLIENT_MAC = [0x02, 0, 0, 0, 0, 0x10];
const ETH0_MAC = 'aa:bb:cc:00:00:01';

function routerState(dir: string): void {
  let h: Host = newHost();
  for (const c of ['link set lo up', 'link add eth0 type veth peer name p0', `link set eth0 address ${ETH0_MAC}`, 'link set eth0 up', 'link set p0 up',
    'link add eth1 type veth peer name p1', 'link set eth1 up', 'link set p1 up',
    'addr add 192.168.1.1/24 dev eth0', 'addr add 203.0.113.1/24 dev eth1', 'route add default via 203.0.113.254']) {
    const r = runIp(c.split(' '), h);
    assert.equal(r.code, 0, `ip ${c}: ${r.stderr}`);
    h = r.host;
  }
  h = runSysctl(['-w', 'net.ipv4.ip_forward=1'], h).host;
  h = runListen(['tcp', '192.168.1.1:22'], h).host;
  storeHost(dir, h);
  let rs: Ruleset = newRuleset(4);
  for (const argv of [
    ['-P', 'FORWARD', 'DROP'],
    ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ['-A', 'FORWARD', '-i', 'eth0', '-o', 'eth1', '-p', 'tcp', '--dport', '80', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'tcp', '--dport', '23', '-j', 'LOG', '--log-prefix', 'TELNET '],
    ['-A', 'INPUT', '-p', 'tcp', '--dport', '23', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'MASQUERADE'],
  ]) {
    const r = runIptables(rs, argv);
    assert.equal(r.code, 0, `iptables ${argv.join(' ')}: ${r.stderr}`);
    rs = r.rs;
  }
  storeRuleset(dir, rs);
  // The state's clock is 5 s in: the replay continues from there.
  fs.writeFileSync(path.join(dir, 'clock.json'), JSON.stringify({ ms: 5000 }) + '\n');
}

function frame(ip: Uint8Array, ethertype = 0x0800): Uint8Array {
  const f = new Uint8Array(14 + ip.length);
  f.set([0xaa, 0xbb, 0xcc, 0, 0, 1, ...CLIENT_MAC, ethertype >> 8, ethertype & 0xff]);
  f.set(ip, 14);
  return f;
}

/** The three inputs: LAN (Ethernet pcap), WAN (raw IP pcapng), local processes (raw IP pcap). */
function captures(dir: string): { lan: string; wan: string; local: string } {
  const T = 1700000100;
  const lan = path.join(dir, 'lan.pcap');
  const w = new PcapWriter(new FileSink(lan), LINKTYPE_ETHERNET);
  const put = (ms: number, b: Uint8Array): void => w.write(T, ms * 1e6, b, 0, b.length);
  put(0, frame(tcp({ src: '192.168.1.10', dst: '198.51.100.7', sport: 40000, dport: 80, flags: TCP_SYN, seq: 1000 })));
  put(200, frame(tcp({ src: '192.168.1.10', dst: '198.51.100.7', sport: 40000, dport: 80, flags: TCP_ACK, seq: 1001, ack: 5001 })));
  put(300, frame(udp({ src: '192.168.1.10', dst: '198.51.100.7', sport: 5000, dport: 53 })));
  put(400, frame(tcp({ src: '192.168.1.10', dst: '192.168.1.1', sport: 40001, dport: 22, flags: TCP_SYN, seq: 7000 })));
  put(500, frame(tcp({ src: '192.168.1.10', dst: '192.168.1.1', sport: 40002, dport: 23, flags: TCP_SYN, seq: 9000 })));
  put(550, frame(new Uint8Array(28), 0x0806)); // ARP: never reaches netfilter
  w.close();
  const wan = path.join(dir, 'wan.pcapng');
  const g = new PcapngWriter(new FileSink(wan));
  const i = g.addInterface(LINKTYPE_RAW, 'wan');
  const synack = tcp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 80, dport: 40000, flags: TCP_SYN | TCP_ACK, seq: 5000, ack: 1001 });
  g.writePacket(i, T, 100e6, synack, 0, synack.length);
  g.close();
  const local = path.join(dir, 'local.pcap');
  const l = new PcapWriter(new FileSink(local), LINKTYPE_RAW, { nanosecond: true });
  const dns = udp({ src: '203.0.113.1', dst: '198.51.100.53', sport: 33333, dport: 53 });
  l.write(T, 600e6, dns, 0, dns.length);
  l.close();
  return { lan, wan, local };
}

interface Out { sec: number; nsec: number; linkType: number; bytes: Uint8Array; }
function readOut(file: string): Out[] {
  const r = openCapture(file);
  const out: Out[] = [];
  for (let x = r.next(); x; x = r.next()) out.push({ sec: x.sec, nsec: x.nsec, linkType: x.linkType, bytes: x.buf.slice(x.off, x.off + x.caplen) });
  r.close();
  return out;
}

function parse(b: Uint8Array, ethernet: boolean): PacketView {
  const v = new PacketView();
  if (ethernet) v.parseFrame(b, 0, b.length); else v.parse(b, 0, b.length);
  return v;
}
const ip4 = (v: PacketView, off: number): string => [...v.buf.subarray(off, off + 4)].join('.');
const mac = (b: Uint8Array, off: number): string => [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');

function io(): { out: string[]; err: string[]; io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean } } {
  const out: string[] = [], err: string[] = [];
  return { out, err, io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTTY: false } };
}

test('replay through a NAT router: output files, summary, kern.log, and the state left behind', async (t) => {
  const dir = path.join(root, 'router');
  routerState(dir);
  const caps = captures(root);
  const outDir = path.join(root, 'out');
  const o = io();
  const code = await runReplay(['--in', `eth0=${caps.lan}`, '--in', `eth1=${caps.wan}`, '--local', caps.local, '--out-dir', outDir], dir, o.io);
  assert.equal(code, 0, o.err.join(''));
  assert.deepEqual(fs.readdirSync(outDir).sort(), ['dropped.pcap', 'eth0.pcap', 'eth1.pcap', 'local.pcap', 'summary.json']);

  // WAN side: raw IP, the client's SYN and ACK MASQUERADEd to the router's address, then the local DNS query.
  const eth1 = readOut(path.join(outDir, 'eth1.pcap'));
  assert.deepEqual(eth1.map((p) => p.linkType), [LINKTYPE_RAW, LINKTYPE_RAW, LINKTYPE_RAW]);
  const e1 = eth1.map((p) => parse(p.bytes, false));
  assert.deepEqual(e1.map((v) => `${ip4(v, v.srcOff)}:${v.sport}>${ip4(v, v.dstOff)}:${v.dport} ttl=${v.ttl}`), [
    '203.0.113.1:40000>198.51.100.7:80 ttl=63', '203.0.113.1:40000>198.51.100.7:80 ttl=63', '203.0.113.1:33333>198.51.100.53:53 ttl=64',
  ]);
  assert.ok(e1.every((v) => v.ipv4ChecksumOk() && v.l4ChecksumOk()));
  assert.deepEqual(eth1.map((p) => p.nsec / 1e6), [0, 200, 600]);

  // LAN side: Ethernet (the LAN input was), from eth0's MAC to the client's MAC learned from its frames.
  const eth0 = readOut(path.join(outDir, 'eth0.pcap'));
  assert.deepEqual(eth0.map((p) => p.linkType), [LINKTYPE_ETHERNET, LINKTYPE_ETHERNET]);
  const e0 = eth0.map((p) => parse(p.bytes, true));
  assert.deepEqual(eth0.map((p) => `${mac(p.bytes, 6)}>${mac(p.bytes, 0)}`), [`${ETH0_MAC}>02:00:00:00:00:10`, `${ETH0_MAC}>02:00:00:00:00:10`]);
  assert.deepEqual(e0.map((v) => `${ip4(v, v.srcOff)}:${v.sport}>${ip4(v, v.dstOff)}:${v.dport} flags=${v.buf[v.l4 + 13]}`), [
    `198.51.100.7:80>192.168.1.10:40000 flags=${TCP_SYN | TCP_ACK}`,
    `192.168.1.1:23>192.168.1.10:40002 flags=${TCP_RST | TCP_ACK}`,
  ]);

  const local = readOut(path.join(outDir, 'local.pcap'));
  assert.equal(local.length, 1);
  assert.equal(parse(local[0].bytes, false).dport, 22);

  // Drops: the UDP packet (FORWARD policy) and the telnet SYN (REJECT), as raw IP with their reasons.
  const dropped = readOut(path.join(outDir, 'dropped.pcap'));
  assert.deepEqual(dropped.map((p) => parse(p.bytes, false).dport), [53, 23]);
  const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8')) as {
    packets: number; fates: Record<string, number>; skipped: Record<string, number>; clock: { startMs: number; endMs: number };
    dropReasons: Record<string, number>; outputs: Record<string, { packets: number; linkType: string }>;
    rules: { table: string; chain: string; rule: number | string; packets: number }[];
    drops: { frame: number; in: string; inputFrame: number; reason: string; time: string }[];
  };
  assert.equal(summary.packets, 8);
  assert.deepEqual(summary.fates, { forwarded: 3, delivered: 1, sent: 1, dropped: 2, queued: 0 });
  assert.deepEqual(summary.skipped, { 'not IP (ethertype 0x0806)': 1 });
  assert.deepEqual(summary.clock, { startMs: 5000, endMs: 5600 });
  assert.deepEqual(summary.drops, [
    { frame: 1, in: 'eth0', inputFrame: 3, time: '2023-11-14T22:15:00.300000+00:00', reason: 'filter/FORWARD policy' },
    { frame: 2, in: 'eth0', inputFrame: 5, time: '2023-11-14T22:15:00.500000+00:00', reason: 'filter/INPUT rule 2' },
  ]);
  assert.deepEqual(Object.fromEntries(Object.entries(summary.outputs).map(([k, v]) => [k, [v.packets, v.linkType]])), {
    'dropped.pcap': [2, 'RAW'], 'local.pcap': [1, 'RAW'], 'eth1.pcap': [3, 'RAW'], 'eth0.pcap': [2, 'EN10MB'],
  });
  assert.ok(summary.rules.some((r) => r.chain === 'FORWARD' && r.rule === 'policy' && r.packets === 1));
  assert.match(o.out.join(''), /replayed 8 packets \(eth0: 6, eth1: 1, local: 1\)/);
  assert.match(o.out.join(''), /1 +filter\/FORWARD policy/);

  // The LOG rule's line, in kern.log with the packet's time and the level as a word.
  const kern = fs.readFileSync(path.join(dir, 'kern.log'), 'utf8').trim().split('\n');
  assert.equal(kern.length, 1);
  assert.match(kern[0], /^2023-11-14T22:15:00\.500000\+00:00 netsieve kernel: warning: TELNET IN=eth0 OUT= MAC=aa:bb:cc:00:00:01:02:00:00:00:00:10:08:00 SRC=192\.168\.1\.10 DST=192\.168\.1\.1 /);

  // The state directory: the clock moved by the capture's 600 ms, the connections are there, and the counters.
  assert.equal(loadClock(dir).ms, 5600);
  const host = loadHost(dir);
  const ct = runConntrack(['-L'], loadConntrackState(dir, host, loadClock(dir)));
  assert.match(ct.stdout, /tcp +6 \d+ ESTABLISHED src=192\.168\.1\.10 dst=198\.51\.100\.7 sport=40000 dport=80 src=198\.51\.100\.7 dst=203\.0\.113\.1 sport=80 dport=40000 \[ASSURED\]/);
  assert.match(ct.stdout, /udp +17 \d+ src=203\.0\.113\.1 dst=198\.51\.100\.53 sport=33333 dport=53 \[UNREPLIED\]/);
  assert.doesNotMatch(ct.stdout, /dport=23 |dport=53 src=198\.51\.100\.7/);
  const list = runIptables(loadRuleset(dir, 4), ['-nvxL', 'FORWARD']).stdout;
  assert.match(list, /Chain FORWARD \(policy DROP 1 packets, 36 bytes\)/);
  // The SYN-ACK and the ACK were ESTABLISHED; the SYN was accepted by the port-80 rule.
  assert.match(list, /\n +2 +80 ACCEPT .*ctstate RELATED,ESTABLISHED/);
  assert.match(list, /\n +1 +40 ACCEPT .*tcp dpt:80/);

  if (!hasTcpdump) { t.diagnostic('tcpdump not installed: reading the outputs with tcpdump was skipped'); return; }
  for (const f of ['eth0.pcap', 'eth1.pcap', 'local.pcap', 'dropped.pcap']) {
    const r = spawnSync('tcpdump', ['-e', '-nn', '-r', path.join(outDir, f)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tcpdump -r ${f}: ${r.stderr}`);
    assert.equal(r.stdout.trim().split('\n').length, summary.outputs[f].packets, `${f}: ${r.stdout}`);
  }
  const t0 = spawnSync('tcpdump', ['-e', '-nn', '-r', path.join(outDir, 'eth0.pcap')], { encoding: 'utf8' }).stdout;
  assert.match(t0, /aa:bb:cc:00:00:01 > 02:00:00:00:00:10, ethertype IPv4 \(0x0800\), .*198\.51\.100\.7\.80 > 192\.168\.1\.10\.40000: Flags \[S\.\]/);
});

test('a second replay continues from the state the first one left', async () => {
  const dir = path.join(root, 'again');
  routerState(dir);
  const caps = captures(path.join(root));
  const o1 = io();
  assert.equal(await runReplay(['--in', `eth0=${caps.lan}`, '--in', `eth1=${caps.wan}`, '--out-dir', path.join(root, 'o1')], dir, o1.io), 0);
  // The same LAN capture again: the SYN of an established connection is no longer NEW and the
  // FORWARD counters add up across both runs.
  const o2 = io();
  assert.equal(await runReplay(['--in', `eth0=${caps.lan}`, '--out-dir', path.join(root, 'o2')], dir, o2.io), 0, o2.err.join(''));
  assert.equal(loadClock(dir).ms, 5550 + 550);
  const list = runIptables(loadRuleset(dir, 4), ['-nvxL', 'FORWARD']).stdout;
  assert.match(list, /Chain FORWARD \(policy DROP 2 packets, 72 bytes\)/);
});

test('argument errors: exit 2 with a message; an unknown interface is refused before anything is written', async () => {
  assert.match(String(parseReplayArgs(['--out-dir', 'x'])), /nothing to replay/);
  assert.match(String(parseReplayArgs(['--in', 'eth0'])), /--in needs IFACE=FILE/);
  assert.match(String(parseReplayArgs(['--in', 'eth0=a.pcap'])), /--out-dir is required/);
  const ok = parseReplayArgs(['--in=eth0=a.pcap', '-i', 'eth1=b=c.pcap', '--out-dir=o', '--seed', '7']);
  assert.deepEqual(ok, { inputs: [{ iface: 'eth0', file: 'a.pcap' }, { iface: 'eth1', file: 'b=c.pcap' }], local: undefined, outDir: 'o', seed: 7, progress: true });
  const dir = path.join(root, 'bad');
  routerState(dir);
  const o = io();
  const outDir = path.join(root, 'bad-out');
  assert.equal(await runReplay(['--in', 'eth9=x.pcap', '--out-dir', outDir], dir, o.io), 2);
  assert.match(o.err.join(''), /no interface "eth9"/);
  assert.equal(fs.existsSync(outDir), false);
  const o2 = io();
  assert.equal(await runReplay(['--in', 'eth0=/nonexistent.pcap', '--out-dir', outDir], dir, o2.io), 1);
  assert.match(o2.err.join(''), /ENOENT/);
});

test('a capture damaged partway: exit 1, and the state directory is left as it was', async () => {
  const dir = path.join(root, 'damaged');
  routerState(dir);
  const caps = captures(path.join(root));
  const whole = fs.readFileSync(caps.lan);
  const cut = path.join(root, 'cut.pcap');
  fs.writeFileSync(cut, whole.subarray(0, whole.length - 10));
  const outDir = path.join(root, 'damaged-out');
  const o = io();
  assert.equal(await runReplay(['--in', `eth0=${cut}`, '--out-dir', outDir], dir, o.io), 1);
  assert.match(o.err.join(''), /cut\.pcap: truncated packet 6/);
  assert.equal(loadClock(dir).ms, 5000);
  assert.equal(fs.existsSync(path.join(dir, 'conntrack.bin')), false);
  assert.match(runIptables(loadRuleset(dir, 4), ['-nvxL', 'FORWARD']).stdout, /policy DROP 0 packets, 0 bytes/);
  assert.deepEqual(fs.readdirSync(outDir).filter((f) => f.startsWith('.') || f === 'summary.json'), []);
});

test('many packets: progress on a terminal, and the counts add up', async () => {
  const dir = path.join(root, 'many');
  routerState(dir);
  const file = path.join(root, 'many.pcap');
  const w = new PcapWriter(new FileSink(file), LINKTYPE_RAW);
  const N = 20000;
  for (let i = 0; i < N; i++) {
    const p = udp({ src: '192.168.1.10', dst: '198.51.100.7', sport: 1024 + (i % 5000), dport: 53 });
    w.write(1700000000 + Math.floor(i / 1000), (i % 1000) * 1e6, p, 0, p.length);
  }
  w.close();
  const o = io();
  o.io.isTTY = true;
  assert.equal(await runReplay(['--in', `eth0=${file}`, '--out-dir', path.join(root, 'many-out')], dir, o.io), 0);
  assert.match(o.err.join(''), /\rreplay \[#*-*\] +\d+%  \d+ packets/);
  const s = JSON.parse(fs.readFileSync(path.join(root, 'many-out', 'summary.json'), 'utf8')) as { fates: Record<string, number>; drops: unknown[] };
  assert.equal(s.fates.dropped, N);
  assert.equal(s.drops.length, N);
  assert.equal(readOut(path.join(root, 'many-out', 'dropped.pcap')).length, N);
});
