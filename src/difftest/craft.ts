/**
 * Byte surgery on packets built by the scenario test kit, for the cases the
 * kit cannot build: IPv6 extension headers, fragments cut at chosen
 * offsets (in any order, overlapping or repeated), IPv4 options, and wrong
 * checksums. Formats: RFC 791 (options, fragments), RFC 8200 (extension
 * headers, fragment header), RFC 5095 (routing type 0).
 */
import { get16, put16 } from '../wire/checksum';
import { ipv4SetChecksum } from '../wire/ipv4';

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

export const IPV6_HOPOPTS = 0, IPV6_ROUTING = 43, IPV6_FRAGMENT = 44, IPV6_DSTOPTS = 60;

/** An IPv6 extension header: its type (the next-header value naming it) and its bytes after the first two. */
export interface Ext6 { type: number; body: Uint8Array; }

/** PadN options filling a hop-by-hop or destination options header to 8 bytes (RFC 8200 4.2). */
export function padOptions(opts: number[] = []): Uint8Array {
  const body = [...opts];
  const pad = (8 - ((body.length + 2) % 8)) % 8;
  if (pad === 1) body.push(0);
  else if (pad > 1) body.push(1, pad - 2, ...new Array<number>(pad - 2).fill(0));
  return Uint8Array.from(body);
}

/** A hop-by-hop header with a router alert option (RFC 2711, value 0: MLD). */
export const HBH_ROUTER_ALERT: Ext6 = { type: IPV6_HOPOPTS, body: padOptions([5, 2, 0, 0]) };
/** Destination options with only padding. */
export const DSTOPTS_PAD: Ext6 = { type: IPV6_DSTOPTS, body: padOptions() };
/** A routing header of type 0 with segments left 0 and one address (RFC 2460 4.4; deprecated by RFC 5095). */
export function rt0(addr: Uint8Array): Ext6 {
  return { type: IPV6_ROUTING, body: cat(Uint8Array.from([0, 0, 0, 0, 0, 0]), addr) };
}

/** Inserts extension headers right after the IPv6 header, in order, and fixes the next-header chain and payload length. */
export function withExt6(p: Uint8Array, exts: Ext6[]): Uint8Array {
  if (!exts.length) return p.slice();
  const upper = p[6];
  const hdrs = exts.map((e, i) => {
    const len = 2 + e.body.length;
    if (len % 8) throw new Error('extension header length must be a multiple of 8');
    return cat(Uint8Array.from([i + 1 < exts.length ? exts[i + 1].type : upper, len / 8 - 1]), e.body);
  });
  const out = cat(p.subarray(0, 40), ...hdrs, p.subarray(40));
  out[6] = exts[0].type;
  put16(out, 4, out.length - 40);
  return out;
}

/** A piece of a datagram's payload: [offset, length) in bytes (offset a multiple of 8 except to test rejection). */
export interface Piece { off: number; len: number; }

/** Cuts a payload of `total` bytes into pieces of `size` bytes (a multiple of 8), in order. */
export function evenPieces(total: number, size: number): Piece[] {
  const out: Piece[] = [];
  for (let o = 0; o < total; o += size) out.push({ off: o, len: Math.min(size, total - o) });
  return out;
}

/**
 * IPv4 fragments of a whole packet (its options copied into every piece for
 * simplicity: only copied options should be, but the cases use none). MF is
 * set on every piece that does not reach the payload's end.
 */
export function frag4(p: Uint8Array, pieces: Piece[]): Uint8Array[] {
  const ihl = (p[0] & 15) * 4, payload = p.subarray(ihl, get16(p, 2));
  return pieces.map(({ off, len }) => {
    const f = cat(p.subarray(0, ihl), payload.subarray(off, off + len));
    put16(f, 2, f.length);
    const mf = off + len < payload.length ? 0x2000 : 0;
    put16(f, 6, (get16(p, 6) & 0x4000) | mf | (off >> 3));
    ipv4SetChecksum(f, 0);
    return f;
  });
}

/** IPv6 fragments (RFC 8200 4.5): the IPv6 header stays, a fragment header with `id` precedes each piece of the rest. */
export function frag6(p: Uint8Array, pieces: Piece[], id: number): Uint8Array[] {
  const payload = p.subarray(40), next = p[6];
  return pieces.map(({ off, len }) => {
    const fh = new Uint8Array(8);
    fh[0] = next;
    put16(fh, 2, (off & 0xfff8) | (off + len < payload.length ? 1 : 0));
    fh[4] = (id >>> 24) & 255; fh[5] = (id >>> 16) & 255; fh[6] = (id >>> 8) & 255; fh[7] = id & 255;
    const f = cat(p.subarray(0, 40), fh, payload.subarray(off, off + len));
    f[6] = IPV6_FRAGMENT;
    put16(f, 4, f.length - 40);
    return f;
  });
}

/** Inserts IPv4 options (padded with EOL to a multiple of 4) and fixes IHL, total length and the header checksum. */
export function withOpts4(p: Uint8Array, opts: number[]): Uint8Array {
  const o = Uint8Array.from([...opts, ...new Array<number>((4 - (opts.length % 4)) % 4).fill(0)]);
  const ihl = (p[0] & 15) * 4;
  const out = cat(p.subarray(0, ihl), o, p.subarray(ihl));
  out[0] = 0x40 | ((ihl + o.length) / 4);
  put16(out, 2, out.length);
  ipv4SetChecksum(out, 0);
  return out;
}

/** Record route with room for `slots` addresses (RFC 791: pointer starts at 4). */
export const optRecordRoute = (slots: number): number[] => [7, 3 + 4 * slots, 4, ...new Array<number>(4 * slots).fill(0)];
/** Timestamp, timestamps only (flag 0), room for `slots`. */
export const optTimestamp = (slots: number): number[] => [68, 4 + 4 * slots, 5, 0, ...new Array<number>(4 * slots).fill(0)];
/** Router alert (RFC 2113). */
export const OPT_ROUTER_ALERT = [148, 4, 0, 0];

/** The IPv4 header checksum made wrong (still parseable). */
export function badIpChecksum(p: Uint8Array): Uint8Array {
  const out = p.slice();
  out[10] ^= 0x5a;
  return out;
}

/** The transport checksum made wrong: IPv4/IPv6 TCP (offset 16), UDP (6) or ICMP/ICMPv6 (2), no extension headers. */
export function badL4Checksum(p: Uint8Array): Uint8Array {
  const out = p.slice();
  const v6 = out[0] >> 4 === 6;
  const l4 = v6 ? 40 : (out[0] & 15) * 4;
  const proto = v6 ? out[6] : out[9];
  const at = l4 + (proto === 6 ? 16 : proto === 17 ? 6 : 2);
  out[at] ^= 0x33;
  return out;
}
