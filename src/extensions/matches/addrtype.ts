/**
 * addrtype match, revision 1 (extensions/libxt_addrtype.c;
 * net/netfilter/xt_addrtype.c): [!] --src-type / [!] --dst-type with a
 * comma list of route types, --limit-iface-in / --limit-iface-out. The
 * kernel (addrtype_mt_checkentry_v1) refuses limit-iface-out from
 * PREROUTING/INPUT, limit-iface-in from OUTPUT/POSTROUTING, and for IPv6
 * BROADCAST, BLACKHOLE and PROHIBIT/THROW/NAT/XRESOLVE (UNREACHABLE is fine).
 */
import type { Skb } from '../../engine/skb';
import type { Host, Route } from '../../host/model';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../../host/model';
import { EINVAL_MSG } from '../../rules/validate';
import { HOOK_BIT } from '../../rules/model';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtOnce, type Seen } from '../xtoptions';

/** Bit i is 1 << RTN_* - 1 (linux/rtnetlink.h), printed in this order. */
const TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE',
  'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];
/** BROADCAST, BLACKHOLE, and everything from PROHIBIT up (the kernel tests ">= XT_ADDRTYPE_PROHIBIT"). */
const IPV6_UNSUPPORTED = (1 << 3) | (1 << 6) | ~((1 << 8) - 1);

export interface AddrtypeInfo { src: number; dst: number; invSrc: boolean; invDst: boolean; limitIn: boolean; limitOut: boolean; seen: Seen; }

function parseTypes(arg: string): number {
  let mask = 0;
  for (const t of arg.split(',')) {
    const i = TYPES.findIndex((n) => n.toLowerCase() === t.toLowerCase());
    if (i < 0) paramError(`addrtype: bad type "${t}"`);
    mask |= 1 << i;
  }
  return mask;
}

const list = (mask: number): string => TYPES.filter((_, i) => mask & (1 << i)).join(',');

const TABLE = [
  { name: 'src-type', excl: [] }, { name: 'dst-type', excl: [] },
  { name: 'limit-iface-in', excl: ['limit-iface-out'] }, { name: 'limit-iface-out', excl: ['limit-iface-in'] },
];

// ---- packet side (net/netfilter/xt_addrtype.c) ------------------------------

/** Interface index for a device name ('' or unknown: 0). */
export function ifIndexOf(h: Host, name: string): number {
  if (name === '') return 0;
  const ifs = h.ifaces;
  for (let i = 0; i < ifs.length; i++) if (ifs[i].name === name) return ifs[i].index;
  return 0;
}

/** Index of an interface that is a loopback device, else 0. */
export function isLoopbackDev(h: Host, name: string): boolean {
  const ifs = h.ifaces;
  for (let i = 0; i < ifs.length; i++) if (ifs[i].name === name) return ifs[i].kind === 'loopback';
  return false;
}

function prefixMatchAt(buf: Uint8Array, off: number, p: Uint8Array, plen: number): boolean {
  let bits = plen;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((buf[off + i] & m) !== (p[i] & m)) return false;
  }
  return true;
}

function devUp(h: Host, idx: number): boolean {
  const ifs = h.ifaces;
  for (let i = 0; i < ifs.length; i++) if (ifs[i].index === idx) return ifs[i].up;
  return false;
}

/**
 * Longest-prefix match over the local and main tables together, as the
 * kernel's IPv4 FIB does while no policy rule was added (fib_new_table
 * makes the local table an alias of main's trie; fib_lookup then does one
 * lookup). With oif > 0, among the routes of the longest prefix one on
 * that device is preferred (IPv6 rt6_device_match); with strictOif the
 * route must be on it (RT6_LOOKUP_F_IFACE), shorter prefixes being tried
 * next. The address is read from the packet at off. Allocation-free.
 */
