/**
 * PacketView: parse an IPv4/IPv6 packet (optionally inside an Ethernet
 * frame) once, into plain numeric fields, without allocating. One view is
 * meant to be kept and reused for every packet. Bad bytes never throw: the
 * outcome is the typed `error` code.
 *
 * The checks follow what the kernel does before netfilter sees a packet
 * (ip_rcv_core in net/ipv4/ip_input.c, ipv6_rcv/ip6_rcv_core in
 * net/ipv6/ip6_input.c: version, header length, total length within the
 * bytes received, trailing bytes trimmed). Checksums are not checked here:
 * see ipv4ChecksumOk()/l4ChecksumOk(). The IPv6 final protocol is the one
 * ip6_tables matches (ipv6_find_hdr with target -1).
 *
 * A view can also describe the packet embedded in an ICMP/ICMPv6 error
 * (`inner`), with the relaxed rules conntrack applies to it
 * (nf_conntrack_proto_icmp.c icmp_error_message, nf_ct_get_tuplepr): the
 * quoted datagram is usually cut short, so only its IP header and the first
 * 8 bytes (4 for ports) of its transport header are required.
 */
import { get16, get32, l4Checksum, put16, checksum } from './checksum';
import { ETH_P_IP, ETH_P_IPV6, EthernetHeader, parseEthernet } from './ethernet';
import { ICMP_HLEN, icmpHasId, icmpIsError } from './icmp';
import { icmpv6HasId, icmpv6IsError } from './icmpv6';
import { IP_MF, IP_OFFMASK, IPV4_MIN_HLEN, ipv4SetChecksum } from './ipv4';
import { FindHdrResult, IP6_FH_F_FRAG, IPV6_HLEN, ipv6FindHdr } from './ipv6';
import { TCP_MIN_HLEN, tcpFindMss } from './tcp';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_DCCP = 33;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;

/**
 * Parse outcome. Codes below L4 mean the network header is unusable (only
 * `family` may be set); from TRUNCATED_L4 on, every network-layer field is
 * valid and only the transport fields are missing (see l3Ok()).
 */
export enum WireError {
  OK = 0,
  /** Fewer bytes than the fixed IP header, or than the IPv4 IHL says. */
  TRUNCATED = 1,
  /** Version nibble is not 4/6 (or not the family the caller required). */
  BAD_VERSION = 2,
  /** IPv4 IHL below 5. */
  BAD_HEADER_LEN = 3,
  /** IPv4 total length below the header length, or the IP length runs past the bytes given. */
  BAD_TOTAL_LEN = 4,
  /** IPv6 extension-header chain truncated or unparseable (ipv6_find_hdr < 0). */
  BAD_EXTHDR = 5,
  /** parseFrame: an EtherType that is neither IPv4 nor IPv6 (a truncated Ethernet header is TRUNCATED). */
  NOT_IP = 6,
  /**
   * Network layer fine; the transport header does not fit in the packet (or,
   * for IPv6, the last extension header's length points past the end while
   * naming a final protocol: `proto` is still set then, as the kernel's
   * ipv6_find_hdr returns it).
   */
  TRUNCATED_L4 = 16,
  /** Network layer fine; TCP data offset below 5. */
  BAD_L4_HEADER = 17,
}

const EMPTY = new Uint8Array(0);

export class PacketView {
  buf: Uint8Array = EMPTY;
  /** Offset of the Ethernet header, or -1 when parsed from the IP header. */
  l2 = -1;
  /** EtherType (after VLAN tags) when parsed with parseFrame, else 0. */
  ethertype = 0;
  /** Offset and byte count handed to parse(): the packet is buf[start, start+length). */
  start = 0;
  length = 0;
  error: WireError = WireError.OK;
  /** True for a view of the datagram quoted in an ICMP error. */
  embedded = false;

  family: 0 | 4 | 6 = 0;
  /** Network header offset and the length of its fixed part (IHL*4 or 40). */
  l3 = 0;
  l3HeaderLen = 0;
  /** End of the IP datagram: l3 + total length (bytes past it, e.g. Ethernet padding, are ignored). */
  ipEnd = 0;
  /** Transport header offset (for a non-first fragment: start of its data). */
  l4 = 0;
  /** Final protocol: IPv4 protocol field, or the IPv6 upper-layer header type (59 for "no next header"). */
  proto = 0;
  /** Source/destination address offsets in buf and their length (4 or 16). */
  srcOff = 0;
  dstOff = 0;
  addrLen = 0;
  /** TTL or hop limit; TOS or traffic class. */
  ttl = 0;
  tos = 0;
  /** IPv4 identification, or the IPv6 fragment identification (0 without a fragment header). */
  ipId = 0;
  dontFragment = false;

