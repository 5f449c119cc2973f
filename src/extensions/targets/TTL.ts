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
  });
}

export const TTL = hopLimitTarget('TTL', 'ttl', 4);
