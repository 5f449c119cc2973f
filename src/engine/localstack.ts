/**
 * The host's own answers, as the Linux stack gives them after INPUT:
 * echo replies (net/ipv4/icmp.c icmp_echo, net/ipv6/icmp.c icmpv6_echo_reply),
 * RST for a TCP segment to a closed port (tcp_v4_send_reset / tcp_v6_send_reset),
 * ICMP port unreachable for UDP to a closed port (__udp4_lib_rcv), and ICMP
 * errors (icmp_send / icmp6_send) for TTL expiry, MTU and unreachable routes.
 * Every answer is sent with net.output(), so it crosses OUTPUT and POSTROUTING.
 *
 * Simplifications, to be checked against the kernel by the differential
 * harness: the IP ID of ICMP errors comes from the seeded random source
 * (Linux's ip_select_ident is a keyed hash). Errors are rate limited per
 * destination (icmplimit.ts); the global icmp_msgs_per_sec limit is not.
 */
import { routeOutput, RouteResult } from '../host/route';
import { lookupFib } from '../host/fib';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6 } from '../wire/build';
import { IP_DF } from '../wire/ipv4';
import type { IPv4HeaderSpec } from '../wire/ipv4';
import type { IPv6HeaderSpec } from '../wire/ipv6';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type PacketView } from '../wire/packet';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../wire/tcp';
import type { NetContext } from './net';
import { icmpErrorAllowed } from './icmplimit';
import { ifaceByName, type Iface } from '../host/model';
import { addrEq } from '../host/prefix';
import { readSysctl } from '../host/sysctl';
import { NDISC_NEIGHBOUR_SOLICITATION } from '../wire/icmpv6';
import { buildNa, ND_NA_OVERRIDE, ND_NA_ROUTER, ND_NA_SOLICITED, NdMessage, parseNdisc } from '../wire/ndisc';

const out = new Uint8Array(1500);
const rt = new RouteResult();
const ip4: IPv4HeaderSpec = { tos: 0, id: 0, fragWord: 0, ttl: 64, protocol: 0, saddr: 0, daddr: 0, options: null };
const ip6: IPv6HeaderSpec = { trafficClass: 0, flowLabel: 0, nexthdr: 0, hopLimit: 64, src: new Uint8Array(16), srcOff: 0, dst: new Uint8Array(16), dstOff: 0 };

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function isMulticastOrBroadcast(v: PacketView): boolean {
  const b = v.buf, d = v.dstOff;
  if (v.family === 6) return b[d] === 0xff;
  return b[d] >= 224 || (b[d] === 255 && b[d + 1] === 255 && b[d + 2] === 255 && b[d + 3] === 255);
}

/**
 * What the stack answers to a packet delivered locally with no socket for
 * it. `indev` is the receiving interface (needed for neighbour
 * solicitations; when not given, the interface holding the target).
 */
export function stackAnswer(net: NetContext, v: PacketView, indev?: string): void {
  if (!v.firstFragment) return;
  if (v.proto === IPPROTO_ICMPV6 && v.icmpType === NDISC_NEIGHBOUR_SOLICITATION && v.family === 6) return ndiscAnswer(net, v, indev);
  if (v.proto === IPPROTO_ICMP && v.icmpType === 8 && v.family === 4) return echoReply4(net, v);
  if (v.proto === IPPROTO_ICMPV6 && v.icmpType === 128 && v.family === 6) return echoReply6(net, v);
  if (v.proto === IPPROTO_TCP && v.hasPorts && !(v.tcpFlags & TCP_RST)) return sendReset(net, v);
  if (v.proto === IPPROTO_UDP && v.hasPorts && !isMulticastOrBroadcast(v)) {
    if (v.family === 4) sendIcmpError(net, v, 3, 3, 0);
    else sendIcmpError(net, v, 1, 4, 0);
  }
}

function echoReply4(net: NetContext, v: PacketView): void {
  const b = v.buf;
  ip4.tos = v.tos; ip4.id = net.random.u32() & 0xffff; ip4.fragWord = 0; ip4.ttl = 64;
  ip4.saddr = u32(b, v.dstOff); ip4.daddr = u32(b, v.srcOff); ip4.options = null;
  const dataLen = v.ipEnd - v.l4 - 8;
  const n = buildIcmp4(out, 0, ip4, { type: 0, code: 0, rest: u32(b, v.l4 + 4) }, { data: b, off: v.l4 + 8, len: dataLen });
  net.output(out.subarray(0, n), 'stack');
}

function echoReply6(net: NetContext, v: PacketView): void {
  const b = v.buf;
  ip6.trafficClass = 0; ip6.flowLabel = 0; ip6.hopLimit = 64;
  ip6.src.set(b.subarray(v.dstOff, v.dstOff + 16)); ip6.dst.set(b.subarray(v.srcOff, v.srcOff + 16));
  const dataLen = v.ipEnd - v.l4 - 8;
  const n = buildIcmp6(out, 0, ip6, { type: 129, code: 0, rest: u32(b, v.l4 + 4) }, { data: b, off: v.l4 + 8, len: dataLen });
  net.output(out.subarray(0, n), 'stack');
}

