/**
 * The packet path of a whole host: routing decision, INPUT vs FORWARD,
 * TTL and MTU handling, the local stack's answers, policies and counters.
 * Host and rules are set up with the same commands people type.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIp, runListen, runSysctl } from '../cli/host-commands';
import { runIptables } from '../cli/iptables';
import { runConntrack } from '../cli/conntrack';
import { newHost, type Host } from '../host/model';
import { newRuleset, type Ruleset } from '../rules/model';
import { buildIcmp4, buildTcp4, buildUdp4 } from '../wire/build';
import { IP_DF } from '../wire/ipv4';
import { PacketView } from '../wire/packet';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../wire/tcp';
import { Engine } from './engine';
import { recentProcRead } from '../extensions/matches/recent';

function host(cmds: string[][]): Host {
  let h = newHost();
  for (const c of cmds) {
    const [prog, ...args] = c;
    const r = prog === 'ip' ? runIp(args, h) : prog === 'sysctl' ? runSysctl(args, h) : runListen(args, h);
    assert.equal(r.code, 0, `${c.join(' ')}: ${r.stderr}`);
    h = r.host;
  }
  return h;
}

function rules(lines: string[][]): Ruleset {
  let rs = newRuleset(4);
  for (const l of lines) {
    const r = runIptables(rs, l);
    assert.equal(r.code, 0, `${l.join(' ')}: ${r.stderr}`);
    rs = r.rs;
  }
  return rs;
}

/** A router: eth0 192.168.0.1/24 (LAN), eth1 203.0.113.1/24 (WAN), default via 203.0.113.254. */
function router(forward: boolean): Host {
  return host([
    ['ip', 'link', 'set', 'lo', 'up'],
    ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0'],
    ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'peer1'],
    ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'link', 'set', 'peer0', 'up'],
    ['ip', 'link', 'set', 'eth1', 'up'], ['ip', 'link', 'set', 'peer1', 'up'],
    ['ip', 'link', 'set', 'eth1', 'mtu', '1492'],
    ['ip', 'addr', 'add', '192.168.0.1/24', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'eth1'],
    ['ip', 'route', 'add', 'default', 'via', '203.0.113.254'],
    ['sysctl', '-w', `net.ipv4.ip_forward=${forward ? 1 : 0}`],
    ['listen', 'tcp', '0.0.0.0:22'],
  ]);
}

const n4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
const buf = new Uint8Array(2000);

function tcp(src: string, dst: string, sport: number, dport: number, flags: number, opts: { ttl?: number; len?: number; df?: boolean } = {}): Uint8Array {
  const payloadLen = Math.max(0, (opts.len ?? 40) - 40);
  const n = buildTcp4(buf, 0, { tos: 0, id: 7, fragWord: opts.df ? IP_DF : 0, ttl: opts.ttl ?? 64, protocol: 6, saddr: n4(src), daddr: n4(dst), options: null },
    { sport, dport, seq: 1000, ack: 0, flags, window: 64240, urgPtr: 0, options: null }, { data: new Uint8Array(payloadLen), off: 0, len: payloadLen });
  return buf.slice(0, n);
}

function udp(src: string, dst: string, dport: number): Uint8Array {
  const n = buildUdp4(buf, 0, { tos: 0, id: 9, fragWord: 0, ttl: 64, protocol: 17, saddr: n4(src), daddr: n4(dst), options: null }, 5353, dport, { data: new Uint8Array(4), off: 0, len: 4 });
  return buf.slice(0, n);
}

function ping(src: string, dst: string): Uint8Array {
  const n = buildIcmp4(buf, 0, { tos: 0, id: 3, fragWord: 0, ttl: 64, protocol: 1, saddr: n4(src), daddr: n4(dst), options: null }, { type: 8, code: 0, rest: (0x1234 << 16) | 1 }, { data: new Uint8Array(8).fill(0xab), off: 0, len: 8 });
  return buf.slice(0, n);
}

