/**
 * The packets REJECT sends, built as the kernel builds them:
 * - TCP reset: net/ipv4/netfilter/nf_reject_ipv4.c nf_send_reset,
 *   net/ipv6/netfilter/nf_reject_ipv6.c nf_send_reset6;
 * - ICMP errors: nf_send_unreach (then net/ipv4/icmp.c __icmp_send) and
 *   nf_send_unreach6 (then net/ipv6/icmp.c icmp6_send).
 * Checked byte for byte against the kernel (REJECT.packet.fixtures.ts).
 *
 * What the kernel does that is modelled here:
 * - no answer to a non-first fragment, to an RST, to an ICMP error (or an
 *   ICMP of unknown type), to a broadcast/multicast destination, or to a
 *   packet whose transport checksum is wrong (nf_ip_checksum /
 *   nf_ip6_checksum; skipped for locally generated packets, whose checksum
 *   the stack fills later: CHECKSUM_PARTIAL, and for the protocols
 *   nf_reject_verify_csum excludes; a UDP datagram without checksum is
 *   answered in both families, and an IPv4 protocol other than TCP/UDP is
 *   summed over its payload like ICMP, so e.g. protocol 99 is answered only
 *   when that sum happens to be right: both observed);
 * - RST: ID 0, DF, TOS 0, TTL net.ipv4.ip_default_ttl, addresses and ports
 *   swapped, seq/ack per nf_reject_ip_tcphdr_put; IPv6: traffic class and
 *   flow label 0, hop limit of the route's device;
 * - ICMP: source = the original destination when that is a local address,
 *   else the address the route back chooses; TOS (orig & 0x1e) | 0xc0; no
 *   DF; a fresh IP ID (the kernel's is hashed with a secret: we draw it from
 *   net.random); the quote is cut so the error fits in 576 bytes (IPv4) or
 *   1280 (IPv6); ICMPv6 gets an auto flow label, a hash of the flow under a
 *   per-namespace secret (net.ipv6.auto_flowlabels=1), traffic class 0.
 * Not modelled: ICMP rate limits (icmp_ratelimit, icmp_msgs_per_sec: the
 * first error to a peer always passes), echoing IPv4 options
 * (__ip_options_echo), fwmark_reflect (the reply's mark), and attaching the
 * original's conntrack entry to the RST (nf_ct_attach): the engine's output()
 * carries bytes only (see the report).
 */
import { icmpErrorAllowed } from '../../engine/icmplimit';
import { checksum, get16, get32, l4Checksum } from '../../wire/checksum';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6, type IcmpSpec, type PayloadSpec } from '../../wire/build';
import { IP_DF, type IPv4HeaderSpec } from '../../wire/ipv4';
import type { IPv6HeaderSpec } from '../../wire/ipv6';
import { icmpIsError, ICMP_DEST_UNREACH } from '../../wire/icmp';
import { ICMPV6_DEST_UNREACH, icmpv6IsError } from '../../wire/icmpv6';
import {
  IPPROTO_AH, IPPROTO_DCCP, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP,
  IPPROTO_UDP, IPPROTO_UDPLITE, type PacketView,
} from '../../wire/packet';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpHeaderSpec } from '../../wire/tcp';
import { lookupFib } from '../../host/fib';
import { ifaceByIndex, type Host } from '../../host/model';
import { RouteResult, routeOutput } from '../../host/route';
import type { Skb } from '../../engine/skb';

/** icmp.c: the largest ICMP error (576) and IPv6's minimum MTU (1280). */
const ICMP4_MAX = 576;
const ICMP6_MAX = 1280;
const NR_ICMP_TYPES = 18;

// Scratch, reused for every packet.
const OUT = new Uint8Array(ICMP6_MAX);
/** Views of OUT by length, made on first use, so that sending allocates nothing afterwards. */
const OUT_VIEWS: (Uint8Array | undefined)[] = [];
const ADDR_S = new Uint8Array(16);
const ADDR_D = new Uint8Array(16);
const ADDR4_S = new Uint8Array(4);
const ADDR4_D = new Uint8Array(4);
const RT = new RouteResult();
const IP4: IPv4HeaderSpec = { tos: 0, id: 0, fragWord: 0, ttl: 64, protocol: 0, saddr: 0, daddr: 0, options: null };
const IP6: IPv6HeaderSpec = { trafficClass: 0, flowLabel: 0, nexthdr: 0, hopLimit: 64, src: ADDR_S, srcOff: 0, dst: ADDR_D, dstOff: 0 };
const TCP: TcpHeaderSpec = { sport: 0, dport: 0, seq: 0, ack: 0, flags: 0, window: 0, urgPtr: 0, options: null };
const ICMP: IcmpSpec = { type: 0, code: 0, rest: 0 };
const QUOTE: PayloadSpec = { data: null, off: 0, len: 0 };

