/**
 * TTL target, IPv4 (extensions/libipt_TTL.c; net/netfilter/xt_HL.c
 * ttl_tg_check), and the shared code for its IPv6 twin HL (HL.ts).
 *
 * Exactly one of --ttl-set (0-255), --ttl-dec, --ttl-inc (1-255). The three
 * exclude each other; xtables_options_fcheck reports the first conflicting
 * pair in option-table order (set, dec, inc) against id order (set, inc,
 * dec). The kernel registers the target for the mangle table only.
 */
import { paramError } from '../../util/errors';
import type { Family } from '../../rules/model';
import { defineTarget, type TargetExtension } from '../types';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { csumReplace16 } from '../../wire/checksum';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const MODES = ['set', 'inc', 'dec'] as const;
type Mode = (typeof MODES)[number];
const ALL = 0b111;

interface HopInfo { mode: Mode; value: number; xflags: number; }

/** TTL (IPv4, word "ttl") or HL (IPv6, word "hl"). */
export function hopLimitTarget(name: 'TTL' | 'HL', word: string, family: Family): TargetExtension {
  const entries: readonly XtOption[] = [
    { name: `${word}-set`, id: 0, type: 'u8', excl: ALL },
    { name: `${word}-dec`, id: 2, type: 'u8', excl: ALL, min: 1 },
    { name: `${word}-inc`, id: 1, type: 'u8', excl: ALL, min: 1 },
  ];
  return defineTarget<HopInfo>({
    kind: 'target',
    name,
    family,
    tables: ['mangle'],
    options: optionSpecs(entries),
    init: () => ({ mode: 'set', value: 0, xflags: 0 }),
    parse(opt, arg, invert, d) {
      d.value = xtParse(name, entries, opt, arg, invert, d);
      d.mode = MODES[entries.find((x) => x.name === opt)!.id];
    },
    finalCheck(d) {
      if (!d.xflags) paramError(`${name}: You must specify an action`);
      xtFcheck(name, entries, d.xflags);
    },
    print(d) {
      const what = d.mode === 'set' ? 'set to' : d.mode === 'dec' ? 'decrement by' : 'increment by';
      return ` ${name} ${what} ${d.value}`;
    },
    save: (d) => ` --${word}-${d.mode} ${d.value}`,
    target: family === 4 ? ttlTarget : hlTarget,
  });
}

/** The new TTL / hop limit, saturating at 0 and 255 (xt_HL.c). */
function newHop(d: HopInfo, old: number): number {
  if (d.mode === 'set') return d.value;
  if (d.mode === 'inc') return old + d.value > 255 ? 255 : old + d.value;
  return old - d.value < 0 ? 0 : old - d.value;
}

/** ttl_tg: rewrite the TTL and patch the header checksum (csum_replace2 of the TTL's word). */
function ttlTarget(skb: Skb, d: HopInfo): number {
  const v = skb.view;
  const b = v.buf;
  const old = b[v.l3 + 8];
  const nv = newHop(d, old);
  if (nv !== old) {
    const c = csumReplace16((b[v.l3 + 10] << 8) | b[v.l3 + 11], old << 8, nv << 8);
    b[v.l3 + 10] = c >>> 8; b[v.l3 + 11] = c & 0xff;
    b[v.l3 + 8] = nv;
    v.ttl = nv;
  }
  return XT_CONTINUE;
}

/** hl_tg6: IPv6 has no header checksum. */
function hlTarget(skb: Skb, d: HopInfo): number {
  const v = skb.view;
  const nv = newHop(d, v.buf[v.l3 + 7]);
  v.buf[v.l3 + 7] = nv;
  v.ttl = nv;
  return XT_CONTINUE;
}

export const TTL = hopLimitTarget('TTL', 'ttl', 4);
