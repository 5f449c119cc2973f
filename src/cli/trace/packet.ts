/**
 * The packet of `netsieve trace`: the options (spec.ts) with the host's
 * defaults filled in (a packet for this host from a plausible neighbour,
 * the in-interface the route back to the source uses), built into bytes
 * with src/wire's builders, and a short readable summary of any packet.
 */
import { lookupFib } from '../../host/fib';
import type { Host, Iface } from '../../host/model';
import { ifaceByIndex, ifaceByName } from '../../host/model';
import { network, parseIp } from '../../host/prefix';
import { routeOutput, RouteResult } from '../../host/route';
import { ipv6ToString } from '../../util/addr';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6, buildUdp4, buildUdp6 } from '../../wire/build';
import { buildEthernet, ETH_P_IP, ETH_P_IPV6 } from '../../wire/ethernet';
import { IP_DF } from '../../wire/ipv4';
import { PacketView } from '../../wire/packet';
import { TCP_SYN } from '../../wire/tcp';
import { icmpTypeCode, TraceUsage, tcpFlagsText, type TraceOptions } from './spec';

/** Everything needed to build one IP packet. */
export interface PacketDesc {
  family: 4 | 6;
  proto: number;
  src: Uint8Array;
  dst: Uint8Array;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  mss: number | undefined;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  ttl: number;
  tos: number;
  df: boolean;
  id: number;
  payload: Uint8Array;
}

/** Where the packet enters: an interface (optionally as an Ethernet frame), or a local process. */
export interface Injection {
  local: boolean;
  indev: string;
  macSource: Uint8Array | undefined;
  uid: number | undefined;
  gid: number | undefined;
  /** The bytes are an Ethernet frame (--hex). */
  frame?: boolean;
}

export const DEFAULT_SPORT = 40000;
const ICMP_ECHO_ID = 0x1234;

const TEST_NET = { 4: '192.0.2.1', 6: '2001:db8::1' } as const;
const INTERNET = { 4: '198.51.100.1', 6: '2001:db8:ffff::1' } as const;

function firstAddr(i: Iface, family: 4 | 6): { addr: Uint8Array; plen: number } | undefined {
  if (family === 4) return i.addrs4.find((a) => !a.secondary);
  // Link-local addresses would need the interface to be named with them: only global ones are defaults.
  return i.addrs6.find((a) => a.scope === 'global');
}

/** A neighbour on the interface's subnet (host 100 of it), or an Internet address when the default route leaves there. */
function neighbourOf(host: Host, i: Iface, family: 4 | 6): Uint8Array {
  const routes = family === 4 ? host.routes4 : host.routes6;
  if (routes.some((r) => r.plen === 0 && r.dev === i.index && r.type === 'unicast')) return parseIp(family, INTERNET[family])!;
  const a = firstAddr(i, family);
  if (!a || (family === 4 && a.plen > 24) || (family === 6 && a.plen > 120)) return parseIp(family, TEST_NET[family])!;
  const n = network(a.addr, a.plen);
  n[n.length - 1] = 100;
  if (n.every((x, k) => x === a.addr[k])) n[n.length - 1] = 101;
  return n;
}

