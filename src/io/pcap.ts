/**
 * The classic libpcap file format (pcap-savefile(5), and the IETF draft
 * draft-ietf-opsawg-pcap): a 24-byte file header whose magic number gives
 * the byte order and the timestamp resolution (0xa1b2c3d4 microseconds,
 * 0xa1b23c4d nanoseconds; byte-swapped when written on the other
 * endianness), then records of a 16-byte header and the captured bytes.
 *
 * The reader streams: it keeps one window of the file and hands out each
 * record as a view into it (valid until the next call), so a capture of
 * any size is read in bounded memory and without an allocation per packet.
 */
import * as fs from 'node:fs';
import { FileWindow, type ByteSink } from './filebuf';

/** Link-layer header types (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

/** One packet of a capture: the bytes are buf[off, off+caplen), valid until the reader's next call. */
export interface CaptureRecord {
  sec: number;
  nsec: number;
  linkType: number;
  /** Interface number inside the file (pcapng IDB index; 0 for pcap). */
  ifIndex: number;
  buf: Uint8Array;
  off: number;
  caplen: number;
  /** Length on the wire; larger than caplen when the capture was cut at the snap length. */
  origLen: number;
}

/** A capture file read record by record. */
export interface CaptureReader {
  readonly format: 'pcap' | 'pcapng';
  /** The next record, or null at end of file. The same object is returned each time. Throws CaptureError on a damaged file. */
  next(): CaptureRecord | null;
  /** File offset reached (for progress). */
  readonly offset: number;
  /** True when timestamps have sub-microsecond resolution. */
  readonly nanosecond: boolean;
  close(): void;
}

export class CaptureError extends Error {}

export class PcapReader implements CaptureReader {
  readonly format = 'pcap';
  readonly nanosecond: boolean;
  readonly linkType: number;
  readonly snaplen: number;
  readonly littleEndian: boolean;
  private readonly w: FileWindow;
  private readonly rec: CaptureRecord;
  private count = 0;

  /** Opens an fd positioned at the start of the file (the caller's fd is closed by close()). */
  constructor(private readonly fd: number, private readonly name = 'capture') {
    this.w = new FileWindow(fd);
    if (!this.w.ensure(24)) throw new CaptureError(`${name}: not a pcap file (shorter than its header)`);
    const dv = this.w.dv;
    const le = dv.getUint32(0, true), be = dv.getUint32(0, false);
    if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) this.littleEndian = true;
    else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) this.littleEndian = false;
    else throw new CaptureError(`${name}: not a pcap file (magic 0x${be.toString(16).padStart(8, '0')})`);
    const magic = this.littleEndian ? le : be;
    this.nanosecond = magic === PCAP_MAGIC_NS;
    this.snaplen = dv.getUint32(16, this.littleEndian);
    // The upper bits of the link-type field carry FCS information (pcap-savefile(5)); the type is the low 16 bits.
    this.linkType = dv.getUint32(20, this.littleEndian) & 0xffff;
    this.w.pos = 24;
    this.rec = { sec: 0, nsec: 0, linkType: this.linkType, ifIndex: 0, buf: this.w.buf, off: 0, caplen: 0, origLen: 0 };
  }

  static open(file: string): PcapReader {
    const fd = fs.openSync(file, 'r');
    try { return new PcapReader(fd, file); } catch (e) { fs.closeSync(fd); throw e; }
  }

  get offset(): number { return this.w.offset; }

  next(): CaptureRecord | null {
    const w = this.w;
    if (!w.ensure(16)) {
      if (w.leftover === 0) return null;
      throw new CaptureError(`${this.name}: truncated record header after packet ${this.count}`);
    }
    const le = this.littleEndian;
    const sec = w.dv.getUint32(w.pos, le);
    const frac = w.dv.getUint32(w.pos + 4, le);
    const caplen = w.dv.getUint32(w.pos + 8, le);
    const origLen = w.dv.getUint32(w.pos + 12, le);
    if (caplen > 0x4000000) throw new CaptureError(`${this.name}: packet ${this.count + 1} claims ${caplen} captured bytes`);
    if (!w.ensure(16 + caplen)) throw new CaptureError(`${this.name}: truncated packet ${this.count + 1}`);
    const r = this.rec;
    r.sec = sec;
    r.nsec = this.nanosecond ? frac : frac * 1000;
    r.buf = w.buf;
    r.off = w.pos + 16;
    r.caplen = caplen;
    r.origLen = origLen;
    w.pos += 16 + caplen;
    this.count++;
    return r;
  }

  close(): void { fs.closeSync(this.fd); }
}

/** Writes a pcap file to a sink: the header at construction, then one record per packet. */
export class PcapWriter {
  private readonly hdr = new Uint8Array(24);
  private readonly dv = new DataView(this.hdr.buffer);
  count = 0;

  constructor(
    private readonly sink: ByteSink,
    readonly linkType: number,
    private readonly o: { nanosecond?: boolean; bigEndian?: boolean; snaplen?: number } = {},
  ) {
    const le = !o.bigEndian;
    this.dv.setUint32(0, o.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
    this.dv.setUint16(4, 2, le);
    this.dv.setUint16(6, 4, le);
    this.dv.setInt32(8, 0, le);
    this.dv.setUint32(12, 0, le);
    this.dv.setUint32(16, o.snaplen ?? 262144, le);
    this.dv.setUint32(20, linkType, le);
    sink.write(this.hdr, 0, 24);
  }

  /**
   * One record: an optional link-layer header (pre[0, preLen)) followed by
   * b[off, off+len). origLen defaults to the captured length.
   */
  write(sec: number, nsec: number, b: Uint8Array, off: number, len: number, pre?: Uint8Array, preLen = 0, origLen = preLen + len): void {
    const le = !this.o.bigEndian;
    const dv = this.dv;
    dv.setUint32(0, sec >>> 0, le);
    dv.setUint32(4, this.o.nanosecond ? nsec : Math.floor(nsec / 1000), le);
    dv.setUint32(8, preLen + len, le);
    dv.setUint32(12, origLen, le);
    this.sink.write(this.hdr, 0, 16);
    if (pre && preLen > 0) this.sink.write(pre, 0, preLen);
    this.sink.write(b, off, len);
    this.count++;
  }

  close(): void { this.sink.close(); }
}
