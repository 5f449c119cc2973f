/**
 * Saving and loading the conntrack state, so that a state directory keeps
 * its connections between invocations as a kernel keeps them between
 * packets: the table (entries, hash chains, free list), the per-entry
 * extensions (helper, master, sequence adjustment) and the expectations.
 * Each part is a struct of typed arrays, saved byte for byte, so a loaded
 * table lists, hashes and evicts exactly as the saved one would have.
 *
 * Layout: "NSCT" magic, u32 header length, JSON header (scalars and each
 * array's type and length), then each array's bytes padded to 8.
 */
import type { Conntrack } from './conntrack';

const MAGIC = 0x5443534e; // "NSCT" little-endian
const VERSION = 2;

type Typed = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;
const CTORS = { Uint8Array, Uint16Array, Uint32Array, Int32Array, Float64Array } as const;
type CtorName = keyof typeof CTORS;

interface Part { obj: object; arrays: readonly string[]; scalars: readonly string[]; }

function parts(ct: Conntrack): Record<string, Part> {
  return {
    tab: {
      obj: ct.tab,
      arrays: ['heads', 'addr', 'port', 'l3', 'l4', 'status', 'timeout', 'mark', 'next', 't8', 't32', 'lastWin', 'aux'],
      scalars: ['capacity', 'count', 'freeHead'],
    },
    ext: {
      obj: ct.ext,
      arrays: ['helper', 'helpData', 'master', 'masterGen', 'gen', 'expecting', 'seqPos', 'seqBefore', 'seqAfter'],
      scalars: ['capacity'],
    },
    expect: {
      obj: ct.expect,
      arrays: ['heads', 'tuple', 'maskSrc', 'maskSport', 'master', 'timeout', 'flags', 'cls', 'helper', 'fn', 'dir', 'savedPort', 'savedAddr', 'serial', 'used', 'next', 'bucket'],
      scalars: ['count', 'capacity', 'freeHead', 'serialNext'],
    },
  };
}

/** Field access by name on the parts' own objects (their fields are the format). */
function fields(o: object): Record<string, unknown> {
  return o as unknown as Record<string, unknown>;
}

interface ArrayInfo { part: string; name: string; type: CtorName; length: number; }
interface Header { version: number; scalars: Record<string, Record<string, number>>; arrays: ArrayInfo[]; max: number; }

export function saveConntrack(ct: Conntrack): Uint8Array {
  const h: Header = { version: VERSION, scalars: {}, arrays: [], max: ct.max };
  const bodies: Uint8Array[] = [];
  for (const [pname, p] of Object.entries(parts(ct))) {
    const f = fields(p.obj);
    h.scalars[pname] = {};
    for (const s of p.scalars) h.scalars[pname][s] = f[s] as number;
    for (const a of p.arrays) {
      const arr = f[a] as Typed;
      h.arrays.push({ part: pname, name: a, type: arr.constructor.name as CtorName, length: arr.length });
      bodies.push(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    }
  }
  const head = Buffer.from(JSON.stringify(h));
  const pre = Buffer.alloc(8);
  pre.writeUInt32LE(MAGIC, 0);
  pre.writeUInt32LE(head.length, 4);
  const out: Uint8Array[] = [pre, head, Buffer.alloc((8 - (head.length % 8)) % 8)];
  for (const b of bodies) out.push(b, Buffer.alloc((8 - (b.byteLength % 8)) % 8));
  return Buffer.concat(out);
}

/** Loads a snapshot into a fresh Conntrack built with the same bucket counts. Throws on a damaged file. */
export function loadConntrack(ct: Conntrack, data: Uint8Array): void {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a netsieve conntrack snapshot');
  const hlen = buf.readUInt32LE(4);
  const h = JSON.parse(buf.subarray(8, 8 + hlen).toString('utf8')) as Header;
  if (h.version !== VERSION) throw new Error(`unknown conntrack snapshot version ${String(h.version)}`);
  const ps = parts(ct);
  let off = 8 + hlen + ((8 - (hlen % 8)) % 8);
  for (const a of h.arrays) {
    const p = ps[a.part];
    const Ctor = CTORS[a.type];
    if (!p || !p.arrays.includes(a.name) || !Ctor) throw new Error(`conntrack snapshot: unknown array ${a.part}.${a.name}`);
    const f = fields(p.obj);
    const cur = f[a.name] as Typed;
    if (cur.constructor !== Ctor) throw new Error(`conntrack snapshot: ${a.part}.${a.name} has the wrong type`);
    const bytes = a.length * Ctor.BYTES_PER_ELEMENT;
    if (off + bytes > buf.length) throw new Error('conntrack snapshot is truncated');
    const arr = new Ctor(a.length);
    new Uint8Array(arr.buffer).set(buf.subarray(off, off + bytes));
    if (a.name === 'heads') {
      // Hash heads are sized by the bucket count, fixed at construction.
      if (cur.length !== a.length) throw new Error(`conntrack snapshot has ${a.length} ${a.part} buckets, the table ${cur.length}`);
      cur.set(arr);
    } else {
      f[a.name] = arr;
    }
    off += bytes + ((8 - (bytes % 8)) % 8);
  }
  for (const [pname, sc] of Object.entries(h.scalars)) {
    const p = ps[pname];
    if (!p) throw new Error(`conntrack snapshot: unknown part ${pname}`);
    const f = fields(p.obj);
    for (const [k, v] of Object.entries(sc)) {
      if (!p.scalars.includes(k)) throw new Error(`conntrack snapshot: unknown field ${pname}.${k}`);
      f[k] = v;
    }
  }
  ct.max = h.max;
}
