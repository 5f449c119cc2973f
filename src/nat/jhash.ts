/**
 * Bob Jenkins' lookup3 hash over 32-bit words, as the kernel's jhash2()
 * computes it (include/linux/jhash.h). NAT uses it with a fixed seed to
 * pick an address from a range (nf_nat_core.c find_best_ips_proto), so the
 * choice is the kernel's own: the same client gets the same address here
 * as on Linux, for the same range.
 *
 * The kernel hashes addresses as they sit in memory (__be32 loaded as u32
 * on a little-endian CPU); `le32` converts a big-endian tuple word to that
 * value so that results match an x86/arm64 kernel.
 */

const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

/** The u32 a little-endian CPU reads from the 4 bytes of big-endian word w. */
export function le32(w: number): number {
  return (((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)) >>> 0;
}

/** jhash2 of 4 words k0..k3 (the length NAT uses: one union nf_inet_addr). */
export function jhash2x4(k0: number, k1: number, k2: number, k3: number, initval: number): number {
  let a = (JHASH_INITVAL + (4 << 2) + initval) >>> 0;
  let b = a;
  let c = a;
  // __jhash_mix on the first three words.
  a = (a + k0) >>> 0; b = (b + k1) >>> 0; c = (c + k2) >>> 0;
  a = (a - c) >>> 0; a = (a ^ rol32(c, 4)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol32(a, 6)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol32(b, 8)) >>> 0; b = (b + a) >>> 0;
  a = (a - c) >>> 0; a = (a ^ rol32(c, 16)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol32(a, 19)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol32(b, 4)) >>> 0; b = (b + a) >>> 0;
  // One word left: a += k[3], then __jhash_final.
  a = (a + k3) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/** reciprocal_scale(): maps a 32-bit value into [0, n) with a multiply (n is a u32; 0 gives 0). */
export function reciprocalScale(v: number, n: number): number {
  // (u64)v * n >> 32 without losing bits: split v into 16-bit halves.
  const hi = (v >>> 16) * n;
  const lo = (v & 0xffff) * n;
  return Math.floor((hi + Math.floor(lo / 65536)) / 65536) >>> 0;
}
