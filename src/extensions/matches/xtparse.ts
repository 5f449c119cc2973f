/**
 * The generic option checks and typed parsers of libxtables/xtoptions.c
 * (iptables 1.8.9) that x6_parse-style extensions share: "can only be used
 * once", "cannot be inverted", XTTYPE_UINT*, XTTYPE_UINT*RC (mint),
 * XTTYPE_PORTRC (mport), XTTYPE_HOST / XTTYPE_HOSTMASK, XTTYPE_PROTOCOL.
 * Messages follow xtoptions.c, including their trailing "\n" (which makes
 * iptables print an empty line before the "Try `iptables -h'" hint).
 */
import type { Family } from '../../rules/model';
import { parseProtocol } from '../../rules/proto';
import { maskBits, parseIPv6, prefixMask, resolveHost } from '../../util/addr';
import { paramError } from '../../util/errors';
import { getservbyname } from '../../util/netdb';
import { strtoul, strtoulPrefix } from '../../util/num';

/** xtables_option_parse's checks, in its order: used twice, then inversion. */
export function optCheck(ext: string, opt: string, seen: Set<string>, invert: boolean, invertible: boolean): void {
  if (seen.has(opt)) paramError(`${ext}: option "--${opt}" can only be used once.\n`);
  if (invert && !invertible) paramError(`${ext}: option "--${opt}" cannot be inverted.\n`);
  seen.add(opt);
}

/** XTOPT_MAND check of xtables_options_fcheck. */
export function mandatory(ext: string, opt: string, seen: Set<string>): void {
  if (!seen.has(opt)) paramError(`${ext}: option "--${opt}" must be specified\n`);
}

/** xtopt_parse_int: whole string, base 0, within [min, max]. */
export function parseUint(ext: string, opt: string, s: string, min: number, max: number): number {
  const v = strtoul(s, 0, min, max);
  if (v === undefined) paramError(`${ext}: bad value for option "--${opt}", or out of range (${min}-${max}).\n`);
  return v;
}

/**
 * xtopt_parse_mint: "a[:b]" with base-0 numbers; a missing first part is 0,
 * a missing second part is the type's maximum. Returns the values read
 * (one or two).
 */
export function parseUintRange(ext: string, opt: string, s: string, max: number, maxiter = 2): number[] {
  const vals: number[] = [];
  let i = 0;
  for (;;) {
    if (vals.length === maxiter) paramError(`${ext}: Too many components for option "--${opt}" (max: ${maxiter})\n`);
    const rest = s.slice(i);
    let v: number;
    let used: number;
    if (rest === '' || rest[0] === ':') {
      v = vals.length === 1 ? max : 0;
      used = 0;
    } else {
      const r = strtoulPrefix(rest, 0);
      if (r === undefined || r.value > max) {
        paramError(`${ext}: bad value for option "--${opt}" near "${rest}", or out of range (0-${max}).\n`);
      }
      if (r.rest !== '' && r.rest[0] !== ':') {
        paramError(`${ext}: Argument to "--${opt}" has unexpected characters near "${r.rest}".\n`);
      }
      v = r.value;
      used = rest.length - r.rest.length;
    }
    vals.push(v);
    i += used;
    if (i >= s.length) break;
    i++; // the ':'
    if (i === s.length) { // trailing ':' gives one more (default) component
      if (vals.length === maxiter) paramError(`${ext}: Too many components for option "--${opt}" (max: ${maxiter})\n`);
      vals.push(vals.length === 1 ? max : 0);
      break;
    }
  }
  return vals;
}

/**
 * xtables_getportbyname: getaddrinfo(NULL, name): a decimal number (taken
 * modulo 65536, as glibc stores it in a 16-bit port) or a service name of
 * any protocol.
 */
