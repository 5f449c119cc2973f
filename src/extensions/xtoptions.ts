/**
 * libxtables' option machinery (libxtables/xtoptions.c, iptables 1.8.9),
 * shared by the extensions under matches/ and targets/:
 *
 * - the generic checks of xtables_option_parse ("can only be used once",
 *   "cannot be inverted") and xtables_options_fcheck ("must be specified",
 *   "also requires", "cannot be used together"). Extensions keep the options
 *   seen in one of two ways, and both run the same check code:
 *     by name, in a Set (Seen): xtOnce, xtMandatory, xtFcheckNamed;
 *     by id, in an xflags bitmask over an XtOption table: xtParse, xtFcheck.
 * - the typed parsers xtopt_parse_*: XTTYPE_UINT* (xtUint), XTTYPE_UINT*RC
 *   (xtUintRange), XTTYPE_PORTRC (xtPortRange over getPortByName),
 *   XTTYPE_MARKMASK32 (xtMarkMask), XTTYPE_TOSMASK (xtTosMask), XTTYPE_HOST
 *   and XTTYPE_HOSTMASK (xtHost, xtHostMask), XTTYPE_PLEN and XTTYPE_PLENMASK
 *   (xtPlen, xtPlenMask), XTTYPE_PROTOCOL (xtProtocol).
 *
 * Messages follow xtoptions.c, including their trailing "\n" (which makes
 * iptables print an empty line before the "Try `iptables -h'" hint).
 */
import type { Family } from '../rules/model';
import { parseProtocol } from '../rules/proto';
import { maskBits, parseIPv6, prefixMask, resolveHost } from '../util/addr';
import { paramError } from '../util/errors';
import { getservbyname } from '../util/netdb';
import { strtoul, strtoulPrefix } from '../util/num';
import type { OptionSpec } from './types';

/* ------------------------------------------------------------------ */
/* Generic checks, options kept by name                               */
/* ------------------------------------------------------------------ */

/** Per-instance bookkeeping of options seen (cb->xflags), by canonical option name. */
export type Seen = Set<string>;

/**
 * xtables_option_parse's checks, in its order: used twice, then inversion.
 * `name` is the option's first spelling in the extension's table (what
 * libxtables prints, e.g. "destination-port" even if the user typed --dport).
 */
export function xtOnce(ext: string, name: string, seen: Seen, invert: boolean, invertible: boolean): void {
  if (seen.has(name)) paramError(`${ext}: option "--${name}" can only be used once.\n`);
  if (invert && !invertible) paramError(`${ext}: option "--${name}" cannot be inverted.\n`);
  seen.add(name);
}

/** XTOPT_MAND, as xtables_options_fcheck reports it. */
export function xtMandatory(ext: string, name: string, seen: Seen): void {
  if (!seen.has(name)) paramError(`${ext}: option "--${name}" must be specified\n`);
}

/** One row of an extension's option table for xtFcheckNamed, in table order. */
export interface FcheckEntry {
  name: string;
  /** Names of options this one cannot be combined with (xt_option_entry.excl). */
  excl?: readonly string[];
  /** Names of options this one needs (xt_option_entry.also). */
  also?: readonly string[];
  /** XTOPT_MAND */
  mand?: boolean;
}

const namedTables = new WeakMap<readonly FcheckEntry[], FcheckItem[]>();

/**
 * xtables_options_fcheck for name-kept options: the option's position in
 * `table` serves as its id, so other options are tested in table order.
 * (At most 32 entries, like the C bitmask.)
 */
export function xtFcheckNamed(ext: string, table: readonly FcheckEntry[], seen: Seen): void {
  const bits = (names: Iterable<string> | undefined): number => {
    let m = 0;
    for (const n of names ?? []) {
      const i = table.findIndex((e) => e.name === n);
      if (i >= 0) m |= 1 << i;
    }
    return m;
  };
  let items = namedTables.get(table);
  if (!items) {
    items = table.map((e, id) => ({ name: e.name, id, mand: e.mand, excl: bits(e.excl), also: bits(e.also) }));
    namedTables.set(table, items);
  }
  fcheck(ext, items, bits(seen));
}

/* ------------------------------------------------------------------ */
/* Generic checks, options kept by id in an xflags bitmask            */
/* ------------------------------------------------------------------ */

/** 'u8' / 'u16' / 'u32' parse as xtopt_parse_int; 'string' checks the length; 'none' takes no argument. */
export type XtType = 'none' | 'u8' | 'u16' | 'u32' | 'string' | 'other';

