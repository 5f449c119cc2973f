/**
 * Sockets listening on the host, declared by the user (netsieve has no
 * processes). The local stack consults them to decide whether a packet
 * delivered to INPUT finds a socket (else TCP answers RST, UDP ICMP port
 * unreachable). Matching follows the kernel's socket lookup in spirit: an
 * exact local address beats the wildcard (inet_lookup_listener's scoring);
 * an IPv6 wildcard socket also receives IPv4 (bindv6only=0).
 */
import type { Host, ListenProto, Listener } from './model';
import { addrEq, type Family } from './prefix';

function isZero(a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

export function addListener(h: Host, l: Listener): boolean {
  if (h.listeners.some((x) => x.proto === l.proto && x.family === l.family && x.port === l.port && addrEq(x.addr, l.addr))) return false;
  h.listeners.push(l);
  return true;
}

export function delListener(h: Host, l: Listener): boolean {
  const k = h.listeners.findIndex((x) => x.proto === l.proto && x.family === l.family && x.port === l.port && addrEq(x.addr, l.addr));
  if (k < 0) return false;
  h.listeners.splice(k, 1);
  return true;
}

/** The listener a packet to (dst, port) would reach, or null. Allocates nothing. */
export function findListener(h: Host, proto: ListenProto, family: Family, dst: Uint8Array, port: number): Listener | null {
  let wild: Listener | null = null;
  const ls = h.listeners;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (l.proto !== proto || l.port !== port) continue;
    if (l.family === family) {
      if (addrEq(l.addr, dst)) return l;
      if (isZero(l.addr) && (wild === null || wild.family !== family)) wild = l;
    } else if (family === 4 && l.family === 6 && isZero(l.addr) && wild === null) {
      wild = l;
    }
  }
  return wild;
}
