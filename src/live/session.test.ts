/**
 * The live router without real devices: a state dir made by `init router`,
 * its interfaces attached to in-memory ports, and the control socket used
 * as the CLI uses it. (src/live/live.e2e.test.ts does the same with real
 * namespaces, devices and kernel TCP stacks.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runInit } from '../cli/init';
import { buildTcp4 } from '../wire/build';
import { PacketView } from '../wire/packet';
import { TCP_ACK, TCP_SYN } from '../wire/tcp';
import { readRunInfo, sendControl } from './control';
import { memoryRouter } from './testkit';

function ip4(s: string): number {
  return s.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);
}

function tcp(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack = 0, mss?: number): Uint8Array {
  const b = new Uint8Array(200);
  const opts = mss === undefined ? null : Uint8Array.from([2, 4, mss >> 8, mss & 0xff]);
  const n = buildTcp4(b, 0,
    { tos: 0, id: 1, fragWord: 0x4000, ttl: 64, protocol: 6, saddr: ip4(src), daddr: ip4(dst), options: null },
    { sport, dport, seq, ack, flags, window: 64240, urgPtr: 0, options: opts }, null);
  return b.slice(0, n);
}

function view(p: Uint8Array): PacketView {
  const v = new PacketView();
  v.parse(p, 0, p.length);
  return v;
}

const addr = (v: PacketView, off: number): string => Array.from(v.buf.subarray(off, off + 4)).join('.');

test('a live router on in-memory ports: NAT, MSS clamping, live rule changes, conntrack and counters over the control socket, saved at stop', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-live-'));
  const quiet = { stdout: () => {}, stderr: (s: string) => { throw new Error(s); }, isTTY: false };
  assert.equal(await runInit(['router', '--lan', 'eth0', '--wan', 'ppp0', '-q'], dir, quiet), 0);
  const logs: string[] = [];
  const { session: s, ports } = await memoryRouter(dir, [{ iface: 'eth0', kind: 'tun', dev: 'nsvlan0' }, { iface: 'ppp0', kind: 'tun', dev: 'nsvwan0' }], { log: (l) => logs.push(l), tickMs: 20 });
  const lan = ports.get('eth0')!, wan = ports.get('ppp0')!;
  try {
    assert.equal(readRunInfo(dir)?.pid, process.pid);
    // The laptop opens a connection out: MASQUERADEd to the WAN address, MSS clamped to the PPPoE MTU.
    lan.inject(tcp('192.168.0.50', '198.51.100.20', 40000, 443, TCP_SYN, 1000, 0, 1460));
    const out = wan.take();
    assert.equal(out.length, 1);
    const syn = view(out[0]);
    assert.equal(addr(syn, syn.srcOff), '203.0.113.2');
    assert.equal(syn.ttl, 63);
    const mssAt = syn.l4 + 20;
    assert.deepEqual([out[0][mssAt], out[0][mssAt + 1]], [2, 4]);
    assert.equal((out[0][mssAt + 2] << 8) | out[0][mssAt + 3], 1452);
    const natPort = syn.sport;
    // The server answers; the reply goes back to the laptop.
    wan.inject(tcp('198.51.100.20', '203.0.113.2', 443, natPort, TCP_SYN | TCP_ACK, 5000, 1001, 1460));
    const back = lan.take();
    assert.equal(back.length, 1);
    const sa = view(back[0]);
    assert.equal(addr(sa, sa.dstOff), '192.168.0.50');
    assert.equal(sa.dport, 40000);

    // conntrack -L answered by the router from its live table.
    const ct = await sendControl(dir, { prog: 'conntrack', argv: ['-L'] });
    assert.ok(ct);
    assert.match(ct.stdout, new RegExp(`src=192\\.168\\.0\\.50 dst=198\\.51\\.100\\.20 sport=40000 dport=443 src=198\\.51\\.100\\.20 dst=203\\.0\\.113\\.2 sport=443 dport=${natPort}`));
    // Live counters: the SYN went through the LAN-to-WAN rule, the SYN/ACK through ESTABLISHED.
    const l = await sendControl(dir, { prog: 'iptables', argv: ['-nvxL', 'FORWARD'] });
    assert.ok(l);
    assert.match(l.stdout, /^\s+1\s+\d+ ACCEPT\s+0\s+--\s+eth0\s+ppp0\s+192\.168\.0\.0\/24/m);
    assert.match(l.stdout, /^\s+1\s+\d+ ACCEPT\s+0\s+--\s+\*\s+\*\s+0\.0\.0\.0\/0\s+0\.0\.0\.0\/0\s+ctstate RELATED,ESTABLISHED/m);

    // A rule change takes effect for the very next packet, and logs.
    const ins = await sendControl(dir, { prog: 'iptables', argv: ['-I', 'FORWARD', '-p', 'tcp', '--dport', '22', '-j', 'LOG', '--log-prefix', 'ssh-out '] });
    assert.equal(ins?.code, 0, ins?.stderr);
    const drop = await sendControl(dir, { prog: 'iptables', argv: ['-I', 'FORWARD', '2', '-p', 'tcp', '--dport', '22', '-j', 'DROP'] });
    assert.equal(drop?.code, 0);
    lan.inject(tcp('192.168.0.50', '198.51.100.20', 40001, 22, TCP_SYN, 1));
    assert.equal(wan.take().length, 0);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /netsieve kernel: warning: ssh-out IN=eth0 OUT=ppp0 MAC= SRC=192\.168\.0\.50 DST=198\.51\.100\.20 .* DPT=22 /);
    // The established connection still flows; the rule files on disk have the change too.
    lan.inject(tcp('192.168.0.50', '198.51.100.20', 40000, 443, TCP_ACK, 1001, 5001));
    assert.equal(wan.take().length, 1);
    assert.match(fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8'), /-A FORWARD -p tcp -m tcp --dport 22 -j DROP/);

    // A bad command: iptables' own error, nothing changes.
    const bad = await sendControl(dir, { prog: 'iptables', argv: ['-A', 'FORWARD', '-j', 'NOPE'] });
    assert.equal(bad?.code, 2);
    assert.match(bad!.stderr, /Couldn't load target `NOPE'/);

    // trace against the running router is a what-if: the live table is unchanged by it.
    const before = (await sendControl(dir, { prog: 'conntrack', argv: ['-C'] }))!.stdout;
    const tr = await sendControl(dir, { prog: 'trace', argv: ['-i', 'eth0', '-p', 'udp', '-s', '192.168.0.51', '-d', '198.51.100.9', '--dport', '53'] });
    assert.equal(tr?.code, 0, tr?.stderr);
    assert.match(tr!.stdout, /verdict: forwarded, out ppp0/);
    assert.equal((await sendControl(dir, { prog: 'conntrack', argv: ['-C'] }))!.stdout, before);

    // The WAN link goes down: the MASQUERADEd connection is forgotten (masq_device_event).
    const down = await sendControl(dir, { prog: 'ip', argv: ['link', 'set', 'ppp0', 'down'] });
    assert.equal(down?.code, 0, down?.stderr);
    assert.equal((await sendControl(dir, { prog: 'conntrack', argv: ['-C'] }))!.stdout, '0\n');
    const st = await sendControl(dir, { prog: 'status', argv: [] });
    assert.match(st!.stdout, /eth0 = tun:nsvlan0 {2}rx 3 packets 124 bytes {2}tx 1 packets 44 bytes[^]*ppp0 = tun:nsvwan0 {2}rx 1 packets 44 bytes {2}tx 2 packets/);
  } finally {
    await s.stop();
  }
  // Stopped: ports closed, socket gone, counters saved in the state dir.
  assert.ok(lan.closed && wan.closed);
  assert.equal(readRunInfo(dir), null);
  assert.equal(await sendControl(dir, { prog: 'status', argv: [] }), null);
  const saved = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8');
  assert.match(saved, /^\[1:\d+\] -A FORWARD -p tcp -m tcp --dport 22 -j DROP/m);
  fs.rmSync(dir, { recursive: true });
});

test('apply against a running router: not confirmed in time, the router restores the old rules by itself', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-live-'));
  const quiet = { stdout: () => {}, stderr: (s: string) => { throw new Error(s); }, isTTY: false };
  assert.equal(await runInit(['router', '--lan', 'eth0', '--wan', 'ppp0', '-q'], dir, quiet), 0);
  const notices: string[] = [];
  const { session: s } = await memoryRouter(dir, [{ iface: 'eth0', kind: 'tun', dev: 'nsvlan0' }], { notice: (t) => notices.push(t) });
  try {
    const old = (await sendControl(dir, { prog: 'iptables-save', argv: [] }))!.stdout;
    const arm = await sendControl(dir, { prog: 'apply-arm', argv: ['4', '300'], input: old });
    assert.equal(arm?.code, 0);
    const lockout = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n';
    assert.equal((await sendControl(dir, { prog: 'iptables-restore', argv: [], input: lockout }))!.code, 0);
    assert.doesNotMatch((await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout, /ESTABLISHED/);
    await new Promise((r) => setTimeout(r, 600));
    assert.match((await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout, /ctstate RELATED,ESTABLISHED .*-j ACCEPT/);
    assert.match(notices.join(''), /not confirmed within 0\.3 s: the previous IPv4 rules are restored/);
    // Confirmed in time: nothing is rolled back.
    await sendControl(dir, { prog: 'apply-arm', argv: ['4', '200'], input: old });
    await sendControl(dir, { prog: 'iptables-restore', argv: [], input: lockout });
    await sendControl(dir, { prog: 'apply-disarm', argv: ['4'] });
    await new Promise((r) => setTimeout(r, 400));
    assert.doesNotMatch((await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout, /ESTABLISHED/);
  } finally {
    await s.stop();
  }
  fs.rmSync(dir, { recursive: true });
});

test('SIGHUP reload: rules edited in the files take effect, and the connections carry on', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-live-'));
  const quiet = { stdout: () => {}, stderr: (s: string) => { throw new Error(s); }, isTTY: false };
  assert.equal(await runInit(['router', '--lan', 'eth0', '--wan', 'ppp0', '-q'], dir, quiet), 0);
  const { session: s, ports } = await memoryRouter(dir, [{ iface: 'eth0', kind: 'tun', dev: 'nsvlan0' }, { iface: 'ppp0', kind: 'tun', dev: 'nsvwan0' }]);
  const lan = ports.get('eth0')!, wan = ports.get('ppp0')!;
  try {
    lan.inject(tcp('192.168.0.50', '198.51.100.20', 40000, 443, TCP_SYN, 1000));
    assert.equal(wan.take().length, 1);
    // An editor changes rules.v4 behind the router's back (as with /etc/iptables/rules.v4), then kill -HUP.
    const file = path.join(dir, 'rules.v4');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^(\*filter\n(?::.*\n)*)/m, '$1-A FORWARD -p tcp -m tcp --dport 22 -j DROP\n'));
    s.reloadFromFiles();
    lan.inject(tcp('192.168.0.50', '198.51.100.20', 40001, 22, TCP_SYN, 1));
    assert.equal(wan.take().length, 0);
    // The connection opened before the reload is still known: its next segment is ESTABLISHED and passes.
    lan.inject(tcp('192.168.0.50', '198.51.100.20', 40000, 443, TCP_ACK, 1001, 1));
    assert.equal(wan.take().length, 1);
    assert.match((await sendControl(dir, { prog: 'conntrack', argv: ['-L'] }))!.stdout, /dport=443 .*dport=40000/);
  } finally {
    await s.stop();
  }
  fs.rmSync(dir, { recursive: true });
});
