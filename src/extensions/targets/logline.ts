/**
 * The text of a LOG line, field for field as net/netfilter/nf_log_syslog.c
 * writes it (nf_log_ip_packet / nf_log_ip6_packet: nf_log_dump_packet_common,
 * dump_mac_header / dump_ipv6_mac_header, dump_ipv4_packet /
 * dump_ipv6_packet, nf_log_dump_tcp_header, nf_log_dump_udp_header,
 * nf_log_dump_sk_uid_gid). Every field ends with a space, so the kernel's
 * line ends with one too; it is kept.
 *
 * Written from the source, not checked against a live kernel: a network
 * namespace only logs with net.netfilter.nf_log_all_netns=1 in the initial
 * namespace, which this project must not change.
 *
 * Only the bytes of the IP datagram are readable, as for the kernel's
 * skb_header_pointer (skb->len starts at the network header). The MAC field
 * needs the Ethernet header: without one (a view parsed from the IP header)
 * it prints "MAC= " as the kernel does for a device without a hardware
 * header. VLAN tags (VPROTO=/VID=) are not modelled.
 */
import { get16, get32 } from '../../wire/checksum';
import type { Skb } from '../../engine/skb';

/** XT_LOG_* / NF_LOG_* flag bits (include/uapi/linux/netfilter/nf_log.h). */
export const NF_LOG_TCPSEQ = 0x01;
export const NF_LOG_TCPOPT = 0x02;
export const NF_LOG_IPOPT = 0x04;
export const NF_LOG_UID = 0x08;
export const NF_LOG_MACDECODE = 0x20;

const HEX = '0123456789abcdef';
function hex2(n: number): string { return HEX[(n >> 4) & 15] + HEX[n & 15]; }
function hex2U(n: number): string { return hex2(n).toUpperCase(); }

