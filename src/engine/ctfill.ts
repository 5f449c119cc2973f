/**
 * Filling conntrack's view of a packet (CtPacket) from the parsed packet,
 * as nf_conntrack_in's callers extract it: the tuple fields, the TCP
 * fields and options the window tracker reads (tcp_options/tcp_sack in
 * nf_conntrack_proto_tcp.c), and the packet quoted by an ICMP error.
 * Allocates nothing.
 */
import { NFPROTO_IPV4, NFPROTO_IPV6 } from '../conntrack/constants';
import type { CtPacket } from '../conntrack/packet';
import { parseTcpOptions, TcpOptions } from '../wire/tcp';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, WireError, type PacketView } from '../wire/packet';

const opts = new TcpOptions();

export function fillCtPacket(v: PacketView, p: CtPacket, verifyChecksum: boolean): void {
  p.reset();
  p.l3proto = v.family === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
  const b = v.buf;
  for (let i = 0; i < v.addrLen; i++) { p.src[i] = b[v.srcOff + i]; p.dst[i] = b[v.dstOff + i]; }
  p.protocol = v.proto;
  if (!v.firstFragment || (v.family === 6 && v.proto === 59)) { p.noTuple = true; return; }
  if (v.error !== WireError.OK) { p.l4Malformed = true; return; }
  if (verifyChecksum && !v.l4ChecksumOk()) p.l4Malformed = true;
  if (v.hasPorts) { p.sport = v.sport; p.dport = v.dport; }
  if (v.proto === IPPROTO_TCP) {
    p.tcpFlags = v.tcpFlags;
    p.seq = v.seq;
    p.ack = v.ack;
    p.window = v.window;
    p.payloadLen = v.ipEnd - v.l4 - v.tcpHeaderLen;
    p.tcpOptLen = v.tcpHeaderLen - 20;
    if (p.tcpOptLen > 0) {
      opts.reset();
      parseTcpOptions(b, v.l4, v.tcpHeaderLen, opts);
      p.wscale = opts.wscale;
      p.sackPerm = opts.sackPerm;
      const n = Math.min(opts.sackBlocks, 4);
      for (let i = 0; i < n; i++) {
        const o = opts.sackOff + i * 8 + 4;
        p.sackEdges[i] = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      }
      p.sackCount = n;
    }
    return;
  }
  if (v.proto === IPPROTO_ICMP || v.proto === IPPROTO_ICMPV6) {
    p.icmpType = v.icmpType;
    p.icmpCode = v.icmpCode;
    if (v.icmpId >= 0) p.icmpId = v.icmpId;
    if (v.icmpError) {
      const inner = v.parseInner();
      if (inner && inner.l3Ok()) {
        p.innerValid = true;
        for (let i = 0; i < inner.addrLen; i++) { p.innerSrc[i] = inner.buf[inner.srcOff + i]; p.innerDst[i] = inner.buf[inner.dstOff + i]; }
        p.innerProtocol = inner.proto;
        if (inner.hasPorts) { p.innerSport = inner.sport; p.innerDport = inner.dport; }
        if (inner.icmpType >= 0) { p.innerIcmpType = inner.icmpType; p.innerIcmpCode = inner.icmpCode; }
        if (inner.icmpId >= 0) p.innerIcmpId = inner.icmpId;
      }
    }
  }
}
