/**
 * The Internet checksum (RFC 1071) over byte ranges, the IPv4/IPv6
 * pseudo-header sums, and RFC 1624 incremental updates for NAT rewrites.
 *
 * Conventions (as in the kernel's include/net/checksum.h):
 * - a "sum" is an unfolded ones'-complement accumulator: a non-negative JS
 *   number (exact up to 2^53, so no carry handling is needed while adding);
 * - `fold(sum)` reduces it to 16 bits with end-around carry;
 * - a "checksum" is the complement of the folded sum, as stored on the wire.
 * Nothing here allocates.
 */

/** 32-bit views of the buffers summed, kept so the fast path allocates only once per buffer. */
const words32 = new WeakMap<ArrayBufferLike, Uint32Array>();
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Add the bytes buf[off, off+len) as big-endian 16-bit words to `sum`; an odd last byte is padded with zero. */
export function sumBytes(buf: Uint8Array, off: number, len: number, sum = 0): number {
  let i = off;
  const end = off + len;
  // Long runs: add 32-bit native words (RFC 1071 2(B): the sum is byte-order independent
  // up to a final byte swap), starting at a 4-byte aligned address.
  if (len >= 64 && LITTLE_ENDIAN && ((buf.byteOffset + off) & 1) === 0) {
    if (((buf.byteOffset + i) & 3) !== 0) { sum += (buf[i] << 8) | buf[i + 1]; i += 2; }
    let w = words32.get(buf.buffer);
    if (w === undefined) {
      w = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
      words32.set(buf.buffer, w);
    }
    const first = (buf.byteOffset + i) >>> 2;
    const n = (end - i) >>> 2;
    // Four accumulators: the additions do not wait on each other (twice as fast as one in V8).
    let a = 0, b = 0, c = 0, d = 0;
    let j = first;
    const last = first + n, last4 = last - 3;
    for (; j < last4; j += 4) { a += w[j]; b += w[j + 1]; c += w[j + 2]; d += w[j + 3]; }
    for (; j < last; j++) a += w[j];
    const f = fold(a + b + c + d);
    sum += ((f & 0xff) << 8) | (f >>> 8);
    i += n << 2;
  }
  const even = end - ((end - off) & 1);
  for (; i < even; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Fold an accumulator to 16 bits with end-around carry (csum_fold without the complement). */
export function fold(sum: number): number {
  // Split with division because the accumulator may exceed 32 bits.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** The Internet checksum of buf[off, off+len) plus `sum`: complement of the folded sum. */
export function checksum(buf: Uint8Array, off: number, len: number, sum = 0): number {
  return ~fold(sumBytes(buf, off, len, sum)) & 0xffff;
}

/**
 * IPv4 pseudo-header sum (RFC 793 3.1 / RFC 768): source, destination,
 * zero+protocol, and the transport length. Addresses are read from `buf`.
 */
export function pseudoSum4(buf: Uint8Array, srcOff: number, dstOff: number, proto: number, l4len: number): number {
  return sumBytes(buf, srcOff, 4, sumBytes(buf, dstOff, 4, proto + l4len));
}

/**
 * IPv6 pseudo-header sum (RFC 8200 8.1): source, destination, the 32-bit
 * upper-layer length and the upper-layer protocol number.
 */
export function pseudoSum6(buf: Uint8Array, srcOff: number, dstOff: number, nexthdr: number, l4len: number): number {
  // The 32-bit length contributes its two 16-bit halves.
  return sumBytes(buf, srcOff, 16, sumBytes(buf, dstOff, 16, nexthdr + (l4len >>> 16) + (l4len & 0xffff)));
}

/**
 * The transport checksum of a TCP/UDP/ICMPv6 segment at buf[l4, l4+l4len)
 * with its pseudo header (family 4 or 6). The checksum field itself must be
 * zero when building; when verifying, a correct packet gives 0.
 */
export function l4Checksum(buf: Uint8Array, family: 4 | 6, srcOff: number, dstOff: number, proto: number, l4: number, l4len: number): number {
  const ph = family === 4 ? pseudoSum4(buf, srcOff, dstOff, proto, l4len) : pseudoSum6(buf, srcOff, dstOff, proto, l4len);
  return checksum(buf, l4, l4len, ph);
}

// ---- RFC 1624 incremental update ------------------------------------------
// HC' = ~(~HC + ~m + m')  (RFC 1624 eqn. 3), which is what the kernel's
// csum_replace2/csum_replace4/inet_proto_csum_replace* compute. Unlike eqn. 2
// it never produces 0x0000 from a non-zero sum, so it agrees with a full
// recomputation.

/** New checksum after a 16-bit word changes from `oldv` to `newv`. */
export function csumReplace16(check: number, oldv: number, newv: number): number {
  const s = (~check & 0xffff) + (~oldv & 0xffff) + (newv & 0xffff);
  return ~fold(s) & 0xffff;
}

/** New checksum after a 32-bit (word-aligned) field changes from `oldv` to `newv` (unsigned). */
export function csumReplace32(check: number, oldv: number, newv: number): number {
  const s = (~check & 0xffff) + (~(oldv >>> 16) & 0xffff) + (~oldv & 0xffff) + (newv >>> 16) + (newv & 0xffff);
  return ~fold(s) & 0xffff;
}

/**
 * New checksum after the bytes at oldBuf[oldOff, +len) are replaced by
 * newBuf[newOff, +len). `len` must be even and the field must start at an
 * even distance from the start of the checksummed data (true for addresses
 * and ports). Used for 4- and 16-byte addresses.
 */
export function csumReplaceBytes(check: number, oldBuf: Uint8Array, oldOff: number, newBuf: Uint8Array, newOff: number, len: number): number {
  let s = ~check & 0xffff;
  for (let i = 0; i < len; i += 2) {
    s += (~((oldBuf[oldOff + i] << 8) | oldBuf[oldOff + i + 1]) & 0xffff) + ((newBuf[newOff + i] << 8) | newBuf[newOff + i + 1]);
  }
  return ~fold(s) & 0xffff;
}

/** Read a big-endian 16-bit value. */
export function get16(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}

/** Write a big-endian 16-bit value. */
export function put16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 8) & 0xff;
  buf[off + 1] = v & 0xff;
}

/** Read a big-endian unsigned 32-bit value. */
export function get32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

/** Write a big-endian 32-bit value. */
export function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

/**
 * Rewrite the 16-bit field at `fieldOff` to `newv` and patch the checksum
 * stored at `checkOff` incrementally (for ports, IDs, ICMP echo ids).
 */
export function rewrite16(buf: Uint8Array, fieldOff: number, newv: number, checkOff: number): void {
  put16(buf, checkOff, csumReplace16(get16(buf, checkOff), get16(buf, fieldOff), newv));
  put16(buf, fieldOff, newv);
}

/** Rewrite the 32-bit field at `fieldOff` to `newv` and patch the checksum at `checkOff`. */
export function rewrite32(buf: Uint8Array, fieldOff: number, newv: number, checkOff: number): void {
  put16(buf, checkOff, csumReplace32(get16(buf, checkOff), get32(buf, fieldOff), newv >>> 0));
  put32(buf, fieldOff, newv);
}

/**
 * Replace `len` address bytes at buf[addrOff] with src[srcOff, +len) and
 * patch every checksum listed: each of `checkOff1`/`checkOff2` (pass -1 to
 * skip) covers the address, e.g. the IPv4 header checksum and the TCP
 * checksum through its pseudo header (nf_nat_ipv4_manip_pkt + l4 manip).
 */
export function rewriteAddr(buf: Uint8Array, addrOff: number, src: Uint8Array, srcOff: number, len: number, checkOff1: number, checkOff2: number): void {
  if (checkOff1 >= 0) put16(buf, checkOff1, csumReplaceBytes(get16(buf, checkOff1), buf, addrOff, src, srcOff, len));
  if (checkOff2 >= 0) put16(buf, checkOff2, csumReplaceBytes(get16(buf, checkOff2), buf, addrOff, src, srcOff, len));
  for (let i = 0; i < len; i++) buf[addrOff + i] = src[srcOff + i];
}
