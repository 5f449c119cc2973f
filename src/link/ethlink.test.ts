/**
 * The Ethernet link layer of the live router, on a small router built
 * with `ip` commands: LAN eth0 192.168.0.1/24 + 2001:db8:1::1/64, WAN eth1
 * 203.0.113.1/24 + 2001:db8:2::1/64, default via 203.0.113.254, forwarding
 * on. Frames the peers send are scapy-built fixtures (printed by
 * /usr/bin/python3 with scapy 2.5); frames the router must send are
 * compared with scapy-built frames too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIp, runSysctl } from '../cli/host-commands';
import { runIptables } from '../cli/iptables';
import { Engine } from '../engine/engine';
import { newHost, type Host } from '../host/model';
import { NeighTable, NUD_DELAY, NUD_FAILED, NUD_REACHABLE, NUD_STALE } from '../host/neigh';
import { runIpNeigh } from '../host/neigh-cmd';
import { newRuleset, type Ruleset } from '../rules/model';
import { parseIPv4, parseIPv6 } from '../util/addr';
import { buildUdp4, buildUdp6 } from '../wire/build';
import { EthLink } from './ethlink';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ETH0 = '020000000001', ETH1 = '020000000101';

function mkHost(): Host {
  let h = newHost();
  const cmds = [
    'ip link set lo up',
    `ip link add eth0 address 02:00:00:00:00:01 type veth peer name p0`,
    `ip link add eth1 address 02:00:00:00:01:01 type veth peer name p1`,
    'ip link set eth0 up', 'ip link set p0 up', 'ip link set eth1 up', 'ip link set p1 up',
    'ip addr add 192.168.0.1/24 dev eth0', 'ip addr add 203.0.113.1/24 dev eth1',
    'ip addr add 2001:db8:1::1/64 dev eth0', 'ip addr add 2001:db8:2::1/64 dev eth1',
    'ip route add default via 203.0.113.254',
    'sysctl -w net.ipv4.ip_forward=1', 'sysctl -w net.ipv6.conf.all.forwarding=1',
  ];
  for (const c of cmds) {
    const [prog, ...args] = c.split(' ');
    const r = prog === 'ip' ? runIp(args, h) : runSysctl(args, h);
    assert.equal(r.code, 0, `${c}: ${r.stderr}`);
    h = r.host;
  }
  return h;
}

function rules(family: 4 | 6, lines: string[]): Ruleset {
  let rs = newRuleset(family);
  for (const l of lines) {
    const r = runIptables(rs, l.split(' '));
    assert.equal(r.code, 0, `${l}: ${r.stderr}`);
    rs = r.rs;
  }
  return rs;
}

interface Rig { host: Host; clock: { t: number; now(): number; wall(): number }; frames: { dev: string; bytes: Uint8Array }[]; neigh: NeighTable; link: EthLink; engine: Engine; }

function rig(rules6: string[] = []): Rig {
  const host = mkHost();
  const clock = { t: 1_000_000, now(): number { return this.t; }, wall(): number { return this.t; } };
  const frames: Rig['frames'] = [];
  let link: EthLink | undefined;
  const engine = new Engine({
    host, rules4: newRuleset(4), rules6: rules(6, rules6), clock,
    onEmit: (dev, buf, off, len, origin) => link!.output(dev, buf, off, len, origin),
  });
  const neigh = new NeighTable({ now: clock.t, random: () => 0x80000000 });
  link = new EthLink({ engine, host, neigh, out: (dev, f, off, len) => frames.push({ dev, bytes: f.slice(off, off + len) }) });
  return { host, clock, frames, neigh, link, engine };
}

function frame(dst: string, src: string, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(hex(dst), 0); f.set(hex(src), 6);
  f[12] = type >> 8; f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

const n4 = (s: string): number => { const a = parseIPv4(s)!; return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0; };
function udp4(src: string, dst: string, ttl = 64): Uint8Array {
  const b = new Uint8Array(200);
  const n = buildUdp4(b, 0, { tos: 0, id: 1, fragWord: 0, ttl, protocol: 17, saddr: n4(src), daddr: n4(dst), options: null }, 1234, 5678, { data: new Uint8Array(8).fill(7), off: 0, len: 8 });
  return b.slice(0, n);
}
function udp6(src: string, dst: string): Uint8Array {
  const b = new Uint8Array(200);
  const n = buildUdp6(b, 0, { trafficClass: 0, flowLabel: 0, nexthdr: 17, hopLimit: 64, src: parseIPv6(src)!, srcOff: 0, dst: parseIPv6(dst)!, dstOff: 0 }, 1234, 5678, { data: new Uint8Array(8).fill(7), off: 0, len: 8 });
  return b.slice(0, n);
}
const input = (r: Rig, dev: string, f: Uint8Array): ReturnType<EthLink['input']> => r.link.input(dev, f, 0, f.length);
const state = (r: Rig, dev: string, fam: 4 | 6, addr: string): number | undefined => {
  const a = fam === 4 ? parseIPv4(addr)! : parseIPv6(addr)!;
  return r.neigh.lookup(r.host.ifaces.find((i) => i.name === dev)!.index, fam, a)?.state;
};

// Ether/ARP who-has 192.168.0.1 tell 192.168.0.10 (02:aa:00:00:00:0a), and the reply Linux sends.
const ARP_REQ = 'ffffffffffff02aa0000000a0806000108000604000102aa0000000ac0a8000a000000000000c0a80001';
const ARP_REP = '02aa0000000a02000000000108060001080006040002020000000001c0a8000102aa0000000ac0a8000a';
const WHO_HAS_20 = 'ffffffffffff02000000000108060001080006040001020000000001c0a80001000000000000c0a80014';
const NS_IN = '3333ff00000102aa0000000a86dd6000000000203aff20010db8000100000000000000000010ff0200000000000000000001ff00000187001b650000000020010db8000100000000000000000001010102aa0000000a';
const NA_OUT = '02aa0000000a02000000000186dd6000000000203aff20010db800010000000000000000000120010db800010000000000000000001088000a62e000000020010db80001000000000000000000010201020000000001';
const NS_OUT = '3333ff00002002000000000186dd6000000000203afffe80000000000000000000fffe000001ff0200000000000000000001ff00002087004c220000000020010db80001000000000000000000200101020000000001';
const NA_IN = '02000000000102aa0000002086dd6000000000203aff20010db8000100000000000000000020fe80000000000000000000fffe0000018800b9a36000000020010db8000100000000000000000020020102aa00000020';

test('ethlink: an ARP request for our address is answered with our MAC, and the asker learned STALE', () => {
  const r = rig();
  assert.equal(input(r, 'eth0', hex(ARP_REQ)), null);
  assert.equal(r.frames.length, 1);
  assert.equal(r.frames[0].dev, 'eth0');
  assert.equal(toHex(r.frames[0].bytes), ARP_REP);
  assert.equal(state(r, 'eth0', 4, '192.168.0.10'), NUD_STALE);
});

test('ethlink: with arp_ignore=0 an address of another interface is answered too; other addresses are not', () => {
  const r = rig();
  const req = hex(ARP_REQ);
  req.set([203, 0, 113, 1], 38);
  input(r, 'eth0', req);
  assert.equal(r.frames.length, 1);
  assert.deepEqual([...r.frames[0].bytes.subarray(28, 32)], [203, 0, 113, 1], 'sender protocol address = the asked address');
  assert.equal(toHex(r.frames[0].bytes.subarray(6, 12)), ETH0, 'from the receiving interface');
  const other = hex(ARP_REQ);
  other.set([192, 168, 0, 99], 38);
  input(r, 'eth0', other);
  assert.equal(r.frames.length, 1, 'not ours: no answer');
});

test('ethlink: a forwarded packet to an unknown neighbour is queued behind an ARP request, and leaves on the reply', () => {
  const r = rig();
  const pkt = udp4('198.51.100.7', '192.168.0.20');
  const res = input(r, 'eth1', frame(ETH1, '02bb000000fe', 0x0800, pkt));
  assert.equal(res?.fate, 'forwarded');
  assert.equal(r.frames.length, 1);
  assert.equal(toHex(r.frames[0].bytes), WHO_HAS_20, 'broadcast from 192.168.0.1 (inet_select_addr) on eth0');
  assert.equal(state(r, 'eth0', 4, '192.168.0.20'), 0x01);
  // is-at from 192.168.0.20, unicast to us
  const reply = hex('02000000000102aa0000001408060001080006040002' + '02aa00000014' + 'c0a80014' + ETH0 + 'c0a80001');
  assert.equal(input(r, 'eth0', reply), null);
  assert.equal(state(r, 'eth0', 4, '192.168.0.20'), NUD_REACHABLE);
  assert.equal(r.frames.length, 2);
  const out = r.frames[1];
  assert.equal(out.dev, 'eth0');
  assert.equal(toHex(out.bytes.subarray(0, 14)), '02aa00000014' + ETH0 + '0800');
  assert.equal(out.bytes[14 + 8], 63, 'TTL decremented by the forward path');
  assert.equal(toHex(out.bytes.subarray(14 + 20)), toHex(pkt.subarray(20)), 'payload unchanged');
  // A second packet goes at once.
  input(r, 'eth1', frame(ETH1, '02bb000000fe', 0x0800, pkt));
  assert.equal(r.frames.length, 3);
  assert.equal(toHex(r.frames[2].bytes.subarray(0, 6)), '02aa00000014');
});

test('ethlink: resolution fails after 3 probes; the sender gets ICMP host unreachable', () => {
  const r = rig();
  const add = runIpNeigh(['neigh', 'add', '203.0.113.254', 'lladdr', '02:bb:00:00:00:fe', 'dev', 'eth1'], r.neigh, r.host, r.clock.t);
  assert.equal(add.code, 0, add.stderr);
  input(r, 'eth1', frame(ETH1, '02bb000000fe', 0x0800, udp4('198.51.100.7', '192.168.0.30')));
  assert.equal(r.frames.length, 1);
  for (const dt of [1000, 2000]) {
    r.clock.t += 1000;
    r.link.tick();
    assert.equal(r.frames.length, 1 + dt / 1000, `probe at +${dt} ms`);
    assert.equal(r.frames[r.frames.length - 1].bytes[21], 1, 'an ARP request');
  }
  r.clock.t += 999;
  r.link.tick();
  assert.equal(r.frames.length, 3, 'not yet');
  r.clock.t += 1;
  r.link.tick();
  assert.equal(state(r, 'eth0', 4, '192.168.0.30'), NUD_FAILED);
  assert.equal(r.frames.length, 4);
  const icmp = r.frames[3];
  assert.equal(icmp.dev, 'eth1');
  assert.equal(toHex(icmp.bytes.subarray(0, 14)), '02bb000000fe' + ETH1 + '0800', 'to the default gateway');
  const ip = icmp.bytes.subarray(14);
  assert.deepEqual([...ip.subarray(12, 16)], [203, 0, 113, 1]);
  assert.deepEqual([...ip.subarray(16, 20)], [198, 51, 100, 7]);
  assert.equal(ip[9], 1);
  assert.deepEqual([ip[20], ip[21]], [3, 1], 'destination unreachable, host unreachable');
  assert.deepEqual([...ip.subarray(28 + 16, 28 + 20)], [192, 168, 0, 30], 'quotes the lost packet');
  const show = runIpNeigh(['neigh', 'show', 'dev', 'eth0'], r.neigh, r.host, r.clock.t);
  assert.equal(show.stdout, '192.168.0.30 FAILED \n');
});

test('ethlink: frames for another unicast MAC and VLAN-tagged frames are dropped', () => {
  const r = rig();
  const pkt = udp4('198.51.100.7', '192.168.0.1');
  assert.equal(input(r, 'eth1', frame('02cc00000001', '02bb000000fe', 0x0800, pkt)), null);
  const vlan = new Uint8Array(4 + 14 + pkt.length);
  vlan.set(frame(ETH1, '02bb000000fe', 0x8100, new Uint8Array(0)).subarray(0, 14));
  vlan.set([0, 5, 0x08, 0x00], 14);
  vlan.set(pkt, 18);
  assert.equal(input(r, 'eth1', vlan), null);
  const arp = hex(ARP_REQ);
  arp.set(hex('02cc00000001'), 0);
  assert.equal(input(r, 'eth0', arp), null);
  assert.equal(r.frames.length, 0);
  assert.equal(r.neigh.size, 0);
  // Broadcast IP is taken (and reaches the engine).
  assert.notEqual(input(r, 'eth1', frame('ffffffffffff', '02bb000000fe', 0x0800, udp4('203.0.113.9', '203.0.113.255'))), null);
});

test('ethlink: a gratuitous ARP updates an existing entry only (arp_accept=0)', () => {
  const r = rig();
  const garp = (mac: string, ip: string): Uint8Array =>
    hex('ffffffffffff' + mac + '0806' + '0001' + '0800' + '06' + '04' + '0001' + mac + ip + '000000000000' + ip);
  input(r, 'eth0', garp('02aa00000033', 'c0a80021'));
  assert.equal(r.neigh.size, 0, 'no entry created');
  input(r, 'eth0', hex(ARP_REQ));
  assert.equal(state(r, 'eth0', 4, '192.168.0.10'), NUD_STALE);
  r.clock.t += 2000;
  input(r, 'eth0', garp('02aa000000ff', 'c0a8000a'));
  const e = r.neigh.entries().find((x) => toHex(x.addr) === 'c0a8000a');
  assert.equal(toHex(e!.lladdr), '02aa000000ff', 'the existing entry takes the new address');
  assert.equal(r.neigh.size, 1);
});

test('ethlink: an IPv6 NS for our address is answered by the local stack through the engine', () => {
  const r = rig();
  const res = input(r, 'eth0', hex(NS_IN));
  assert.equal(res?.fate, 'delivered');
  assert.equal(r.frames.length, 1);
  assert.equal(r.frames[0].dev, 'eth0');
  assert.equal(toHex(r.frames[0].bytes), NA_OUT, 'NA: R (forwarding), S, O, TLLAO');
  // Learned STALE from the SLLAO, then DELAY once the NA used it (as `ip -6 neigh` shows on Linux).
  assert.equal(state(r, 'eth0', 6, '2001:db8:1::10'), NUD_DELAY);
});

test('ethlink: an NS dropped by ip6tables INPUT is neither answered nor learned from', () => {
  const r = rig(['-A INPUT -p icmpv6 -j DROP']);
  const res = input(r, 'eth0', hex(NS_IN));
  assert.equal(res?.fate, 'dropped');
  assert.equal(r.frames.length, 0);
  assert.equal(r.neigh.size, 0);
});

test('ethlink: IPv6 next hop resolved with an NS through the engine, the packet leaves on the NA', () => {
  const r = rig();
  const pkt = udp6('2001:db8:2::5', '2001:db8:1::20');
  const res = input(r, 'eth1', frame(ETH1, '02bb000000fe', 0x86dd, pkt));
  assert.equal(res?.fate, 'forwarded');
  assert.equal(r.frames.length, 1);
  assert.equal(r.frames[0].dev, 'eth0');
  assert.equal(toHex(r.frames[0].bytes), NS_OUT, 'multicast NS from the link-local address with SLLAO');
  assert.equal(input(r, 'eth0', hex(NA_IN))?.fate, 'delivered');
  assert.equal(state(r, 'eth0', 6, '2001:db8:1::20'), NUD_REACHABLE);
  assert.equal(r.frames.length, 2);
  const out = r.frames[1].bytes;
  assert.equal(toHex(out.subarray(0, 14)), '02aa00000020' + ETH0 + '86dd');
  assert.equal(out[14 + 7], 63, 'hop limit decremented');
});

test('ethlink: an NS for resolution blocked in OUTPUT is not sent, and the packet waits', () => {
  const r = rig(['-A OUTPUT -p icmpv6 --icmpv6-type neighbour-solicitation -j DROP']);
  input(r, 'eth1', frame(ETH1, '02bb000000fe', 0x86dd, udp6('2001:db8:2::5', '2001:db8:1::20')));
  assert.equal(r.frames.length, 0);
  assert.equal(state(r, 'eth0', 6, '2001:db8:1::20'), 0x01);
});

test('ethlink: NS and NA leave bound to their device, so OUTPUT -o sees the link they are for', () => {
  // An NS to resolve a WAN neighbour goes to ff02::1:ff00:9 from eth1's link-local address: routing those
  // alone would pick the first device with a multicast route (eth0); ndisc binds it to eth1.
  const r = rig(['-A OUTPUT -o eth1 -p icmpv6 -j DROP']);
  input(r, 'eth0', frame(ETH0, '02aa0000000a', 0x86dd, udp6('2001:db8:1::10', '2001:db8:2::9')));
  assert.equal(r.frames.length, 0, 'the NS for eth1 meets the -o eth1 DROP');
  // The NA answering an NS that came in on eth0 leaves on eth0, untouched by the -o eth1 rule.
  assert.equal(input(r, 'eth0', hex(NS_IN))?.fate, 'delivered');
  assert.equal(r.frames.length, 1);
  assert.equal(toHex(r.frames[0].bytes), NA_OUT);
  // And the other way round: -o eth0 drops the NA, while NS on eth1 go out.
  const q = rig(['-A OUTPUT -o eth0 -p icmpv6 -j DROP']);
  input(q, 'eth0', hex(NS_IN));
  assert.equal(q.frames.length, 0);
  input(q, 'eth0', frame(ETH0, '02aa0000000a', 0x86dd, udp6('2001:db8:1::10', '2001:db8:2::9')));
  assert.equal(q.frames.length, 1);
  assert.equal(q.frames[0].dev, 'eth1');
  // Resolving a LAN neighbour: the NS is for eth0, and -o eth0 drops it.
  input(q, 'eth1', frame(ETH1, '02bb000000fe', 0x86dd, udp6('2001:db8:2::5', '2001:db8:1::20')));
  assert.equal(q.frames.length, 1, 'no NS may leave for eth0');
});

test('ethlink: output to a known neighbour reuses one frame buffer', () => {
  const r = rig();
  runIpNeigh(['neigh', 'add', '192.168.0.40', 'lladdr', '02:aa:00:00:00:40', 'dev', 'eth0'], r.neigh, r.host, r.clock.t);
  const seen: Uint8Array[] = [];
  const link = new EthLink({ engine: r.engine, host: r.host, neigh: r.neigh, out: (_d, f) => { seen.push(f); } });
  const pkt = udp4('192.168.0.1', '192.168.0.40');
  link.output('eth0', pkt, 0, pkt.length, 'output');
  link.output('eth0', pkt, 0, pkt.length, 'output');
  assert.equal(seen.length, 2);
  assert.equal(seen[0], seen[1], 'the same buffer');
  assert.equal(toHex(seen[1].subarray(0, 6)), '02aa00000040');
});

// --- the kernel as the oracle -------------------------------------------------------

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelUnavailable } from '../testing/kernel';

/** The frames a peer sends: an ARP request, a multicast NS with SLLAO, a unicast NS (scapy-built, sent by scapy in the test). */
const PROBE_PY = `
from scapy.all import *
import sys, time
conf.verb = 0
frames = [bytes.fromhex(x) for x in sys.argv[1:]]
for f in frames:
    s = AsyncSniffer(iface='p0', lfilter=lambda p: bytes(p)[6:12] == bytes.fromhex('020000000001') and (ARP in p or ICMPv6ND_NA in p), count=1, timeout=2)
    s.start(); time.sleep(0.3)
    sendp(Ether(f), iface='p0'); s.join()
    print(bytes(s.results[0]).hex() if s.results else 'none', flush=True)
`;