/** The options with the host's defaults filled in. */
export function resolvePacket(o: TraceOptions, host: Host): { desc: PacketDesc; inj: Injection } {
  const family = o.family === 6 ? 6 : 4;
  let indev = o.indev;
  let src = o.src ? parseIp(family, o.src)! : undefined;
  let dst = o.dst ? parseIp(family, o.dst)! : undefined;
  if (o.local) {
    dst ??= parseIp(family, INTERNET[family])!;
    if (!src) {
      const rt = routeOutput(host, family, dst, new RouteResult());
      if (rt.error || !rt.src) throw new TraceUsage(`no route from this host to ${fmtAddr(dst)} (${rt.error ?? 'no source address'}): give -s`);
      src = new Uint8Array(rt.src);
    }
  } else {
    if (!indev && src) {
      const r = lookupFib(host, family, src);
      const i = r && r.type === 'unicast' ? ifaceByIndex(host, r.dev) : undefined;
      if (i) indev = i.name;
    }
    if (!indev) throw new TraceUsage('say where the packet arrives (-i IFACE), or that a local process sends it (--local)');
    const i = ifaceByName(host, indev)!;
    if (!dst) {
      const a = firstAddr(i, family);
      if (!a) throw new TraceUsage(`${indev} has no IPv${family} address: give -d`);
      dst = new Uint8Array(a.addr);
    }
    src ??= neighbourOf(host, i, family);
  }
  const proto = o.proto;
  let icmpType = -1, icmpCode = 0;
  if (proto === 1 || proto === 58) {
    const t = o.icmpType !== undefined ? icmpTypeCode(family, o.icmpType) : { type: family === 4 ? 8 : 128, code: 0 };
    icmpType = t.type; icmpCode = t.code;
  }
  const desc: PacketDesc = {
    family, proto, src, dst,
    sport: o.sport ?? DEFAULT_SPORT,
    dport: o.dport ?? (proto === 17 ? 53 : 80),
    flags: o.tcpFlags ?? TCP_SYN,
    seq: o.seq ?? 1_000_000, ack: o.ackSeq ?? 0, window: o.window, mss: o.mss,
    icmpType, icmpCode, icmpId: ICMP_ECHO_ID, icmpSeq: 1,
    ttl: o.ttl ?? 64, tos: o.tos, df: o.df, id: 0x1000,
    payload: o.data ?? new Uint8Array(0),
  };
  if (o.length !== undefined) {
    const hdr = headerLen(desc);
    if (o.length < hdr) throw new TraceUsage(`--length ${o.length} is shorter than the headers (${hdr} bytes)`);
    const p = new Uint8Array(o.length - hdr);
    p.set(desc.payload.subarray(0, p.length));
    desc.payload = p;
  }
  return { desc, inj: { local: o.local, indev, macSource: o.macSource, uid: o.uid, gid: o.gid } };
}

function headerLen(d: PacketDesc): number {
  const ip = d.family === 4 ? 20 : 40;
  if (d.proto === 6) return ip + 20 + (d.mss !== undefined ? 4 : 0);
  if (d.proto === 17 || d.proto === 1 || d.proto === 58) return ip + 8;
  return ip;
}

const BUF = new Uint8Array(65536 + 64);

function u32(a: Uint8Array): number {
  return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
}

/** The packet's bytes from its IP header. */
export function buildPacket(d: PacketDesc): Uint8Array {
  const p = { data: d.payload, off: 0, len: d.payload.length };
  let n: number;
  if (d.family === 4) {
    const ip = { tos: d.tos, id: d.id, fragWord: d.df ? IP_DF : 0, ttl: d.ttl, protocol: 0, saddr: u32(d.src), daddr: u32(d.dst), options: null };
    if (d.proto === 6) n = buildTcp4(BUF, 0, ip, tcpSpec(d), p);
    else if (d.proto === 17) n = buildUdp4(BUF, 0, ip, d.sport, d.dport, p);
    else if (d.proto === 1) n = buildIcmp4(BUF, 0, ip, icmpSpec(d), p);
    else n = otherProto(d, p.data);
  } else {
    const ip = { trafficClass: d.tos, flowLabel: 0, nexthdr: 0, hopLimit: d.ttl, src: d.src, srcOff: 0, dst: d.dst, dstOff: 0 };
    if (d.proto === 6) n = buildTcp6(BUF, 0, ip, tcpSpec(d), p);
    else if (d.proto === 17) n = buildUdp6(BUF, 0, ip, d.sport, d.dport, p);
    else if (d.proto === 58) n = buildIcmp6(BUF, 0, ip, icmpSpec(d), p);
    else n = otherProto(d, p.data);
  }
  return BUF.slice(0, n);
}

