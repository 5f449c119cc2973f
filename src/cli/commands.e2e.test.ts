/**
 * The engine's front doors as a user runs them, through bin/netsieve.js:
 * init, trace (a packet and a flow), conntrack, iptables counters,
 * recent and demo, one after the other on the same state directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSink } from '../io/filebuf';
import { LINKTYPE_RAW, PcapWriter } from '../io/pcap';
import { buildTcp4 } from '../wire/build';
import { TCP_SYN } from '../wire/tcp';

const BIN = path.resolve(__dirname, '../../bin/netsieve.js');

function ns(dir: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, '--state', dir, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('init, trace, conntrack and counters work together on one state directory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-e2e-'));
  assert.equal(ns(dir, ['init', 'router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/80=192.168.0.10', '-q']).code, 0);
  // A visitor's SYN to the forwarded port: DNATed to the web server.
  const t = ns(dir, ['trace', '-i', 'ppp0', '-p', 'tcp', '-s', '198.51.100.7', '--dport', '80', '--syn']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /→ {2}198\.51\.100\.7:\d+ > 192\.168\.0\.10:80/);
  assert.match(t.out, /verdict: forwarded, out eth0/);
  // The kernel's TRACE lines for the same kind of packet.
  const k = ns(dir, ['trace', '--kernel', '-i', 'ppp0', '-p', 'tcp', '-s', '198.51.100.8', '--dport', '80', '--syn']);
  assert.match(k.out, /^TRACE: raw:PREROUTING:policy:2 IN=ppp0 OUT= /m);
  assert.match(k.out, /^TRACE: nat:PREROUTING:rule:1 IN=ppp0 /m);
  // A whole exchange from the LAN: the entry ends up ASSURED with the masqueraded reply tuple.
  const f = ns(dir, ['trace', '--flow', '-i', 'eth0', '-p', 'tcp', '-s', '192.168.0.50', '-d', '198.51.100.20', '--dport', '443']);
  assert.equal(f.code, 0, f.err);
  const l = ns(dir, ['conntrack', '-L']);
  assert.match(l.out, /src=192\.168\.0\.50 dst=198\.51\.100\.20 sport=\d+ dport=443 src=198\.51\.100\.20 dst=203\.0\.113\.2 .*\[ASSURED\]/);
  assert.match(l.err, /flow entries have been shown/);
  // The counters the traced packets left behind.
  const c = ns(dir, ['iptables', '-t', 'nat', '-nvxL', 'PREROUTING']);
  assert.match(c.out, /^\s+2\s+\d+ DNAT /m);
  fs.rmSync(dir, { recursive: true });
});

test('netsieve demo runs without a state directory and shows what it claims', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-e2e-'));
  const r = ns(path.join(dir, 'untouched'), ['demo']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /ASSURED/);
  assert.match(r.out, /192\.168\.0\.10:80/);
  assert.ok(!fs.existsSync(path.join(dir, 'untouched')));
  fs.rmSync(dir, { recursive: true });
});

test('replay and test through bin/netsieve.js: output files, summary, exit status, JUnit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-e2e-'));
  const state = path.join(dir, 'state');
  assert.equal(ns(state, ['init', 'router', '--lan', 'eth0', '--wan', 'ppp0', '-q']).code, 0);
  // Three raw-IP packets from the LAN: a SYN to the internet, and two to the router's closed port 23.
  const sink = new FileSink(path.join(dir, 'lan.pcap'));
  const w = new PcapWriter(sink, LINKTYPE_RAW);
  const b = new Uint8Array(40);
  const n4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
  const pkt = (dst: string, dport: number): void => {
    buildTcp4(b, 0, { tos: 0, id: 1, fragWord: 0, ttl: 64, protocol: 6, saddr: n4('192.168.0.50'), daddr: n4(dst), options: null },
      { sport: 40000 + dport, dport, seq: 1, ack: 0, flags: TCP_SYN, window: 64240, urgPtr: 0, options: null }, null);
    w.write(1700000000, 0, b, 0, 40);
  };
  pkt('198.51.100.7', 443);
  pkt('192.168.0.1', 23);
  w.close();
  const out = path.join(dir, 'out');
  const r = ns(state, ['replay', '--in', `eth0=${path.join(dir, 'lan.pcap')}`, '--out-dir', out, '--no-progress']);
  assert.equal(r.code, 0, r.err);
  assert.ok(fs.existsSync(path.join(out, 'ppp0.pcap')));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { packets: number; fates: Record<string, number> };
  assert.equal(summary.packets, 2);
  assert.equal(summary.fates.forwarded, 1);
  // Firewall unit tests: a passing file, then a failing expectation.
  const good = ns(dir, ['test', path.resolve(__dirname, '../../examples/home-router.yaml'), '--junit', path.join(dir, 'junit.xml')]);
  assert.equal(good.code, 0, good.out + good.err);
  assert.match(fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8'), /<testsuite /);
  const bad = path.join(dir, 'bad.yaml');
  fs.writeFileSync(bad, [
    'host:', '  - ip link set lo up', '  - ip link add eth0 type veth peer name p0', '  - ip link set eth0 up', '  - ip link set p0 up',
    '  - ip addr add 192.168.0.1/24 dev eth0',
    'rules:', '  iptables: |', '    -P INPUT DROP',
    'cases:', '  - name: ssh is open (it is not)', '    packet: -i eth0 -p tcp -s 192.168.0.9 --dport 22 --syn', '    expect:', '      verdict: ACCEPT', '',
  ].join('\n'));
  const f = ns(dir, ['test', bad]);
  assert.equal(f.code, 1, f.out + f.err);
  assert.match(f.out, /✗|not ok/);
  fs.writeFileSync(bad, 'cases:\n  - packet: -i eth0\n    expcet: {}\n');
  const e = ns(dir, ['test', bad]);
  assert.equal(e.code, 2);
  assert.match(e.err, /bad\.yaml:\d+:/);
  fs.rmSync(dir, { recursive: true });
});