function parse(b: Uint8Array): PacketView {
  const v = new PacketView();
  v.parse(b, 0, b.length);
  return v;
}

const addr = (v: PacketView, off: number): string => [...v.buf.subarray(off, off + 4)].join('.');

test('a packet for a local address goes to INPUT and is delivered to a listening socket', () => {
  const e = new Engine({ host: router(false), rules4: rules([]), rules6: newRuleset(6) });
  const r = e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000, 22, TCP_SYN));
  assert.equal(r.fate, 'delivered');
  assert.deepEqual(r.emitted.map((x) => [x.dev, x.origin]), [['local', 'deliver']]);
});

test('the stack answers: echo reply, RST for a closed TCP port, port unreachable for UDP', () => {
  const e = new Engine({ host: router(false), rules4: rules([]), rules6: newRuleset(6) });
  const p = e.receive('eth0', ping('192.168.0.10', '192.168.0.1'));
  assert.equal(p.emitted.length, 1);
  const reply = parse(p.emitted[0].bytes);
  assert.equal(p.emitted[0].dev, 'eth0');
  assert.equal(reply.icmpType, 0);
  assert.equal(reply.icmpId, 0x1234);
  assert.equal(addr(reply, reply.srcOff), '192.168.0.1');
  assert.equal(addr(reply, reply.dstOff), '192.168.0.10');
  assert.ok(reply.l4ChecksumOk() && reply.ipv4ChecksumOk());

  const t = e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000, 23, TCP_SYN));
  const rst = parse(t.emitted[0].bytes);
  assert.equal(rst.tcpFlags, TCP_RST | TCP_ACK);
  assert.equal(rst.ack, 1001);
  assert.equal(rst.sport, 23);
  assert.equal(rst.dport, 40000);
  assert.ok(rst.l4ChecksumOk());

  const u = e.receive('eth0', udp('192.168.0.10', '192.168.0.1', 9999));
  const icmp = parse(u.emitted[0].bytes);
  assert.deepEqual([icmp.icmpType, icmp.icmpCode], [3, 3]);
  assert.equal(icmp.parseInner()?.dport, 9999);
  assert.ok(icmp.l4ChecksumOk());
});

test('forwarding: off drops, on decrements TTL and leaves by the route; TTL 1 gets time exceeded', () => {
  const off = new Engine({ host: router(false), rules4: rules([]), rules6: newRuleset(6) });
  const r0 = off.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN));
  assert.equal(r0.fate, 'dropped');
  assert.match(r0.reason, /forwarding disabled/);

  const on = new Engine({ host: router(true), rules4: rules([]), rules6: newRuleset(6) });
  const r1 = on.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN));
  assert.equal(r1.fate, 'forwarded');
  assert.equal(r1.outdev, 'eth1');
  const fwd = parse(r1.emitted[0].bytes);
  assert.equal(fwd.ttl, 63);
  assert.ok(fwd.ipv4ChecksumOk());

  const r2 = on.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN, { ttl: 1 }));
  assert.equal(r2.fate, 'dropped');
  const te = parse(r2.emitted[0].bytes);
  assert.deepEqual([te.icmpType, te.icmpCode], [11, 0]);
  assert.equal(addr(te, te.srcOff), '192.168.0.1');
  assert.equal(r2.emitted[0].dev, 'eth0');
});

test('a DF packet larger than the out MTU gets fragmentation needed with the MTU', () => {
  const on = new Engine({ host: router(true), rules4: rules([]), rules6: newRuleset(6) });
  const r = on.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_ACK, { len: 1500, df: true }));
  assert.equal(r.fate, 'dropped');
  const fn = parse(r.emitted[0].bytes);
  assert.deepEqual([fn.icmpType, fn.icmpCode], [3, 4]);
  assert.equal((fn.buf[fn.l4 + 6] << 8) | fn.buf[fn.l4 + 7], 1492);
});

