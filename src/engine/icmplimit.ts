/**
 * ICMP error rate limiting per destination, as icmpv4_xrlim_allow /
 * icmpv6_xrlim_allow with inet_peer_xrlim_allow do it: each destination
 * has a token bucket in jiffies; an error costs `icmp_ratelimit` (1000 ms)
 * and the bucket holds at most 6 of them (XRLIM_BURST_FACTOR), starting
 * full (a new inet_peer's rate_last is 60 s in the past). Only the types
 * in icmp_ratemask are limited (IPv4 default 6168: destination
 * unreachable, source quench, time exceeded, parameter problem), never
 * fragmentation needed / packet too big, never towards loopback. IPv6
 * errors are limited the same way, with the time scaled down for routes
 * shorter than /128 (icmpv6_xrlim_allow: tmo >>= (128 - plen) >> 5).
 *
 * The global limit (icmp_msgs_per_sec, with its randomised credit) is not
 * modelled: its randomness cannot be reproduced.
 */
import type { NetContext } from './net';

const HZ = 250;
const BURST = 6;
const PEER_INIT_AGE = 60 * HZ;
const KEY = 'icmp-xrlim';

interface Peer { tokens: number; last: number; }

function peers(net: NetContext): Map<string, Peer> {
  let m = net.extState.get(KEY) as Map<string, Peer> | undefined;
  if (!m) { m = new Map(); net.extState.set(KEY, m); }
  return m;
}

function jiffies(net: NetContext): number {
  return Math.floor((net.clock.now() * HZ) / 1000);
}

function sysctlNum(net: NetContext, key: string, dflt: number): number {
  const v = net.host.sysctl[key];
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) ? n : dflt;
}

/**
 * May an ICMP(v6) error of this type and code go to `dst` now? `plen` is
 * the prefix length of the route back to it (IPv6 scaling); `loopback`
 * when that route leaves by lo.
 */
export function icmpErrorAllowed(net: NetContext, family: 4 | 6, type: number, code: number, dst: Uint8Array, plen: number, loopback: boolean): boolean {
  if (loopback) return true;
  let tmoMs: number;
  if (family === 4) {
    if (type > 18) return true;
    if (type === 3 && code === 4) return true;
    const mask = sysctlNum(net, 'net.ipv4.icmp_ratemask', 6168);
    if (!((1 << type) & mask)) return true;
    tmoMs = sysctlNum(net, 'net.ipv4.icmp_ratelimit', 1000);
  } else {
    if (type & 0x80) return true;
    if (type === 2) return true;
    tmoMs = sysctlNum(net, 'net.ipv6.icmp.ratelimit', 100);
  }
  let tmo = Math.floor((tmoMs * HZ) / 1000);
  if (family === 6 && plen < 128) tmo >>= (128 - plen) >> 5;
  const key = `${family}:${Array.from(dst.subarray(0, family === 4 ? 4 : 16)).join('.')}`;
  const m = peers(net);
  const now = jiffies(net);
  let p = m.get(key);
  if (!p) { p = { tokens: 0, last: now - PEER_INIT_AGE }; m.set(key, p); }
  let token = p.tokens + (now - p.last);
  p.last = now;
  if (token > BURST * tmo) token = BURST * tmo;
  let ok = false;
  if (token >= tmo) { token -= tmo; ok = true; }
  p.tokens = token;
  return ok;
}