  /** Fragment data: a fragment is a packet with MF set or a non-zero offset (IPv6: any fragment header). */
  isFragment = false;
  /** Offset of the fragment in bytes. */
  fragOffset = 0;
  moreFragments = false;
  /** True unless fragOffset > 0: only a first fragment (or whole packet) carries the transport header. */
  firstFragment = true;
  /** IPv6 fragment header offset, or -1. */
  fragHdr = -1;

  /** True when sport/dport were read (TCP, UDP, UDP-Lite, SCTP, DCCP). */
  hasPorts = false;
  sport = 0;
  dport = 0;
  /** ICMP/ICMPv6 type and code (-1 when not ICMP), id/seq (-1 unless the type carries an id). */
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  icmpSeq = -1;
  /** True for an ICMP/ICMPv6 error message (it quotes a packet: see parseInner). */
  icmpError = false;

  /** TCP fields; tcpHeaderLen is 0 when there is no (complete) TCP header. */
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  tcpHeaderLen = 0;

  /** Transport payload (after the transport header; for other protocols and later fragments: after l4). */
  payloadOff = 0;
  payloadLen = 0;

  private readonly fh = new FindHdrResult();
  private readonly eth = new EthernetHeader();
  private innerView: PacketView | null = null;

  /** Parse an Ethernet frame at buf[off, off+len), skipping VLAN tags when asked, then its IP packet. */
  parseFrame(buf: Uint8Array, off: number, len: number, skipVlan = true): WireError {
    this.reset(buf, off, len, false);
    if (off < 0 || len < 0 || off + len > buf.length) return (this.error = WireError.TRUNCATED);
    const l3 = parseEthernet(buf, off, off + len, skipVlan, this.eth);
    if (l3 < 0) return (this.error = WireError.TRUNCATED);
    this.l2 = off;
    this.ethertype = this.eth.ethertype;
    if (this.ethertype !== ETH_P_IP && this.ethertype !== ETH_P_IPV6) return (this.error = WireError.NOT_IP);
    return this.parseIp(buf, l3, off + len, this.ethertype === ETH_P_IP ? 4 : 6);
  }

  /**
   * Parse the IP packet at buf[off, off+len). `family` 0 takes it from the
   * version nibble; 4 or 6 requires that version (as a hook of one family).
   */
  parse(buf: Uint8Array, off: number, len: number, family: 0 | 4 | 6 = 0): WireError {
    this.reset(buf, off, len, false);
    return this.parseIp(buf, off, off + len, family);
  }

  /** Parse as the datagram quoted inside an ICMP error: see the file comment. */
  parseEmbedded(buf: Uint8Array, off: number, len: number, family: 0 | 4 | 6): WireError {
    this.reset(buf, off, len, true);
    return this.parseIp(buf, off, off + len, family);
  }

  /** True when the network-layer fields are valid (OK or a transport-layer error). */
  l3Ok(): boolean { return this.error === WireError.OK || this.error >= WireError.TRUNCATED_L4; }

  private reset(buf: Uint8Array, off: number, len: number, embedded: boolean): void {
    this.buf = buf; this.l2 = -1; this.ethertype = 0; this.start = off; this.length = len;
    this.error = WireError.OK; this.embedded = embedded;
    this.family = 0; this.l3 = off; this.l3HeaderLen = 0; this.ipEnd = off; this.l4 = off; this.proto = 0;
    this.srcOff = 0; this.dstOff = 0; this.addrLen = 0; this.ttl = 0; this.tos = 0; this.ipId = 0; this.dontFragment = false;
    this.isFragment = false; this.fragOffset = 0; this.moreFragments = false; this.firstFragment = true; this.fragHdr = -1;
    this.hasPorts = false; this.sport = 0; this.dport = 0;
    this.icmpType = -1; this.icmpCode = -1; this.icmpId = -1; this.icmpSeq = -1; this.icmpError = false;
    this.tcpFlags = 0; this.seq = 0; this.ack = 0; this.window = 0; this.tcpHeaderLen = 0;
    this.payloadOff = off; this.payloadLen = 0;
  }

