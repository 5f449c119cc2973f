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
