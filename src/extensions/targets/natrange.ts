/**
 * NAT ranges shared by SNAT, DNAT, MASQUERADE and REDIRECT, as iptables
 * 1.8.9 parses and prints them (extensions/libxt_NAT.c in 1.8.9, which
 * merged the four targets: parse_to, parse_ports, sprint_range,
 * __NAT_print; include/uapi/linux/netfilter/nf_nat.h for the flags).
 */
import { paramError } from '../../util/errors';
import { addrToString, bytesEqual, parseIPv6 } from '../../util/addr';
import { SERVICES } from '../../util/netdb-data';
import { strtoulPrefix } from '../../util/num';
import type { Family } from '../../rules/model';

export const NF_NAT_RANGE_MAP_IPS = 1 << 0;
export const NF_NAT_RANGE_PROTO_SPECIFIED = 1 << 1;
export const NF_NAT_RANGE_PROTO_RANDOM = 1 << 2;
export const NF_NAT_RANGE_PERSISTENT = 1 << 3;
export const NF_NAT_RANGE_PROTO_RANDOM_FULLY = 1 << 4;
export const NF_NAT_RANGE_PROTO_OFFSET = 1 << 5;

/** struct nf_nat_range2 (addresses as bytes, ports in host order). */
export interface NatRange {
  flags: number;
  minAddr: Uint8Array;
  maxAddr: Uint8Array;
  minPort: number;
  maxPort: number;
  /** Only kept by structures that have it (DNAT revision 2); others print 0. */
  basePort: number;
}

export function emptyRange(family: Family): NatRange {
  const n = family === 4 ? 4 : 16;
  return { flags: 0, minAddr: new Uint8Array(n), maxAddr: new Uint8Array(n), minPort: 0, maxPort: 0, basePort: 0 };
}

/**
 * Ports may only be given for protocols with ports. The check reads the
 * rule's protocol number as parsed so far (so -p must come before the
 * target) and ignores "!": libxt_NAT.c also lets ICMP through (its id).
 */
export function portsAllowed(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132 || proto === 33 || proto === 1;
}

/** xtables_service_to_port(name, NULL): getservbyname with any protocol, first entry in file order. */
function serviceAnyProto(name: string): number | undefined {
  for (const [n, port, , aliases] of SERVICES) {
    if (n === name || aliases.includes(name)) return port;
  }
  return undefined;
}

/** xtables_strtoui with an end pointer: a number prefix within [min,max], or undefined. */
function numPrefix(s: string, min: number, max: number): { value: number; rest: string } | undefined {
  const r = strtoulPrefix(s, 0);
  if (!r || r.value < min || r.value > max) return undefined;
  return r;
}

