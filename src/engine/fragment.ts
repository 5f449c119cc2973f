/**
 * Fragmentation on output, as ip_finish_output/ip_fragment/ip_do_fragment
 * (net/ipv4/ip_output.c) and ip6_finish_output/ip6_fragment
 * (net/ipv6/ip6_output.c) do it, plus the forwarding MTU checks
 * (ip_exceeds_mtu in net/ipv4/ip_forward.c, ip6_pkt_too_big in
 * net/ipv6/ip6_output.c) that know about reassembled datagrams.
 *
 * A datagram reassembled by conntrack (FragInfo.fragMax > 0) keeps its
 * fragments as the skb's frag_list, and the kernel's "fast path" sends them
 * out again with their original boundaries whenever each fits (checked on a
 * 6.18 kernel: 1000-byte fragments stay 1000-byte fragments behind a
 * 1280-byte link); the first fragment then loses DF (ip_fraglist_init sets
 * only MF). Otherwise the "slow path" cuts at min(MTU, frag_max_size), in
 * 8-byte multiples, keeping DF when the datagram had it (IPSKB_FRAG_PMTU).
 * Options whose copy bit is clear become NOPs in every IPv4 fragment after
 * the first (ip_options_fragment); the header length does not change.
 * IPv6 fragments get a new identification (ipv6_select_ident: also checked,
 * the original one is not kept), which the caller supplies.
 *
 * Nothing here allocates: fragments are built in one buffer and handed to
 * `emit`, valid only during the call.
 */
import { get16, put16, put32, checksum } from '../wire/checksum';
import { IP_DF, IP_MF, IP_OFFMASK } from '../wire/ipv4';
import { NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_ROUTING } from '../wire/ipv6';
import type { PacketView } from '../wire/packet';
import type { FragInfo } from './defrag';

export type FragEmit = (buf: Uint8Array, off: number, len: number) => void;
/** 'sent': emitted (whole or as fragments); 'too-big': an ICMP error is due (Fragmenter.icmpMtu); 'dropped': unfragmentable, no ICMP. */
export type FragResult = 'sent' | 'too-big' | 'dropped';

export const IPV6_MIN_MTU = 1280;
const IPV6_TLV_HAO = 201;

/**
 * The forwarding check before the FORWARD hook: true when the packet must
 * be refused with "fragmentation needed" (IPv4) or "packet too big" (IPv6)
 * for this MTU. A reassembled datagram is judged by its largest original
 * fragment; otherwise IPv4 needs DF, and IPv6 routers never fragment.
 * The IPv6 MTU is taken as at least 1280 (ip6_forward).
 */
export function forwardExceedsMtu(v: PacketView, mtu: number, info: FragInfo | null): boolean {
  const len = v.ipEnd - v.l3;
  const fragMax = info === null ? 0 : info.fragMax;
  if (v.family === 6) {
    if (mtu < IPV6_MIN_MTU) mtu = IPV6_MIN_MTU;
    if (len <= mtu) return false;
    if (fragMax > mtu) return true;
    return fragMax === 0; // ignore_df is set on reassembled datagrams only
  }
  if (len <= mtu) return false;
  if (!v.dontFragment) return false;
  if (fragMax > mtu) return true;
  return fragMax === 0;
}

export class Fragmenter {
  /** The MTU to quote in the ICMP error after 'too-big'. */
  icmpMtu = 0;
  /** Fragments emitted by the last call (1 when the packet went out whole). */
  count = 0;
  private readonly buf = new Uint8Array(65535 + 128);
  private readonly hdr = new Uint8Array(65535);

  /**
   * Send the packet in `v` (its IP datagram v.buf[v.l3, v.ipEnd)) out of a
   * device with this MTU, fragmenting as the kernel would. `info` describes
   * a datagram reassembled by Defrag (or null / fragMax 0). `ipv6Id` is the
   * identification for IPv6 fragments. `optionsParsed` says whether the
   * kernel parsed the IPv4 options (true for received packets; false for a
   * raw-socket packet, whose options are then copied unchanged).
   */
  fragment(v: PacketView, mtu: number, info: FragInfo | null, ipv6Id: number, emit: FragEmit, optionsParsed = true): FragResult {
    this.count = 0;
    this.icmpMtu = 0;
    return v.family === 6 ? this.fragment6(v, mtu, info, ipv6Id, emit) : this.fragment4(v, mtu, info, emit, optionsParsed);
  }

  // ---- IPv4 -----------------------------------------------------------------