test('filter rules decide, count, and their answers cross OUTPUT', () => {
  const rs = rules([
    ['-P', 'INPUT', 'DROP'], ['-P', 'FORWARD', 'DROP'],
    ['-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'tcp', '-s', '192.168.0.0/24', '-j', 'ACCEPT'],
    ['-A', 'INPUT', '-p', 'icmp', '-j', 'ACCEPT'],
    ['-A', 'FORWARD', '-i', 'eth0', '-o', 'eth1', '-j', 'ACCEPT'],
    ['-A', 'OUTPUT', '-p', 'icmp', '-j', 'DROP'],
  ]);
  const e = new Engine({ host: router(true), rules4: rs, rules6: newRuleset(6), trace: true });
  const a = e.receive('eth1', tcp('198.51.100.7', '203.0.113.1', 40000, 22, TCP_SYN));
  assert.equal(a.fate, 'dropped');
  assert.equal(a.reason, 'filter/INPUT policy');
  const b = e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000, 23, TCP_SYN));
  assert.equal(b.fate, 'delivered');
  assert.equal(b.emitted[0].origin, 'stack');
  assert.deepEqual(b.steps.map((s) => `${s.hook}:${s.table}:${s.chain}:${s.rulenum}:${s.verdict}`),
    ['INPUT:filter:INPUT:2:ACCEPT', 'OUTPUT:filter:OUTPUT:0:ACCEPT']);
  // The ping's echo reply is dropped by OUTPUT: nothing leaves.
  const c = e.receive('eth0', ping('192.168.0.10', '192.168.0.1'));
  assert.equal(c.fate, 'delivered');
  assert.equal(c.emitted.length, 0);
  assert.deepEqual(c.steps.map((s) => `${s.hook}:${s.chain}:${s.rulenum}:${s.verdict}`), ['INPUT:INPUT:3:ACCEPT', 'OUTPUT:OUTPUT:1:DROP']);
  const f = e.receive('eth1', tcp('8.8.8.8', '192.168.0.10', 443, 40000, TCP_ACK));
  assert.equal(f.reason, 'filter/FORWARD policy');
  const save = runIptables(rs, ['-v', '-S']).stdout;
  assert.match(save, /-P INPUT DROP -c 1 40\n/);
  assert.match(save, /-A INPUT -s 192\.168\.0\.0\/24 -p tcp -c 1 40 -j ACCEPT/);
  assert.match(save, /-A OUTPUT -p icmp -c 1 \d+ -j DROP/);
  assert.match(save, /-P FORWARD DROP -c 1 40\n/);
});

test('TRACE in raw makes every later rule, return and policy print a kernel TRACE line', () => {
  const rs = rules([
    ['-t', 'raw', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '22', '-j', 'TRACE'],
    ['-N', 'SSH'],
    ['-A', 'INPUT', '-p', 'tcp', '-j', 'SSH'],
    ['-A', 'SSH', '-s', '10.0.0.0/8', '-j', 'DROP'],
    ['-A', 'INPUT', '-j', 'ACCEPT'],
  ]);
  const e = new Engine({ host: router(false), rules4: rs, rules6: newRuleset(6) });
  e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000, 22, TCP_SYN));
  const heads = e.net.trace.map((l) => l.slice(0, l.indexOf(' IN=')));
  assert.deepEqual(heads, [
    'TRACE: raw:PREROUTING:policy:2',
    'TRACE: filter:INPUT:rule:1',
    'TRACE: filter:SSH:return:2',
    'TRACE: filter:INPUT:rule:2',
  ]);
  assert.match(e.net.trace[0], /^TRACE: raw:PREROUTING:policy:2 IN=eth0 OUT= MAC= SRC=192\.168\.0\.10 DST=192\.168\.0\.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=7 PROTO=TCP SPT=40000 DPT=22 SEQ=1000 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 $/);
  // Packets without the mark leave no trace.
  e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000, 80, TCP_SYN));
  assert.equal(e.net.trace.length, 4);
});