export function getPortByName(name: string): number | undefined {
  if (/^[0-9]+$/.test(name)) return Number(BigInt(name) % 65536n);
  for (const p of ['tcp', 'udp', 'sctp', 'dccp']) {
    const v = getservbyname(name, p);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** xtopt_parse_mport: "p", "p:q", ":q", "p:" (missing parts 0 / 65535). */
export function parsePortRC(ext: string, opt: string, s: string): [number, number] {
  const parts = s.split(':');
  const r: [number, number] = [0, 65535];
  parts.forEach((p, n) => {
    if (n === 2) paramError(`${ext}: Too many components for option "--${opt}" (max: 2)\n`);
    if (p === '') return;
    const v = getPortByName(p);
    if (v === undefined) paramError(`Port "${p}" does not resolve to anything.\n`);
    r[n] = v;
  });
  if (parts.length === 1) r[1] = r[0];
  return r;
}

/** glibc inet_aton: 1-4 parts in base 0; the last part fills the remaining bytes. */
export function inetAton(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]/.test(p)) return undefined;
    const r = strtoulPrefix(p, 0);
    if (!r || r.rest !== '') return undefined;
    nums.push(r.value);
  }
  const last = nums.pop()!;
  for (const n of nums) if (n > 255) return undefined;
  const lastBytes = 4 - nums.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const out = new Uint8Array(4);
  nums.forEach((n, i) => { out[i] = n; });
  for (let i = 3, v = last; i >= nums.length; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

function numericHost(family: Family, s: string): Uint8Array | undefined {
  return family === 4 ? inetAton(s) : parseIPv6(s);
}

/**
 * xtopt_parse_host: getaddrinfo for the rule's family. netsieve does no DNS:
 * names come from the hosts table; anything else fails the way getaddrinfo
 * fails without a resolver (numeric-looking strings are "not known" at once).
 */
export function parseHost(family: Family, s: string): Uint8Array {
  const a = numericHost(family, s) ?? resolveHost(family, s);
  if (a) return a;
  // A literal of the other family is refused as such.
  if (numericHost(family === 4 ? 6 : 4, s)) paramError('getaddrinfo: Address family for hostname not supported\n');
  // glibc asks DNS only for plausible host names; all-numeric dotted strings
  // and strings with other characters (':') fail without a query.
  if (/^[0-9.]*$/.test(s) || !/^[A-Za-z0-9._-]+$/.test(s)) paramError('getaddrinfo: Name or service not known\n');
  paramError('getaddrinfo: Temporary failure in name resolution\n');
}

/**
 * XTTYPE_HOSTMASK as 1.8.9 parses it: "host[/plen-or-mask]". The address is
 * NOT masked. The mask part is a prefix length, or failing that a numeric
 * address; 1.8.9's xtopt_parse_plenmask rebuilds the mask from the prefix
 * length, so a non-contiguous mask (length -1) becomes a host mask.
 */
export function parseHostMask(ext: string, opt: string, family: Family, s: string): { addr: Uint8Array; mask: Uint8Array } {
  const full = family === 4 ? 32 : 128;
  const slash = s.indexOf('/');
  if (slash < 0) return { addr: parseHost(family, s), mask: prefixMask(family, full) };
  const addr = parseHost(family, s.slice(0, slash));
  return { addr, mask: prefixMask(family, parsePlen(ext, opt, family, s.slice(slash + 1))) };
}

/**
 * XTTYPE_PLENMASK in 1.8.9: a prefix length, or failing that a numeric
 * mask; a non-contiguous mask counts as the full length.
 */
export function parsePlen(ext: string, opt: string, family: Family, m: string): number {
  const full = family === 4 ? 32 : 128;
  const b = parsePlenRaw(ext, opt, family, m);
  return b === 255 ? full : b;
}

/**
 * XTTYPE_PLEN in 1.8.9 (xtopt_parse_plen): as parsePlen, but a
 * non-contiguous mask yields the uint8 hlen -1, i.e. 255.
 */
export function parsePlenRaw(ext: string, opt: string, family: Family, m: string): number {
  const full = family === 4 ? 32 : 128;
  const bits = strtoul(m, 0, 0, full);
  if (bits !== undefined) return bits;
  const ma = numericHost(family, m);
  if (!ma) paramError(`${ext}: bad value for option "--${opt}", neither a valid network mask nor valid CIDR (0-${full}).\n`);
  const b = maskBits(ma);
  return b < 0 ? 255 : b;
}

/** XTTYPE_PROTOCOL: xtables_parse_protocol. */
export function parseProto(s: string): number {
  return parseProtocol(s);
}

export interface FcheckEntry {
  name: string;
  /** Names of options this one cannot be combined with (xt_option_entry.excl). */
  excl?: readonly string[];
  /** Names of options this one needs (xt_option_entry.also). */
  also?: readonly string[];
  mand?: boolean;
}

/**
 * xtables_options_fcheck: walk the option table in order; for each option
 * given, test every other option (in table order) for "also" and "excl".
 */
export function fcheck(ext: string, table: readonly FcheckEntry[], seen: Set<string>): void {
  for (const e of table) {
    if (e.mand && !seen.has(e.name)) paramError(`${ext}: option "--${e.name}" must be specified\n`);
    if (!seen.has(e.name)) continue;
    for (const o of table) {
      if (o === e) continue;
      if (e.also?.includes(o.name) && !seen.has(o.name)) {
        paramError(`${ext}: option "--${e.name}" also requires "--${o.name}".\n`);
      }
      if (e.excl?.includes(o.name) && seen.has(o.name)) {
        paramError(`${ext}: option "--${e.name}" cannot be used together with "--${o.name}".\n`);
      }
    }
  }
}