/** One xt_option_entry. */
export interface XtOption {
  name: string;
  /** Bit number in xflags (the extension's O_* enum value). */
  id: number;
  type: XtType;
  /** XTOPT_MULTI: may be given more than once. */
  multi?: boolean;
  /** XTOPT_INVERT: accepts a preceding "!". */
  invert?: boolean;
  /** XTOPT_MAND: must be given. */
  mand?: boolean;
  /** Bitmask of option ids this one cannot be combined with. */
  excl?: number;
  /** Bitmask of option ids this one requires. */
  also?: number;
  /** Integer range (0 = the type's bounds), or string length limits. */
  min?: number;
  max?: number;
  /** Number base for integers (0 = auto). */
  base?: number;
}

const TYPE_MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff };

/** The getopt table an extension declares for the core. */
export function optionSpecs(table: readonly XtOption[]): OptionSpec[] {
  return table.map((e) => ({ name: e.name, arg: e.type === 'none' ? 'none' : 'required' }));
}

/**
 * xtables_option_parse for option `name` of `table`: the generic checks and,
 * for integer types, the value (string types get their length checked).
 * Sets the option's bit in st.xflags. Returns the integer, or 0.
 */
export function xtParse(ext: string, table: readonly XtOption[], name: string, arg: string | undefined, invert: boolean, st: { xflags: number }): number {
  const e = table.find((o) => o.name === name);
  if (!e) paramError(`unknown option "--${name}"`);
  const bit = 1 << e.id;
  if ((!e.multi || (e.excl ?? 0) & bit) && st.xflags & bit) paramError(`${ext}: option "--${e.name}" can only be used once.\n`);
  if (invert && !e.invert) paramError(`${ext}: option "--${e.name}" cannot be inverted.\n`);
  let v = 0;
  if (e.type === 'u8' || e.type === 'u16' || e.type === 'u32') {
    const lmin = e.min ?? 0;
    const lmax = e.max || TYPE_MAX[e.type];
    const n = strtoul(arg ?? '', e.base ?? 0, lmin, lmax);
    if (n === undefined) paramError(`${ext}: bad value for option "--${e.name}", or out of range (${lmin}-${lmax}).\n`);
    v = n;
  } else if (e.type === 'string') {
    const z = Buffer.byteLength(arg ?? '');
    if (e.min && z < e.min) paramError(`Argument must have a minimum length of ${e.min} characters\n`);
    if (e.max && z > e.max) paramError(`Argument must have a maximum length of ${e.max} characters\n`);
  }
  st.xflags |= bit;
  return v;
}

/** xtables_options_fcheck: table order, then the other options by ascending id. */
export function xtFcheck(ext: string, table: readonly XtOption[], xflags: number): void {
  fcheck(ext, table, xflags);
}

interface FcheckItem { name: string; id: number; mand?: boolean; excl?: number; also?: number; }

/**
 * xtables_options_fcheck itself: for each entry in table order, XTOPT_MAND;
 * then, if it was given, every other id from 0 up (the first entry with
 * that id, as xtables_option_lookup finds it): "also" before "excl".
 */
function fcheck(ext: string, table: readonly FcheckItem[], xflags: number): void {
  const byId: (FcheckItem | undefined)[] = [];
  for (const o of table) byId[o.id] ??= o;
  for (const e of table) {
    const ef = 1 << e.id;
    if (e.mand && !(xflags & ef)) paramError(`${ext}: option "--${e.name}" must be specified\n`);
    if (!(xflags & ef)) continue;
    for (let i = 0; i < 32; i++) {
      if (i === e.id) continue;
      const other = byId[i];
      if (!other) continue;
      const of = 1 << i;
      if ((e.also ?? 0) & of && !(xflags & of)) paramError(`${ext}: option "--${e.name}" also requires "--${other.name}".\n`);
      if ((e.excl ?? 0) & of && xflags & of) paramError(`${ext}: option "--${e.name}" cannot be used together with "--${other.name}".\n`);
    }
  }
}

/* ------------------------------------------------------------------ */
/* Numbers                                                            */
/* ------------------------------------------------------------------ */

/** xtopt_parse_int (XTTYPE_UINT8/16/32): whole string, C strtoul base 0, within [min, max]. */
export function xtUint(ext: string, name: string, arg: string, min: number, max: number): number {
  const v = strtoul(arg, 0, min, max);
  if (v === undefined) paramError(`${ext}: bad value for option "--${name}", or out of range (${min}-${max}).\n`);
  return v;
}

/**
 * xtopt_parse_mint for a two-element range (XTTYPE_UINT*RC): "a", "a:b",
 * ":b", "a:"; an empty first part is 0, an empty second part is lmax; no
 * min <= max check. Returns the one or two values read (cb->nvals of them).
 */