function send(skb: Skb, len: number): void {
  let v = OUT_VIEWS[len];
  if (v === undefined) v = OUT_VIEWS[len] = OUT.subarray(0, len);
  skb.net.output(v, 'reject');
}

function sysctlInt(h: Host, key: string, def: number): number {
  const s = h.sysctl[key];
  if (s === undefined) return def;
  const n = Number(s);
  return Number.isFinite(n) ? n : def;
}

/** ip4_dst_hoplimit: routes carry no hoplimit metric here, so the sysctl decides. */
function ttl4(h: Host): number { return sysctlInt(h, 'net.ipv4.ip_default_ttl', 64); }

/** ip6_dst_hoplimit: the route device's hop_limit (addrconf devconf), else all's; 64 by default. */
function hopLimit6(h: Host, dev: number): number {
  const d = ifaceByIndex(h, dev);
  const all = sysctlInt(h, 'net.ipv6.conf.all.hop_limit', 64);
  if (d === undefined) return all;
  let key = HOPLIMIT_KEYS.get(d.name);
  if (key === undefined) { key = `net.ipv6.conf.${d.name}.hop_limit`; HOPLIMIT_KEYS.set(d.name, key); }
  return sysctlInt(h, key, all);
}
const HOPLIMIT_KEYS = new Map<string, string>();

/** Copy the packet's addresses into the scratch arrays: ADDR_S = its source, ADDR_D = its destination. */
function loadAddrs(v: PacketView): void {
  v.copySrc(ADDR_S, 0);
  v.copyDst(ADDR_D, 0);
  if (v.family === 4) { v.copySrc(ADDR4_S, 0); v.copyDst(ADDR4_D, 0); }
}

function isMulticast6(a: Uint8Array): boolean { return a[0] === 0xff; }
function isAny6(a: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== 0) return false;
  return true;
}

/** RTCF_BROADCAST | RTCF_MULTICAST of the packet's route: multicast, limited or a local broadcast route. */
function isBroadcast4(h: Host, dst: Uint8Array): boolean {
  if (dst[0] >= 224 && dst[0] <= 239) return true;
  if (dst[0] === 255 && dst[1] === 255 && dst[2] === 255 && dst[3] === 255) return true;
  const r = lookupFib(h, 4, dst);
  return r !== null && (r.type === 'broadcast' || r.type === 'multicast');
}

/** skb->pkt_type != PACKET_HOST: the frame came to a group MAC address (only knowable with the Ethernet header). */
function notForHost(v: PacketView): boolean {
  return v.l2 >= 0 && (v.buf[v.l2] & 1) !== 0;
}

/** The address is one of the host's own (a local route in the local table, or ipv6_chk_addr). */
function isLocal(h: Host, family: 4 | 6, a: Uint8Array): boolean {
  const r = lookupFib(h, family, a);
  return r !== null && r.type === 'local';
}

/**
 * nf_ip_checksum / nf_ip6_checksum as REJECT calls them: true when the
 * transport checksum is right or need not be checked. TCP and UDP (and every
 * protocol over IPv6) are summed with the pseudo header, other IPv4
 * protocols over their payload alone.
 */
