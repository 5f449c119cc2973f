/**
 * Interfaces and addresses, with the routes the kernel adds and removes by
 * itself when they change:
 * - IPv4 (fib_frontend.c fib_add_ifaddr / fib_disable_ip): a local route per
 *   address (always), and while the device is up a connected route
 *   "proto kernel scope link" for a primary address and the directed
 *   broadcast route for prefixes shorter than /31; going down drops every
 *   route through the device but the local ones.
 * - IPv6 (addrconf.c): when a device becomes ready (up with carrier), the
 *   ff00::/8 multicast route, the fe80::/64 route and an EUI-64 link-local
 *   address; per address a local route (metric 0, table local) and a prefix
 *   route (metric 256); going down removes the addresses (keep_addr_on_down=0)
 *   and every route through the device.
 * The model is the settled state: duplicate address detection is taken as
 * finished (no "tentative" addresses).
 * All functions mutate the Host and return an error text (as iproute2 prints
 * it, with its exit status) or null.
 */
import type { Host, IfAddr, Iface, LinkKind, Route } from './model';
import { hasCarrier, ifaceByIndex, ifaceByName, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './model';
import { addKernelRoute, removeRoutes } from './fib';
import { addrEq, lastAddr, network, prefixMatch, type Family } from './prefix';
import { addDeviceSysctls, removeDeviceSysctls } from './sysctl';

export interface OpError { code: number; msg: string; }
const err = (code: number, msg: string): OpError => ({ code, msg });

function kroute(family: Family, table: number, type: Route['type'], dst: Uint8Array, plen: number, dev: number, metric: number, scope: Route['scope'], prefsrc: Uint8Array | null): Route {
  return { family, table, type, dst, plen, gw: null, dev, metric, proto: 'kernel', scope, prefsrc, nhScope: 'host' };
}

let macCounter = 0;
/** A locally administered MAC for devices created without one (the kernel picks a random one). */
function genMac(h: Host): Uint8Array {
  macCounter++;
  const n = h.nextIndex * 7919 + macCounter;
  return Uint8Array.from([0x02, 0x4e, 0x53, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

export function addLink(h: Host, name: string, kind: LinkKind, opts: { mac?: Uint8Array; mtu?: number; peerName?: string; peerMac?: Uint8Array; peerMtu?: number } = {}): OpError | null {
  if (ifaceByName(h, name)) return err(2, 'RTNETLINK answers: File exists');
  const mk = (n: string, mac: Uint8Array | undefined, mtu: number | undefined): Iface => ({
    index: h.nextIndex++, name: n, kind, up: false, everUp: false, mtu: mtu ?? 1500, mac: mac ?? genMac(h), peer: 0,
    addrs4: [], addrs6: [], v6configured: false,
  });
  if (kind === 'veth') {
    let peerName = opts.peerName;
    if (peerName === undefined) {
      for (let n = 0; ; n++) if (!ifaceByName(h, `veth${n}`)) { peerName = `veth${n}`; break; }
    }
    if (ifaceByName(h, peerName) || peerName === name) return err(2, 'RTNETLINK answers: File exists');
    // veth_newlink registers the peer first, so it gets the lower ifindex.
    const peer = mk(peerName, opts.peerMac, opts.peerMtu);
    const dev = mk(name, opts.mac, opts.mtu);
    peer.peer = dev.index;
    dev.peer = peer.index;
    h.ifaces.push(peer, dev);
    addDeviceSysctls(h, peer.name);
    addDeviceSysctls(h, dev.name);
    return null;
  }
  h.ifaces.push(mk(name, opts.mac, opts.mtu));
  addDeviceSysctls(h, name);
  return null;
}

export function delLink(h: Host, name: string): OpError | null {
  const i = ifaceByName(h, name);
  if (!i) return err(1, `Cannot find device "${name}"`);
  if (i.kind === 'loopback') return err(2, 'RTNETLINK answers: Operation not supported');
  const gone = [i];
  if (i.kind === 'veth') { const p = ifaceByIndex(h, i.peer); if (p) gone.push(p); }
  for (const g of gone) {
    if (g.up) setLinkUp(h, g.name, false);
    removeRoutes(h, 4, (r) => r.dev === g.index);
    removeRoutes(h, 6, (r) => r.dev === g.index);
    removeDeviceSysctls(h, g.name);
  }
  h.ifaces = h.ifaces.filter((x) => !gone.includes(x));
  return null;
}

/** MTU limits per device type (veth.c: 68..65535 with ETH_MIN_MTU; dummy.c: none; loopback: none). */
function mtuLimits(kind: LinkKind): [number, number] {
  if (kind === 'veth') return [68, 65535];
  return [0, 0x7fffffff];
}

export function setMtu(h: Host, name: string, mtu: number): OpError | null {
  const i = ifaceByName(h, name);
  if (!i) return err(1, `Cannot find device "${name}"`);
  const [lo, hi] = mtuLimits(i.kind);
  if (mtu < lo) return err(2, 'Error: mtu less than device minimum.');
  if (mtu > hi) return err(2, 'Error: mtu greater than device maximum.');
  i.mtu = mtu;
  return null;
}

export function setMac(h: Host, name: string, mac: Uint8Array): OpError | null {
  const i = ifaceByName(h, name);
  if (!i) return err(1, `Cannot find device "${name}"`);
  if (i.kind === 'loopback') return err(2, 'RTNETLINK answers: Operation not supported');
  i.mac = mac;
  return null;
}

/** RFC 4291 appendix A: the modified EUI-64 interface identifier from a MAC. */
export function linkLocalFromMac(mac: Uint8Array): Uint8Array {
  return Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, mac[0] ^ 0x02, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]]);
}

const V4_LOOPBACK = Uint8Array.from([127, 0, 0, 1]);
const V6_LOOPBACK = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

/** fib_add_ifaddr for one IPv4 address. */
function fibAddIfaddr(h: Host, i: Iface, a: IfAddr): void {
  const prim = a.secondary ? i.addrs4.find((p) => !p.secondary && p.plen === a.plen && prefixMatch(a.addr, p.addr, p.plen)) : a;
  if (!prim) return;
  addKernelRoute(h, kroute(4, RT_TABLE_LOCAL, 'local', a.addr, 32, i.index, 0, 'host', prim.addr));
  if (!i.up) return;
  if (a.brd && !(a.brd[0] === 255 && a.brd[1] === 255 && a.brd[2] === 255 && a.brd[3] === 255)) {
    addKernelRoute(h, kroute(4, RT_TABLE_LOCAL, 'broadcast', a.brd, 32, i.index, 0, 'link', prim.addr));
  }
  const prefix = network(a.addr, a.plen);
  const zeronet = prefix[0] === 0;
  if (!zeronet && !a.secondary && (!addrEq(prefix, a.addr) || a.plen < 32)) {
    const lo = i.kind === 'loopback';
    addKernelRoute(h, kroute(4, lo ? RT_TABLE_LOCAL : RT_TABLE_MAIN, lo ? 'local' : 'unicast', prefix, a.plen, i.index, 0, lo ? 'host' : 'link', prim.addr));
    if (a.plen < 31) addKernelRoute(h, kroute(4, RT_TABLE_LOCAL, 'broadcast', lastAddr(a.addr, a.plen), 32, i.index, 0, 'link', prim.addr));
  }
}

/** Rebuilds the kernel-made IPv4 routes of a device from its addresses. */
function sync4(h: Host, i: Iface): void {
  removeRoutes(h, 4, (r) => r.dev === i.index && r.proto === 'kernel');
  for (const a of i.addrs4) if (!a.secondary) fibAddIfaddr(h, i, a);
  for (const a of i.addrs4) if (a.secondary) fibAddIfaddr(h, i, a);
}

/** Local and prefix routes of one IPv6 address (addrconf.c addrconf_prefix_route, fixup_permanent_addr). */
function addRoutes6(h: Host, i: Iface, a: IfAddr, withPrefix: boolean): void {
  addKernelRoute(h, kroute(6, RT_TABLE_LOCAL, 'local', a.addr, 128, i.index, 0, 'host', null));
  if (withPrefix && a.plen < 128) addKernelRoute(h, kroute(6, RT_TABLE_MAIN, 'unicast', network(a.addr, a.plen), a.plen, i.index, 256, 'global', null));
}

/** inet6_dev address list: sorted by scope (global first), newest first within a scope (ipv6_link_dev_addr). */
function insertAddr6(i: Iface, a: IfAddr): void {
  const rank = (x: IfAddr): number => (x.scope === 'global' ? 14 : x.scope === 'link' ? 2 : 1);
  let k = 0;
  while (k < i.addrs6.length && rank(i.addrs6[k]) > rank(a)) k++;
  i.addrs6.splice(k, 0, a);
}

/** addrconf on a device that became ready: restore addresses' routes, then ff00::/8, link-local and fe80::/64. */
function configure6(h: Host, i: Iface): void {
  if (i.v6configured || h.sysctl[`net.ipv6.conf.${i.name}.disable_ipv6`] !== '0') return;
  i.v6configured = true;
  if (i.kind === 'loopback') {
    if (!i.addrs6.some((a) => addrEq(a.addr, V6_LOOPBACK))) insertAddr6(i, { family: 6, addr: V6_LOOPBACK.slice(), plen: 128, brd: null, scope: 'host', secondary: false });
    for (const a of i.addrs6) addRoutes6(h, i, a, true);
    return;
  }
  for (const a of i.addrs6) addRoutes6(h, i, a, true);
  addKernelRoute(h, kroute(6, RT_TABLE_LOCAL, 'multicast', Uint8Array.from([0xff, ...new Array<number>(15).fill(0)]), 8, i.index, 256, 'global', null));
  const ll = linkLocalFromMac(i.mac);
  if (!i.addrs6.some((a) => addrEq(a.addr, ll))) {
    const a: IfAddr = { family: 6, addr: ll, plen: 64, brd: null, scope: 'link', secondary: false };
    insertAddr6(i, a);
    addKernelRoute(h, kroute(6, RT_TABLE_MAIN, 'unicast', network(ll, 64), 64, i.index, 256, 'global', null));
    addKernelRoute(h, kroute(6, RT_TABLE_LOCAL, 'local', ll, 128, i.index, 0, 'host', null));
  }
}

function down6(h: Host, i: Iface): void {
  if (h.sysctl[`net.ipv6.conf.${i.name}.keep_addr_on_down`] === '0' && i.kind !== 'loopback') i.addrs6 = [];
  removeRoutes(h, 6, (r) => r.dev === i.index);
  i.v6configured = false;
}

export function setLinkUp(h: Host, name: string, up: boolean): OpError | null {
  const i = ifaceByName(h, name);
  if (!i) return err(1, `Cannot find device "${name}"`);
  if (i.up === up) return null;
  const peer = i.kind === 'veth' ? ifaceByIndex(h, i.peer) : undefined;
  if (up) {
    i.up = true;
    i.everUp = true;
    // inetdev_event NETDEV_UP: the loopback device gets 127.0.0.1/8.
    if (i.kind === 'loopback' && !i.addrs4.some((a) => addrEq(a.addr, V4_LOOPBACK))) {
      i.addrs4.unshift({ family: 4, addr: V4_LOOPBACK.slice(), plen: 8, brd: null, scope: 'host', secondary: false });
    }
    sync4(h, i);
    if (hasCarrier(h, i)) configure6(h, i);
    if (peer && hasCarrier(h, peer)) configure6(h, peer);
  } else {
    i.up = false;
    // fib_disable_ip: routes through the device go, its local routes stay.
    removeRoutes(h, 4, (r) => r.dev === i.index && r.type !== 'local');
    down6(h, i);
  }
  return null;
}

/** iproute2's default scope: host for 127/8, global otherwise. */
function defaultScope4(a: Uint8Array): IfAddr['scope'] {
  return a[0] === 127 ? 'host' : 'global';
}

export function scope6(a: Uint8Array): IfAddr['scope'] {
  if (addrEq(a, V6_LOOPBACK)) return 'host';
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) return 'link';
  return 'global';
}

