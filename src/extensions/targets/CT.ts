/**
 * CT target, revision 2 (extensions/libxt_CT.c; net/netfilter/xt_CT.c).
 *
 * --notrack, --helper NAME, --timeout NAME, --ctevents LIST, --expevents
 * LIST, --zone / --zone-orig / --zone-reply {ID|mark}. Zone options share
 * one zone value; each sets its direction bit (never clears one) and "mark"
 * sets a flag that stays, so `--zone-orig 1 --zone-reply 2` lists as
 * "zone 2". -S prints `-j CT --notrack` for CT and plain `-j NOTRACK` for the
 * NOTRACK alias (see NOTRACK.ts), which carries an extra alias flag.
 *
 * The kernel registers CT for the raw table, PREROUTING and OUTPUT. With
 * --notrack it checks nothing else; otherwise a helper must exist for the
 * family and the rule's -p protocol (ENOENT, "No chain/target/match by that
 * name." when not), and a timeout policy name is refused (no cttimeout
 * objects exist in a fresh namespace).
 */
import { paramError } from '../../util/errors';
import { strtoul } from '../../util/num';
import { EINVAL_MSG } from '../../rules/validate';
import type { Family, HookName, TableName } from '../../rules/model';
import { defineTarget, type CheckContext } from '../types';
import type { Skb } from '../../engine/skb';
import type { NetContext } from '../../engine/net';
import { XT_CONTINUE } from '../../engine/verdict';
import { IP_CT_NEW, IP_CT_UNTRACKED } from '../../conntrack/constants';
import { optionSpecs, xtParse, type XtOption } from '../xtoptions';

/** include/uapi/linux/netfilter/xt_CT.h flags. */
export const XT_CT_NOTRACK = 1;
export const XT_CT_NOTRACK_ALIAS = 2;
const XT_CT_ZONE_DIR_ORIG = 4;
const XT_CT_ZONE_DIR_REPL = 8;
const XT_CT_ZONE_MARK = 16;

export const CT_TABLES: readonly TableName[] = ['raw'];
export const CT_HOOKS: readonly HookName[] = ['PREROUTING', 'OUTPUT'];
const ENOENT_MSG = 'No chain/target/match by that name.';

/** Bit order = enum ip_conntrack_events / ip_conntrack_expect_events. */
const CT_EVENTS = ['new', 'related', 'destroy', 'reply', 'assured', 'protoinfo', 'helper', 'mark', 'natseqinfo', 'secmark'];
const EXP_EVENTS = ['new'];

/** Conntrack helpers the kernel offers, by family, with their L4 protocols. */
const HELPERS: Record<Family, Record<string, readonly number[]>> = {
  4: {
    ftp: [6], tftp: [17], irc: [6], sip: [17, 6], amanda: [17], pptp: [6], sane: [6],
    snmp: [17], snmp_trap: [17], 'netbios-ns': [17], RAS: [17], 'Q.931': [6],
  },
  6: { ftp: [6], tftp: [17], sip: [17, 6], amanda: [17], sane: [6], RAS: [17], 'Q.931': [6] },
};

/* Option table order matters for getopt abbreviations (ct_opts_v1). */
const ENTRIES: readonly XtOption[] = [
  { name: 'notrack', id: 0, type: 'none' },
  { name: 'helper', id: 1, type: 'string' },
  { name: 'timeout', id: 2, type: 'string' },
  { name: 'ctevents', id: 3, type: 'string' },
  { name: 'expevents', id: 4, type: 'string' },
  { name: 'zone-orig', id: 6, type: 'string' },
  { name: 'zone-reply', id: 7, type: 'string' },
  { name: 'zone', id: 5, type: 'string' },
];

export interface CtInfo {
  flags: number;
  helper: string;
  timeout: string;
  ctEvents: number;
  expEvents: number;
  zone: number;
  xflags: number;
}

export function ctInit(flags: number): CtInfo {
  return { flags, helper: '', timeout: '', ctEvents: 0, expEvents: 0, zone: 0, xflags: 0 };
}

function parseEvents(tbl: readonly string[], s: string): number {
  let mask = 0;
  for (const t of s.split(',')) {
    const i = tbl.indexOf(t);
    if (i < 0) paramError(`Unknown event type "${t}"`);
    mask |= 1 << i;
  }
  return mask;
}

function printEvents(pfx: string, tbl: readonly string[], mask: number): string {
  return ` ${pfx} ` + tbl.filter((_, i) => mask & (1 << i)).join(',');
}

function printZone(pfx: string, d: CtInfo): string {
  let s = ` ${pfx}`;
  const dir = d.flags & (XT_CT_ZONE_DIR_ORIG | XT_CT_ZONE_DIR_REPL);
  if (dir === XT_CT_ZONE_DIR_ORIG) s += '-orig';
  if (dir === XT_CT_ZONE_DIR_REPL) s += '-reply';
  return s + (d.flags & XT_CT_ZONE_MARK ? ' mark' : ` ${d.zone}`);
}

/** Print (-L) and save (-S) share one layout; only the option prefix differs. */
export function ctText(d: CtInfo, dashes: string): string {
  if (d.flags & XT_CT_NOTRACK_ALIAS) return dashes ? '' : ' NOTRACK';
  let s = dashes ? '' : ' CT';
  if (d.flags & XT_CT_NOTRACK) s += ` ${dashes}notrack`;
  if (d.helper) s += ` ${dashes}helper ${d.helper}`;
  if (d.timeout) s += ` ${dashes}timeout ${d.timeout}`;
  if (d.ctEvents) s += printEvents(`${dashes}ctevents`, CT_EVENTS, d.ctEvents);
  if (d.expEvents) s += printEvents(`${dashes}expevents`, EXP_EVENTS, d.expEvents);
  if (d.flags & XT_CT_ZONE_MARK || d.zone) s += printZone(`${dashes}zone`, d);
  return s;
}