  private fragment4(v: PacketView, mtu: number, info: FragInfo | null, emit: FragEmit, optionsParsed: boolean): FragResult {
    const b = v.buf, l3 = v.l3, len = v.ipEnd - l3;
    const fragMax = info === null ? 0 : info.fragMax;
    // __ip_finish_output: a reassembled datagram always goes through ip_fragment.
    if (len <= mtu && fragMax === 0) { this.count = 1; emit(b, l3, len); return 'sent'; }
    if (v.dontFragment && (fragMax === 0 || fragMax > mtu)) { this.icmpMtu = mtu; return 'too-big'; }
    // ip_do_fragment: never send fragments larger than those received.
    const m = fragMax !== 0 && fragMax < mtu ? fragMax : mtu;
    const hlen = v.l3HeaderLen;
    const space = m - hlen;
    const hdr = this.hdr;
    hdr.set(b.subarray(l3, l3 + hlen), 0);
    const dataOff = l3 + hlen;
    if (info !== null && fragMax !== 0 && this.fastOk(info, info.headLen + info.lens[0] - hlen, space, len - hlen)) {
      let pos = dataOff, offset = 0;
      for (let i = 0; i < info.count; i++) {
        const n = i === 0 ? info.headLen + info.lens[0] - hlen : info.lens[i];
        // ip_fraglist_init/prepare: MF and the offset only (DF is not kept).
        this.emit4(b, pos, n, offset >> 3 | (i < info.count - 1 ? IP_MF : 0), hlen, emit);
        if (i === 0 && optionsParsed) optionsFragment(hdr, hlen);
        pos += n; offset += n;
      }
      return 'sent';
    }
    // Slow path (ip_frag_init/ip_frag_next).
    if (space < 8) return 'dropped';
    const fw = get16(b, l3 + 6);
    let offset = (fw & IP_OFFMASK) << 3;
    const notLast = (fw & IP_MF) !== 0;
    const df = fragMax !== 0 && info !== null && info.pmtu;
    let left = len - hlen, pos = dataOff;
    while (left > 0) {
      const first = offset === 0;
      let n = left > space ? space : left;
      if (n < left) n &= ~7;
      left -= n;
      this.emit4(b, pos, n, (offset >> 3) | (df ? IP_DF : 0) | (left > 0 || notLast ? IP_MF : 0), hlen, emit);
      if (first && optionsParsed) optionsFragment(hdr, hlen);
      pos += n; offset += n;
    }
    return 'sent';
  }

  private emit4(b: Uint8Array, pos: number, n: number, fragWord: number, hlen: number, emit: FragEmit): void {
    const o = this.buf;
    o.set(this.hdr.subarray(0, hlen), 0);
    put16(o, 2, hlen + n);
    put16(o, 6, fragWord);
    put16(o, 10, 0);
    put16(o, 10, checksum(o, 0, hlen));
    o.set(b.subarray(pos, pos + n), hlen);
    this.count++;
    emit(o, 0, hlen + n);
  }

  /** The fast path's geometry checks (ip_do_fragment / ip6_fragment with a frag_list). */
  private fastOk(info: FragInfo, firstData: number, space: number, total: number): boolean {
    if (info.count < 2 || firstData > space || (firstData & 7) !== 0 || firstData < 0) return false;
    let sum = firstData;
    for (let i = 1; i < info.count; i++) {
      const n = info.lens[i];
      if (n > space || ((n & 7) !== 0 && i < info.count - 1)) return false;
      sum += n;
    }
    // A datagram whose length changed after reassembly no longer has its fragment list.
    return sum === total;
  }

  // ---- IPv6 -----------------------------------------------------------------

