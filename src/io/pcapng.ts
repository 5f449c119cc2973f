/**
 * The pcapng file format (IETF draft-ietf-opsawg-pcapng): a sequence of
 * blocks, each `type, total length, body, total length`. A Section Header
 * Block (SHB) starts each section and its byte-order magic 0x1A2B3C4D sets
 * the endianness of everything up to the next SHB. Interface Description
 * Blocks (IDB) declare each interface's link type, snap length and
 * timestamp resolution (option if_tsresol, code 9: 10^-n, or 2^-n with the
 * high bit set; default microseconds) and offset (if_tsoffset, code 14,
 * seconds). Packets come in Enhanced Packet Blocks (EPB, with interface and
 * 64-bit timestamp), Simple Packet Blocks (SPB: interface 0, no timestamp:
 * the previous packet's time is used) or the obsolete Packet Block (type 2).
 * Every other block type is skipped, as the draft requires of readers.
 */
import * as fs from 'node:fs';
import { FileWindow, type ByteSink } from './filebuf';
import { CaptureError, type CaptureReader, type CaptureRecord } from './pcap';

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002;
export const BT_SPB = 0x00000003;
export const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0, OPT_IF_NAME = 2, OPT_IF_TSRESOL = 9, OPT_IF_TSOFFSET = 14;

interface PcapngIface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  units: number;
  tsoffset: number;
  name: string;
}

export class PcapngReader implements CaptureReader {
  readonly format = 'pcapng';
  nanosecond = false;
  private le = true;
  private ifaces: PcapngIface[] = [];
  private readonly w: FileWindow;
  private readonly rec: CaptureRecord = { sec: 0, nsec: 0, linkType: 0, ifIndex: 0, buf: new Uint8Array(0), off: 0, caplen: 0, origLen: 0 };
  private count = 0;

  constructor(private readonly fd: number, private readonly name = 'capture') {
    this.w = new FileWindow(fd);
    if (!this.w.ensure(12) || this.w.dv.getUint32(0, true) !== BT_SHB) throw new CaptureError(`${name}: not a pcapng file`);
  }

  static open(file: string): PcapngReader {
    const fd = fs.openSync(file, 'r');
    try { return new PcapngReader(fd, file); } catch (e) { fs.closeSync(fd); throw e; }
  }

  get offset(): number { return this.w.offset; }

  /** Interface names and link types seen so far (IDB order). */
  interfaces(): { name: string; linkType: number }[] {
    return this.ifaces.map((i) => ({ name: i.name, linkType: i.linkType }));
  }

  next(): CaptureRecord | null {
    const w = this.w;
    for (;;) {
      if (!w.ensure(12)) {
        if (w.leftover === 0) return null;
        throw new CaptureError(`${this.name}: truncated block at offset ${w.offset}`);
      }
      let type = w.dv.getUint32(w.pos, this.le);
      if (w.dv.getUint32(w.pos, true) === BT_SHB) {
        // The SHB's type is a palindrome; its byte-order magic decides the section's endianness.
        const bom = w.dv.getUint32(w.pos + 8, true);
        if (bom === BYTE_ORDER_MAGIC) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else throw new CaptureError(`${this.name}: bad byte-order magic in section header`);
        type = BT_SHB;
      }
      const total = w.dv.getUint32(w.pos + 4, this.le);
      if (total < 12 || total % 4 !== 0 || total > 0x4000000) throw new CaptureError(`${this.name}: bad block length ${total} at offset ${w.offset}`);
      if (!w.ensure(total)) throw new CaptureError(`${this.name}: truncated block at offset ${w.offset}`);
      const p = w.pos, dv = w.dv, le = this.le;
      w.pos += total;
      if (type === BT_SHB) { this.ifaces = []; continue; }
      if (type === BT_IDB) { this.ifaces.push(this.parseIdb(p + 8, p + total - 4)); continue; }
      const r = this.rec;
      let dataOff: number, caplen: number;
      if (type === BT_EPB || type === BT_PB) {
        r.ifIndex = type === BT_EPB ? dv.getUint32(p + 8, le) : dv.getUint16(p + 8, le);
        const iface = this.iface(r.ifIndex);
        this.timestamp(iface, dv.getUint32(p + 12, le), dv.getUint32(p + 16, le));
        caplen = dv.getUint32(p + 20, le);
        r.origLen = dv.getUint32(p + 24, le);
        dataOff = p + 28;
        r.linkType = iface.linkType;
      } else if (type === BT_SPB) {
        r.ifIndex = 0;
        const iface = this.iface(0);
        r.origLen = dv.getUint32(p + 8, le);
        dataOff = p + 12;
        caplen = Math.min(r.origLen, total - 16, iface.snaplen || Infinity);
        r.linkType = iface.linkType;
      } else continue;
      if (dataOff + caplen > p + total - 4) throw new CaptureError(`${this.name}: packet ${this.count + 1} overruns its block`);
      r.buf = w.buf; r.off = dataOff; r.caplen = caplen;
      this.count++;
      return r;
    }
  }

  private iface(i: number): PcapngIface {
    const f = this.ifaces[i];
    if (!f) throw new CaptureError(`${this.name}: packet ${this.count + 1} names interface ${i}, which no IDB declared`);
    return f;
  }

