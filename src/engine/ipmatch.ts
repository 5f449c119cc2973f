/**
 * The fixed part of every rule (net/ipv4/netfilter/ip_tables.c
 * ip_packet_match, ipv6 ip6_packet_match): addresses under masks,
 * interface names with the "+" wildcard, protocol and fragments, each
 * with its inversion.
 */
import type { IpHeaderMatch } from '../rules/model';
import type { Skb } from './skb';

/** ifname_compare: a trailing "+" matches any name with that prefix; otherwise the whole name. */
export function ifaceMatches(dev: string, pattern: string): boolean {
  const n = pattern.length;
  if (n > 0 && pattern.charCodeAt(n - 1) === 43 /* + */) return dev.startsWith(pattern.slice(0, n - 1));
  return dev === pattern;
}

function addrMatches(buf: Uint8Array, off: number, addr: Uint8Array, mask: Uint8Array): boolean {
  for (let i = 0; i < addr.length; i++) {
    if ((buf[off + i] & mask[i]) !== addr[i]) return false;
  }
  return true;
}

export function ipHeaderMatches(ip: IpHeaderMatch, skb: Skb): boolean {
  const v = skb.view;
  if (addrMatches(v.buf, v.srcOff, ip.src, ip.smsk) === ip.invSrc) return false;
  if (addrMatches(v.buf, v.dstOff, ip.dst, ip.dmsk) === ip.invDst) return false;
  if (ip.iniface !== '' && ifaceMatches(skb.indev, ip.iniface) === ip.invIn) return false;
  if (ip.outiface !== '' && ifaceMatches(skb.outdev, ip.outiface) === ip.invOut) return false;
  if (v.family === 4) {
    if (ip.proto !== 0 && (v.proto === ip.proto) === ip.invProto) return false;
    // -f: only non-first fragments; ! -f: everything else.
    if (ip.frag && (v.fragOffset !== 0) === ip.invFrag) return false;
    return true;
  }
  // IPv6: the protocol is the one found after the extension headers; not finding one
  // drops a first fragment (hotdrop) and fails the match otherwise.
  if (ip.proto !== 0 || ip.invProto) {
    if (v.proto < 0) {
      if (v.fragOffset === 0) skb.hotdrop = true;
      return false;
    }
    if (v.proto === ip.proto) return !ip.invProto;
    if (ip.proto !== 0 || !ip.invProto) return false;
  }
  return true;
}