export function xtUintRange(ext: string, name: string, arg: string, lmax: number): number[] {
  const vals: number[] = [];
  let s = arg;
  for (;;) {
    if (vals.length === 2) paramError(`${ext}: Too many components for option "--${name}" (max: 2)\n`);
    let v: number;
    let rest: string;
    if (s === '' || s[0] === ':') {
      v = vals.length === 1 ? lmax : 0;
      rest = s;
    } else {
      const r = strtoulPrefix(s, 0);
      if (r === undefined || r.value > lmax) {
        paramError(`${ext}: bad value for option "--${name}" near "${s}", or out of range (0-${lmax}).\n`);
      }
      if (r.rest !== '' && r.rest[0] !== ':') {
        paramError(`${ext}: Argument to "--${name}" has unexpected characters near "${r.rest}".\n`);
      }
      v = r.value;
      rest = r.rest;
    }
    vals.push(v);
    if (rest === '') break;
    s = rest.slice(1);
  }
  return vals;
}

/** xtUintRange as the [from, to] most extensions store: a single value is both ends. */
export function xtUintRangePair(ext: string, name: string, arg: string, lmax: number): [number, number] {
  const v = xtUintRange(ext, name, arg, lmax);
  return [v[0], v[1] ?? v[0]];
}

/* ------------------------------------------------------------------ */
/* Ports                                                              */
/* ------------------------------------------------------------------ */

/**
 * xtables_getportbyname: getaddrinfo(NULL, name) with no hints. glibc takes
 * the service as a number if strtoul(…, 10) consumes it all and the result,
 * stored in an int, is not negative (the port is then truncated to 16 bits);
 * otherwise it looks the name up for tcp, udp, dccp, udplite, sctp in turn.
 * Returns -1 when nothing resolves.
 */
export function getPortByName(name: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)$/.exec(name);
  if (m && (m[2] !== '' || name === '')) {
    // C strtoul: wraps negatives modulo 2^64 and saturates on overflow.
    const digits = m[2] === '' ? 0n : BigInt(m[2]);
    let v = digits > 0xffffffffffffffffn ? 0xffffffffffffffffn : digits;
    if (m[1] === '-') v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
    const asInt = Number(BigInt.asIntN(32, v));
    if (asInt >= 0) return asInt & 0xffff;
  }
  for (const proto of ['tcp', 'udp', 'dccp', 'udplite', 'sctp']) {
    const p = getservbyname(name, proto);
    if (p !== undefined) return p;
  }
  return -1;
}

/**
 * xtopt_parse_mport (XTTYPE_PORTRC): "a", "a:b", ":b", "a:" with service
 * names; missing parts are 0 / 65535; no min <= max check. `resolve` is
 * xtables_getportbyname (returning -1 for nothing).
 */
export function xtPortRange(ext: string, name: string, arg: string, resolve: (p: string) => number = getPortByName): [number, number] {
  const parts = arg.split(':');
  const range: [number, number] = [0, 65535];
  for (let i = 0; i < parts.length; i++) {
    if (i === 2) paramError(`${ext}: Too many components for option "--${name}" (max: 2)\n`);
    if (parts[i] === '') continue;
    const v = resolve(parts[i]);
    if (v < 0) paramError(`Port "${parts[i]}" does not resolve to anything.\n`);
    range[i] = v;
  }
  if (parts.length === 1) range[1] = range[0];
  return range;
}

/* ------------------------------------------------------------------ */
/* Marks and TOS                                                      */
/* ------------------------------------------------------------------ */

/** xtopt_parse_markmask (XTTYPE_MARKMASK32): "value[/mask]", the mask defaults to all ones. */
export function xtMarkMask(ext: string, name: string, arg: string): { mark: number; mask: number } {
  const bad = (): never => paramError(`${ext}: bad integer value for option "--${name}", or out of range.\n`);
  const v = strtoulPrefix(arg, 0) ?? bad();
  if (v.value > 0xffffffff) bad();
  let mask = 0xffffffff;
  let rest = v.rest;
  if (rest[0] === '/') {
    const m = strtoulPrefix(rest.slice(1), 0) ?? bad();
    if (m.value > 0xffffffff) bad();
    mask = m.value;
    rest = m.rest;
  }
  if (rest !== '') paramError(`${ext}: trailing garbage after value for option "--${name}".\n`);
  return { mark: v.value, mask };
}

/** xtoptions.c tos_symbol_names, in lookup order (-L prints the first with a value). */
export const TOS_SYMBOLS: readonly [name: string, value: number][] = [
  ['Minimize-Delay', 0x10], ['Maximize-Throughput', 0x08], ['Maximize-Reliability', 0x04],
  ['Minimize-Cost', 0x02], ['Normal-Service', 0x00],
];