  private parseIp(b: Uint8Array, l3: number, end: number, family: 0 | 4 | 6): WireError {
    this.l3 = l3;
    if (l3 >= end || l3 < 0 || end > b.length) return (this.error = WireError.TRUNCATED);
    const v = b[l3] >> 4;
    if ((v !== 4 && v !== 6) || (family !== 0 && v !== family)) return (this.error = WireError.BAD_VERSION);
    this.family = v === 4 ? 4 : 6;
    return v === 4 ? this.parseV4(b, l3, end) : this.parseV6(b, l3, end);
  }

  private parseV4(b: Uint8Array, l3: number, end: number): WireError {
    if (l3 + IPV4_MIN_HLEN > end) return (this.error = WireError.TRUNCATED);
    const hlen = (b[l3] & 0x0f) << 2;
    if (hlen < IPV4_MIN_HLEN) return (this.error = WireError.BAD_HEADER_LEN);
    if (l3 + hlen > end) return (this.error = WireError.TRUNCATED);
    const tot = get16(b, l3 + 2);
    if (this.embedded) {
      // The quote is cut short: trust tot_len only to shorten the view.
      this.ipEnd = tot >= hlen && l3 + tot < end ? l3 + tot : end;
    } else {
      if (tot < hlen) return (this.error = WireError.BAD_TOTAL_LEN);
      if (l3 + tot > end) return (this.error = WireError.BAD_TOTAL_LEN);
      this.ipEnd = l3 + tot;
    }
    this.l3HeaderLen = hlen;
    this.tos = b[l3 + 1];
    this.ipId = get16(b, l3 + 4);
    const fw = get16(b, l3 + 6);
    this.dontFragment = (fw & 0x4000) !== 0;
    this.moreFragments = (fw & IP_MF) !== 0;
    this.fragOffset = (fw & IP_OFFMASK) << 3;
    this.isFragment = this.moreFragments || this.fragOffset !== 0;
    this.firstFragment = this.fragOffset === 0;
    this.ttl = b[l3 + 8];
    this.proto = b[l3 + 9];
    this.srcOff = l3 + 12;
    this.dstOff = l3 + 16;
    this.addrLen = 4;
    this.l4 = l3 + hlen;
    return this.parseL4(b);
  }

  private parseV6(b: Uint8Array, l3: number, end: number): WireError {
    if (l3 + IPV6_HLEN > end) return (this.error = WireError.TRUNCATED);
    const plen = get16(b, l3 + 4);
    if (this.embedded) {
      this.ipEnd = l3 + IPV6_HLEN + plen < end ? l3 + IPV6_HLEN + plen : end;
    } else if (plen === 0 && b[l3 + 6] === 0) {
      // Possible jumbogram (RFC 2675): its length is in a hop-by-hop option; take the bytes given.
      this.ipEnd = end;
    } else {
      if (l3 + IPV6_HLEN + plen > end) return (this.error = WireError.BAD_TOTAL_LEN);
      this.ipEnd = l3 + IPV6_HLEN + plen;
    }
    this.l3HeaderLen = IPV6_HLEN;
    this.tos = ((b[l3] & 0x0f) << 4) | (b[l3 + 1] >> 4);
    this.ttl = b[l3 + 7];
    this.srcOff = l3 + 8;
    this.dstOff = l3 + 24;
    this.addrLen = 16;
    const fh = this.fh;
    const proto = ipv6FindHdr(b, l3, this.ipEnd, -1, 0, fh);
    if ((fh.flags & IP6_FH_F_FRAG) !== 0 && fh.fragHdr >= 0 && fh.fragHdr + 8 <= this.ipEnd) {
      const f = fh.fragHdr;
      this.fragHdr = f;
      this.isFragment = true;
      this.fragOffset = get16(b, f + 2) & 0xfff8;
      this.moreFragments = (b[f + 3] & 1) !== 0;
      this.firstFragment = this.fragOffset === 0;
      this.ipId = get32(b, f + 4);
    }
    if (proto < 0) {
      this.l4 = l3 + IPV6_HLEN;
      return (this.error = WireError.BAD_EXTHDR);
    }
    this.proto = proto;
    this.l4 = fh.offset;
    return this.parseL4(b);
  }