/** xt_ct_tg_check: what the kernel says about the rule. */
export function ctCheck(d: CtInfo, ctx: CheckContext): string | null {
  if (d.flags & XT_CT_NOTRACK) return null;
  if (d.helper) {
    // xt_ct_find_proto: no protocol (or an inverted one) finds no helper.
    const proto = ctx.ip.invProto ? 0 : ctx.ip.proto;
    const protos = Object.hasOwn(HELPERS[ctx.family], d.helper) ? HELPERS[ctx.family][d.helper] : undefined;
    if (!proto || !protos || !protos.includes(proto)) return ENOENT_MSG;
  }
  if (d.timeout) return EINVAL_MSG;
  return null;
}

/**
 * What CT leaves for conntrack in the namespace (net.extState 'CT'):
 * - `pending`: the template the last CT rule attached to the packet being
 *   handled (xt_ct_target's nf_ct_set(skb, template)); conntrack has not
 *   seen the packet yet (raw runs before it), so the engine must call
 *   ctBindTemplate() right after conntrack in for that packet;
 * - `helpers`: conntrack entry -> helper name for entries created under a
 *   template with --helper (init_conntrack's __nf_ct_try_assign_helper),
 *   for the FTP helper to come. An entry index is reused after the entry
 *   dies: the engine must call ctForgetEntry() when it destroys one.
 * Only zone 0 exists in this model: a template's zone is kept (pendingZone)
 * but conntrack ignores it.
 */
export interface CtState {
  pending: CtInfo | null;
  helpers: Map<number, string>;
}

const CT_KEY = 'CT';

export function ctState(net: NetContext): CtState {
  let s = net.extState.get(CT_KEY) as CtState | undefined;
  if (s === undefined) { s = { pending: null, helpers: new Map() }; net.extState.set(CT_KEY, s); }
  return s;
}

/**
 * xt_ct_target: a packet that already has a conntrack reference (an entry,
 * or untracked) is left alone; --notrack marks it untracked (nf_ct_set(skb,
 * NULL, IP_CT_UNTRACKED): conntrack will skip it); otherwise the rule's
 * template rides with the packet until conntrack creates its entry.
 */
export function ctTarget(skb: Skb, d: CtInfo): number {
  if (skb.ct >= 0 || skb.ctinfo === IP_CT_UNTRACKED) return XT_CONTINUE;
  if (d.flags & XT_CT_NOTRACK) {
    skb.ct = -1;
    skb.ctinfo = IP_CT_UNTRACKED;
    // The same reference as conntrack sees it (skb->_nfct is one field in the kernel).
    if (skb.ctp !== undefined) { skb.ctp.ct = -1; skb.ctp.ctinfo = IP_CT_UNTRACKED; }
    return XT_CONTINUE;
  }
  ctState(skb.net).pending = d;
  return XT_CONTINUE;
}

/**
 * For the engine, right after conntrack in: hand the pending template (if
 * any) to the packet's entry. Only a new entry takes a helper (the template
 * matters only when init_conntrack creates the entry); the pending template
 * is cleared either way.
 */
export function ctBindTemplate(net: NetContext, entry: number, ctinfo: number): void {
  const s = net.extState.get(CT_KEY) as CtState | undefined;
  if (s === undefined || s.pending === null) return;
  const t = s.pending;
  s.pending = null;
  if (entry >= 0 && ctinfo === IP_CT_NEW && t.helper !== '') s.helpers.set(entry, t.helper);
}

/** The helper name assigned to a conntrack entry by a CT --helper rule, or undefined. */
export function ctHelperOf(net: NetContext, entry: number): string | undefined {
  const s = net.extState.get(CT_KEY) as CtState | undefined;
  return s === undefined ? undefined : s.helpers.get(entry);
}

/** For the engine when a conntrack entry is destroyed (its index will be reused). */
export function ctForgetEntry(net: NetContext, entry: number): void {
  const s = net.extState.get(CT_KEY) as CtState | undefined;
  if (s !== undefined) s.helpers.delete(entry);
}

export const CT = defineTarget<CtInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'CT',
  revision: 2,
  family: 0,
  options: optionSpecs(ENTRIES),
  tables: CT_TABLES,
  hooks: CT_HOOKS,
  init: () => ctInit(0),
  parse(opt, arg, invert, d) {
    xtParse('CT', ENTRIES, opt, arg, invert, d);
    const a = arg ?? '';
    switch (opt) {
      case 'notrack': d.flags |= XT_CT_NOTRACK; break;
      // Kept in the kernel's char helper[16] / the 1.8.9 timeout field (4 bytes survive).
      case 'helper': d.helper = Buffer.from(a).subarray(0, 15).toString(); break;
      case 'timeout': d.timeout = Buffer.from(a).subarray(0, 4).toString(); break;
      case 'ctevents': d.ctEvents = parseEvents(CT_EVENTS, a); break;
      case 'expevents': d.expEvents = parseEvents(EXP_EVENTS, a); break;
      default: {
        if (opt === 'zone-orig') d.flags |= XT_CT_ZONE_DIR_ORIG;
        if (opt === 'zone-reply') d.flags |= XT_CT_ZONE_DIR_REPL;
        d.zone = 0;
        if (a.toLowerCase() === 'mark') {
          d.flags |= XT_CT_ZONE_MARK;
        } else {
          const n = strtoul(a, 0, 0, 0xffff);
          if (n === undefined) paramError(`Cannot parse ${a} as a zone ID`);
          d.zone = n;
        }
      }
    }
  },
  print: (d) => ctText(d, ''),
  save: (d) => ctText(d, '--'),
  check: ctCheck,
  target: ctTarget,
});
