/**
 * What Linux legitimately does differently from run to run, and what the
 * capture itself changes, taken out of both sides before comparing bytes.
 * Nothing else is touched.
 *
 * - Transport checksums of captured packets are recomputed: veth passes
 *   CHECKSUM_PARTIAL skbs on unchanged (a REJECT RST leaves nf_reject_ipv4.c
 *   with only the pseudo-header sum in its checksum field, and a packet
 *   socket sees that), so the kernel's bytes are completed as the device
 *   would. netsieve's own checksums are verified instead, never rewritten.
 * - The IP ID of packets the host generates without DF: __ip_select_ident
 *   (net/ipv4/route.c) draws them from a hashed, randomly keyed counter.
 *   Forwarded packets keep the sender's ID and are compared as they are;
 *   DF packets the host generates carry 0 (ip_select_ident) and are compared.
 * - The IPv6 flow label of packets the host generates: with the default
 *   net.ipv6.auto_flowlabels=1, ip6_make_flowlabel (include/net/ipv6.h)
 *   derives it from the flow hash, whose key is random per boot.
 * - The identification of IPv6 fragments made from a gathered datagram
 *   (ipv6_select_ident: keyed hash), when neither side kept the input's.
 * - A NAT source port chosen after a clash (nf_nat_core.c
 *   nf_nat_l4proto_unique_tuple: a keyed hash or prandom): when the two
 *   sides differ only in one port of a translated packet, and neither port
 *   is the one the packet arrived with, the kernel's port is recorded as an
 *   alias of netsieve's for the rest of the case (later packets and the
 *   conntrack table).
 * - The initial sequence number and the TCP timestamp value of a SYN-ACK
 *   the router sends from a listening socket: secure_tcp_seq and
 *   secure_tcp_ts_off (net/core/secure_seq.c) hash the connection with a
 *   random boot key. The window (64240 for an MSS of 1460, from the
 *   socket's receive buffer) and the options (MSS from the route's MTU,
 *   SACK_PERM, window scale and timestamps only when the SYN offered them)
 *   are derived, not drawn, and are compared. RSTs carry no options, and
 *   forwarded segments keep the sender's.
 */