  /** Transport fields; only the first fragment has them. */
  private parseL4(b: Uint8Array): WireError {
    const l4 = this.l4;
    const end = this.ipEnd;
    if (l4 > end) {
      // An IPv6 extension header whose length runs past the end: ipv6_find_hdr
      // still reports the type it points at (so `proto` is set), but nothing
      // of the upper layer is present.
      this.payloadOff = end;
      this.payloadLen = 0;
      return (this.error = WireError.TRUNCATED_L4);
    }
    this.payloadOff = l4;
    this.payloadLen = end - l4;
    if (!this.firstFragment) return WireError.OK;
    if (this.family === 6 && this.proto === 59) return WireError.OK;
    const emb = this.embedded;
    switch (this.proto) {
      case IPPROTO_TCP: {
        if (emb) {
          if (l4 + 4 > end) return (this.error = WireError.TRUNCATED_L4);
          this.readPorts(b, l4);
          if (l4 + 8 <= end) this.seq = get32(b, l4 + 4);
          if (l4 + TCP_MIN_HLEN <= end) {
            this.ack = get32(b, l4 + 8);
            this.tcpFlags = b[l4 + 13];
            this.window = get16(b, l4 + 14);
          }
          return WireError.OK;
        }
        if (l4 + TCP_MIN_HLEN > end) return (this.error = WireError.TRUNCATED_L4);
        const thl = (b[l4 + 12] >> 4) << 2;
        if (thl < TCP_MIN_HLEN) return (this.error = WireError.BAD_L4_HEADER);
        if (l4 + thl > end) return (this.error = WireError.TRUNCATED_L4);
        this.readPorts(b, l4);
        this.seq = get32(b, l4 + 4);
        this.ack = get32(b, l4 + 8);
        this.tcpFlags = b[l4 + 13];
        this.window = get16(b, l4 + 14);
        this.tcpHeaderLen = thl;
        this.setPayload(l4 + thl);
        return WireError.OK;
      }
      case IPPROTO_UDP:
      case IPPROTO_UDPLITE:
        return this.ported(b, l4, end, 8);
      case IPPROTO_SCTP:
      case IPPROTO_DCCP:
        // Both have 12-byte common headers that start with the two ports.
        return this.ported(b, l4, end, 12);
      case IPPROTO_ICMP:
        if (this.family === 4) return this.icmp(b, l4, end, false);
        return WireError.OK;
      case IPPROTO_ICMPV6:
        if (this.family === 6) return this.icmp(b, l4, end, true);
        return WireError.OK;
      default:
        return WireError.OK;
    }
  }

  private readPorts(b: Uint8Array, l4: number): void {
    this.hasPorts = true;
    this.sport = get16(b, l4);
    this.dport = get16(b, l4 + 2);
  }

  private setPayload(off: number): void {
    this.payloadOff = off;
    this.payloadLen = this.ipEnd - off;
  }

  private ported(b: Uint8Array, l4: number, end: number, hlen: number): WireError {
    const need = this.embedded ? 4 : hlen;
    if (l4 + need > end) return (this.error = WireError.TRUNCATED_L4);
    this.readPorts(b, l4);
    if (l4 + hlen <= end) this.setPayload(l4 + hlen);
    return WireError.OK;
  }

  private icmp(b: Uint8Array, l4: number, end: number, v6: boolean): WireError {
    if (l4 + ICMP_HLEN > end) return (this.error = WireError.TRUNCATED_L4);
    const t = b[l4];
    this.icmpType = t;
    this.icmpCode = b[l4 + 1];
    if (v6 ? icmpv6HasId(t) : icmpHasId(t)) {
      this.icmpId = get16(b, l4 + 4);
      this.icmpSeq = get16(b, l4 + 6);
    }
    this.icmpError = v6 ? icmpv6IsError(t) : icmpIsError(t);
    this.setPayload(l4 + ICMP_HLEN);
    return WireError.OK;
  }

  // ---- embedded packet ------------------------------------------------------

  /**
   * The view of the packet quoted by this ICMP/ICMPv6 error, parsed on each
   * call into one view owned by this one (allocated on first use). Returns
   * null when this packet is not an error message with its header intact;
   * otherwise check the inner view's `error`. The quoted packet must be of
   * the same family as this one.
   */
  parseInner(): PacketView | null {
    if (!this.icmpError || this.error !== WireError.OK) return null;
    if (this.innerView === null) this.innerView = new PacketView();
    const inner = this.innerView;
    const off = this.l4 + ICMP_HLEN;
    inner.parseEmbedded(this.buf, off, this.ipEnd - off, this.family as 4 | 6);
    return inner;
  }