test('MASQUERADE: the first packet picks the out address, replies come back, and the link going down forgets it', () => {
  const rs = rules([['-t', 'nat', '-A', 'POSTROUTING', '-s', '192.168.0.0/24', '-o', 'eth1', '-j', 'MASQUERADE']]);
  const e = new Engine({ host: router(true), rules4: rs, rules6: newRuleset(6) });
  const out = e.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN));
  assert.equal(out.fate, 'forwarded');
  const syn = parse(out.emitted[0].bytes);
  assert.equal(addr(syn, syn.srcOff), '203.0.113.1');
  assert.ok(syn.l4ChecksumOk() && syn.ipv4ChecksumOk());
  const back = e.receive('eth1', tcp('8.8.8.8', '203.0.113.1', 443, syn.sport, TCP_SYN | TCP_ACK));
  assert.equal(back.fate, 'forwarded');
  assert.equal(back.outdev, 'eth0');
  const synack = parse(back.emitted[0].bytes);
  assert.equal(addr(synack, synack.dstOff), '192.168.0.10');
  assert.equal(synack.dport, 40000);
  assert.equal(e.net.conntrack.count, 1);
  assert.equal(e.linkDown('eth1'), 1);
  assert.equal(runConntrack(['-L'], e.net.conntrack).stdout, '');
});

test('loading a ruleset creates the state its rules need before any packet (xt_recent tables)', () => {
  const rs = rules([['-A', 'INPUT', '-p', 'tcp', '-m', 'recent', '--set', '--name', 'SCAN', '-j', 'DROP']]);
  const e = new Engine({ host: router(false), rules4: rs, rules6: newRuleset(6) });
  assert.equal(recentProcRead(e.net, 'SCAN'), '');
  assert.equal(recentProcRead(e.net, 'OTHER'), undefined);
  e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000, 23, TCP_SYN));
  assert.match(recentProcRead(e.net, 'SCAN') ?? '', /^src=192\.168\.0\.10 ttl: 64 /);
});

test('fragments are held until the datagram is complete, tracked as one packet, and sent on as they came', () => {
  const rs = rules([['-P', 'FORWARD', 'DROP'], ['-A', 'FORWARD', '-m', 'state', '--state', 'INVALID', '-j', 'DROP'], ['-A', 'FORWARD', '-p', 'udp', '--dport', '53', '-j', 'ACCEPT']]);
  const e = new Engine({ host: router(true), rules4: rs, rules6: newRuleset(6) });
  // A 1028-byte UDP datagram to port 53, cut into two fragments (the port is only in the first).
  const whole = new Uint8Array(1028);
  const n = buildUdp4(whole, 0, { tos: 0, id: 77, fragWord: 0, ttl: 64, protocol: 17, saddr: n4('192.168.0.10'), daddr: n4('8.8.8.8'), options: null }, 5353, 53, { data: new Uint8Array(1000).fill(7), off: 0, len: 1000 });
  const frag = (from: number, to: number, more: boolean): Uint8Array => {
    const b = new Uint8Array(20 + to - from);
    b.set(whole.subarray(0, 20));
    b.set(whole.subarray(20 + from, 20 + to), 20);
    b[2] = b.length >> 8; b[3] = b.length & 0xff;
    const fw = (more ? 0x2000 : 0) | (from >> 3);
    b[6] = fw >> 8; b[7] = fw & 0xff;
    b[10] = 0; b[11] = 0;
    let s = 0;
    for (let i = 0; i < 20; i += 2) s += (b[i] << 8) | b[i + 1];
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    const c = ~s & 0xffff;
    b[10] = c >> 8; b[11] = c & 0xff;
    return b;
  };
  assert.equal(n, 1028);
  const second = e.receive('eth0', frag(504, 1008, false));
  assert.equal(second.fate, 'held');
  const first = e.receive('eth0', frag(0, 504, true));
  assert.equal(first.fate, 'forwarded', first.reason);
  assert.equal(first.emitted.length, 2);
  assert.deepEqual(first.emitted.map((x) => x.bytes.length), [524, 524]);
  const p1 = parse(first.emitted[0].bytes);
  assert.equal(p1.ttl, 63);
  assert.ok(p1.ipv4ChecksumOk());
  assert.equal(runConntrack(['-C'], e.net.conntrack).stdout, '1\n');
});

