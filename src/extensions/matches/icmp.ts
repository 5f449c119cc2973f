/**
 * icmp match, IPv4 only (extensions/libipt_icmp.c, libxt_icmp.h;
 * net/netfilter/xt_tcpudp.c is not involved: net/ipv4/netfilter/ip_tables.c
 * icmp_match). --icmp-type [!] {name | type[/code[:code]] | any}.
 * The type parser here is shared with icmp6.
 */
import { paramError } from '../../util/errors';
import { strtoulPrefix } from '../../util/num';
import type { Skb } from '../../engine/skb';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, type Seen } from '../xtoptions';

export interface IcmpName { name: string; type: number; min: number; max: number; }

const n = (name: string, type: number, min = 0, max = 0xff): IcmpName => ({ name, type, min, max });

/** libxt_icmp.h icmp_codes, in table order (order matters for prefix ambiguity and printing). */
export const ICMP_NAMES: readonly IcmpName[] = [
  n('any', 0xff), n('echo-reply', 0), n('pong', 0),
  n('destination-unreachable', 3), n('network-unreachable', 3, 0, 0), n('host-unreachable', 3, 1, 1),
  n('protocol-unreachable', 3, 2, 2), n('port-unreachable', 3, 3, 3), n('fragmentation-needed', 3, 4, 4),
  n('source-route-failed', 3, 5, 5), n('network-unknown', 3, 6, 6), n('host-unknown', 3, 7, 7),
  n('network-prohibited', 3, 9, 9), n('host-prohibited', 3, 10, 10), n('TOS-network-unreachable', 3, 11, 11),
  n('TOS-host-unreachable', 3, 12, 12), n('communication-prohibited', 3, 13, 13),
  n('host-precedence-violation', 3, 14, 14), n('precedence-cutoff', 3, 15, 15),
  n('source-quench', 4),
  n('redirect', 5), n('network-redirect', 5, 0, 0), n('host-redirect', 5, 1, 1),
  n('TOS-network-redirect', 5, 2, 2), n('TOS-host-redirect', 5, 3, 3),
  n('echo-request', 8), n('ping', 8), n('router-advertisement', 9), n('router-solicitation', 10),
  n('time-exceeded', 11), n('ttl-exceeded', 11), n('ttl-zero-during-transit', 11, 0, 0),
  n('ttl-zero-during-reassembly', 11, 1, 1),
  n('parameter-problem', 12), n('ip-header-bad', 12, 0, 0), n('required-option-missing', 12, 1, 1),
  n('timestamp-request', 13), n('timestamp-reply', 14), n('address-mask-request', 17), n('address-mask-reply', 18),
];

export interface IcmpInfo { type: number; code: [number, number]; invert: boolean; seen: Seen; }

/** "n" or "n:m" with xtables_strtoui(…, 0, 255) allowing trailing text; undefined on failure. */
function parseRange(s: string): { r: [number, number]; rest: string } | undefined {
  const a = strtoulPrefix(s, 0);
  if (!a || a.value > 255) return undefined;
  if (a.rest[0] !== ':') return { r: [a.value, a.value], rest: a.rest };
  const b = strtoulPrefix(a.rest.slice(1), 0);
  if (!b || b.value > 255) return undefined;
  return { r: [a.value, b.value], rest: b.rest };
}

/**
 * The 1.8.9 parser (shared with ebtables): case-insensitive prefix match on
 * the names, the first two matching names make it ambiguous; otherwise
 * type[:type][/code[:code]] numbers. `what` is "ICMP" or "ICMPv6".
 */
export function parseIcmpType(arg: string, table: readonly IcmpName[], what: string): { type: number; code: [number, number] } {
  let match: IcmpName | undefined;
  const low = arg.toLowerCase();
  for (const e of table) {
    if (!e.name.toLowerCase().startsWith(low)) continue;
    if (match) paramError(`Ambiguous ${what} type \`${arg}': \`${match.name}' or \`${e.name}'?`);
    match = e;
  }
  if (match) return { type: match.type, code: [match.min, match.max] };
  const t = parseRange(arg);
  if (!t) paramError(`Unknown ${what} type \`${arg}'`);
  let code: [number, number] = [0, 0xff];
  let rest = t.rest;
  if (rest[0] === '/') {
    const c = parseRange(rest.slice(1));
    if (!c) paramError(`Unknown ${what} code \`${arg}'`);
    code = c.r;
    rest = c.rest;
  }
  if (rest !== '') paramError(`unknown character ${rest[0]}`);
  if (t.r[0] !== t.r[1]) paramError(`${what} type range not supported`);
  return { type: t.r[0], code };
}

/** -L text after the label: " name"/" !name" or "type N[ code C| codes A-B]" (no leading space unless inverted, as 1.8.9 prints). */
export function printIcmpType(label: string, d: IcmpInfo, numeric: boolean, table: readonly IcmpName[]): string {
  const [min, max] = d.code;
  if (!numeric) {
    const e = table.find((x) => x.type === d.type && x.min === min && x.max === max);
    if (e) return ` ${label} ${d.invert ? '!' : ''}${e.name}`;
  }
  let s = ` ${label}${d.invert ? ' !' : ''}type ${d.type}`;
  if (min === 0 && max === 0xff) return s;
  s += min === max ? ` code ${min}` : ` codes ${min}-${max}`;
  return s;
}

/** Save form: only the lower code is written (libxt_icmp save). */
export function saveIcmpType(opt: string, d: IcmpInfo): string {
  let s = `${d.invert ? ' !' : ''} ${opt} ${d.type}`;
  if (d.code[0] !== 0 || d.code[1] !== 0xff) s += `/${d.code[0]}`;
  return s;
}

/**
 * ip_tables.c icmp_match / ip6_tables.c icmp6_match: never a non-first
 * fragment; hotdrop when the 8-byte ICMP header (struct icmphdr /
 * icmp6hdr) is cut short; type 0xff is "any" for ICMP only.
 */
export function icmpTypeMatch(skb: Skb, d: IcmpInfo, anyType: boolean): boolean {
  const v = skb.view;
  if (v.fragOffset !== 0) return false;
  const l4 = v.l4;
  if (l4 + 8 > v.ipEnd) { skb.hotdrop = true; return false; }
  if (anyType && d.type === 0xff) return !d.invert;
  const type = v.buf[l4];
  const code = v.buf[l4 + 1];
  return (type === d.type && code >= d.code[0] && code <= d.code[1]) !== d.invert;
}

export const icmp = defineMatch<IcmpInfo>({
  kind: 'match',
  name: 'icmp',
  family: 4,
  proto: 1,
  options: [{ name: 'icmp-type', arg: 'required' }],
  init: () => ({ type: 0xff, code: [0, 0xff], invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('icmp', 'icmp-type', d.seen, invert, true);
    const r = parseIcmpType(arg!, ICMP_NAMES, 'ICMP');
    d.type = r.type; d.code = r.code; d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('icmp', 'icmp-type', d.seen),
  print: (d, ctx) => printIcmpType('icmp', d, ctx.numeric, ICMP_NAMES),
  save(d) {
    // type 0xff is "any" whatever the codes are.
    if (d.type === 0xff) return `${d.invert ? ' !' : ''} --icmp-type any`;
    return saveIcmpType('--icmp-type', d);
  },
  match: (skb, d) => icmpTypeMatch(skb, d, true),
});