/** parse_ports: port[-port[/baseport]]; only the first port may be a service name. */
export function parsePorts(arg: string, portok: boolean, r: NatRange, savedState = false): void {
  if (!portok) paramError('Need TCP, UDP, SCTP or DCCP with port specification');
  r.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
  let port: number;
  let end: string;
  const p = numPrefix(arg, 0, 65535);
  if (p) {
    port = p.value; end = p.rest;
  } else {
    const s = serviceAnyProto(arg);
    if (s === undefined) paramError(`Port \`${arg}' not valid`);
    port = s; end = '';
  }
  if (end === '') { r.minPort = r.maxPort = port; return; }
  if (end[0] === ':') paramError('Invalid port:port syntax - use dash');
  if (end[0] !== '-') paramError(`Garbage after port value: \`${end}'`);
  // A range: no service names for the upper end.
  const hiArg = end.slice(1);
  const hi = numPrefix(hiArg, 0, 65535);
  if (!hi) paramError(`Port \`${hiArg}' not valid`);
  if (hi.value < port) paramError(`Port range \`${hiArg}' funky`);
  r.minPort = port;
  r.maxPort = hi.value;
  if (hi.rest === '') return;
  if (hi.rest[0] !== '/') paramError(`Garbage after port range: \`${hi.rest}'`);
  // The base port of a shifted range: trailing text after a number is ignored here.
  const baseArg = hi.rest.slice(1);
  // iptables-save prints a shifted base the kernel did not keep as "/0", which
  // iptables itself cannot read back; netsieve's own saved state must load.
  const b = numPrefix(baseArg, savedState && baseArg === '0' ? 0 : 1, 65535);
  let base: number;
  if (b) base = b.value;
  else {
    const s = serviceAnyProto(baseArg);
    if (s === undefined) paramError(`Port \`${baseArg}' not valid`);
    base = s;
  }
  r.flags |= NF_NAT_RANGE_PROTO_OFFSET;
  r.basePort = base;
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
function inetPton4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0') || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

export function inetPton(family: Family, s: string): Uint8Array | undefined {
  return family === 4 ? inetPton4(s) : parseIPv6(s);
}

/**
 * parse_to: [addr[-addr]][:port[-port[/base]]], IPv6 addresses in brackets
 * when ports follow. Without brackets one colon means a port, more than one
 * an IPv6 address. A colon at offset 0 or 2 ("[]:80") means no address —
 * which also swallows e.g. "12:80".
 */
export function parseTo(arg: string, portok: boolean, family: Family, r: NatRange, savedState = false): void {
  let colon: number;
  let addr: string;
  const lb = arg.indexOf('[');
  if (lb < 0) {
    colon = arg.indexOf(':');
    if (colon >= 0 && arg.indexOf(':', colon + 1) >= 0) colon = -1;
    addr = colon >= 0 ? arg.slice(0, colon) : arg;
  } else {
    const rb = arg.indexOf(']', lb + 1);
    if (rb < 0 || family === 4) paramError('Invalid address format');
    colon = arg.indexOf(':', rb + 1);
    addr = arg.slice(lb + 1, rb);
  }
  if (colon >= 0) {
    parsePorts(arg.slice(colon + 1), portok, r, savedState);
    if (colon === 0 || colon === 2) return;
  }
  r.flags |= NF_NAT_RANGE_MAP_IPS;
  const dash = addr.indexOf('-');
  const lo = dash >= 0 ? addr.slice(0, dash) : addr;
  const min = inetPton(family, lo);
  if (!min) paramError(`Bad IP address "${lo}"`);
  let max = min;
  if (dash >= 0) {
    const hi = addr.slice(dash + 1);
    const m = inetPton(family, hi);
    if (!m) paramError(`Bad IP address "${hi}"`);
    max = m;
  }
  r.minAddr = min;
  r.maxAddr = max;
}

/**
 * sprint_range. `keepsBase` is false for targets whose kernel structure has
 * no base port (nf_nat_ipv4_multi_range_compat, nf_nat_range): the offset
 * flag survives there but the base reads back as 0.
 */
export function rangeString(r: NatRange, family: Family, keepsBase: boolean): string {
  const brackets = family === 6 && (r.flags & NF_NAT_RANGE_PROTO_SPECIFIED) !== 0;
  let s = '';
  if (r.flags & NF_NAT_RANGE_MAP_IPS) {
    if (brackets) s += '[';
    s += addrToString(r.minAddr);
    if (!bytesEqual(r.minAddr, r.maxAddr)) s += '-' + addrToString(r.maxAddr);
    if (brackets) s += ']';
  }
  if (r.flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
    s += `:${r.minPort}`;
    if (r.maxPort !== r.minPort) s += `-${r.maxPort}`;
    if (r.flags & NF_NAT_RANGE_PROTO_OFFSET) s += `/${keepsBase ? r.basePort : 0}`;
  }
  return s;
}

/** __NAT_print: the range after its label, then the flag words ("--" prefixed when saving). */
export function natPrint(r: NatRange, family: Family, label: string, flagPrefix: string, skipColon: boolean, keepsBase: boolean): string {
  let range = rangeString(r, family, keepsBase);
  let s = '';
  if (range !== '') {
    if (skipColon && range[0] === ':') range = range.slice(1);
    s += ` ${label}${range}`;
  }
  if (r.flags & NF_NAT_RANGE_PROTO_RANDOM) s += ` ${flagPrefix}random`;
  if (r.flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY) s += ` ${flagPrefix}random-fully`;
  if (r.flags & NF_NAT_RANGE_PERSISTENT) s += ` ${flagPrefix}persistent`;
  return s;
}
