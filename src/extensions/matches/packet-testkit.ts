/**
 * Test support for the match packet functions (not used by the engine):
 * a NetContext over a real Host and Conntrack with a settable clock, rule
 * data parsed through the real iptables front end, and packets built with
 * the src/wire builders and parsed into an Skb.
 */
import assert from 'node:assert/strict';
import { runIptables } from '../../cli/iptables';
import { Conntrack } from '../../conntrack/conntrack';
import { Random, type NetContext } from '../../engine/net';
import { Skb } from '../../engine/skb';
import { addAddr, addLink, setLinkUp } from '../../host/link';
import { newHost, type Host } from '../../host/model';
import { addRoute } from '../../host/route';
import type { Family, HookName } from '../../rules/model';
import { newRuleset } from '../../rules/model';
import { parseIPv4, parseIPv6 } from '../../util/addr';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6, buildUdp4, buildUdp6 } from '../../wire/build';
import { buildEthernet } from '../../wire/ethernet';
import type { MatchExtension } from '../types';

export class TestClock {
  t = 1_000_000;
  wallMs = Date.UTC(2024, 0, 15, 12, 0, 0);
  now(): number { return this.t; }
  wall(): number { return this.wallMs; }
  advance(ms: number): void { this.t += ms; this.wallMs += ms; }
}

export interface TestNet extends NetContext { clock: TestClock }

export function makeNet(host: Host = newHost()): TestNet {
  const clock = new TestClock();
  const conntrack = new Conntrack({ clock, buckets: 1024 });
  return {
    host, conntrack, clock, random: new Random(1), extState: new Map(), log: [], trace: [], emitted: [],
    output: () => undefined,
  };
}

/** A host with eth0 (10.0.0.1/24, 2001:db8::1/64) and eth1 (192.168.1.1/24), default via 10.0.0.254. */
export function routedHost(): Host {
  const h = newHost();
  const ok = (e: unknown): void => assert.equal(e, null);
  ok(setLinkUp(h, 'lo', true));
  ok(addLink(h, 'eth0', 'dummy', { mac: Uint8Array.from([2, 0, 0, 0, 0, 1]) }));
  ok(addLink(h, 'eth1', 'dummy', { mac: Uint8Array.from([2, 0, 0, 0, 0, 2]) }));
  ok(setLinkUp(h, 'eth0', true));
  ok(setLinkUp(h, 'eth1', true));
  ok(addAddr(h, 'eth0', 4, ip4('10.0.0.1'), 24, { brd: '+' }));
  ok(addAddr(h, 'eth1', 4, ip4('192.168.1.1'), 24, { brd: '+' }));
  ok(addAddr(h, 'eth0', 6, ip6('2001:db8::1'), 64));
  ok(addRoute(h, { family: 4, type: 'unicast', dst: ip4('0.0.0.0'), plen: 0, gw: ip4('10.0.0.254'), dev: 2 }));
  return h;
}

export function ip4(s: string): Uint8Array { return parseIPv4(s)!; }
export function ip6(s: string): Uint8Array { return parseIPv6(s)!; }
const u32 = (s: string): number => ((ip4(s)[0] << 24) | (ip4(s)[1] << 16) | (ip4(s)[2] << 8) | ip4(s)[3]) >>> 0;

/**
 * The data and extension of match `index` (default: the last) of a rule
 * parsed by iptables/ip6tables, appended to filter INPUT (owner: OUTPUT;
 * rpfilter: raw PREROUTING, where the kernel allows them).
 */
export function ruleMatch<D>(family: Family, args: string[], index = -1): { ext: MatchExtension; data: D } {
  const raw = args.includes('rpfilter');
  const table = raw ? 'raw' : 'filter';
  const chain = raw ? 'PREROUTING' : args.includes('owner') ? 'OUTPUT' : 'INPUT';
  const r = runIptables(newRuleset(family), ['-t', table, '-A', chain, ...args]);
  assert.equal(r.code, 0, r.stderr);
  const rule = r.rs.tables.get(table)!.chains.get(chain)!.rules[0];
  const m = rule.matches[index < 0 ? rule.matches.length + index : index];
  return { ext: m.ext as MatchExtension, data: m.data as D };
}