/** __inet_insert_ifa: secondary when a primary of the same subnet exists; primaries after the last primary of wider-or-equal scope, secondaries at the end. */
export function addAddr(h: Host, name: string, family: Family, addr: Uint8Array, plen: number, opts: { brd?: Uint8Array | '+' ; scope?: IfAddr['scope'] } = {}): OpError | null {
  const i = ifaceByName(h, name);
  if (!i) return err(1, `Cannot find device "${name}"`);
  if (family === 4) {
    const scope = opts.scope ?? defaultScope4(addr);
    const a: IfAddr = { family: 4, addr, plen, brd: opts.brd === '+' ? (plen < 31 ? lastAddr(addr, plen) : null) : opts.brd ?? null, scope, secondary: false };
    const num = (s: IfAddr['scope']): number => (s === 'global' ? 0 : s === 'link' ? 253 : 254);
    let lastPrimary = 0;
    for (let k = 0; k < i.addrs4.length; k++) {
      const b = i.addrs4[k];
      if (!b.secondary && num(scope) <= num(b.scope)) lastPrimary = k + 1;
      if (b.plen === plen && prefixMatch(addr, b.addr, plen)) {
        if (addrEq(b.addr, addr)) return err(2, 'Error: ipv4: Address already assigned.');
        if (b.scope !== scope) return err(2, 'RTNETLINK answers: Invalid argument');
        a.secondary = true;
      }
    }
    if (a.secondary) i.addrs4.push(a); else i.addrs4.splice(lastPrimary, 0, a);
    fibAddIfaddr(h, i, a);
    return null;
  }
  if (i.addrs6.some((b) => addrEq(b.addr, addr))) return err(2, 'RTNETLINK answers: File exists');
  const a: IfAddr = { family: 6, addr, plen, brd: null, scope: scope6(addr), secondary: false };
  insertAddr6(i, a);
  addRoutes6(h, i, a, i.v6configured);
  return null;
}

