/**
 * Port and port-range parsing and printing shared by tcp, udp, sctp,
 * multiport and friends (libxtables xtables_parse_port, libxt_tcp.c
 * parse_tcp_ports/print_port).
 */
import { paramError } from '../../util/errors';
import { getservbyname, getservbyport } from '../../util/netdb';
import { strtoul } from '../../util/num';

export type PortRange = [number, number];

/** xtables_parse_port: number 0-65535 or a service name for the protocol. */
export function parsePort(s: string, proto: string): number {
  const n = strtoul(s, 0, 0, 65535);
  if (n !== undefined) return n;
  const p = getservbyname(s, proto);
  if (p !== undefined) return p;
  paramError(`invalid port/service \`${s}' specified`);
}

/** "a", "a:b", ":b", "a:" as libxt_tcp parse_tcp_ports. */
export function parsePortRange(s: string, proto: string): PortRange {
  const c = s.indexOf(':');
  if (c < 0) { const p = parsePort(s, proto); return [p, p]; }
  const lo = c === 0 ? 0 : parsePort(s.slice(0, c), proto);
  const hi = c === s.length - 1 ? 65535 : parsePort(s.slice(c + 1), proto);
  if (lo > hi) paramError('invalid portrange (min > max)');
  return [lo, hi];
}

export function portName(p: number, numeric: boolean, proto: string): string {
  if (!numeric) {
    const n = getservbyport(p, proto);
    if (n) return n;
  }
  return String(p);
}

/** -L form: " spt:22", " dpts:1:2", " spt:!22" or nothing for the full range. */
export function printPorts(label: string, r: PortRange, inv: boolean, numeric: boolean, proto: string): string {
  const [lo, hi] = r;
  if (lo === 0 && hi === 65535 && !inv) return '';
  const i = inv ? '!' : '';
  if (lo === hi) return ` ${label}:${i}${portName(lo, numeric, proto)}`;
  return ` ${label}s:${i}${portName(lo, numeric, proto)}:${portName(hi, numeric, proto)}`;
}

/** -S form: " --dport 22", " ! --sport 1:2". */
export function savePorts(opt: string, r: PortRange, inv: boolean): string {
  const [lo, hi] = r;
  if (lo === 0 && hi === 65535 && !inv) return '';
  const i = inv ? ' !' : '';
  return lo === hi ? `${i} ${opt} ${lo}` : `${i} ${opt} ${lo}:${hi}`;
}

// ---- packet-side helpers shared by the port matches ------------------------

/** xt_tcpudp.c port_match: inside [min, max], XOR the inversion. */
export function portMatch(min: number, max: number, port: number, invert: boolean): boolean {
  return (port >= min && port <= max) !== invert;
}

/**
 * par->fragoff as ip_tables hands it to matches: IPv4 counts in 8-byte
 * units (ntohs(frag_off) & IP_OFFSET), IPv6 in bytes (ipv6_find_hdr). Only
 * the IPv4 value can be 1, the "evil offset=1" case tcp and others drop.
 */
export function fragoffUnits(v: { family: number; fragOffset: number }): number {
  return v.family === 4 ? v.fragOffset >> 3 : v.fragOffset;
}
