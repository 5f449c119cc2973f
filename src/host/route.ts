/**
 * User routes (ip route add/del) with the kernel's checks
 * (fib_semantics.c fib_create_info / fib_check_nh, ip6_fib.c), and the
 * route lookup behind `ip route get` and the packet path: out interface,
 * gateway, source address and route type.
 */
import type { Host, IfAddr, Route, RouteType, Scope } from './model';
import { ifaceByIndex, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './model';
import { insertRoute, lookupFib, routesOf, scopeNum } from './fib';
import { addrEq, commonBits, isHostPart, prefixMatch, type Family } from './prefix';
import type { OpError } from './link';

export interface RouteSpec {
  family: Family;
  type: RouteType;
  dst: Uint8Array;
  plen: number;
  gw?: Uint8Array;
  dev?: number;
  metric?: number;
  table?: number;
  proto?: string;
  scope?: Scope;
  prefsrc?: Uint8Array;
}

const err = (code: number, msg: string): OpError => ({ code, msg });

export function addRoute(h: Host, s: RouteSpec): OpError | null {
  if (isHostPart(s.dst, s.plen)) return err(2, 'Error: Invalid prefix for given prefix length.');
  const special = s.type === 'blackhole' || s.type === 'unreachable' || s.type === 'prohibit';
  if (special && (s.gw || s.dev)) return err(2, 'Error: Gateway, device and multipath can not be specified for this route type.');
  const table = s.table ?? RT_TABLE_MAIN;
  const metric = s.metric ?? (s.family === 6 ? 1024 : 0);
  let dev = s.dev ?? 0;
  let nhScope: Scope = 'host';
  if (!special) {
    if (s.gw) {
      // The gateway must be reachable through a route of narrower scope (link or host), on the given device if any.
      const r = lookupFib(h, s.family, s.gw, s.family === 4 ? scopeNum('link') : 0);
      const ok = r !== null && (r.type === 'unicast' || r.type === 'local') && (s.family === 4 || r.gw === null) && (dev === 0 || r.dev === dev);
      if (!ok) return s.family === 4 ? err(2, 'Error: Nexthop has invalid gateway.') : err(2, 'RTNETLINK answers: No route to host');
      if (dev === 0) dev = r.dev;
      nhScope = r.scope === 'host' ? 'host' : 'link';
    } else if (dev === 0) {
      return err(2, 'RTNETLINK answers: No such device');
    }
    const d = ifaceByIndex(h, dev);
    if (!d || !d.up) return err(2, 'Error: Nexthop device is not up.');
  }
  if (s.prefsrc && !h.ifaces.some((i) => (s.family === 4 ? i.addrs4 : i.addrs6).some((a) => addrEq(a.addr, s.prefsrc)))) {
    return err(2, 'Error: Invalid prefsrc address.');
  }
  for (const r of routesOf(h, s.family)) {
    if (r.table === table && r.plen === s.plen && addrEq(r.dst, s.dst) && r.metric === metric) return err(2, 'RTNETLINK answers: File exists');
  }
  // iproute2 gives routes without a gateway scope link, local routes scope host.
  const scope: Scope = s.scope ?? (s.type === 'local' ? 'host' : s.type === 'unicast' && !s.gw ? 'link' : 'global');
  insertRoute(h, {
    family: s.family, table, type: s.type, dst: s.dst, plen: s.plen, gw: s.gw ?? null, dev: special ? 0 : dev, metric,
    proto: s.proto ?? 'boot', scope: s.family === 6 ? 'global' : scope, prefsrc: s.prefsrc ?? null, nhScope,
  });
  return null;
}

/** fib_table_delete: the first route of that prefix matching every attribute given. */
export function delRoute(h: Host, s: Partial<RouteSpec> & { family: Family; dst: Uint8Array; plen: number; typeGiven?: boolean }): OpError | null {
  const list = routesOf(h, s.family);
  const table = s.table ?? RT_TABLE_MAIN;
  const k = list.findIndex((r) => r.table === table && r.plen === s.plen && addrEq(r.dst, s.dst) &&
    (s.metric === undefined || r.metric === s.metric) && (s.gw === undefined || addrEq(r.gw, s.gw)) &&
    (s.dev === undefined || r.dev === s.dev) && (!s.typeGiven || r.type === s.type));
  if (k < 0) return err(2, 'RTNETLINK answers: No such process');
  list.splice(k, 1);
  return null;
}

/** What a route lookup decided. Owned by the caller and reused: lookups write into it. */
export class RouteResult {
  /** null on success, else the errno the kernel returns (ENETUNREACH, EHOSTUNREACH, EACCES, EINVAL). */
  error: 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | null = null;
  type: RouteType = 'unicast';
  route: Route | null = null;
  /** Out interface index (lo for local destinations). */
  dev = 0;
  /** Next hop when the route has a gateway on a link, else null (the destination itself). */
  gw: Uint8Array | null = null;
  /** Chosen source address (a reference into the host's addresses; do not mutate). */
  src: Uint8Array | null = null;
}

const LBCAST = Uint8Array.from([255, 255, 255, 255]);
const V4_LO = Uint8Array.from([127, 0, 0, 1]);

/** inet_select_addr: first primary address of the device within scope, preferring one whose subnet holds dst; else any device's. */
function selectAddr4(h: Host, dev: number, dst: Uint8Array | null, scope: Scope): Uint8Array | null {
  const lim = scopeNum(scope);
  const d = ifaceByIndex(h, dev);
  let found: Uint8Array | null = null;
  if (d) {
    for (const a of d.addrs4) {
      if (a.secondary || scopeNum(a.scope) > lim) continue;
      if (dst === null || prefixMatch(dst, a.addr, a.plen)) return a.addr;
      if (found === null) found = a.addr;
    }
  }
  if (found) return found;
  for (const i of h.ifaces) {
    for (const a of i.addrs4) if (!a.secondary && a.scope !== 'host' && scopeNum(a.scope) <= lim) return a.addr;
  }
  return null;
}

/** RFC 6724 default policy table labels (addrlabel.c). */
function label6(a: Uint8Array): number {
  const is = (p: number[], plen: number): boolean => prefixMatch(a, Uint8Array.from([...p, ...new Array<number>(16 - p.length).fill(0)]), plen);
  if (a.every((x, k) => x === (k === 15 ? 1 : 0))) return 0;
  if (is([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96)) return 4;
  if (is([], 96)) return 3;
  if (is([0x20, 0x02], 16)) return 2;
  if (is([0x20, 0x01, 0, 0], 32)) return 6;
  if (is([0xfc], 7)) return 13;
  if (is([0xfe, 0xc0], 10)) return 11;
  if (is([0x3f, 0xfe], 16)) return 12;
  return 1;
}

function scopeVal6(a: Uint8Array): number {
  if (a[0] === 0xff) return a[1] & 0x0f;
  if (a.every((x, k) => x === (k === 15 ? 1 : 0))) return 1;
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) return 2;
  return 14;
}

/** ipv6_dev_get_saddr with the rules that apply to a settled host: same address, scope, outgoing interface, label, longest prefix. */
function selectAddr6(h: Host, dev: number, dst: Uint8Array): Uint8Array | null {
  const dscope = scopeVal6(dst);
  const dlabel = label6(dst);
  const onlyDev = dst[0] === 0xff || dscope <= 2;
  let best: IfAddr | null = null;
  let bestDev = 0;
  const score = (a: IfAddr, d: number): number[] => {
    const s = scopeVal6(a.addr);
    return [addrEq(a.addr, dst) ? 1 : 0, s >= dscope ? -s : s - 128, d === dev ? 1 : 0, label6(a.addr) === dlabel ? 1 : 0, Math.min(commonBits(a.addr, dst), a.plen)];
  };
  for (const i of h.ifaces) {
    if (onlyDev && i.index !== dev) continue;
    for (const a of i.addrs6) {
      if (best === null) { best = a; bestDev = i.index; continue; }
      const x = score(a, i.index), y = score(best, bestDev);
      for (let k = 0; k < x.length; k++) {
        if (x[k] > y[k]) { best = a; bestDev = i.index; break; }
        if (x[k] < y[k]) break;
      }
    }
  }
  return best ? best.addr : null;
}

/**
 * The routing decision for a locally generated packet to dst (no source,
 * no mark, no output interface given), as `ip route get DST` shows it.
 */
export function routeOutput(h: Host, family: Family, dst: Uint8Array, out: RouteResult): RouteResult {
  out.error = null; out.route = null; out.gw = null; out.src = null; out.dev = 0; out.type = 'unicast';
  if (family === 4 && dst[0] === 0 && dst[1] === 0 && dst[2] === 0 && dst[3] === 0) {
    // route.c ip_route_output_key_hash_rcu: no destination means the loopback.
    out.type = 'local'; out.dev = 1; out.src = V4_LO;
    return out;
  }
  const r = lookupFib(h, family, dst);
  if (r === null) { out.error = 'ENETUNREACH'; return out; }
  out.route = r;
  switch (r.type) {
    case 'blackhole': out.error = 'EINVAL'; return out;
    case 'unreachable': out.error = 'EHOSTUNREACH'; return out;
    case 'prohibit': out.error = 'EACCES'; return out;
    default: break;
  }
  out.type = r.type;
  if (family === 4 && addrEq(dst, LBCAST)) out.type = 'broadcast';
  out.dev = r.type === 'local' ? 1 : r.dev;
  if (r.gw && out.type !== 'broadcast' && (family === 6 || r.nhScope === 'link')) out.gw = r.gw;
  if (family === 4) {
    out.src = r.prefsrc ?? (r.type === 'local' ? dst : selectAddr4(h, r.dev, r.gw, r.gw ? r.nhScope : 'host'));
  } else {
    out.src = r.prefsrc ?? selectAddr6(h, r.type === 'local' ? r.dev : out.dev, dst);
    if (r.type === 'local') out.src = dst;
  }
  return out;
}

export { RT_TABLE_LOCAL };
