/**
 * nf_ct_seq_adjust() (net/netfilter/nf_conntrack_seqadj.c, Linux 6.18):
 * after a NAT helper changed the length of a TCP payload, every later
 * packet of the connection has its sequence number moved by the offset of
 * its own direction, and its ACK (and SACK blocks) moved back by the offset
 * of the other direction, so that each end keeps seeing its own numbering.
 * The TCP checksum is patched incrementally (inet_proto_csum_replace4).
 * Runs at the confirm hook (nf_confirm), after the helper.
 */
import * as C from '../conntrack/constants';
import type { CtExt } from '../conntrack/ext';
import { seqAfter } from '../conntrack/seqadj';
import type { Skb } from '../engine/skb';
import { get32, rewrite32 } from '../wire/checksum';

const TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_SACK = 5, TCPOLEN_SACK_PERBLOCK = 8;

/** New value of a sequence number acknowledged through direction-i's adjustment (SACK edges, ACK). */
function backAdjust(ext: CtExt, i: number, x: number): number {
  const off = seqAfter((x - ext.seqBefore[i]) >>> 0, ext.seqPos[i]) ? ext.seqAfter[i] : ext.seqBefore[i];
  return (x - off) >>> 0;
}

/** nf_ct_sack_adjust(): false for a malformed option list (the packet is dropped). */
function sackAdjust(b: Uint8Array, l4: number, optend: number, ext: CtExt, other: number): boolean {
  let optoff = l4 + 20;
  const check = l4 + 16;
  while (optoff < optend) {
    const kind = b[optoff];
    if (kind === TCPOPT_EOL) return true;
    if (kind === TCPOPT_NOP) { optoff++; continue; }
    const len = b[optoff + 1];
    // No partial options.
    if (optoff + 1 === optend || optoff + len > optend || len < 2) return false;
    if (kind === TCPOPT_SACK && len >= 2 + TCPOLEN_SACK_PERBLOCK && (len - 2) % TCPOLEN_SACK_PERBLOCK === 0) {
      for (let s = optoff + 2; s < optoff + len; s += 4) rewrite32(b, s, backAdjust(ext, other, get32(b, s)), check);
    }
    optoff += len;
  }
  return true;
}

/**
 * nf_ct_seq_adjust() for the packet in skb (a TCP packet of a connection
 * with IPS_SEQ_ADJUST). Returns false when the kernel would drop it.
 */
export function seqAdjust(skb: Skb): boolean {
  const v = skb.view;
  const b = v.buf;
  const l4 = v.l4;
  if (l4 + 20 > v.ipEnd) return false; // skb_ensure_writable(protoff + sizeof(tcphdr))
  const ext = skb.net.conntrack.ext;
  const e = skb.ct;
  const dir = skb.ctinfo >= C.IP_CT_IS_REPLY ? 1 : 0;
  const thisWay = e * 2 + dir;
  const otherWay = e * 2 + (dir ^ 1);
  const check = l4 + 16;

  const seq = get32(b, l4 + 4);
  const seqoff = seqAfter(seq, ext.seqPos[thisWay]) ? ext.seqAfter[thisWay] : ext.seqBefore[thisWay];
  const newseq = (seq + seqoff) >>> 0;
  rewrite32(b, l4 + 4, newseq, check);
  v.seq = newseq;
  if (!(b[l4 + 13] & C.TH_ACK)) return true;

  const newack = backAdjust(ext, otherWay, get32(b, l4 + 8));
  rewrite32(b, l4 + 8, newack, check);
  v.ack = newack;
  const optend = l4 + ((b[l4 + 12] >> 4) << 2);
  if (optend > v.ipEnd) return false;
  return sackAdjust(b, l4, optend, ext, otherWay);
}