function csumOk(skb: Skb, v: PacketView, proto: number): boolean {
  if (skb.local) return true; // CHECKSUM_PARTIAL: the stack fills it in later
  const len = v.ipEnd - v.l4;
  if (len < 0) return false;
  if (v.family === 4 && proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return checksum(v.buf, v.l4, len) === 0;
  return l4Checksum(v.buf, v.family as 4 | 6, v.srcOff, v.dstOff, proto, v.l4, len) === 0;
}

/** nf_reject_verify_csum: protocols whose checksum REJECT checks; UDP without a checksum (0) is answered unchecked in both families (observed). */
function verifiesCsum(v: PacketView, proto: number): boolean {
  switch (proto) {
    case IPPROTO_AH: case IPPROTO_ESP: case IPPROTO_SCTP: case IPPROTO_UDPLITE: case IPPROTO_DCCP: case IPPROTO_GRE:
      return false;
    case IPPROTO_UDP:
      return !(v.l4 + 8 <= v.ipEnd && get16(v.buf, v.l4 + 6) === 0);
    default:
      return true;
  }
}

/**
 * The TCP header REJECT answers, or false when it sends nothing
 * (nf_reject_ip_tcphdr_get / nf_reject_ip6_tcphdr_get). Fills TCP.
 */
function resetHeader(skb: Skb, v: PacketView): boolean {
  if (v.proto !== IPPROTO_TCP || !v.firstFragment || !v.l3Ok()) return false;
  const b = v.buf;
  const l4 = v.l4;
  if (l4 + 20 > v.ipEnd) return false;
  const flags = b[l4 + 13];
  if (flags & TCP_RST) return false;
  if (!csumOk(skb, v, IPPROTO_TCP)) return false;
  TCP.sport = get16(b, l4 + 2);
  TCP.dport = get16(b, l4);
  TCP.window = 0;
  TCP.urgPtr = 0;
  if (flags & TCP_ACK) {
    TCP.seq = get32(b, l4 + 8);
    TCP.ack = 0;
    TCP.flags = TCP_RST;
  } else {
    // The sequence space the segment used: SYN and FIN count one each, plus the data.
    const dataLen = v.ipEnd - l4 - ((b[l4 + 12] >> 4) << 2);
    TCP.seq = 0;
    TCP.ack = (get32(b, l4 + 4) + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0) + dataLen) >>> 0;
    TCP.flags = TCP_RST | TCP_ACK;
  }
  return true;
}

/** nf_send_reset: RST for the IPv4 TCP segment in skb. Returns true when one was sent. */
export function sendReset4(skb: Skb): boolean {
  const v = skb.view;
  const h = skb.net.host;
  if (!resetHeader(skb, v)) return false;
  loadAddrs(v);
  if (isBroadcast4(h, ADDR4_D)) return false;
  // ip_route_me_harder: the RST must be routable back to the sender.
  if (routeOutput(h, 4, ADDR4_S, RT).error !== null) return false;
  IP4.tos = 0; IP4.id = 0; IP4.fragWord = IP_DF; IP4.ttl = ttl4(h); IP4.options = null;
  IP4.saddr = v.dst4(); IP4.daddr = v.src4();
  send(skb, buildTcp4(OUT, 0, IP4, TCP, null));
  return true;
}

/** nf_send_reset6: RST for the IPv6 TCP segment in skb. */
export function sendReset6(skb: Skb): boolean {
  const v = skb.view;
  const h = skb.net.host;
  if (v.family !== 6) return false;
  loadAddrs(v);
  // Both addresses must be unicast (ipv6_addr_type & IPV6_ADDR_UNICAST).
  if (isAny6(ADDR_S) || isMulticast6(ADDR_S) || isAny6(ADDR_D) || isMulticast6(ADDR_D)) return false;
  if (!resetHeader(skb, v)) return false;
  if (routeOutput(h, 6, ADDR_S, RT).error !== null) return false;
  // The reply goes from the original destination back to its source.
  swapAddrs();
  IP6.trafficClass = 0; IP6.flowLabel = 0; IP6.hopLimit = hopLimit6(h, RT.dev);
  send(skb, buildTcp6(OUT, 0, IP6, TCP, null));
  return true;
}

function swapAddrs(): void {
  for (let i = 0; i < 16; i++) { const t = ADDR_S[i]; ADDR_S[i] = ADDR_D[i]; ADDR_D[i] = t; }
}

/** nf_send_unreach + __icmp_send: ICMP destination unreachable with `code`. */
export function sendUnreach4(skb: Skb, code: number): boolean {
  const v = skb.view;
  const h = skb.net.host;
  if (v.family !== 4 || !v.l3Ok() || !v.firstFragment) return false;
  const proto = v.proto;
  if (verifiesCsum(v, proto) && !csumOk(skb, v, proto)) return false;
  loadAddrs(v);
  if (isBroadcast4(h, ADDR4_D) || notForHost(v)) return false;
  if (proto === IPPROTO_ICMP) {
    // Never an error about an error (or about an ICMP type the kernel does not know).
    if (v.l4 >= v.ipEnd) return false;
    const t = v.buf[v.l4];
    if (t > NR_ICMP_TYPES || icmpIsError(t)) return false;
  }
  const back = routeOutput(h, 4, ADDR4_S, RT);
  if (back.error !== null || back.src === null) return false;
  // icmp_send's per-destination rate limit (icmpv4_xrlim_allow).
  if (!icmpErrorAllowed(skb.net, 4, ICMP_DEST_UNREACH, code, ADDR4_S, back.route?.plen ?? 32, back.type === 'local')) return false;
  const local = isLocal(h, 4, ADDR4_D);
  IP4.saddr = local ? v.dst4() : get32(back.src, 0);
  IP4.daddr = v.src4();
  IP4.tos = (v.tos & 0x1e) | 0xc0; // RT_TOS(tos) | IPTOS_PREC_INTERNETCONTROL
  IP4.id = skb.net.random.u32() & 0xffff;
  IP4.fragWord = 0; // the ICMP socket uses IP_PMTUDISC_DONT
  IP4.ttl = ttl4(h);
  IP4.options = null;
  const dev = ifaceByIndex(h, back.dev);
  const room = Math.min(dev === undefined ? ICMP4_MAX : dev.mtu, ICMP4_MAX) - 20 - 8;
  QUOTE.data = v.buf; QUOTE.off = v.l3; QUOTE.len = Math.min(v.ipEnd - v.l3, room);
  ICMP.type = ICMP_DEST_UNREACH; ICMP.code = code; ICMP.rest = 0;
  send(skb, buildIcmp4(OUT, 0, IP4, ICMP, QUOTE));
  return true;
}