import { PacketView, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../wire/packet';
import { get16, put16 } from '../wire/checksum';
import { ipv4SetChecksum } from '../wire/ipv4';
import { ipv6ToString } from '../util/addr';

/** The IP packet inside a captured Ethernet frame (trimmed to its IP length), or null for non-IP frames. */
export function frameToIp(hex: string): Uint8Array | null {
  const f = Buffer.from(hex, 'hex');
  if (f.length < 14) return null;
  const et = f.readUInt16BE(12);
  if (et !== 0x0800 && et !== 0x86dd) return null;
  const ip = new Uint8Array(f.subarray(14));
  const v = view(ip);
  return v.l3Ok() ? ip.slice(0, v.ipEnd) : ip;
}

export function view(b: Uint8Array): PacketView {
  const v = new PacketView();
  v.parse(b, 0, b.length);
  return v;
}

/**
 * An MLD message of the router (ICMPv6 130-132 or 143, RFC 3810), behind its
 * hop-by-hop header. The router sends them when it joins or leaves a group,
 * which a change of IPv6 forwarding does (the all-routers groups); sides.ts
 * waits for them to be over before each case, so this filter only keeps a
 * late retransmission from being taken for an answer. netsieve has no MLD.
 */
export function isMldNoise(b: Uint8Array): boolean {
  if (b.length < 48 || b[0] >> 4 !== 6 || b[24] !== 0xff) return false;
  const v = view(b);
  return v.l3Ok() && v.proto === IPPROTO_ICMPV6 && (v.icmpType === 143 || (v.icmpType >= 130 && v.icmpType <= 132));
}

/**
 * Completes a partial transport checksum as the device would: only when the
 * field holds the pseudo-header sum alone (what CHECKSUM_PARTIAL leaves,
 * e.g. nf_reject_ipv4.c's ~tcp_v4_check(len, saddr, daddr, 0)). A wrong
 * checksum the router forwarded as it came is left wrong.
 */
export function completeChecksum(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const v = view(out);
  if (!v.l3Ok() || v.isFragment || !v.hasPorts || (v.proto !== IPPROTO_TCP && v.proto !== IPPROTO_UDP)) return out;
  if (v.l4ChecksumOk()) return out;
  const at = v.l4 + (v.proto === IPPROTO_TCP ? 16 : 6);
  if (get16(out, at) !== pseudoHeaderSum(v)) return out;
  v.setL4Checksum();
  return out;
}

/** The folded, uncomplemented sum of the pseudo-header (RFC 793 / RFC 8200 8.1). */
export function pseudoHeaderSum(v: PacketView): number {
  const b = v.buf;
  let sum = 0;
  for (let i = 0; i < v.addrLen; i += 2) sum += get16(b, v.srcOff + i) + get16(b, v.dstOff + i);
  const len = v.ipEnd - v.l4;
  sum += v.proto + (len & 0xffff) + (len >>> 16);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** True when the transport checksum of a packet is right (fragments and unknown protocols pass). */
export function checksumOk(b: Uint8Array): boolean {
  const v = view(b);
  return v.ipv4ChecksumOk() && v.l4ChecksumOk();
}

const IP_DF = 0x4000;

/**
 * Zeroes the IP ID of two paired IPv4 packets when both lack DF (a random
 * ID), header checksums redone; zeroes the flow label of two IPv6 packets
 * (ip6_make_flowlabel with the default auto_flowlabels=1 hashes the flow
 * with a random key). Only called for packets the host generated.
 */
export function normaliseRandomId(k: Uint8Array, n: Uint8Array): void {
  if (k.length >= 40 && n.length >= 40 && k[0] >> 4 === 6 && n[0] >> 4 === 6) {
    for (const b of [k, n]) { b[1] &= 0xf0; b[2] = 0; b[3] = 0; }
    return;
  }
  if (k.length < 20 || n.length < 20 || k[0] >> 4 !== 4 || n[0] >> 4 !== 4) return;
  if ((get16(k, 6) & IP_DF) !== 0 || (get16(n, 6) & IP_DF) !== 0) return;
  for (const b of [k, n]) { put16(b, 4, 0); ipv4SetChecksum(b, 0); }
}

/**
 * The identification of IPv6 fragments the router makes from a datagram
 * conntrack's defrag gathered: ip6_fragment draws a new one
 * (ipv6_select_ident, a hash with a random key), so when both sides drew
 * one (neither kept the input fragment's) both are zeroed. Only a fragment
 * header right after the IPv6 header is looked at.
 */
export function normaliseFragId6(k: Uint8Array, n: Uint8Array, input: Uint8Array): void {
  if (k.length < 48 || n.length < 48 || k[0] >> 4 !== 6 || n[0] >> 4 !== 6 || k[6] !== 44 || n[6] !== 44) return;
  const id = (b: Uint8Array): number => ((b[44] << 24) | (b[45] << 16) | (b[46] << 8) | b[47]) >>> 0;
  const kept = input.length >= 48 && input[0] >> 4 === 6 && input[6] === 44 ? id(input) : -1;
  if (id(k) === kept || id(n) === kept) return;
  for (const b of [k, n]) b.fill(0, 44, 48);
}

/**
 * Kernel port -> netsieve port, per transport protocol and address (the
 * NATed endpoint's), learnt during one case. The address keeps a drawn
 * port that happens to equal a well-known one (MASQUERADE maps a source
 * port below 512 into 1-511) from being rewritten on other hosts' packets.
 */
export class PortAliases {
  private readonly map = new Map<string, number>();
  get size(): number { return this.map.size; }

  /**
   * If k and n are TCP/UDP packets that differ only in one port (after the
   * other normalisations) and neither value is that port of `input`, records
   * the alias and rewrites k. Returns true when it did.
   */
  learn(k: Uint8Array, n: Uint8Array, input: Uint8Array | null): boolean {
    if (k.length !== n.length) return false;
    const kv = view(k), nv = view(n);
    if (!kv.l3Ok() || !nv.l3Ok() || kv.proto !== nv.proto || (kv.proto !== IPPROTO_TCP && kv.proto !== IPPROTO_UDP)) return false;
    const iv = input ? view(input) : null;
    for (const field of [0, 2]) {
      const at = kv.l4 + field;
      const kp = get16(k, at), np = get16(n, at);
      if (kp === np) continue;
      const inPorts = iv && iv.hasPorts ? [iv.sport, iv.dport] : [];
      if (inPorts.includes(kp) || inPorts.includes(np)) return false;
      const trial = k.slice();
      put16(trial, at, np);
      const tv = view(trial);
      tv.setL4Checksum();
      const nn = n.slice();
      view(nn).setL4Checksum();
      if (Buffer.compare(Buffer.from(trial), Buffer.from(nn)) !== 0) return false;
      this.map.set(`${kv.proto}/${addrText(kv, field === 0 ? kv.srcOff : kv.dstOff)}/${kp}`, np);
      k.set(trial);
      return true;
    }
    return false;
  }

  /** Rewrites known aliased ports in a kernel packet (checksum redone). */
  apply(k: Uint8Array): void {
    if (!this.map.size) return;
    const v = view(k);
    if (!v.l3Ok() || !v.hasPorts) return;
    let changed = false;
    for (const field of [0, 2]) {
      const to = this.map.get(`${v.proto}/${addrText(v, field === 0 ? v.srcOff : v.dstOff)}/${get16(k, v.l4 + field)}`);
      if (to !== undefined) { put16(k, v.l4 + field, to); changed = true; }
    }
    if (changed) view(k).setL4Checksum();
  }

  /** Rewrites sport=/dport= of a conntrack line of protocol `proto`, each tuple by its own src=/dst=. */
  applyText(line: string, proto: number): string {
    if (!this.map.size) return line;
    return line.split(/(?=\bsrc=)/).map((tuple) => {
      const src = /\bsrc=(\S+)/.exec(tuple)?.[1], dst = /\bdst=(\S+)/.exec(tuple)?.[1];
      return tuple.replace(/\b(sport|dport)=(\d+)/g, (m, f: string, p: string) => {
        const to = this.map.get(`${proto}/${f === 'sport' ? src : dst}/${p}`);
        return to === undefined ? m : `${f}=${to}`;
      });
    }).join('');
  }
}

/** A one-line summary of an IP packet for reports. */
export function describePacket(b: Uint8Array): string {
  const v = view(b);
  if (!v.l3Ok()) return `malformed ${Buffer.from(b).toString('hex')}`;
  const a = (off: number): string => v.addrLen === 4 ? [...v.buf.subarray(off, off + 4)].join('.') : Buffer.from(v.buf.subarray(off, off + 16)).toString('hex');
  let s = `${a(v.srcOff)} > ${a(v.dstOff)} proto ${v.proto} ttl ${v.ttl} len ${v.ipEnd - v.l3}`;
  if (v.hasPorts) s += ` ${v.sport} > ${v.dport}`;
  if (v.proto === IPPROTO_TCP) s += ` flags 0x${v.tcpFlags.toString(16)} seq ${v.seq >>> 0} ack ${v.ack >>> 0}`;
  if (v.icmpType >= 0) s += ` icmp ${v.icmpType}/${v.icmpCode}`;
  return s;
}

/**
 * Zeroes the sequence number and the TSval of two SYN-ACKs the host sent
 * (random ISN and timestamp offset, see above), checksums redone. Only
 * called for packets the host generated; anything but a SYN-ACK pair is
 * left alone.
 */
export function normaliseSynAck(k: Uint8Array, n: Uint8Array): void {
  const kv = view(k), nv = view(n);
  for (const v of [kv, nv]) if (!v.l3Ok() || v.proto !== IPPROTO_TCP || v.isFragment || (v.tcpFlags & 0x12) !== 0x12 || (v.tcpFlags & 0x04) !== 0) return;
  for (const v of [kv, nv]) {
    const b = v.buf;
    b.fill(0, v.l4 + 4, v.l4 + 8);
    // Options: kind 8 (timestamps, RFC 7323) holds TSval then TSecr; TSecr echoes the peer's and stays.
    for (let o = v.l4 + 20; o < v.l4 + v.tcpHeaderLen;) {
      const kind = b[o];
      if (kind === 0) break;
      if (kind === 1) { o++; continue; }
      const len = b[o + 1];
      if (len < 2) break;
      if (kind === 8 && len === 10) b.fill(0, o + 2, o + 6);
      o += len;
    }
    v.setL4Checksum();
  }
}

/** An address of a parsed packet as conntrack -L prints it (dotted quad, or compressed IPv6). */
function addrText(v: PacketView, off: number): string {
  return v.addrLen === 4 ? [...v.buf.subarray(off, off + 4)].join('.') : ipv6ToString(v.buf.subarray(off, off + 16));
}
