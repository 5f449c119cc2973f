/**
 * MASQUERADE (net/netfilter/nf_nat_masquerade.c): source NAT to the address
 * the outgoing interface would use towards the next hop, remembered per
 * connection (masq_index) so that connections die with the interface or
 * its address; and REDIRECT's address choice (nf_nat_redirect.c).
 */
import * as C from '../conntrack/constants';
import { newTuple } from '../conntrack/tuple';
import type { NetContext } from '../engine/net';
import type { Skb } from '../engine/skb';
import { NF_ACCEPT, NF_DROP } from '../engine/verdict';
import { NF_NAT_RANGE_MAP_IPS, type NatRange } from '../extensions/targets/natrange';
import { ifaceByName, type Host, type Iface } from '../host/model';
import { prefixMatch } from '../host/prefix';
import { RouteResult, routeOutput } from '../host/route';
import { NF_NAT_MANIP_DST, NF_NAT_MANIP_SRC, setupInfo } from './core';
import { natState } from './state';

const rt = new RouteResult();
const dst = new Uint8Array(16);
const dst4 = new Uint8Array(4);
const tTmp = newTuple();
/** The range handed to nf_nat_setup_info (addresses filled per connection). */
const range: NatRange = { flags: 0, minAddr: new Uint8Array(16), maxAddr: new Uint8Array(16), minPort: 0, maxPort: 0, basePort: 0 };

/**
 * inet_select_addr(dev, dst, RT_SCOPE_UNIVERSE): the first primary
 * global-scope address of the device whose subnet holds dst, else its first
 * one, else the first primary global address of any device (lo first).
 */
export function inetSelectAddr(h: Host, dev: Iface, nh: Uint8Array): Uint8Array | null {
  let found: Uint8Array | null = null;
  for (const a of dev.addrs4) {
    if (a.secondary || a.scope !== 'global') continue;
    if (prefixMatch(nh, a.addr, a.plen)) return a.addr;
    if (found === null) found = a.addr;
  }
  if (found !== null) return found;
  for (const i of h.ifaces) {
    for (const a of i.addrs4) if (!a.secondary && a.scope === 'global') return a.addr;
  }
  return null;
}

/** The IPv6 source address for dst out of dev (ipv6_dev_get_saddr, via the host's route lookup when it goes out dev). */
function ipv6Saddr(h: Host, dev: Iface, daddr: Uint8Array): Uint8Array | null {
  const r = routeOutput(h, 6, daddr, rt);
  if (r.error === null && r.dev === dev.index && r.route !== null && r.route.prefsrc === null && r.src !== null) return r.src;
  // Another route's device: the first global address of dev (RFC 6724 rules 2-8 are not applied here).
  for (const a of dev.addrs6) if (a.scope === 'global') return a.addr;
  return dev.addrs6.length > 0 ? dev.addrs6[0].addr : null;
}

function fillRange(from: NatRange, addr: Uint8Array, n: number): void {
  range.flags = from.flags | NF_NAT_RANGE_MAP_IPS;
  for (let i = 0; i < n; i++) range.minAddr[i] = range.maxAddr[i] = addr[i];
  range.minPort = from.minPort;
  range.maxPort = from.maxPort;
  range.basePort = 0; // the masquerade structures carry no base port
}

/** nf_nat_masquerade_ipv4 / nf_nat_masquerade_ipv6 for the packet's connection (POSTROUTING). */
export function natMasquerade(skb: Skb, r: NatRange): number {
  const e = skb.ct;
  if (e < 0) return NF_ACCEPT;
  const net = skb.net;
  const ct = net.conntrack;
  const v = skb.view;
  const out = ifaceByName(net.host, skb.outdev);
  if (out === undefined) return NF_DROP;
  let addr: Uint8Array | null;
  if (v.family === 4) {
    // A locally generated packet with source 0.0.0.0 is not masqueraded.
    ct.tuple(e, C.IP_CT_DIR_ORIGINAL, tTmp);
    if (tTmp[2] === 0) return NF_ACCEPT;
    // rt_nexthop(): the gateway of the route, or the destination itself.
    for (let i = 0; i < 4; i++) dst4[i] = v.buf[v.dstOff + i];
    const rr = routeOutput(net.host, 4, dst4, rt);
    addr = inetSelectAddr(net.host, out, rr.error === null && rr.gw !== null ? rr.gw : dst4);
    if (addr === null) return NF_DROP; // "<dev> ate my IP address"
  } else {
    for (let i = 0; i < 16; i++) dst[i] = v.buf[v.dstOff + i];
    addr = ipv6Saddr(net.host, out, dst);
    if (addr === null) return NF_DROP;
  }
  natState(net).masqIndex[e] = out.index;
  fillRange(r, addr, v.addrLen);
  return setupInfo(net, e, range, NF_NAT_MANIP_SRC);
}

