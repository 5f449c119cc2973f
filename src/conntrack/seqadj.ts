// TCP sequence adjustment state (net/netfilter/nf_conntrack_seqadj.c, Linux 6.18): when a NAT helper changes
// the length of a TCP payload, each direction remembers where (correction_pos) and by how much the stream
// moved before and after that point. The packet rewriting itself (nf_ct_seq_adjust) is in src/nat/seqadj.ts;
// the TCP tracker uses seqOffset() to read ACKs in the sender's numbering (tcp_in_window).
import type { CtExt } from './ext';

/** after(a, b) of include/net/tcp.h: a is later than b in sequence space. */
export function seqAfter(a: number, b: number): boolean { return ((b - a) | 0) < 0; }
/** before(a, b). */
export function seqBefore(a: number, b: number): boolean { return ((a - b) | 0) < 0; }

/**
 * nf_ct_seqadj_set(): the payload of the packet at `seq` in direction `dir` grew by `off` bytes (negative:
 * shrank). A new correction point is taken only when the previous one is older (or none was set), so a
 * retransmitted mangled packet does not count twice. Returns true if the entry must get IPS_SEQ_ADJUST.
 */
export function seqadjSet(ext: CtExt, e: number, dir: number, seq: number, off: number): boolean {
  if (off === 0) return false;
  const i = e * 2 + dir;
  if (ext.seqBefore[i] === ext.seqAfter[i] || seqBefore(ext.seqPos[i], seq >>> 0)) {
    ext.seqPos[i] = seq >>> 0;
    ext.seqBefore[i] = ext.seqAfter[i];
    ext.seqAfter[i] = (ext.seqAfter[i] + off) | 0;
  }
  return true;
}

/** nf_ct_seq_offset(): the offset that applies to sequence number `seq` of direction `dir`. */
export function seqOffsetOf(ext: CtExt, e: number, dir: number, seq: number): number {
  const i = e * 2 + dir;
  return seqAfter(seq >>> 0, ext.seqPos[i]) ? ext.seqAfter[i] : ext.seqBefore[i];
}
