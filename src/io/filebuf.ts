/**
 * Buffered file access for the capture readers and writers: a reader that
 * keeps a window of the file in one reused buffer (so a capture of any size
 * is read in bounded memory), and a writer that batches small writes.
 * Synchronous on purpose: replay is a batch job and the engine is synchronous.
 */
import * as fs from 'node:fs';

/** A window over a file: ensure(n) makes b[pos, pos+n) valid, reading more as needed. */
export class FileWindow {
  buf: Uint8Array;
  dv: DataView;
  /** Valid bytes are buf[pos, end). */
  pos = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  private eof = false;

  constructor(private readonly fd: number, size = 1 << 20) {
    this.buf = new Uint8Array(size);
    this.dv = new DataView(this.buf.buffer);
  }

  /** File offset of the next unread byte. */
  get offset(): number { return this.base + this.pos; }

  /** True when n bytes are available at pos; false at end of file. */
  ensure(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (n > this.buf.length) {
      // A block larger than the window: grow once (pcapng blocks are at most a few hundred KiB in practice).
      const nb = new Uint8Array(Math.max(n, this.buf.length * 2));
      nb.set(this.buf.subarray(this.pos, this.end));
      this.base += this.pos; this.end -= this.pos; this.pos = 0;
      this.buf = nb; this.dv = new DataView(nb.buffer);
    } else if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos; this.end -= this.pos; this.pos = 0;
    }
    while (!this.eof && this.end - this.pos < n) {
      const got = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
      if (got === 0) this.eof = true;
      this.end += got;
    }
    return this.end - this.pos >= n;
  }

  /** Bytes left after pos at end of file (used to tell a clean end from a truncated record). */
  get leftover(): number { return this.end - this.pos; }
}

/** Where a capture writer puts its bytes. */
export interface ByteSink {
  write(b: Uint8Array, off: number, len: number): void;
  close(): void;
}

/** A file sink with a 256 KiB batch buffer. */
export class FileSink implements ByteSink {
  private readonly buf = new Uint8Array(1 << 18);
  private n = 0;
  private fd: number;
  bytes = 0;

  constructor(file: string) { this.fd = fs.openSync(file, 'w', 0o644); }

  write(b: Uint8Array, off: number, len: number): void {
    this.bytes += len;
    if (this.n + len > this.buf.length) this.flush();
    if (len > this.buf.length) { fs.writeSync(this.fd, b, off, len); return; }
    this.buf.set(b.subarray(off, off + len), this.n);
    this.n += len;
  }

  flush(): void {
    let done = 0;
    while (done < this.n) done += fs.writeSync(this.fd, this.buf, done, this.n - done);
    this.n = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** An in-memory sink (tests, and small captures built in a program). */
export class MemorySink implements ByteSink {
  private chunks: Uint8Array[] = [];
  write(b: Uint8Array, off: number, len: number): void { this.chunks.push(b.slice(off, off + len)); }
  close(): void { /* nothing to release */ }
  bytes(): Uint8Array { return Buffer.concat(this.chunks); }
}