/** Runs the packet function of the last match of `args` and returns [result, hotdrop]. */
export function check(family: Family, args: string[], skb: Skb): [boolean, boolean] {
  const { ext, data } = ruleMatch<unknown>(family, args);
  skb.hotdrop = false;
  const r = ext.match!(skb, data);
  return [r, skb.hotdrop];
}

export interface PktOpts {
  src?: string; dst?: string; sport?: number; dport?: number; flags?: number; ttl?: number; tos?: number;
  options?: Uint8Array | null; payload?: Uint8Array; fragWord?: number; icmpType?: number; icmpCode?: number; rest?: number;
}

const BUF = 2048;

function payloadSpec(o: PktOpts): { data: Uint8Array; off: number; len: number } | null {
  return o.payload ? { data: o.payload, off: 0, len: o.payload.length } : null;
}

/** An IPv4 packet (tcp, udp or icmp) as bytes. */
export function pkt4(proto: 'tcp' | 'udp' | 'icmp', o: PktOpts = {}): Uint8Array {
  const b = new Uint8Array(BUF);
  const ip = { tos: o.tos ?? 0, id: 1, fragWord: o.fragWord ?? 0, ttl: o.ttl ?? 64, protocol: 0, saddr: u32(o.src ?? '10.0.0.2'), daddr: u32(o.dst ?? '10.0.0.1'), options: null };
  let n: number;
  if (proto === 'tcp') {
    n = buildTcp4(b, 0, ip, { sport: o.sport ?? 1234, dport: o.dport ?? 80, seq: 1, ack: 0, flags: o.flags ?? 0x02, window: 1000, urgPtr: 0, options: o.options ?? null }, payloadSpec(o));
  } else if (proto === 'udp') {
    n = buildUdp4(b, 0, ip, o.sport ?? 1234, o.dport ?? 53, payloadSpec(o));
  } else {
    n = buildIcmp4(b, 0, ip, { type: o.icmpType ?? 8, code: o.icmpCode ?? 0, rest: o.rest ?? 0x00010001 }, payloadSpec(o));
  }
  return b.slice(0, n);
}

/** An IPv6 packet (tcp, udp or icmpv6) as bytes. */
export function pkt6(proto: 'tcp' | 'udp' | 'icmp', o: PktOpts = {}): Uint8Array {
  const b = new Uint8Array(BUF);
  const ip = { trafficClass: o.tos ?? 0, flowLabel: 0, nexthdr: 0, hopLimit: o.ttl ?? 64, src: ip6(o.src ?? '2001:db8::2'), srcOff: 0, dst: ip6(o.dst ?? '2001:db8::1'), dstOff: 0 };
  let n: number;
  if (proto === 'tcp') {
    n = buildTcp6(b, 0, ip, { sport: o.sport ?? 1234, dport: o.dport ?? 80, seq: 1, ack: 0, flags: o.flags ?? 0x02, window: 1000, urgPtr: 0, options: o.options ?? null }, payloadSpec(o));
  } else if (proto === 'udp') {
    n = buildUdp6(b, 0, ip, o.sport ?? 1234, o.dport ?? 53, payloadSpec(o));
  } else {
    n = buildIcmp6(b, 0, ip, { type: o.icmpType ?? 128, code: o.icmpCode ?? 0, rest: o.rest ?? 0x00010001 }, payloadSpec(o));
  }
  return b.slice(0, n);
}

/** Prepends an Ethernet header. */
export function withEth(ipPkt: Uint8Array, dstMac: number[], srcMac: number[]): Uint8Array {
  const b = new Uint8Array(14 + ipPkt.length);
  buildEthernet(b, 0, Uint8Array.from(dstMac), 0, Uint8Array.from(srcMac), 0, (ipPkt[0] >> 4) === 4 ? 0x0800 : 0x86dd);
  b.set(ipPkt, 14);
  return b;
}

/** An Skb for these bytes (an Ethernet frame when `frame`), in `net`, at `hook`. */
export function skbOf(bytes: Uint8Array, net: NetContext, hook: HookName = 'INPUT', indev = 'eth0', outdev = '', frame = false): Skb {
  const skb = new Skb();
  if (frame) skb.view.parseFrame(bytes, 0, bytes.length);
  else skb.view.parse(bytes, 0, bytes.length);
  skb.net = net;
  skb.hook = hook;
  skb.indev = indev;
  skb.outdev = outdev;
  return skb;
}
