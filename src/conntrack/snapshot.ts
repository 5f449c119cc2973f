/**
 * Saving and loading the conntrack table, so that a state directory keeps
 * its connections between invocations as a kernel keeps them between
 * packets. The snapshot is the table's own arrays (entries, hash chains,
 * free list) byte for byte, so a loaded table lists, hashes and evicts
 * exactly as the saved one would have.
 *
 * Layout: "NSCT" magic, u32 header length, JSON header, then each array's
 * bytes in the order of ARRAYS, each padded to 8 bytes.
 */
import type { Conntrack } from './conntrack';
import type { CtTable } from './table';

const MAGIC = 0x5443534e; // "NSCT" little-endian
const ARRAYS = ['heads', 'addr', 'port', 'l3', 'l4', 'status', 'timeout', 'mark', 'next', 't8', 't32', 'lastWin', 'aux'] as const;
type ArrayName = (typeof ARRAYS)[number];

interface Header {
  version: 1;
  capacity: number;
  count: number;
  bucketCount: number;
  seed: number;
  freeHead: number;
  max: number;
}

function arrays(t: CtTable): Record<ArrayName, ArrayBufferView> {
  return {
    heads: t.heads, addr: t.addr, port: t.port, l3: t.l3, l4: t.l4, status: t.status, timeout: t.timeout,
    mark: t.mark, next: t.next, t8: t.t8, t32: t.t32, lastWin: t.lastWin, aux: t.aux,
  };
}

export function saveConntrack(ct: Conntrack): Uint8Array {
  const t = ct.tab;
  const h: Header = { version: 1, capacity: t.capacity, count: t.count, bucketCount: t.bucketCount, seed: t.seed, freeHead: t.freeHead, max: ct.max };
  const head = Buffer.from(JSON.stringify(h));
  const parts: Uint8Array[] = [];
  const pre = Buffer.alloc(8);
  pre.writeUInt32LE(MAGIC, 0);
  pre.writeUInt32LE(head.length, 4);
  parts.push(pre, head, Buffer.alloc((8 - (head.length % 8)) % 8));
  const a = arrays(t);
  for (const name of ARRAYS) {
    const v = a[name];
    parts.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    parts.push(Buffer.alloc((8 - (v.byteLength % 8)) % 8));
  }
  return Buffer.concat(parts);
}

/** Loads a snapshot into a fresh Conntrack (built with the same options otherwise). Throws on a damaged file. */
export function loadConntrack(ct: Conntrack, data: Uint8Array): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a netsieve conntrack snapshot');
  const hlen = buf.readUInt32LE(4);
  const h = JSON.parse(buf.subarray(8, 8 + hlen).toString('utf8')) as Header;
  if (h.version !== 1) throw new Error(`unknown conntrack snapshot version ${String(h.version)}`);
  const t = ct.tab;
  if (h.bucketCount !== t.bucketCount) throw new Error(`snapshot has ${h.bucketCount} buckets, the table ${t.bucketCount}`);
  t.grow(h.capacity);
  let off = 8 + hlen + ((8 - (hlen % 8)) % 8);
  const a = arrays(t);
  for (const name of ARRAYS) {
    const v = a[name];
    const n = name === 'heads' ? v.byteLength : (v.byteLength / t.capacity) * h.capacity;
    if (off + n > buf.length) throw new Error('conntrack snapshot is truncated');
    new Uint8Array(v.buffer, v.byteOffset, n).set(buf.subarray(off, off + n));
    off += n + ((8 - (n % 8)) % 8);
  }
  // Slots beyond the saved capacity (if the fresh table was larger) stay on a free list of their own.
  t.count = h.count;
  const extra: number[] = [];
  for (let e = h.capacity; e < t.capacity; e++) extra.push(e);
  let head = h.freeHead;
  for (let i = extra.length - 1; i >= 0; i--) { t.next[extra[i] * 2] = head; head = extra[i]; }
  t.freeHead = head;
  ct.max = h.max;
}