/** nf_send_unreach6 + icmp6_send: ICMPv6 destination unreachable with `code`. */
export function sendUnreach6(skb: Skb, code: number): boolean {
  const v = skb.view;
  const h = skb.net.host;
  if (v.family !== 6 || !v.l3Ok()) return false;
  // reject6_csum_ok: a readable transport header inside the packet, not a later fragment, a right checksum.
  if (!v.firstFragment || v.l4 >= v.ipEnd) return false;
  if (verifiesCsum(v, v.proto) && !csumOk(skb, v, v.proto)) return false;
  loadAddrs(v);
  // RFC 4443 2.4 (e): not to a multicast or link-layer group destination, not from an unspecified or multicast source.
  if (isMulticast6(ADDR_D) || notForHost(v)) return false;
  if (isAny6(ADDR_S) || isMulticast6(ADDR_S)) return false;
  // is_ineligible: never about an ICMPv6 error.
  if (v.proto === IPPROTO_ICMPV6 && icmpv6IsError(v.buf[v.l4])) return false;
  const back = routeOutput(h, 6, ADDR_S, RT);
  if (back.error !== null || back.src === null) return false;
  if (!icmpErrorAllowed(skb.net, 6, ICMPV6_DEST_UNREACH, code, ADDR_S, back.route?.plen ?? 128, back.type === 'local')) return false;
  const local = isLocal(h, 6, ADDR_D);
  const src = back.src;
  swapAddrs(); // ADDR_S = original destination, ADDR_D = original source
  if (!local) for (let i = 0; i < 16; i++) ADDR_S[i] = src[i];
  IP6.trafficClass = 0;
  IP6.flowLabel = flowLabel(skb, ADDR_S, ADDR_D, code);
  IP6.hopLimit = hopLimit6(h, back.dev);
  QUOTE.data = v.buf; QUOTE.off = v.l3; QUOTE.len = Math.min(v.ipEnd - v.l3, ICMP6_MAX - 40 - 8);
  ICMP.type = ICMPV6_DEST_UNREACH; ICMP.code = code; ICMP.rest = 0;
  send(skb, buildIcmp6(OUT, 0, IP6, ICMP, QUOTE));
  return true;
}

const KEY = 'REJECT';

/**
 * ip6_make_flowlabel with auto_flowlabels=1: the flow's hash under a secret,
 * cut to 20 bits. Same flow, same label. The kernel's secret is per boot
 * (the flow dissector's hashrnd); here it is drawn once per namespace.
 */
function flowLabel(skb: Skb, s: Uint8Array, d: Uint8Array, code: number): number {
  const st = skb.net.extState;
  let key = st.get(KEY) as number | undefined;
  if (key === undefined) { key = skb.net.random.u32(); st.set(KEY, key); }
  // The flow keys: addresses, protocol, and ICMP type/code (observed: the label changes with the code only).
  let x = key ^ (IPPROTO_ICMPV6 << 16) ^ (ICMPV6_DEST_UNREACH << 8) ^ code;
  for (let i = 0; i < 16; i += 4) {
    x = Math.imul(x ^ get32(s, i), 0x9e3779b1) >>> 0;
    x = Math.imul(x ^ get32(d, i), 0x85ebca77) >>> 0;
  }
  x ^= x >>> 15;
  return ((x << 16) | (x >>> 16)) & 0xfffff; // rol32(hash, 16) & IPV6_FLOWLABEL_MASK
}
