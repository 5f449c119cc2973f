/**
 * Address and prefix helpers for the host model. Addresses are Uint8Array
 * (4 bytes IPv4, 16 bytes IPv6), network byte order. The match helpers
 * allocate nothing: they sit on the per-packet route lookup path.
 */
import { addrToString, ipv6ToString, parseIPv4, parseIPv6 } from '../util/addr';

export type Family = 4 | 6;

/** True when the first plen bits of a and p are equal (a and p of the same family). */
export function prefixMatch(a: Uint8Array, p: Uint8Array, plen: number): boolean {
  let i = 0;
  for (; plen >= 8; i++, plen -= 8) if (a[i] !== p[i]) return false;
  if (plen === 0) return true;
  const m = (0xff << (8 - plen)) & 0xff;
  return (a[i] & m) === (p[i] & m);
}

/** Number of leading bits a and b share (capped at the address length in bits). */
export function commonBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return a.length * 8;
}

export function bitAt(a: Uint8Array, bit: number): number {
  return (a[bit >> 3] >> (7 - (bit & 7))) & 1;
}

export function addrEq(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The network address: a with bits after plen cleared (new array). */
export function network(a: Uint8Array, plen: number): Uint8Array {
  const r = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const bits = Math.max(0, Math.min(8, plen - i * 8));
    r[i] = a[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return r;
}

/** a with bits after plen set (the IPv4 directed broadcast). */
export function lastAddr(a: Uint8Array, plen: number): Uint8Array {
  const r = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const bits = Math.max(0, Math.min(8, plen - i * 8));
    const m = (0xff << (8 - bits)) & 0xff;
    r[i] = (a[i] & m) | (~m & 0xff);
  }
  return r;
}

export function isHostPart(a: Uint8Array, plen: number): boolean {
  return !addrEq(network(a, plen), a);
}

/**
 * iproute2's get_addr for one family: IPv4 in inet_aton's loose form
 * (1 to 4 parts), IPv6 as inet_pton.
 */
export function parseIp(family: Family, s: string): Uint8Array | undefined {
  if (family === 4) {
    if (!/^[0-9a-fA-FxX.]+$/.test(s) || s.startsWith('.') || s.endsWith('.') || s.includes('..')) return undefined;
    return parseIPv4(s);
  }
  return parseIPv6(s);
}

/** Guess the family as iproute2 does: a colon means IPv6. */
export function familyOf(s: string): Family {
  return s.includes(':') ? 6 : 4;
}

export function fmt(a: Uint8Array): string {
  return a.length === 4 ? addrToString(a) : ipv6ToString(a);
}

export function macToString(m: Uint8Array): string {
  let s = '';
  for (let i = 0; i < m.length; i++) s += (i ? ':' : '') + m[i].toString(16).padStart(2, '0');
  return s;
}

/** iproute2's ll_addr_a2n: colon-separated hex octets (1 or 2 digits each). */
export function parseMac(s: string): Uint8Array | undefined {
  const ps = s.split(':');
  if (ps.length !== 6) return undefined;
  const m = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(ps[i])) return undefined;
    m[i] = parseInt(ps[i], 16);
  }
  return m;
}