/** tcp_v4_send_reset: ACK present → seq = its ack; else ACK the segment's sequence space. */
function sendReset(net: NetContext, v: PacketView): void {
  const b = v.buf;
  const payload = v.ipEnd - v.l4 - v.tcpHeaderLen;
  let seq = 0, ack = 0, flags = TCP_RST;
  if (v.tcpFlags & TCP_ACK) seq = v.ack;
  else {
    ack = (v.seq + payload + (v.tcpFlags & TCP_SYN ? 1 : 0) + (v.tcpFlags & TCP_FIN ? 1 : 0)) >>> 0;
    flags |= TCP_ACK;
  }
  const tcp = { sport: v.dport, dport: v.sport, seq, ack, flags, window: 0, urgPtr: 0, options: null };
  let n: number;
  if (v.family === 4) {
    ip4.tos = 0; ip4.id = 0; ip4.fragWord = IP_DF; ip4.ttl = 64; ip4.options = null;
    ip4.saddr = u32(b, v.dstOff); ip4.daddr = u32(b, v.srcOff);
    n = buildTcp4(out, 0, ip4, tcp, null);
  } else {
    ip6.trafficClass = 0; ip6.flowLabel = 0; ip6.hopLimit = 64;
    ip6.src.set(b.subarray(v.dstOff, v.dstOff + 16)); ip6.dst.set(b.subarray(v.srcOff, v.srcOff + 16));
    n = buildTcp6(out, 0, ip6, tcp, null);
  }
  net.output(out.subarray(0, n), 'stack');
}

/**
 * icmp_send / icmp6_send: never about an ICMP error, a non-first fragment
 * or a multicast/broadcast destination; quotes the offending packet up to
 * 576 (IPv4) or 1280 (IPv6) bytes in all. `info` is the MTU for
 * fragmentation needed / packet too big.
 */
export function sendIcmpError(net: NetContext, v: PacketView, type: number, code: number, info: number): void {
  if (v.icmpError || !v.firstFragment || isMulticastOrBroadcast(v)) return;
  const b = v.buf;
  const len = v.ipEnd - v.l3;
  if (v.family === 4) {
    // The source: the offending packet's destination when it was for us, else the route's source back.
    const r = routeOutput(net.host, 4, b.subarray(v.srcOff, v.srcOff + 4), rt);
    if (r.error || !r.src) return;
    if (!icmpErrorAllowed(net, 4, type, code, b.subarray(v.srcOff, v.srcOff + 4), r.route?.plen ?? 32, r.type === 'local')) return;
    // __icmp_send: an error about a packet that was for this host comes from the address it was sent to;
    // otherwise the source is chosen by the route back (icmp_errors_use_inbound_ifaddr = 0).
    const forUs = lookupFib(net.host, 4, b.subarray(v.dstOff, v.dstOff + 4))?.type === 'local';
    const saddr = forUs ? u32(b, v.dstOff) : u32(r.src, 0);
    ip4.tos = (v.tos & 0x1e) | 0xc0; ip4.id = net.random.u32() & 0xffff; ip4.fragWord = 0; ip4.ttl = 64; ip4.options = null;
    ip4.saddr = saddr; ip4.daddr = u32(b, v.srcOff);
    const quote = Math.min(len, 576 - 28);
    const rest = type === 3 && code === 4 ? info & 0xffff : 0;
    const n = buildIcmp4(out, 0, ip4, { type, code, rest }, { data: b, off: v.l3, len: quote });
    net.output(out.subarray(0, n), 'icmp');
  } else {
    const r = routeOutput(net.host, 6, b.subarray(v.srcOff, v.srcOff + 16), rt);
    if (r.error || !r.src) return;
    if (!icmpErrorAllowed(net, 6, type, code, b.subarray(v.srcOff, v.srcOff + 16), r.route?.plen ?? 128, r.type === 'local')) return;
    ip6.trafficClass = 0; ip6.flowLabel = 0; ip6.hopLimit = 64;
    ip6.src.set(r.src); ip6.dst.set(b.subarray(v.srcOff, v.srcOff + 16));
    const quote = Math.min(len, 1280 - 48);
    // The word after the code: the MTU of packet too big, the pointer of parameter problem (RFC 4443 3.2, 3.4).
    const n = buildIcmp6(out, 0, ip6, { type, code, rest: type === 2 || type === 4 ? info >>> 0 : 0 }, { data: b, off: v.l3, len: quote });
    net.output(out.subarray(0, n), 'icmp');
  }
}

/** ipv6_parse_hopopts' limit on non-padding options (net.ipv6.max_hbh_opts_number, default 8). */
const MAX_HBH_OPTS = 8;

