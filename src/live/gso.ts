/**
 * TCP super-packets on the way out (the transmit half of GSO).
 *
 * A TSO super-packet read from a veth crosses the engine once, as a GRO/GSO
 * skb crosses netfilter once in the kernel. Leaving on a port that takes
 * virtio-net headers, it is handed to the kernel still whole, with a header
 * asking for TCP segmentation (VIRTIO_NET_HDR_GSO_TCPV4/6) and a partial
 * checksum (NEEDS_CSUM): the kernel's own tcp_gso_segment cuts it, exactly
 * as it would have cut the kernel router's skb. On other ports it is cut
 * here in software (src/io/offload.ts segmentTcp).
 *
 * With NEEDS_CSUM the TCP checksum field holds the pseudo-header sum
 * (uncomplemented) for the super-packet's whole length, as
 * __tcp_v4_send_check / __tcp_v6_send_check leave it; tcp_gso_segment
 * adjusts it per segment.
 */
import { get16, put16 } from '../wire/checksum';
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6, VNET_HDR_LEN,
} from '../io/offload';

/** What a frame at b[off, off+len) is, when it is a TCP packet; reused. */
export class TcpFrame {
  l3 = 0;
  l4 = 0;
  family: 4 | 6 = 4;
  /** TCP header length. */
  thl = 0;
}

/** Finds the IP and TCP headers of an Ethernet frame (l2 = 14) or bare IP packet (l2 = 0). False when not plain TCP. */
export function tcpFrame(b: Uint8Array, off: number, len: number, l2: number, t: TcpFrame): boolean {
  const l3 = off + l2;
  if (len < l2 + 40) return false;
  const ver = b[l3] >> 4;
  if (ver === 4) {
    if (b[l3 + 9] !== 6) return false;
    const ihl = (b[l3] & 15) << 2;
    if (ihl < 20 || (get16(b, l3 + 6) & 0x3fff) !== 0) return false;
    t.family = 4; t.l3 = l3; t.l4 = l3 + ihl;
  } else if (ver === 6) {
    // Extension headers before TCP are left to software segmentation.
    if (b[l3 + 6] !== 6) return false;
    t.family = 6; t.l3 = l3; t.l4 = l3 + 40;
  } else {
    return false;
  }
  if (t.l4 + 20 > off + len) return false;
  t.thl = (b[t.l4 + 12] >> 4) << 2;
  return t.thl >= 20 && t.l4 + t.thl <= off + len;
}

/** The pseudo-header sum (RFC 793 / RFC 8200 8.1) folded to 16 bits, not complemented. */
function pseudoSum(b: Uint8Array, t: TcpFrame, tcpLen: number): number {
  let s = 0;
  if (t.family === 4) {
    for (let i = 12; i < 20; i += 2) s += get16(b, t.l3 + i);
    s += 6 + tcpLen;
  } else {
    for (let i = 8; i < 40; i += 2) s += get16(b, t.l3 + i);
    s += (tcpLen >>> 16) + (tcpLen & 0xffff) + 6;
  }
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * Writes the virtio-net header at b[hdr] for the frame that follows it
 * (b[hdr+10, end)), asking the kernel to segment it into gsoSize-byte
 * payloads, and turns the TCP checksum into the partial one.
 */
export function writeGsoHeader(b: Uint8Array, hdr: number, end: number, l2: number, gsoSize: number, t: TcpFrame): boolean {
  const f = hdr + VNET_HDR_LEN;
  if (!tcpFrame(b, f, end - f, l2, t)) return false;
  const tcpLen = end - t.l4;
  b[hdr] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  b[hdr + 1] = t.family === 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
  le16(b, hdr + 2, t.l4 + t.thl - f);
  le16(b, hdr + 4, gsoSize);
  le16(b, hdr + 6, t.l4 - f);
  le16(b, hdr + 8, 16);
  put16(b, t.l4 + 16, pseudoSum(b, t, tcpLen));
  return true;
}

function le16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = v >>> 8;
}