/**
 * xtopt_parse_tosmask (XTTYPE_TOSMASK): "value[/mask]" with bytes (the mask
 * defaults to 0xff), or a symbolic name (case-insensitive) with the mask
 * 0x3f, as the revision-1 tos match and TOS target use it.
 */
export function xtTosMask(arg: string): { value: number; mask: number } {
  const v = strtoulPrefix(arg, 0);
  if (v && v.value <= 0xff) {
    const illegal = (): never => paramError(`Illegal value: "${arg}"`);
    let mask = 0xff;
    let rest = v.rest;
    if (rest[0] === '/') {
      const m = strtoulPrefix(rest.slice(1), 0) ?? illegal();
      if (m.value > 0xff) illegal();
      mask = m.value;
      rest = m.rest;
    }
    if (rest !== '') illegal();
    return { value: v.value, mask };
  }
  const s = TOS_SYMBOLS.find(([n]) => n.toLowerCase() === arg.toLowerCase());
  if (!s) paramError(`Symbolic name "${arg}" is unknown`);
  return { value: s[1], mask: 0x3f };
}

/** printf("0x%x") of a 32-bit value. */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

/** printf("0x%02x"). */
export function hex02(n: number): string {
  return '0x' + n.toString(16).padStart(2, '0');
}

/* ------------------------------------------------------------------ */
/* Hosts, masks, protocols                                            */
/* ------------------------------------------------------------------ */

/**
 * glibc inet_aton, which getaddrinfo uses for numeric IPv4 hosts: 1 to 4
 * parts in base 0 (decimal, 0 octal, 0x hex); the last part fills the
 * remaining bytes. No trailing characters.
 */
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

/** A numeric address of the family, as getaddrinfo reads it (inet_aton / inet_pton). */
export function numericHost(family: Family, s: string): Uint8Array | undefined {
  return family === 4 ? inetAton(s) : parseIPv6(s);
}

/**
 * xtopt_parse_host (XTTYPE_HOST): getaddrinfo for the rule's family.
 * netsieve does no DNS: names come from the hosts table; anything else
 * fails the way getaddrinfo fails without a resolver (numeric-looking
 * strings are "not known" at once).
 */
export function xtHost(family: Family, s: string): Uint8Array {
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
 * NOT masked; the mask part is read as XTTYPE_PLENMASK (xtPlenMask).
 */
export function xtHostMask(ext: string, name: string, family: Family, s: string): { addr: Uint8Array; mask: Uint8Array } {
  const full = family === 4 ? 32 : 128;
  const slash = s.indexOf('/');
  if (slash < 0) return { addr: xtHost(family, s), mask: prefixMask(family, full) };
  const addr = xtHost(family, s.slice(0, slash));
  return { addr, mask: prefixMask(family, xtPlenMask(ext, name, family, s.slice(slash + 1))) };
}

/*
 * Two prefix-length types, which 1.8.9 treats differently when given a
 * mask with holes (not convertible to a prefix length):
 *   xtPlenMask: XTTYPE_PLENMASK (connlimit --connlimit-mask, the mask part
 *     of XTTYPE_HOSTMASK, NETMAP --to): it rebuilds the mask from the
 *     length, so such a mask becomes the full host mask;
 *   xtPlen: XTTYPE_PLEN (hashlimit --hashlimit-srcmask/-dstmask): the
 *     length -1 lands in a uint8 as 255.
 */

/** XTTYPE_PLENMASK in 1.8.9: a prefix length, or failing that a numeric mask; a mask with holes counts as the full length. */
export function xtPlenMask(ext: string, name: string, family: Family, m: string): number {
  const full = family === 4 ? 32 : 128;
  const b = xtPlen(ext, name, family, m);
  return b === 255 ? full : b;
}

/** XTTYPE_PLEN in 1.8.9 (xtopt_parse_plen): as xtPlenMask, but a mask with holes yields 255. */
export function xtPlen(ext: string, name: string, family: Family, m: string): number {
  const full = family === 4 ? 32 : 128;
  const bits = strtoul(m, 0, 0, full);
  if (bits !== undefined) return bits;
  const ma = numericHost(family, m);
  if (!ma) paramError(`${ext}: bad value for option "--${name}", neither a valid network mask nor valid CIDR (0-${full}).\n`);
  const b = maskBits(ma);
  return b < 0 ? 255 : b;
}

/** XTTYPE_PROTOCOL: xtables_parse_protocol. */
export function xtProtocol(s: string): number {
  return parseProtocol(s);
}