function ip4(b: Uint8Array, o: number): string { return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`; }

/** %pI6: eight groups of four hex digits, no compression. */
function ip6(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 16; i += 2) s += (i ? ':' : '') + hex2(b[o + i]) + hex2(b[o + i + 1]);
  return s;
}

function mac(b: Uint8Array, o: number): string {
  let s = hex2(b[o]);
  for (let i = 1; i < 6; i++) s += ':' + hex2(b[o + i]);
  return s;
}

/** The MAC part, for packets that came in on a device (the kernel prints it only when `in` is set). */
function macPart(skb: Skb, flags: number): string {
  const v = skb.view;
  if (v.l2 < 0) return 'MAC= ';
  const b = v.buf;
  if (flags & NF_LOG_MACDECODE) {
    return `MACSRC=${mac(b, v.l2 + 6)} MACDST=${mac(b, v.l2)} MACPROTO=${hex2(b[v.l2 + 12])}${hex2(b[v.l2 + 13])} `;
  }
  // hard_header_len bytes of the link header: destination, source, EtherType.
  let s = 'MAC=' + hex2(b[v.l2]);
  for (let i = 1; i < 14; i++) s += ':' + hex2(b[v.l2 + i]);
  return s + ' ';
}

/** The whole line: "<level>" then the prefix, devices, MAC and packet fields. */
export function logLine(skb: Skb, level: number, flags: number, prefix: string): string {
  const v = skb.view;
  let s = `<${level}>${prefix}IN=${skb.indev} OUT=${skb.outdev} `;
  if (skb.indev !== '') s += macPart(skb, flags);
  if (v.family === 6) s += dump6(skb, v.l3, flags, true);
  else s += dump4(skb, v.l3, flags);
  return s;
}

/** nf_log_dump_tcp_header; `end` is where readable bytes stop. Returns [text, stop]. */
function tcpPart(b: Uint8Array, off: number, end: number, fragment: boolean, flags: number): [string, boolean] {
  let s = 'PROTO=TCP ';
  if (fragment) return [s, false];
  if (off + 20 > end) return [s + `INCOMPLETE [${end - off} bytes] `, true];
  s += `SPT=${get16(b, off)} DPT=${get16(b, off + 2)} `;
  if (flags & NF_LOG_TCPSEQ) s += `SEQ=${get32(b, off + 4)} ACK=${get32(b, off + 8)} `;
  s += `WINDOW=${get16(b, off + 14)} `;
  // The four reserved bits, shifted as (tcp_flag_word & TCP_RESERVED_BITS) >> 22.
  s += `RES=0x${hex2((b[off + 12] & 0x0f) << 2)} `;
  const f = b[off + 13];
  if (f & 0x80) s += 'CWR ';
  if (f & 0x40) s += 'ECE ';
  if (f & 0x20) s += 'URG ';
  if (f & 0x10) s += 'ACK ';
  if (f & 0x08) s += 'PSH ';
  if (f & 0x04) s += 'RST ';
  if (f & 0x02) s += 'SYN ';
  if (f & 0x01) s += 'FIN ';
  s += `URGP=${get16(b, off + 18)} `;
  const doff = (b[off + 12] >> 4) << 2;
  if (flags & NF_LOG_TCPOPT && doff > 20) {
    if (off + doff > end) return [s + 'OPT (TRUNCATED)', true];
    s += 'OPT (';
    for (let i = off + 20; i < off + doff; i++) s += hex2U(b[i]);
    s += ') ';
  }
  return [s, false];
}

/** nf_log_dump_udp_header. */
function udpPart(b: Uint8Array, off: number, end: number, proto: number, fragment: boolean): [string, boolean] {
  let s = proto === 17 ? 'PROTO=UDP ' : 'PROTO=UDPLITE ';
  if (fragment) return [s, false];
  if (off + 8 > end) return [s + `INCOMPLETE [${end - off} bytes] `, true];
  s += `SPT=${get16(b, off)} DPT=${get16(b, off + 2)} LEN=${get16(b, off + 4)} `;
  return [s, false];
}

/** Socket owner and mark, printed for the outer packet only. */
function tail(skb: Skb, flags: number): string {
  let s = '';
  // nf_log_dump_sk_uid_gid: only for a packet with a local (full) socket.
  if (flags & NF_LOG_UID && skb.uid >= 0) s += `UID=${skb.uid} GID=${skb.gid < 0 ? 0 : skb.gid} `;
  if (skb.mark !== 0) s += `MARK=0x${(skb.mark >>> 0).toString(16)} `;
  return s;
}

/** icmp.c lengths dump_ipv4_packet requires before decoding a type (0: none). */
const ICMP_REQUIRED = [4, 0, 0, 28, 28, 28, 0, 0, 4, 0, 0, 28, 28, 20, 20, 0, 0, 12, 12];

/** dump_ipv4_packet at offset `at` (the outer header, or the one quoted in an ICMP error). */
function dump4(skb: Skb, at: number, flags: number): string {
  const v = skb.view;
  const b = v.buf;
  const end = v.ipEnd;
  const outer = at === v.l3;
  if (at + 20 > end) return 'TRUNCATED';
  let s = `SRC=${ip4(b, at + 12)} DST=${ip4(b, at + 16)} `;
  const tos = b[at + 1];
  s += `LEN=${get16(b, at + 2)} TOS=0x${hex2U(tos & 0x1e)} PREC=0x${hex2U(tos & 0xe0)} TTL=${b[at + 8]} ID=${get16(b, at + 4)} `;
  const fo = get16(b, at + 6);
  if (fo & 0x8000) s += 'CE ';
  if (fo & 0x4000) s += 'DF ';
  if (fo & 0x2000) s += 'MF ';
  const frag = fo & 0x1fff;
  if (frag) s += `FRAG:${frag} `;
  const ihl = (b[at] & 0x0f) << 2;
  if (flags & NF_LOG_IPOPT && ihl > 20) {
    if (at + ihl > end) return s + 'TRUNCATED';
    s += 'OPT (';
    for (let i = at + 20; i < at + ihl; i++) s += hex2U(b[i]);
    s += ') ';
  }
  const l4 = at + ihl;
  const proto = b[at + 9];
  switch (proto) {
    case 6: {
      const [t, stop] = tcpPart(b, l4, end, frag !== 0, flags);
      s += t;
      if (stop) return s;
      break;
    }
    case 17: case 136: {
      const [t, stop] = udpPart(b, l4, end, proto, frag !== 0);
      s += t;
      if (stop) return s;
      break;
    }
    case 1: {
      s += 'PROTO=ICMP ';
      if (frag) break;
      if (l4 + 8 > end) { s += `INCOMPLETE [${end - l4} bytes] `; break; }
      const type = b[l4];
      const code = b[l4 + 1];
      s += `TYPE=${type} CODE=${code} `;
      if (type <= 18 && ICMP_REQUIRED[type] && end - l4 < ICMP_REQUIRED[type]) {
        s += `INCOMPLETE [${end - l4} bytes] `;
        break;
      }
      switch (type) {
        case 0: case 8:
          s += `ID=${get16(b, l4 + 4)} SEQ=${get16(b, l4 + 6)} `;
          break;
        case 12:
          s += `PARAMETER=${b[l4 + 4]} `;
          break;
        case 5: case 3: case 4: case 11:
          if (type === 5) s += `GATEWAY=${ip4(b, l4 + 4)} `;
          // The quoted datagram, once (only the outer packet recurses).
          if (outer) s += '[' + dump4(skb, l4 + 8, flags) + '] ';
          if (type === 3 && code === 4) s += `MTU=${get16(b, l4 + 6)} `;
          break;
        default: break;
      }
      break;
    }
    case 51: case 50: {
      s += proto === 51 ? 'PROTO=AH ' : 'PROTO=ESP ';
      if (frag) break;
      // ip_auth_hdr: the SPI after next header, length and reserved; ip_esp_hdr: the SPI first.
      const need = proto === 51 ? 12 : 8;
      if (l4 + need > end) { s += `INCOMPLETE [${end - l4} bytes] `; break; }
      s += `SPI=0x${get32(b, proto === 51 ? l4 + 4 : l4).toString(16)} `;
      break;
    }
    default:
      s += `PROTO=${proto} `;
  }
  if (outer) s += tail(skb, flags);
  return s;
}

/** nf_ip6_ext_hdr: the extension headers the IPv6 dumper walks. */
function extHdr(n: number): boolean {
  return n === 0 || n === 43 || n === 44 || n === 50 || n === 51 || n === 59 || n === 60;
}

/** dump_ipv6_packet at offset `at`; `recurse` is true for the outer packet. */
function dump6(skb: Skb, at: number, flags: number, recurse: boolean): string {
  const v = skb.view;
  const b = v.buf;
  const end = v.ipEnd;
  if (at + 40 > end) return 'TRUNCATED';
  let s = `SRC=${ip6(b, at + 8)} DST=${ip6(b, at + 24)} `;
  const w = get32(b, at);
  s += `LEN=${get16(b, at + 4) + 40} TC=${(w >>> 20) & 0xff} HOPLIMIT=${b[at + 7]} FLOWLBL=${w & 0xfffff} `;
  let fragment = false;
  let ptr = at + 40;
  let cur = b[at + 6];
  const opt = (flags & NF_LOG_IPOPT) !== 0;
  while (cur !== 59 && extHdr(cur)) {
    if (ptr + 2 > end) return s + 'TRUNCATED';
    if (opt) s += 'OPT ( ';
    let hdrlen: number;
    switch (cur) {
      case 44: {
        s += 'FRAG:';
        if (ptr + 8 > end) return s + 'TRUNCATED ';
        const fo = get16(b, ptr + 2);
        s += `${fo & 0xfff8} `;
        if (fo & 1) s += 'INCOMPLETE ';
        s += `ID:${hex2(b[ptr + 4])}${hex2(b[ptr + 5])}${hex2(b[ptr + 6])}${hex2(b[ptr + 7])} `;
        if (fo & 0xfff8) fragment = true;
        hdrlen = 8;
        break;
      }
      case 60: case 43: case 0:
        if (fragment) return opt ? s + ')' : s;
        hdrlen = (b[ptr + 1] + 1) << 3;
        break;
      case 51:
        if (opt) {
          s += 'AH ';
          if (fragment) return s + ')';
          if (ptr + 12 > end) return s + `INCOMPLETE [${end - ptr} bytes] )`;
          s += `SPI=0x${get32(b, ptr + 4).toString(16)} `;
        }
        hdrlen = (b[ptr + 1] + 2) << 2;
        break;
      case 50:
        if (opt) {
          s += 'ESP ';
          if (fragment) return s + ')';
          if (ptr + 8 > end) return s + `INCOMPLETE [${end - ptr} bytes] )`;
          s += `SPI=0x${get32(b, ptr).toString(16)} )`;
        }
        return s;
      default:
        return s + `Unknown Ext Hdr ${cur}`;
    }
    if (opt) s += ') ';
    cur = b[ptr];
    ptr += hdrlen;
  }
  switch (cur) {
    case 6: {
      const [t, stop] = tcpPart(b, ptr, end, fragment, flags);
      s += t;
      if (stop) return s;
      break;
    }
    case 17: case 136: {
      const [t, stop] = udpPart(b, ptr, end, cur, fragment);
      s += t;
      if (stop) return s;
      break;
    }
    case 58: {
      s += 'PROTO=ICMPv6 ';
      if (fragment) break;
      if (ptr + 8 > end) return s + `INCOMPLETE [${end - ptr} bytes] `;
      const type = b[ptr];
      s += `TYPE=${type} CODE=${b[ptr + 1]} `;
      switch (type) {
        case 128: case 129:
          s += `ID=${get16(b, ptr + 4)} SEQ=${get16(b, ptr + 6)} `;
          break;
        case 130: case 131: case 132:
          break;
        case 4: case 1: case 2: case 3:
          if (type === 4) s += `POINTER=${hex2(b[ptr + 4])}${hex2(b[ptr + 5])}${hex2(b[ptr + 6])}${hex2(b[ptr + 7])} `;
          if (recurse) s += '[' + dump6(skb, ptr + 8, flags, false) + '] ';
          if (type === 2) s += `MTU=${get32(b, ptr + 4)} `;
          break;
        default: break;
      }
      break;
    }
    default:
      s += `PROTO=${cur} `;
  }
  if (recurse) s += tail(skb, flags);
  return s;
}