/** ipv6_addr_scope() class: 0x10 loopback, 0x20 link-local, 0x40 site-local, 0 global (multicast by its scope field). */
function v6Scope(a: Uint8Array, at: number): number {
  if (a[at] === 0xff) {
    const s = a[at + 1] & 0x0f;
    return s === 1 ? 0x10 : s === 2 ? 0x20 : s === 5 ? 0x40 : 0;
  }
  let loop = a[at + 15] === 1;
  for (let i = 0; i < 15 && loop; i++) if (a[at + i] !== 0) loop = false;
  if (loop) return 0x10;
  if (a[at] === 0xfe && (a[at + 1] & 0xc0) === 0x80) return 0x20;
  if (a[at] === 0xfe && (a[at + 1] & 0xc0) === 0xc0) return 0x40;
  return 0;
}

const LOOP4 = Uint8Array.of(127, 0, 0, 1);
const LOOP6 = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

/**
 * nf_nat_redirect_ipv4 / nf_nat_redirect_ipv6: DNAT to the host itself —
 * the loopback address for locally generated packets, else the first
 * address of the incoming interface (IPv6: the first of the destination's
 * scope); no address there means NF_DROP.
 */
export function natRedirect(skb: Skb, r: NatRange): number {
  const e = skb.ct;
  if (e < 0) return NF_ACCEPT;
  const net = skb.net;
  const v = skb.view;
  let addr: Uint8Array | null = null;
  if (skb.hook === 'OUTPUT') {
    addr = v.family === 4 ? LOOP4 : LOOP6;
  } else {
    const dev = ifaceByName(net.host, skb.indev);
    if (dev !== undefined) {
      if (v.family === 4) {
        if (dev.addrs4.length > 0) addr = dev.addrs4[0].addr;
      } else {
        const scope = v6Scope(v.buf, v.dstOff);
        for (const a of dev.addrs6) if (v6Scope(a.addr, 0) === scope) { addr = a.addr; break; }
      }
    }
    if (addr === null) return NF_DROP;
  }
  range.flags = r.flags | NF_NAT_RANGE_MAP_IPS;
  for (let i = 0; i < v.addrLen; i++) range.minAddr[i] = range.maxAddr[i] = addr[i];
  range.minPort = r.minPort;
  range.maxPort = r.maxPort;
  range.basePort = 0;
  return setupInfo(net, e, range, NF_NAT_MANIP_DST);
}

function ifindexOf(net: NetContext, dev: string | number): number {
  if (typeof dev === 'number') return dev;
  const i = ifaceByName(net.host, dev);
  return i === undefined ? 0 : i.index;
}

/**
 * masq_device_event(NETDEV_DOWN): kill every connection MASQUERADEd out of
 * the device (by name while it exists, or by ifindex). Returns how many.
 */
export function natMasqueradeDeviceEvent(net: NetContext, dev: string | number): number {
  const idx = ifindexOf(net, dev);
  if (idx === 0) return 0;
  const s = natState(net);
  const ct = net.conntrack;
  let n = 0;
  ct.forEach((e) => {
    if (s.masqIndex[e] === idx && (ct.status(e) & C.IPS_SRC_NAT_DONE) && ct.kill(e)) n++;
  });
  return n;
}

/**
 * masq_inet_event / masq_inet6_event: an address was removed from the
 * device; kill the connections MASQUERADEd out of it whose replies come
 * to that address (inet_cmp). Returns how many.
 */
export function natMasqueradeAddrEvent(net: NetContext, dev: string | number, addr: Uint8Array): number {
  const idx = ifindexOf(net, dev);
  if (idx === 0) return 0;
  const s = natState(net);
  const ct = net.conntrack;
  const words = addr.length === 16 ? 4 : 1;
  let n = 0;
  ct.forEach((e) => {
    if (s.masqIndex[e] !== idx || !(ct.status(e) & C.IPS_SRC_NAT_DONE)) return;
    ct.tuple(e, C.IP_CT_DIR_REPLY, tTmp);
    if ((tTmp[0] === C.NFPROTO_IPV6) !== (words === 4)) return;
    for (let i = 0; i < words; i++) {
      const w = ((addr[i * 4] << 24) | (addr[i * 4 + 1] << 16) | (addr[i * 4 + 2] << 8) | addr[i * 4 + 3]) >>> 0;
      if (tTmp[6 + i] !== w) return;
    }
    if (ct.kill(e)) n++;
  });
  return n;
}