test('ethlink: ARP reply and NA bytes equal the kernel\'s answers to the same frames', (t) => {
  const why = kernelUnavailable() ?? (spawnSync('/usr/bin/python3', ['-c', 'import scapy.all']).status === 0 ? null : 'python3-scapy not installed');
  if (why) {
    if (process.env.CI === 'true') assert.fail(why);
    t.skip(why);
    return;
  }
  // scapy: Ether()/ARP(op=1, hwsrc=peer, psrc='10.0.0.2', pdst='10.0.0.1'); Ether()/IPv6(src='2001:db8::2', hlim=255)/
  // ICMPv6ND_NS(tgt='2001:db8::1')/ICMPv6NDOptSrcLLAddr(lladdr=peer) to ff02::1:ff00:1, then the same NS unicast.
  const frames = [
    'ffffffffffff020000000002080600010800060400010200000000020a0000020000000000000a000001',
    '3333ff00000102000000000286dd6000000000203aff20010db8000000000000000000000002ff0200000000000000000001ff00000187001c270000000020010db80000000000000000000000010101020000000002',
    '02000000000102000000000286dd6000000000203aff20010db800000000000000000000000220010db80000000000000000000000018700ec720000000020010db80000000000000000000000010101020000000002',
  ];
  const tag = `${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const K = `nsv-l2k-${tag}`, P = `nsv-l2p-${tag}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-l2-'));
  const sh = (cmd: string): void => { const r = spawnSync('sh', ['-c', cmd]); assert.equal(r.status, 0, `${cmd}: ${r.stderr.toString()}`); };
  let kernel: string[];
  try {
    sh(`ip netns add ${K} && ip netns add ${P}`);
    sh(`ip netns exec ${K} sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0`);
    sh(`ip netns exec ${P} sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1`);
    sh(`ip link add k0 netns ${K} address 02:00:00:00:00:01 type veth peer name p0 netns ${P} address 02:00:00:00:00:02`);
    sh(`ip -n ${K} link set k0 up && ip -n ${P} link set p0 up && ip -n ${K} addr add 10.0.0.1/24 dev k0 && ip -n ${K} addr add 2001:db8::1/64 dev k0`);
    fs.writeFileSync(path.join(dir, 'probe.py'), PROBE_PY);
    const r = spawnSync('ip', ['netns', 'exec', P, '/usr/bin/python3', path.join(dir, 'probe.py'), ...frames], { timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    kernel = r.stdout.toString().trim().split('\n');
  } finally {
    spawnSync('ip', ['netns', 'del', K]);
    spawnSync('ip', ['netns', 'del', P]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // netsieve as the same host.
  let host = newHost();
  for (const c of ['link add k0 address 02:00:00:00:00:01 type veth peer name p0 address 02:00:00:00:00:02', 'link set k0 up', 'link set p0 up',
    'addr add 10.0.0.1/24 dev k0', 'addr add 2001:db8::1/64 dev k0']) {
    const r = runIp(c.split(' '), host);
    assert.equal(r.code, 0, r.stderr);
    host = r.host;
  }
  const out: string[] = [];
  let link: EthLink | undefined;
  const engine = new Engine({ host, rules4: newRuleset(4), rules6: newRuleset(6), onEmit: (d, b, o, l, origin) => link!.output(d, b, o, l, origin) });
  link = new EthLink({ engine, host, neigh: new NeighTable(), out: (_d, f, off, len) => out.push(toHex(f.subarray(off, off + len))) });
  const ours = frames.map((f) => {
    const before = out.length;
    const b = hex(f);
    link!.input('k0', b, 0, b.length);
    return out.length > before ? out[out.length - 1] : 'none';
  });
  assert.deepEqual(ours, kernel);
  assert.equal(kernel.includes('none'), false, 'the kernel answered every frame');
});
