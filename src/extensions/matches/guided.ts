/**
 * Parts of libxtables' guided option parser (libxtables/xtoptions.c,
 * xtables_option_parse and its xtopt_parse_* helpers) used by the udp,
 * icmp, icmp6, multiport, comment, mark, connmark … matches: the "only
 * once" / "cannot be inverted" errors, ports resolved through
 * getaddrinfo(), and mark/mask values. Messages end with "\n" because
 * libxtables' own text does, which is why iptables prints an empty line
 * before the "Try" hint. (xtparse.ts holds the same checks for other
 * extensions; getPortByName here also follows glibc's numeric-service
 * rules for signs, blanks and int overflow.)
 */
import { paramError } from '../../util/errors';
import { getservbyname } from '../../util/netdb';
import { strtoulPrefix } from '../../util/num';

/** Per-instance bookkeeping of options seen (cb->xflags), by canonical option name. */
export type Seen = Set<string>;

/**
 * xtables_option_parse's generic checks. `name` is the option's first
 * spelling in the extension's table (what libxtables prints, e.g.
 * "destination-port" even if the user typed --dport).
 */
export function xtOnce(ext: string, name: string, seen: Seen, invert: boolean, invertible: boolean): void {
  if (seen.has(name)) paramError(`${ext}: option "--${name}" can only be used once.\n`);
  if (invert && !invertible) paramError(`${ext}: option "--${name}" cannot be inverted.\n`);
  seen.add(name);
}

/** XTOPT_MAND, checked by xtables_options_fcheck. */
export function xtMandatory(ext: string, name: string, seen: Seen): void {
  if (!seen.has(name)) paramError(`${ext}: option "--${name}" must be specified\n`);
}

/** xtopt_parse_int: whole string, C strtoul base 0, within [min, max]. */
export function xtUint(ext: string, name: string, arg: string, min: number, max: number): number {
  const r = strtoulPrefix(arg, 0);
  if (r === undefined || r.rest !== '' || r.value < min || r.value > max) {
    paramError(`${ext}: bad value for option "--${name}", or out of range (${min}-${max}).\n`);
  }
  return r.value;
}

/**
 * xtopt_parse_mint for a two-element range (XTTYPE_UINT*RC): "a", "a:b",
 * ":b", "a:"; an empty first part is 0, an empty second part is lmax.
 * Returns the one or two values read.
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

/** xtopt_parse_mport (XTTYPE_PORTRC): "a", "a:b", ":b", "a:" with names; no min <= max check. */
export function xtPortRange(ext: string, name: string, arg: string): [number, number] {
  const parts = arg.split(':');
  const range: [number, number] = [0, 65535];
  for (let i = 0; i < parts.length; i++) {
    if (i === 2) paramError(`${ext}: Too many components for option "--${name}" (max: 2)\n`);
    if (parts[i] === '') continue;
    const v = getPortByName(parts[i]);
    if (v < 0) paramError(`Port "${parts[i]}" does not resolve to anything.\n`);
    range[i] = v;
  }
  if (parts.length === 1) range[1] = range[0];
  return range;
}

/** xtables_parse_mark_mask (XTTYPE_MARKMASK32): "value[/mask]", mask defaults to all ones. */
export function xtMarkMask(ext: string, name: string, arg: string): { value: number; mask: number } {
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
  return { value: v.value, mask };
}

/** printf("0x%x"). */
export function hex(n: number): string {
  return '0x' + n.toString(16);
}

/**
 * xtables_options_fcheck's exclusion test: options in table order (which is
 * also id order for the extensions using this); for each option given, the
 * first other given option it excludes is reported.
 */
export function xtExclusive(ext: string, table: readonly { name: string; excl: readonly string[] }[], seen: Seen): void {
  for (const e of table) {
    if (!seen.has(e.name)) continue;
    for (const o of table) {
      if (o !== e && e.excl.includes(o.name) && seen.has(o.name)) {
        paramError(`${ext}: option "--${e.name}" cannot be used together with "--${o.name}".\n`);
      }
    }
  }
}
