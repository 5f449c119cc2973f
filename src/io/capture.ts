/**
 * Opening a capture whatever its format, finding the IP header behind each
 * link type, and merging several captures by timestamp.
 */
import * as fs from 'node:fs';
import { CaptureError, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, PcapReader, type CaptureReader, type CaptureRecord } from './pcap';
import { BT_SHB, PcapngReader } from './pcapng';

/** Opens a pcap or pcapng file, chosen by its first four bytes. */
export function openCapture(file: string): CaptureReader {
  const fd = fs.openSync(file, 'r');
  try {
    const head = new Uint8Array(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    const dv = new DataView(head.buffer);
    if (n === 4 && dv.getUint32(0, true) === BT_SHB) return new PcapngReader(fd, file);
    return new PcapReader(fd, file);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

export const LINK_NAMES: Record<number, string> = {
  [LINKTYPE_ETHERNET]: 'EN10MB', [LINKTYPE_RAW]: 'RAW', [LINKTYPE_IPV4]: 'IPV4', [LINKTYPE_IPV6]: 'IPV6',
  [LINKTYPE_LINUX_SLL]: 'LINUX_SLL', [LINKTYPE_LINUX_SLL2]: 'LINUX_SLL2',
};

export function linkName(t: number): string { return LINK_NAMES[t] ?? `linktype ${t}`; }

/** Result of locating the network header of a record. */
export class L3Location {
  /** Offset of the IP header in the record's buffer, or -1 when the frame carries no IP. */
  ip = -1;
  /** The EtherType (or protocol) found; 0 when the link type has none. */
  proto = 0;
  /** Why there is no IP header, when ip is -1. */
  why = '';
}

const get16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];

/**
 * Where the IP header of a record starts. Ethernet (with 802.1Q/802.1ad
 * tags skipped), Linux cooked SLL (16-byte header, protocol at byte 14)
 * and SLL2 (20 bytes, protocol at byte 0), raw IP (101, and 228/229 that
 * name the version). Returns false with loc.why set for anything else.
 */
export function locateIp(r: CaptureRecord, loc: L3Location): boolean {
  const b = r.buf, o = r.off, end = r.off + r.caplen;
  loc.ip = -1; loc.proto = 0; loc.why = '';
  let p: number, proto: number;
  switch (r.linkType) {
    case LINKTYPE_RAW: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
      if (r.caplen < 1) { loc.why = 'empty packet'; return false; }
      loc.ip = o;
      loc.proto = (b[o] >> 4) === 6 ? 0x86dd : 0x0800;
      return true;
    case LINKTYPE_ETHERNET:
      p = o + 12;
      if (p + 2 > end) { loc.why = 'truncated Ethernet header'; return false; }
      proto = get16(b, p);
      while ((proto === 0x8100 || proto === 0x88a8) && p + 6 <= end) { p += 4; proto = get16(b, p); }
      p += 2;
      break;
    case LINKTYPE_LINUX_SLL:
      if (o + 16 > end) { loc.why = 'truncated SLL header'; return false; }
      proto = get16(b, o + 14); p = o + 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (o + 20 > end) { loc.why = 'truncated SLL2 header'; return false; }
      proto = get16(b, o); p = o + 20;
      break;
    default:
      loc.why = `unsupported link type ${r.linkType}`;
      return false;
  }
  loc.proto = proto;
  if (proto !== 0x0800 && proto !== 0x86dd) { loc.why = `not IP (ethertype 0x${proto.toString(16).padStart(4, '0')})`; return false; }
  if (p >= end) { loc.why = 'no IP header'; return false; }
  loc.ip = p;
  return true;
}

/** One input of a merge: a reader and the label the caller knows it by. */
export interface MergeSource { reader: CaptureReader; label: string; }

/**
 * Merges captures by timestamp with a binary heap over the sources' next
 * records (ties keep the order of the sources). Only one record per source
 * is held, so memory does not grow with the captures' length. A record
 * returned by next() stays valid until the following next().
 */
export class CaptureMerge {
  private readonly heads: (CaptureRecord | null)[];
  private readonly heap: number[] = [];
  /** Index of the source the last record came from (it is advanced on the next call). */
  current = -1;
  /** Record numbers per source (1-based number of the last record returned). */
  readonly counts: number[];

  constructor(readonly sources: MergeSource[]) {
    this.heads = sources.map((s) => s.reader.next());
    this.counts = sources.map(() => 0);
    for (let i = 0; i < sources.length; i++) if (this.heads[i]) this.push(i);
  }

  /** The first record of each source, as read at construction (null for an empty source). */
  firstRecord(i: number): CaptureRecord | null { return this.current < 0 ? this.heads[i] : null; }

  next(): CaptureRecord | null {
    if (this.current >= 0) {
      const i = this.current;
      this.heads[i] = this.sources[i].reader.next();
      if (this.heads[i]) this.push(i);
      this.current = -1;
    }
    if (this.heap.length === 0) return null;
    const i = this.pop();
    this.current = i;
    this.counts[i]++;
    return this.heads[i];
  }

  /** Bytes read from all sources (for progress). */
  offset(): number {
    let n = 0;
    for (const s of this.sources) n += s.reader.offset;
    return n;
  }

  private less(a: number, b: number): boolean {
    const x = this.heads[a]!, y = this.heads[b]!;
    if (x.sec !== y.sec) return x.sec < y.sec;
    if (x.nsec !== y.nsec) return x.nsec < y.nsec;
    return a < b;
  }

  private push(i: number): void {
    const h = this.heap;
    h.push(i);
    let k = h.length - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(h[k], h[parent])) break;
      const t = h[k]; h[k] = h[parent]; h[parent] = t;
      k = parent;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1, r = l + 1;
        let m = k;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === k) break;
        const t = h[k]; h[k] = h[m]; h[m] = t;
        k = m;
      }
    }
    return top;
  }

  close(): void { for (const s of this.sources) s.reader.close(); }
}

export { CaptureError };