export function delAddr(h: Host, name: string, family: Family, addr: Uint8Array, plen: number | undefined): OpError | null {
  const i = ifaceByName(h, name);
  if (!i) return err(1, `Cannot find device "${name}"`);
  if (family === 4) {
    const k = i.addrs4.findIndex((a) => addrEq(a.addr, addr) && (plen === undefined || a.plen === plen));
    if (k < 0) return err(2, 'Error: ipv4: Address not found.');
    const a = i.addrs4[k];
    const removed = [a];
    if (!a.secondary) {
      const subs = i.addrs4.filter((b) => b.secondary && b.plen === a.plen && prefixMatch(b.addr, a.addr, a.plen));
      if (h.sysctl[`net.ipv4.conf.${name}.promote_secondaries`] !== '0' || h.sysctl['net.ipv4.conf.all.promote_secondaries'] !== '0') {
        // __inet_del_ifa with promotion: the first secondary becomes primary.
        if (subs.length > 0) subs[0].secondary = false;
      } else {
        removed.push(...subs);
      }
    }
    i.addrs4 = i.addrs4.filter((b) => !removed.includes(b));
    sync4(h, i);
    // fib_sync_down_addr: routes preferring a source that no longer exists go.
    const stillLocal = (x: Uint8Array): boolean => h.ifaces.some((d) => d.addrs4.some((b) => addrEq(b.addr, x)));
    removeRoutes(h, 4, (r) => r.prefsrc !== null && !stillLocal(r.prefsrc));
    return null;
  }
  const k = i.addrs6.findIndex((a) => addrEq(a.addr, addr) && (plen === undefined || a.plen === plen));
  if (k < 0) return err(2, 'RTNETLINK answers: Cannot assign requested address');
  const a = i.addrs6[k];
  i.addrs6.splice(k, 1);
  removeRoutes(h, 6, (r) => r.dev === i.index && r.type === 'local' && addrEq(r.dst, a.addr));
  // check_cleanup_prefix_route: the prefix route goes with the last address of that prefix on the device.
  if (!i.addrs6.some((b) => b.plen === a.plen && prefixMatch(b.addr, a.addr, a.plen))) {
    const net = network(a.addr, a.plen);
    removeRoutes(h, 6, (r) => r.dev === i.index && r.proto === 'kernel' && r.table === RT_TABLE_MAIN && r.plen === a.plen && addrEq(r.dst, net));
  }
  return null;
}
