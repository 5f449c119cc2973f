// CtPacket: what conntrack needs from one packet, filled by the engine from its parsed packet without
// allocating (reuse one instance; call reset() before filling). Addresses are network-order bytes;
// IPv4 uses the first 4 bytes of the 16-byte arrays. It also carries the conntrack reference that the
// kernel keeps in skb->_nfct (ct, ctinfo), which Conntrack.in sets.
import { IP_CT_NONE, NFPROTO_IPV4 } from './constants';

export class CtPacket {
  /** NFPROTO_IPV4 (2) or NFPROTO_IPV6 (10). */
  l3proto = NFPROTO_IPV4;
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  /** Layer-4 protocol number (after IPv6 extension headers). */
  protocol = 0;
  /** Set when the layer-4 header is truncated or its checksum is wrong where the kernel verifies it
   *  (PREROUTING with nf_conntrack_checksum=1): the kernel's *_error() callbacks make such packets INVALID. */
  l4Malformed = false;
  /** Set for a non-first fragment or a packet whose layer-4 header cannot be read: no tuple, INVALID. */
  noTuple = false;

  // TCP/UDP/UDP-Lite
  sport = 0;
  dport = 0;
  // TCP
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  /** TCP payload bytes (IP payload minus the TCP header including options). */
  payloadLen = 0;
  /** Length in bytes of the TCP options area (doff*4 - 20); the kernel leaves stored options untouched when 0. */
  tcpOptLen = 0;
  /** Window-scale option value as parsed by the kernel's tcp_options() (clamped later), or -1 if absent. */
  wscale = -1;
  sackPerm = false;
  /** Right edges of the blocks of the first SACK option (kernel tcp_sack() stops at the first one). */
  readonly sackEdges = new Uint32Array(4);
  sackCount = 0;

  // ICMP / ICMPv6
  icmpType = 0;
  icmpCode = 0;
  icmpId = 0;

  // The packet embedded in an ICMP/ICMPv6 error, if this is one.
  innerValid = false;
  readonly innerSrc = new Uint8Array(16);
  readonly innerDst = new Uint8Array(16);
  innerProtocol = 0;
  innerSport = 0;
  innerDport = 0;
  innerIcmpType = 0;
  innerIcmpCode = 0;
  innerIcmpId = 0;

  /** Conntrack entry attached to this packet (skb->_nfct), -1 for none. Set by Conntrack.in. */
  ct = -1;
  /** enum ip_conntrack_info, or IP_CT_NONE when no entry is attached. */
  ctinfo = IP_CT_NONE;

  reset(): void {
    this.l3proto = NFPROTO_IPV4;
    this.src.fill(0);
    this.dst.fill(0);
    this.protocol = 0;
    this.l4Malformed = false;
    this.noTuple = false;
    this.sport = this.dport = 0;
    this.tcpFlags = this.seq = this.ack = this.window = this.payloadLen = this.tcpOptLen = 0;
    this.wscale = -1;
    this.sackPerm = false;
    this.sackCount = 0;
    this.icmpType = this.icmpCode = this.icmpId = 0;
    this.innerValid = false;
    this.innerProtocol = this.innerSport = this.innerDport = 0;
    this.innerIcmpType = this.innerIcmpCode = this.innerIcmpId = 0;
    this.ct = -1;
    this.ctinfo = IP_CT_NONE;
  }
}