  /** The inner view as last parsed by parseInner (null before the first call). */
  get inner(): PacketView | null { return this.innerView; }

  // ---- accessors ----------------------------------------------------------

  /** IPv4 source/destination as unsigned 32-bit numbers (family 4 only). */
  src4(): number { return get32(this.buf, this.srcOff); }
  dst4(): number { return get32(this.buf, this.dstOff); }

  /** Copy the source/destination address bytes to out[at..]. */
  copySrc(out: Uint8Array, at: number): void { for (let i = 0; i < this.addrLen; i++) out[at + i] = this.buf[this.srcOff + i]; }
  copyDst(out: Uint8Array, at: number): void { for (let i = 0; i < this.addrLen; i++) out[at + i] = this.buf[this.dstOff + i]; }

  /** Offset of the transport checksum field, or -1 for protocols without one here. */
  l4CheckOffset(): number {
    switch (this.proto) {
      case IPPROTO_TCP: return this.l4 + 16;
      case IPPROTO_UDP: case IPPROTO_UDPLITE: return this.l4 + 6;
      case IPPROTO_ICMP: return this.family === 4 ? this.l4 + 2 : -1;
      case IPPROTO_ICMPV6: return this.family === 6 ? this.l4 + 2 : -1;
      default: return -1;
    }
  }

  /** Offset of the TCP MSS option (xt_TCPMSS walk), or -1. */
  mssOffset(): number {
    return this.tcpHeaderLen === 0 ? -1 : tcpFindMss(this.buf, this.l4, this.tcpHeaderLen);
  }

  /** IPv4 header checksum correct (always true for IPv6, which has none). */
  ipv4ChecksumOk(): boolean {
    return this.family !== 4 || checksum(this.buf, this.l3, this.l3HeaderLen) === 0;
  }

  /**
   * Transport checksum correct, for a complete unfragmented TCP/UDP/ICMP/
   * ICMPv6 packet (as nf_ip_checksum checks in conntrack). A zero UDP
   * checksum over IPv4 means none and passes; over IPv6 it fails (RFC 8200
   * 8.1). UDP-Lite coverage is not handled. Returns true for other
   * protocols and for fragments (verify after reassembly).
   */
  l4ChecksumOk(): boolean {
    // A fragment holds part of the segment: there is nothing to verify yet.
    if (this.isFragment || !this.l3Ok()) return true;
    const l4len = this.ipEnd - this.l4;
    switch (this.proto) {
      case IPPROTO_TCP:
        return l4Checksum(this.buf, this.family as 4 | 6, this.srcOff, this.dstOff, IPPROTO_TCP, this.l4, l4len) === 0;
      case IPPROTO_UDP:
        if (get16(this.buf, this.l4 + 6) === 0) return this.family === 4;
        return l4Checksum(this.buf, this.family as 4 | 6, this.srcOff, this.dstOff, IPPROTO_UDP, this.l4, l4len) === 0;
      case IPPROTO_ICMP:
        return this.family !== 4 || checksum(this.buf, this.l4, l4len) === 0;
      case IPPROTO_ICMPV6:
        return this.family !== 6 || l4Checksum(this.buf, 6, this.srcOff, this.dstOff, IPPROTO_ICMPV6, this.l4, l4len) === 0;
      default:
        return true;
    }
  }

  /** Recompute the IPv4 header checksum in place. */
  setIpv4Checksum(): void { if (this.family === 4) ipv4SetChecksum(this.buf, this.l3); }

  /** Recompute the transport checksum in place (TCP, UDP, ICMP, ICMPv6) over l4..ipEnd. */
  setL4Checksum(): void {
    const co = this.l4CheckOffset();
    if (co < 0 || this.isFragment || !this.l3Ok()) return;
    const l4len = this.ipEnd - this.l4;
    put16(this.buf, co, 0);
    let c: number;
    if (this.proto === IPPROTO_ICMP) c = checksum(this.buf, this.l4, l4len);
    else c = l4Checksum(this.buf, this.family as 4 | 6, this.srcOff, this.dstOff, this.proto, this.l4, l4len);
    if (c === 0 && this.proto === IPPROTO_UDP) c = 0xffff;
    put16(this.buf, co, c);
  }
}
