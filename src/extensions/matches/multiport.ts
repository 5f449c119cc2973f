/**
 * multiport match, revision 1 (extensions/libxt_multiport.c;
 * net/netfilter/xt_multiport.c): [!] --sports/--dports/--ports with up
 * to 15 ports, a range "a:b" taking two of the slots. Ports use the old
 * xtables_parse_port (numbers or services of the rule's protocol).
 */
import { paramError } from '../../util/errors';
import { getservbyport } from '../../util/netdb';
import { EINVAL_MSG } from '../../rules/validate';
import type { Skb } from '../../engine/skb';
import { get16 } from '../../wire/checksum';
import { defineMatch } from '../types';
import { parsePort } from './ports';
import { xtFcheckNamed, xtOnce, type FcheckEntry, type Seen } from '../xtoptions';

const MULTI_PORTS = 15;
const PROTOS: Record<number, string> = { 6: 'tcp', 17: 'udp', 136: 'udplite', 132: 'sctp', 33: 'dccp' };

type Flags = 'sports' | 'dports' | 'ports';

export interface MultiportInfo {
  flags: Flags | undefined;
  /** Flat list as the kernel holds it; pflags[i] marks ports[i]:ports[i+1] as a range. */
  ports: number[];
  pflags: boolean[];
  invert: boolean;
  seen: Seen;
}

/** Canonical names in table order (id order), as libxtables reports them. */
const OPT_NAMES: readonly [Flags, string][] = [['sports', 'source-ports'], ['dports', 'destination-ports'], ['ports', 'ports']];
/** Every option excludes the others. */
const TABLE: readonly FcheckEntry[] = OPT_NAMES.map(([, name]) => ({ name, excl: OPT_NAMES.map(([, n]) => n) }));

function checkProto(proto: number, invProto: boolean): string {
  const name = PROTOS[proto];
  if (invProto || (proto !== 0 && !name)) paramError('multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP');
  if (!name) paramError("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
  return name;
}

function parsePorts(s: string, proto: string, d: MultiportInfo): void {
  d.ports = []; d.pflags = [];
  const parts = s.split(',');
  let i = 0;
  let k = 0;
  for (; k < parts.length && i < MULTI_PORTS; k++, i++) {
    const cp = parts[k];
    const c = cp.indexOf(':');
    if (c >= 0 && i === MULTI_PORTS - 1) paramError('too many ports specified');
    d.ports[i] = parsePort(c >= 0 ? cp.slice(0, c) : cp, proto);
    d.pflags[i] = c >= 0;
    if (c >= 0) {
      d.ports[++i] = parsePort(cp.slice(c + 1), proto);
      d.pflags[i] = false;
      if (d.ports[i - 1] >= d.ports[i]) paramError('invalid portrange specified');
    }
  }
  if (k < parts.length) paramError('too many ports specified');
}

function portList(d: MultiportInfo, numeric: boolean, proto: string | undefined): string {
  const name = (p: number): string => (!numeric && proto && getservbyport(p, proto)) || String(p);
  let s = '';
  for (let i = 0; i < d.ports.length; i++) {
    s += (i ? ',' : '') + name(d.ports[i]);
    if (d.pflags[i]) s += ':' + name(d.ports[++i]);
  }
  return s;
}

/** xt_multiport.c ports_match_v1: the first listed port or range that fits decides. */
function portsMatch(d: MultiportInfo, src: number, dst: number): boolean {
  const ports = d.ports;
  const n = ports.length;
  const f = d.flags;
  for (let i = 0; i < n; i++) {
    const s = ports[i];
    const e = d.pflags[i] ? ports[++i] : s;
    const inSrc = src >= s && src <= e;
    const inDst = dst >= s && dst <= e;
    if (f === 'sports' ? inSrc : f === 'dports' ? inDst : inSrc || inDst) return !d.invert;
  }
  return d.invert;
}

/** xt_multiport.c multiport_mt: not a non-first fragment; hotdrop without the 4 port bytes. */
export function multiportMatch(skb: Skb, d: MultiportInfo): boolean {
  const v = skb.view;
  if (v.fragOffset !== 0) return false;
  if (v.l4 + 4 > v.ipEnd) { skb.hotdrop = true; return false; }
  return portsMatch(d, get16(v.buf, v.l4), get16(v.buf, v.l4 + 2));
}

export const multiport = defineMatch<MultiportInfo>({
  kind: 'match',
  name: 'multiport',
  revision: 1,
  family: 0,
  options: [
    { name: 'source-ports', arg: 'required' }, { name: 'sports', arg: 'required' },
    { name: 'destination-ports', arg: 'required' }, { name: 'dports', arg: 'required' },
    { name: 'ports', arg: 'required' },
  ],
  init: () => ({ flags: undefined, ports: [], pflags: [], invert: false, seen: new Set() }),
  parse(opt, arg, invert, d, ctx) {
    const flags: Flags = opt === 'source-ports' || opt === 'sports' ? 'sports'
      : opt === 'destination-ports' || opt === 'dports' ? 'dports' : 'ports';
    xtOnce('multiport', OPT_NAMES.find(([f]) => f === flags)![1], d.seen, invert, true);
    const proto = checkProto(ctx.ip.proto, ctx.ip.invProto);
    parsePorts(arg!, proto, d);
    d.flags = flags;
    if (invert) d.invert = true;
  },
  finalCheck(d) {
    if (d.seen.size === 0) paramError('multiport expection an option');
    xtFcheckNamed('multiport', TABLE, d.seen);
  },
  print(d, ctx) {
    return ` multiport ${d.flags} ${d.invert ? ' !' : ''}${portList(d, ctx.numeric, PROTOS[ctx.ip.proto])}`;
  },
  save(d) {
    return `${d.invert ? ' !' : ''} --${d.flags} ${portList(d, true, undefined)}`;
  },
  check(d, ctx) {
    // xt_multiport.c check(): protocol with ports, not inverted.
    if (!PROTOS[ctx.ip.proto] || ctx.ip.invProto) return EINVAL_MSG;
    return null;
  },
  match: multiportMatch,
});