  private parseIdb(p: number, end: number): PcapngIface {
    const dv = this.w.dv, le = this.le;
    const f: PcapngIface = { linkType: dv.getUint16(p, le), snaplen: dv.getUint32(p + 4, le), units: 1e6, tsoffset: 0, name: `if${this.ifaces.length}` };
    let o = p + 8;
    while (o + 4 <= end) {
      const code = dv.getUint16(o, le), len = dv.getUint16(o + 2, le);
      if (code === OPT_ENDOFOPT) break;
      const v = o + 4;
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const b = this.w.buf[v];
        f.units = b & 0x80 ? 2 ** (b & 0x7f) : 10 ** b;
        if (f.units > 1e6) this.nanosecond = true;
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        f.tsoffset = Number(dv.getBigInt64(v, le));
      } else if (code === OPT_IF_NAME) {
        f.name = Buffer.from(this.w.buf.subarray(v, v + len)).toString('utf8').replace(/\0+$/, '');
      }
      o = v + ((len + 3) & ~3);
    }
    return f;
  }

  /** Splits a 64-bit count of `units` into seconds and nanoseconds, exactly. */
  private timestamp(f: PcapngIface, hi: number, lo: number): void {
    const r = this.rec;
    const ts = hi * 4294967296 + lo;
    if (ts <= Number.MAX_SAFE_INTEGER && f.units <= 1e6) {
      const sec = Math.floor(ts / f.units);
      r.sec = sec + f.tsoffset;
      r.nsec = Math.floor(((ts - sec * f.units) * 1e9) / f.units);
    } else {
      // Nanosecond (or finer) counts exceed 2^53: exact integer arithmetic.
      const t = (BigInt(hi) << 32n) | BigInt(lo);
      const u = BigInt(f.units);
      r.sec = Number(t / u) + f.tsoffset;
      r.nsec = Number(((t % u) * 1000000000n) / u);
    }
  }

  close(): void { fs.closeSync(this.fd); }
}

/**
 * Writes pcapng: one SHB, one IDB per interface added (with if_name and
 * if_tsresol = 9, nanoseconds), and an EPB per packet.
 */
export class PcapngWriter {
  private readonly hdr = new Uint8Array(64);
  private readonly dv = new DataView(this.hdr.buffer);
  private readonly le: boolean;
  private nIfaces = 0;
  private static readonly PAD = new Uint8Array(4);
  count = 0;

  constructor(private readonly sink: ByteSink, o: { bigEndian?: boolean } = {}) {
    this.le = !o.bigEndian;
    const dv = this.dv, le = this.le;
    dv.setUint32(0, BT_SHB, le);
    dv.setUint32(4, 28, le);
    dv.setUint32(8, BYTE_ORDER_MAGIC, le);
    dv.setUint16(12, 1, le);
    dv.setUint16(14, 0, le);
    dv.setBigInt64(16, -1n, le); // section length not specified
    dv.setUint32(24, 28, le);
    sink.write(this.hdr, 0, 28);
  }

  /** Declares an interface; returns its index for writePacket. */
  addInterface(linkType: number, name: string, snaplen = 262144): number {
    const nameBytes = Buffer.from(name, 'utf8');
    const namePad = (nameBytes.length + 3) & ~3;
    const total = 8 + 8 + (4 + namePad) + (4 + 4) + 4 + 4;
    const b = new Uint8Array(total);
    const dv = new DataView(b.buffer), le = this.le;
    dv.setUint32(0, BT_IDB, le);
    dv.setUint32(4, total, le);
    dv.setUint16(8, linkType, le);
    dv.setUint32(12, snaplen, le);
    let o = 16;
    dv.setUint16(o, OPT_IF_NAME, le); dv.setUint16(o + 2, nameBytes.length, le);
    b.set(nameBytes, o + 4); o += 4 + namePad;
    dv.setUint16(o, OPT_IF_TSRESOL, le); dv.setUint16(o + 2, 1, le); b[o + 4] = 9; o += 8;
    dv.setUint32(o, 0, le); o += 4; // opt_endofopt
    dv.setUint32(o, total, le);
    this.sink.write(b, 0, total);
    return this.nIfaces++;
  }

  writePacket(ifIndex: number, sec: number, nsec: number, b: Uint8Array, off: number, len: number, origLen = len): void {
    const dv = this.dv, le = this.le;
    const pad = (4 - (len & 3)) & 3;
    const total = 32 + len + pad;
    const t = BigInt(sec) * 1000000000n + BigInt(nsec);
    dv.setUint32(0, BT_EPB, le);
    dv.setUint32(4, total, le);
    dv.setUint32(8, ifIndex, le);
    dv.setUint32(12, Number(t >> 32n), le);
    dv.setUint32(16, Number(t & 0xffffffffn), le);
    dv.setUint32(20, len, le);
    dv.setUint32(24, origLen, le);
    this.sink.write(this.hdr, 0, 28);
    this.sink.write(b, off, len);
    if (pad) this.sink.write(PcapngWriter.PAD, 0, pad);
    dv.setUint32(28, total, le);
    this.sink.write(this.hdr, 28, 4);
    this.count++;
  }

  close(): void { this.sink.close(); }
}
