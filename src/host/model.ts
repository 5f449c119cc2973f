/**
 * The host model: interfaces, their addresses, the routing tables, sysctls
 * and local listeners of one Linux network namespace. Pure data; the
 * operations that change it live in link.ts, fib.ts, sysctl.ts and
 * listeners.ts and mutate a Host in place (callers that must stay pure clone
 * first with cloneHost).
 */
import type { Family } from './prefix';
import { defaultSysctls } from './sysctl-defs';
import { addDeviceSysctls } from './sysctl';

export type LinkKind = 'loopback' | 'dummy' | 'veth';

/** Address scopes as the kernel names them (rtnetlink.h rt_scope_t). */
export type Scope = 'global' | 'link' | 'host';

export interface IfAddr {
  family: Family;
  addr: Uint8Array;
  plen: number;
  /** IPv4 broadcast address when one was given (brd X or brd +). */
  brd: Uint8Array | null;
  scope: Scope;
  /** IPv4: another primary address on the device covers the same subnet (devinet.c __inet_insert_ifa). */
  secondary: boolean;
}

export interface Iface {
  index: number;
  name: string;
  kind: LinkKind;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** The qdisc is attached the first time the device goes up (noop before, noqueue after). */
  everUp: boolean;
  mtu: number;
  mac: Uint8Array;
  /** veth: the peer's ifindex (same namespace only). */
  peer: number;
  /** IPv4 addresses in the kernel's in_device order (primaries, then secondaries). */
  addrs4: IfAddr[];
  /** IPv6 addresses in the kernel's inet6_dev order (by scope, newest first). */
  addrs6: IfAddr[];
  /** addrconf has configured the device (link-local, fe80::/64, ff00::/8) since it became ready. */
  v6configured: boolean;
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'anycast';

export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

export interface Route {
  family: Family;
  table: number;
  type: RouteType;
  dst: Uint8Array;
  plen: number;
  gw: Uint8Array | null;
  /** Out interface index, 0 for none. */
  dev: number;
  metric: number;
  /** 'boot' is what `ip route add` uses by default and is not printed. */
  proto: string;
  scope: Scope;
  prefsrc: Uint8Array | null;
  /**
   * Scope of the route that resolved the gateway when the route was added
   * (fib_semantics.c fib_check_nh_v4_gw): 'link' when the gateway is on a
   * connected subnet, 'host' when it is a local address. Only then is the
   * gateway used as next hop (route.c rt_set_nexthop).
   */
  nhScope: Scope;
}

export type ListenProto = 'tcp' | 'udp';

export interface Listener {
  proto: ListenProto;
  family: Family;
  /** The bound address; all zeros for the wildcard. */
  addr: Uint8Array;
  port: number;
}

export interface Host {
  ifaces: Iface[];
  /** Next ifindex to hand out (dev_new_index). */
  nextIndex: number;
  routes4: Route[];
  routes6: Route[];
  /** Keys as sysctl names them (net.ipv4.ip_forward), values as the kernel prints them. */
  sysctl: Record<string, string>;
  listeners: Listener[];
}

/** A fresh network namespace: only lo, down, as `ip netns add` leaves it. */
export function newHost(): Host {
  const h: Host = { ifaces: [], nextIndex: 2, routes4: [], routes6: [], sysctl: defaultSysctls(), listeners: [] };
  h.ifaces.push({
    index: 1, name: 'lo', kind: 'loopback', up: false, everUp: false, mtu: 65536, mac: new Uint8Array(6), peer: 0,
    addrs4: [], addrs6: [], v6configured: false,
  });
  addDeviceSysctls(h, 'lo');
  return h;
}

export function cloneHost(h: Host): Host {
  return structuredClone(h);
}

export function ifaceByName(h: Host, name: string): Iface | undefined {
  for (const i of h.ifaces) if (i.name === name) return i;
  return undefined;
}

export function ifaceByIndex(h: Host, index: number): Iface | undefined {
  for (const i of h.ifaces) if (i.index === index) return i;
  return undefined;
}

/** Lower layer up (IFF_LOWER_UP / carrier): veth needs both ends up. */
export function hasCarrier(h: Host, i: Iface): boolean {
  if (!i.up) return false;
  if (i.kind === 'veth') {
    const p = ifaceByIndex(h, i.peer);
    return p !== undefined && p.up;
  }
  return true;
}