  private fragment6(v: PacketView, mtu: number, info: FragInfo | null, id: number, emit: FragEmit): FragResult {
    const b = v.buf, l3 = v.l3, len = v.ipEnd - l3;
    const fragMax = info === null ? 0 : info.fragMax;
    // __ip6_finish_output: fragment when over the MTU, or over the largest fragment received.
    if (len <= mtu && (fragMax === 0 || len <= fragMax)) { this.count = 1; emit(b, l3, len); return 'sent'; }
    const prev = find1stFragOpt(b, l3, v.ipEnd);
    if (prev < 0) return 'dropped';
    const hlen = lastHlen;
    let m = mtu;
    if (fragMax === 0 && len > mtu) { this.icmpMtu = mtu; return 'too-big'; }
    if (fragMax !== 0) {
      if (fragMax > mtu) { this.icmpMtu = mtu; return 'too-big'; }
      m = fragMax < IPV6_MIN_MTU ? IPV6_MIN_MTU : fragMax;
    }
    if (m < hlen + 8 + 8) { this.icmpMtu = mtu; return 'too-big'; }
    const space = m - hlen - 8;
    const hdr = this.hdr;
    hdr.set(b.subarray(l3, l3 + hlen), 0);
    const nexthdr = hdr[prev];
    hdr[prev] = NEXTHDR_FRAGMENT;
    let pos = l3 + hlen, offset = 0;
    if (info !== null && fragMax !== 0 && this.fastOk(info, info.headLen + info.lens[0] - hlen, space, len - hlen)) {
      for (let i = 0; i < info.count; i++) {
        const n = i === 0 ? info.headLen + info.lens[0] - hlen : info.lens[i];
        this.emit6(b, pos, n, offset | (i < info.count - 1 ? 1 : 0), hlen, nexthdr, id, emit);
        pos += n; offset += n;
      }
      return 'sent';
    }
    let left = len - hlen;
    while (left > 0) {
      let n = left > space ? space : left;
      if (n < left) n &= ~7;
      left -= n;
      this.emit6(b, pos, n, offset | (left > 0 ? 1 : 0), hlen, nexthdr, id, emit);
      pos += n; offset += n;
    }
    return 'sent';
  }

  private emit6(b: Uint8Array, pos: number, n: number, fragWord: number, hlen: number, nexthdr: number, id: number, emit: FragEmit): void {
    const o = this.buf;
    o.set(this.hdr.subarray(0, hlen), 0);
    put16(o, 4, hlen - 40 + 8 + n);
    o[hlen] = nexthdr;
    o[hlen + 1] = 0;
    put16(o, hlen + 2, fragWord);
    put32(o, hlen + 4, id >>> 0);
    o.set(b.subarray(pos, pos + n), hlen + 8);
    this.count++;
    emit(o, 0, hlen + 8 + n);
  }
}

/** Second result of find1stFragOpt (the unfragmentable length), kept here to avoid allocating. */
let lastHlen = 0;

/**
 * ip6_find_1stfragopt (net/ipv6/output_core.c): the unfragmentable part is
 * the IPv6 header, hop-by-hop and routing headers, and destination options
 * before a routing header (or carrying a Home Address option). Returns the
 * offset, relative to l3, of the byte naming the first fragmentable header
 * (the length of the part goes to lastHlen), or -1.
 */
function find1stFragOpt(b: Uint8Array, l3: number, end: number): number {
  const plen = end - l3;
  let offset = 40;
  let nh = 6;
  let foundRhdr = false;
  while (offset <= plen) {
    const t = b[l3 + nh];
    if (t === NEXTHDR_HOP) {
      // part of the unfragmentable headers
    } else if (t === NEXTHDR_ROUTING) {
      foundRhdr = true;
    } else if (t === NEXTHDR_DEST) {
      if (!hasHao(b, l3 + offset, end) && foundRhdr) { lastHlen = offset; return nh; }
    } else {
      lastHlen = offset;
      return nh;
    }
    if (offset + 2 > plen) return -1;
    const next = offset + ((b[l3 + offset + 1] + 1) << 3);
    nh = offset;
    offset = next;
    if (offset > 65535) return -1;
  }
  return -1;
}

/** ipv6_find_tlv(IPV6_TLV_HAO) over a destination options header at `h` (CONFIG_IPV6_MIP6, on in Debian). */
function hasHao(b: Uint8Array, h: number, end: number): boolean {
  if (h + 2 > end) return false;
  const stop = h + ((b[h + 1] + 1) << 3);
  if (stop > end) return false;
  let i = h + 2;
  while (i < stop) {
    const t = b[i];
    if (t === IPV6_TLV_HAO) return true;
    if (t === 0) { i++; continue; } // Pad1
    if (i + 2 > stop) return false;
    const l = b[i + 1] + 2;
    if (i + l > stop) return false;
    i += l;
  }
  return false;
}

/** Replace the options whose copy bit is clear with NOPs (ip_options_fragment). */
export function optionsFragment(h: Uint8Array, hlen: number): void {
  let l = hlen - 20;
  let p = 20;
  while (l > 0) {
    const t = h[p];
    if (t === 0) return;
    if (t === 1) { l--; p++; continue; }
    const optlen = h[p + 1];
    if (optlen < 2 || optlen > l) return;
    if ((t & 0x80) === 0) h.fill(1, p, p + optlen);
    l -= optlen;
    p += optlen;
  }
}
