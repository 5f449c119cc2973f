// Conntrack tuples (struct nf_conntrack_tuple) as flat Uint32Array words, so that building, inverting and
// hashing a tuple allocates nothing. Layout:
//   [0] l3proto  [1] l4proto  [2..5] source address  [6..9] destination address
//   [10] src.u: source port, or ICMP identifier      [11] dst.u: destination port, or (ICMP type << 8) | code
// Addresses are big-endian 32-bit words; IPv4 uses word 2 / word 6 and leaves the rest 0. Zone is always 0.
import * as C from './constants';
import type { CtPacket } from './packet';

export const TUPLE_WORDS = 12;
export type Tuple = Uint32Array;

export function newTuple(): Tuple {
  return new Uint32Array(TUPLE_WORDS);
}

function putAddr(t: Tuple, at: number, a: Uint8Array, v6: boolean): void {
  t[at] = ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
  if (v6) {
    t[at + 1] = ((a[4] << 24) | (a[5] << 16) | (a[6] << 8) | a[7]) >>> 0;
    t[at + 2] = ((a[8] << 24) | (a[9] << 16) | (a[10] << 8) | a[11]) >>> 0;
    t[at + 3] = ((a[12] << 24) | (a[13] << 16) | (a[14] << 8) | a[15]) >>> 0;
  } else {
    t[at + 1] = t[at + 2] = t[at + 3] = 0;
  }
}

/** Writes the 4 words of an address back as bytes (IPv4: 4 bytes used). */
export function wordsToBytes(words: Uint32Array, at: number, out: Uint8Array): void {
  for (let i = 0; i < 4; i++) {
    const w = words[at + i];
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = (w >>> 16) & 0xff;
    out[i * 4 + 2] = (w >>> 8) & 0xff;
    out[i * 4 + 3] = w & 0xff;
  }
}

function l4Part(t: Tuple, proto: number, sport: number, dport: number, type: number, code: number, id: number): void {
  switch (proto) {
    case C.IPPROTO_TCP:
    case C.IPPROTO_UDP:
    case C.IPPROTO_UDPLITE:
      t[10] = sport & 0xffff;
      t[11] = dport & 0xffff;
      break;
    case C.IPPROTO_ICMP:
    case C.IPPROTO_ICMPV6:
      // icmp_pkt_to_tuple(): id, type and code, whatever the type.
      t[10] = id & 0xffff;
      t[11] = ((type & 0xff) << 8) | (code & 0xff);
      break;
    default:
      // nf_conntrack_proto_generic: no layer-4 part.
      t[10] = 0;
      t[11] = 0;
  }
}

/** The original-direction tuple of a packet (nf_ct_get_tuple). False when the packet has none. */
export function tupleFromPacket(t: Tuple, p: CtPacket): boolean {
  if (p.noTuple) return false;
  const v6 = p.l3proto === C.NFPROTO_IPV6;
  t[0] = p.l3proto;
  t[1] = p.protocol;
  putAddr(t, 2, p.src, v6);
  putAddr(t, 6, p.dst, v6);
  l4Part(t, p.protocol, p.sport, p.dport, p.icmpType, p.icmpCode, p.icmpId);
  return true;
}

/** The tuple of the packet embedded in an ICMP error (nf_ct_get_tuplepr on the inner header). */
export function tupleFromInner(t: Tuple, p: CtPacket): boolean {
  if (!p.innerValid) return false;
  const v6 = p.l3proto === C.NFPROTO_IPV6;
  t[0] = p.l3proto;
  t[1] = p.innerProtocol;
  putAddr(t, 2, p.innerSrc, v6);
  putAddr(t, 6, p.innerDst, v6);
  l4Part(t, p.innerProtocol, p.innerSport, p.innerDport, p.innerIcmpType, p.innerIcmpCode, p.innerIcmpId);
  return true;
}

// icmp_invert_tuple(): only request/reply pairs can be inverted; the table stores reply type + 1 so that 0
// means "no inverse" (net/netfilter/nf_conntrack_proto_icmp.c).
const ICMP_INVMAP = new Uint8Array(19);
ICMP_INVMAP[8] = 0 + 1; //   echo -> echo reply
ICMP_INVMAP[0] = 8 + 1;
ICMP_INVMAP[13] = 14 + 1; // timestamp -> timestamp reply
ICMP_INVMAP[14] = 13 + 1;
ICMP_INVMAP[15] = 16 + 1; // info request -> info reply
ICMP_INVMAP[16] = 15 + 1;
ICMP_INVMAP[17] = 18 + 1; // address mask request -> reply
ICMP_INVMAP[18] = 17 + 1;

// icmpv6_invert_tuple(): echo request/reply and node information query/reply, indexed by type - 128.
const ICMPV6_INVMAP = new Uint8Array(13);
ICMPV6_INVMAP[128 - 128] = 129 + 1;
ICMPV6_INVMAP[129 - 128] = 128 + 1;
ICMPV6_INVMAP[139 - 128] = 140 + 1;
ICMPV6_INVMAP[140 - 128] = 139 + 1;

/** The inverse of a tuple (nf_ct_invert_tuple); false when the protocol has no inverse for it. */
export function invertTuple(out: Tuple, t: Tuple): boolean {
  const proto = t[1];
  out[0] = t[0];
  out[1] = proto;
  for (let i = 0; i < 4; i++) {
    out[2 + i] = t[6 + i];
    out[6 + i] = t[2 + i];
  }
  switch (proto) {
    case C.IPPROTO_ICMP: {
      const type = t[11] >>> 8;
      if (type >= ICMP_INVMAP.length || ICMP_INVMAP[type] === 0) return false;
      out[10] = t[10];
      out[11] = ((ICMP_INVMAP[type] - 1) << 8) | (t[11] & 0xff);
      return true;
    }
    case C.IPPROTO_ICMPV6: {
      const type = (t[11] >>> 8) - 128;
      if (type < 0 || type >= ICMPV6_INVMAP.length || ICMPV6_INVMAP[type] === 0) return false;
      out[10] = t[10];
      out[11] = ((ICMPV6_INVMAP[type] - 1) << 8) | (t[11] & 0xff);
      return true;
    }
    default:
      out[10] = t[11];
      out[11] = t[10];
      return true;
  }
}

/** Seeded 32-bit hash of a tuple (the kernel uses siphash with a boot-time random key; any good keyed
 *  hash gives the same behaviour, and a seed keeps runs reproducible). */
export function hashTuple(t: Tuple, seed: number): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < TUPLE_WORDS; i++) {
    let k = Math.imul(t[i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