export function fibLookupAt(h: Host, family: 4 | 6, buf: Uint8Array, off: number, oif = 0, strictOif = false): Route | null {
  const list = family === 4 ? h.routes4 : h.routes6;
  let best: Route | null = null;
  let bestOnDev = false;
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (r.table !== RT_TABLE_LOCAL && r.table !== RT_TABLE_MAIN) continue;
    if (!prefixMatchAt(buf, off, r.dst, r.plen)) continue;
    if (r.dev !== 0 && r.type !== 'local' && !devUp(h, r.dev)) continue;
    const onDev = oif !== 0 && r.dev === oif;
    if (strictOif && !onDev) continue;
    if (best === null || r.plen > best.plen || (r.plen === best.plen && onDev && !bestOnDev) ||
      (r.plen === best.plen && onDev === bestOnDev && r.table === RT_TABLE_LOCAL && best.table !== RT_TABLE_LOCAL)) {
      best = r;
      bestOnDev = onDev;
    }
  }
  return best;
}

/** RTN_* numbers of the route types (include/uapi/linux/rtnetlink.h). */
const RTN: Record<Route['type'], number> = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8,
};

/**
 * inet_dev_addr_type: 0.0.0.0/8 and 255.255.255.255 are BROADCAST,
 * 224/4 MULTICAST; else the route type found in the (merged) local table,
 * UNICAST when none is found, when the lookup fails (blackhole,
 * unreachable, prohibit) or, with a device given, when the route's
 * device is another one.
 */