/**
 * The hop-by-hop options header, as ip6_rcv_core parses it before
 * PREROUTING (net/ipv6/exthdrs.c ip6_parse_tlv): false when the packet is
 * dropped. Padding must be zeros and at most 7 bytes in a row; a router
 * alert must be 2 bytes long; a jumbo payload option is checked as
 * ipv6_hop_jumbo does (parameter problem, code 0, when the packet is no
 * jumbogram). An unknown option acts by its two high bits (RFC 8200 4.2):
 * skip, discard, discard with a parameter problem (code 2, pointing at the
 * option), or the same unless the destination is multicast. Other known
 * options (IOAM, CALIPSO) are skipped, as with ioam6_enabled=0.
 */
export function ip6ParseHopOpts(net: NetContext, v: PacketView): boolean {
  const b = v.buf, l3 = v.l3;
  if (v.family !== 6 || b[l3 + 6] !== 0) return true;
  const start = l3 + 40;
  if (start + 2 > v.ipEnd) return false;
  const end = start + (b[start + 1] + 1) * 8;
  if (end > v.ipEnd) return false;
  let off = start + 2, padlen = 0, count = 0;
  while (off < end) {
    const t = b[off];
    if (t === 0) { if (++padlen > 7) return false; off++; continue; }
    if (off + 2 > end) return false;
    const optlen = b[off + 1] + 2;
    if (off + optlen > end) return false;
    if (t === 1) {
      padlen += optlen;
      if (padlen > 7) return false;
      for (let i = 2; i < optlen; i++) if (b[off + i] !== 0) return false;
      off += optlen;
      continue;
    }
    if (++count > MAX_HBH_OPTS) return false;
    const ptr = off - l3;
    if (t === 0x05) {
      if (optlen !== 4) return false;
    } else if (t === 0xc2) {
      if (optlen !== 6 || (ptr & 3) !== 2) return false;
      const jumbo = u32(b, off + 2);
      if (jumbo <= 65535) { sendIcmpError(net, v, 4, 0, ptr + 2); return false; }
      if (b[l3 + 4] !== 0 || b[l3 + 5] !== 0) { sendIcmpError(net, v, 4, 0, ptr); return false; }
      return false; // a real jumbogram: never on these links
    } else if (t !== 0x31 && t !== 0x07) {
      const action = t >> 6;
      if (action === 1) return false;
      if (action === 2 || (action === 3 && b[v.dstOff] !== 0xff)) { sendIcmpError(net, v, 4, 2, ptr); return false; }
      if (action === 3) return false;
    }
    padlen = 0;
    off += optlen;
  }
  return true;
}

const nd = new NdMessage();

function ifaceWithAddr6(net: NetContext, b: Uint8Array, off: number): Iface | undefined {
  const a = b.subarray(off, off + 16);
  for (const i of net.host.ifaces) if (i.addrs6.some((x) => addrEq(x.addr, a))) return i;
  return undefined;
}

/**
 * ndisc_recv_ns -> ndisc_send_na: a neighbour solicitation for one of the
 * receiving interface's addresses (ipv6_get_ifaddr with strict = 1) is
 * answered from the target address to the solicitor with S set, R from
 * the interface's forwarding setting, and, when the NS was multicast,
 * O set and our link-layer address in a TLLAO (inc_opt; a unicast NS gets
 * neither, as a capture of the kernel shows). Not answered: DAD probes
 * (unspecified source; DAD is not modelled) and multicast NS without an
 * SLLAO (the kernel answers those only when it already has a neighbour
 * entry for the source, which this stateless answer cannot see).
 */
function ndiscAnswer(net: NetContext, v: PacketView, indev: string | undefined): void {
  const b = v.buf;
  if (!parseNdisc(b, v.l3, v.ipEnd, nd)) return;
  let unspecified = true;
  for (let i = 0; i < 16; i++) if (b[nd.src + i] !== 0) { unspecified = false; break; }
  if (unspecified) return;
  const iface = indev ? ifaceByName(net.host, indev) : ifaceWithAddr6(net, b, nd.target);
  if (!iface) return;
  const t = b.subarray(nd.target, nd.target + 16);
  if (!iface.addrs6.some((x) => addrEq(x.addr, t))) return;
  const multicast = b[nd.dst] === 0xff;
  if (multicast && nd.sllao < 0) return;
  const router = readSysctl(net.host, `net.ipv6.conf.${iface.name}.forwarding`) === '1';
  const flags = ND_NA_SOLICITED | (router ? ND_NA_ROUTER : 0) | (multicast ? ND_NA_OVERRIDE : 0);
  const n = buildNa(out, 0, b, nd.target, b, nd.src, b, nd.target, flags, multicast ? iface.mac : null);
  net.output(out.subarray(0, n), 'stack', iface.name);
}