// Checked on the kernel (two namespaces, scapy): ten UDP datagrams to a closed port at once get six
// port unreachables, and one more 1.2 s later gets its answer (icmp_ratelimit 1000 ms, burst 6).
test('ICMP errors are rate limited per destination: a burst of six, then one per second', () => {
  const e = new Engine({ host: router(false), rules4: rules([]), rules6: newRuleset(6) });
  let answers = 0;
  for (let i = 0; i < 10; i++) answers += e.receive('eth0', udp('192.168.0.10', '192.168.0.1', 9999)).emitted.length;
  assert.equal(answers, 6);
  e.advance(1200);
  assert.equal(e.receive('eth0', udp('192.168.0.10', '192.168.0.1', 9999)).emitted.length, 1);
  assert.equal(e.receive('eth0', udp('192.168.0.10', '192.168.0.1', 9999)).emitted.length, 0);
  // Another destination has its own bucket; TCP RSTs are not limited.
  assert.equal(e.receive('eth0', udp('192.168.0.11', '192.168.0.1', 9999)).emitted.length, 1);
  for (let i = 0; i < 10; i++) assert.equal(e.receive('eth0', tcp('192.168.0.10', '192.168.0.1', 40000 + i, 23, TCP_SYN)).emitted.length, 1);
});

test('connections are tracked only while some rule needs conntrack, as nf_ct_netns_get makes it in the kernel', () => {
  const plain = new Engine({ host: router(true), rules4: rules([['-A', 'FORWARD', '-p', 'tcp', '-j', 'ACCEPT']]), rules6: newRuleset(6) });
  assert.equal(plain.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN)).fate, 'forwarded');
  assert.equal(runConntrack(['-C'], plain.net.conntrack).stdout, '0\n');
  const stateful = new Engine({ host: router(true), rules4: rules([['-A', 'FORWARD', '-m', 'state', '--state', 'NEW', '-j', 'ACCEPT']]), rules6: newRuleset(6) });
  stateful.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN));
  assert.equal(runConntrack(['-C'], stateful.net.conntrack).stdout, '1\n');
});

test('reload: new rules apply to the next packet, connections carry on, and conntrack sysctls of the new host take effect', () => {
  const h = router(true);
  const e = new Engine({ host: h, rules4: rules([['-A', 'FORWARD', '-m', 'state', '--state', 'NEW,ESTABLISHED', '-j', 'ACCEPT'], ['-P', 'FORWARD', 'DROP']]), rules6: newRuleset(6) });
  assert.equal(e.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN)).fate, 'forwarded');
  // Only ESTABLISHED from now on, and a table of one entry (nf_conntrack_max=1).
  const h2 = runSysctl(['-w', 'net.netfilter.nf_conntrack_max=1'], h).host;
  e.reload({ host: h2, rules4: rules([['-A', 'FORWARD', '-m', 'state', '--state', 'ESTABLISHED', '-j', 'ACCEPT'], ['-P', 'FORWARD', 'DROP']]) });
  assert.equal(e.net.conntrack.max, 1);
  assert.equal(e.receive('eth1', tcp('8.8.8.8', '192.168.0.10', 443, 40000, TCP_SYN | TCP_ACK)).fate, 'forwarded', 'the connection from before the reload');
  assert.equal(e.receive('eth0', tcp('192.168.0.10', '8.8.8.8', 40001, 443, TCP_SYN)).fate, 'dropped');
  assert.equal(e.ruleset(4).tables.get('filter')!.chains.get('FORWARD')!.rules[0].pcnt, 1);
});