function addrType4(h: Host, buf: Uint8Array, off: number, dev: number): number {
  const a = buf[off];
  if (a === 0 || (a === 255 && buf[off + 1] === 255 && buf[off + 2] === 255 && buf[off + 3] === 255)) return 3;
  if ((a & 0xf0) === 0xe0) return 5;
  const r = fibLookupAt(h, 4, buf, off);
  if (r === null || r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit') return 1;
  if (dev !== 0 && r.dev !== dev) return 1;
  return RTN[r.type];
}

const XT_UNSPEC = 1 << 0, XT_UNICAST = 1 << 1, XT_LOCAL = 1 << 2, XT_ANYCAST = 1 << 4,
  XT_MULTICAST = 1 << 5, XT_UNREACHABLE = 1 << 7;

function isZero16(buf: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (buf[off + i] !== 0) return false;
  return true;
}

/** nf_ipv6_chk_addr(addr, dev, strict): an address of that device. */
function devHasAddr6(h: Host, buf: Uint8Array, off: number, dev: number): boolean {
  for (const i of h.ifaces) {
    if (i.index !== dev) continue;
    for (const a of i.addrs6) {
      let eq = true;
      for (let k = 0; k < 16; k++) if (a.addr[k] !== buf[off + k]) { eq = false; break; }
      if (eq) return true;
    }
  }
  return false;
}

/** match_lookup_rt6: LOCAL / ANYCAST / UNREACHABLE bits from a route lookup to addr. */
function lookupRt6(h: Host, buf: Uint8Array, off: number, dev: number, mask: number): number {
  let ret = 0;
  if (dev !== 0 && (mask & XT_LOCAL) && devHasAddr6(h, buf, off, dev)) ret = XT_LOCAL;
  // ip6_route_output: strict device for multicast, link-local and loopback destinations (rt6_need_strict).
  const b0 = buf[off];
  const strict = dev !== 0 && (b0 === 0xff || (b0 === 0xfe && (buf[off + 1] & 0xc0) === 0x80) ||
    (isZero16(buf, off) === false && buf[off + 15] === 1 && isZeroPrefix15(buf, off)));
  const r = fibLookupAt(h, 6, buf, off, dev, strict);
  if (r === null || r.type === 'blackhole' || r.type === 'unreachable' || r.type === 'prohibit') return XT_UNREACHABLE;
  if (dev === 0 && r.type === 'local') ret |= XT_LOCAL;
  // ipv6_anycast_destination: an anycast route, or the subnet-router anycast address of an on-link prefix.
  if (r.type === 'anycast' || (r.plen < 127 && r.gw === null && prefixMatchAt(buf, off, r.dst, 128))) ret |= XT_ANYCAST;
  return ret;
}

function isZeroPrefix15(buf: Uint8Array, off: number): boolean {
  for (let i = 0; i < 15; i++) if (buf[off + i] !== 0) return false;
  return true;
}

/** match_type6. */
function matchType6(h: Host, buf: Uint8Array, off: number, dev: number, mask: number): boolean {
  const mc = buf[off] === 0xff;
  const any = isZero16(buf, off);
  if ((mask & XT_MULTICAST) && !mc) return false;
  // IPV6_ADDR_UNICAST: neither multicast nor the unspecified address.
  if ((mask & XT_UNICAST) && (mc || any)) return false;
  if ((mask & XT_UNSPEC) && !any) return false;
  if (mask & (XT_LOCAL | XT_ANYCAST | XT_UNREACHABLE)) return (mask & lookupRt6(h, buf, off, dev, mask)) !== 0;
  return true;
}

/** addrtype_mt_v1: --limit-iface-in/out restrict the lookups to the packet's in/out device. */
export function addrtypeMatch(skb: Skb, d: AddrtypeInfo): boolean {
  const h = skb.net.host;
  const v = skb.view;
  const dev = d.limitIn ? ifIndexOf(h, skb.indev) : d.limitOut ? ifIndexOf(h, skb.outdev) : 0;
  if (v.family === 6) {
    if (d.src && matchType6(h, v.buf, v.srcOff, dev, d.src) === d.invSrc) return false;
    if (d.dst && matchType6(h, v.buf, v.dstOff, dev, d.dst) === d.invDst) return false;
    return true;
  }
  if (d.src && ((d.src & (1 << addrType4(h, v.buf, v.srcOff, dev))) !== 0) === d.invSrc) return false;
  if (d.dst && ((d.dst & (1 << addrType4(h, v.buf, v.dstOff, dev))) !== 0) === d.invDst) return false;
  return true;
}

export const addrtype = defineMatch<AddrtypeInfo>({
  kind: 'match',
  name: 'addrtype',
  revision: 1,
  family: 0,
  options: [
    { name: 'src-type', arg: 'required' }, { name: 'dst-type', arg: 'required' },
    { name: 'limit-iface-in', arg: 'none' }, { name: 'limit-iface-out', arg: 'none' },
  ],
  init: () => ({ src: 0, dst: 0, invSrc: false, invDst: false, limitIn: false, limitOut: false, seen: new Set() }),
  parse(opt, arg, invert, d) {
    xtOnce('addrtype', opt, d.seen, invert, opt === 'src-type' || opt === 'dst-type');
    switch (opt) {
      case 'src-type': d.src = parseTypes(arg!); d.invSrc = invert; break;
      case 'dst-type': d.dst = parseTypes(arg!); d.invDst = invert; break;
      case 'limit-iface-in': d.limitIn = true; break;
      default: d.limitOut = true;
    }
  },
  finalCheck(d) {
    if (!d.seen.has('src-type') && !d.seen.has('dst-type')) paramError('addrtype: you must specify --src-type or --dst-type');
    xtFcheckNamed('addrtype', TABLE, d.seen);
  },
  print(d) {
    let s = ' ADDRTYPE match';
    if (d.src) s += ` src-type ${d.invSrc ? '!' : ''}${list(d.src)}`;
    if (d.dst) s += ` dst-type ${d.invDst ? '!' : ''}${list(d.dst)}`;
    if (d.limitIn) s += ' limit-in';
    if (d.limitOut) s += ' limit-out';
    return s;
  },
  save(d) {
    let s = '';
    if (d.src) s += `${d.invSrc ? ' !' : ''} --src-type ${list(d.src)}`;
    if (d.dst) s += `${d.invDst ? ' !' : ''} --dst-type ${list(d.dst)}`;
    if (d.limitIn) s += ' --limit-iface-in';
    if (d.limitOut) s += ' --limit-iface-out';
    return s;
  },
  check(d, ctx) {
    if (d.limitOut && ctx.hookMask & (HOOK_BIT.PREROUTING | HOOK_BIT.INPUT)) return EINVAL_MSG;
    if (d.limitIn && ctx.hookMask & (HOOK_BIT.POSTROUTING | HOOK_BIT.OUTPUT)) return EINVAL_MSG;
    if (ctx.family === 6 && (d.src | d.dst) & IPV6_UNSUPPORTED) return EINVAL_MSG;
    return null;
  },
  match: addrtypeMatch,
});