/** Another protocol (GRE, ESP, ...): the header of the family, then the payload as is. */
function otherProto(d: PacketDesc, payload: Uint8Array): number {
  const p = { data: payload, off: 0, len: payload.length };
  let n: number;
  if (d.family === 4) {
    n = buildUdp4(BUF, 0, { tos: d.tos, id: d.id, fragWord: d.df ? IP_DF : 0, ttl: d.ttl, protocol: 0, saddr: u32(d.src), daddr: u32(d.dst), options: null }, 0, 0, p, false);
    // Drop the UDP header again: total length and protocol change, so the header checksum is redone.
    BUF.copyWithin(20, 28, n);
    n -= 8;
    BUF[2] = n >> 8; BUF[3] = n & 0xff; BUF[9] = d.proto; BUF[10] = 0; BUF[11] = 0;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (BUF[i] << 8) | BUF[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    const c = ~sum & 0xffff;
    BUF[10] = c >> 8; BUF[11] = c & 0xff;
  } else {
    n = buildUdp6(BUF, 0, { trafficClass: d.tos, flowLabel: 0, nexthdr: 0, hopLimit: d.ttl, src: d.src, srcOff: 0, dst: d.dst, dstOff: 0 }, 0, 0, p);
    BUF.copyWithin(40, 48, n);
    n -= 8;
    BUF[4] = (n - 40) >> 8; BUF[5] = (n - 40) & 0xff; BUF[6] = d.proto;
  }
  return n;
}

function tcpSpec(d: PacketDesc) {
  const options = d.mss === undefined ? null : new Uint8Array([2, 4, d.mss >> 8, d.mss & 0xff]);
  return { sport: d.sport, dport: d.dport, seq: d.seq >>> 0, ack: d.ack >>> 0, flags: d.flags, window: d.window, urgPtr: 0, options };
}

function icmpSpec(d: PacketDesc) {
  const echo = d.family === 4 ? d.icmpType === 8 || d.icmpType === 0 : d.icmpType === 128 || d.icmpType === 129;
  return { type: d.icmpType, code: d.icmpCode, rest: echo ? ((d.icmpId << 16) | d.icmpSeq) >>> 0 : 0 };
}

/** The IP packet inside an Ethernet frame addressed to the interface's MAC. */
export function ethernetFrame(ip: Uint8Array, dstMac: Uint8Array, srcMac: Uint8Array, family: 4 | 6): Uint8Array {
  const f = new Uint8Array(14 + ip.length);
  buildEthernet(f, 0, dstMac, 0, srcMac, 0, family === 4 ? ETH_P_IP : ETH_P_IPV6);
  f.set(ip, 14);
  return f;
}

export function fmtAddr(a: Uint8Array): string {
  return a.length === 4 ? a.join('.') : ipv6ToString(a);
}

function hostPort(v: PacketView, off: number, port: number): string {
  const a = fmtAddr(v.buf.subarray(off, off + v.addrLen));
  if (!v.hasPorts) return a;
  return v.family === 6 ? `[${a}]:${port}` : `${a}:${port}`;
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 132: 'SCTP' };

/** "TCP 192.0.2.1:40000 > 203.0.113.5:80 [SYN] ttl=64 len=60". */
export function summarize(v: PacketView): string {
  let s = `${PROTO_NAMES[v.proto] ?? `proto ${v.proto}`} ${hostPort(v, v.srcOff, v.sport)} > ${hostPort(v, v.dstOff, v.dport)}`;
  if (v.proto === 6 && v.tcpHeaderLen > 0) s += ` [${tcpFlagsText(v.tcpFlags)}] seq=${v.seq >>> 0}${v.tcpFlags & 0x10 ? ` ack=${v.ack >>> 0}` : ''}`;
  if (v.icmpType >= 0) {
    s += ` type=${v.icmpType} code=${v.icmpCode}`;
    if (v.icmpId >= 0) s += ` id=${v.icmpId} seq=${v.icmpSeq}`;
    if (v.icmpError) {
      const inner = v.parseInner();
      if (inner) s += ` (quoting ${summarize(inner)})`;
    }
  }
  if (v.payloadLen > 0 && (v.proto === 6 || v.proto === 17)) s += ` data=${v.payloadLen}`;
  s += ` ttl=${v.ttl} len=${v.ipEnd - v.l3}`;
  return s;
}

export function viewOf(bytes: Uint8Array): PacketView {
  const v = new PacketView();
  v.parse(bytes, 0, bytes.length);
  return v;
}
