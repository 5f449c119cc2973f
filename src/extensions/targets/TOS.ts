/**
 * TOS target, revision 1 (extensions/libxt_TOS.c; net/netfilter/xt_DSCP.c
 * tos_tg), both families, mangle table only.
 *
 * Kept as value/mask: --set-tos V[/M] (M defaults to 0xff for numbers, 0x3f
 * for the symbolic names), --and-tos B = 0/~B, --or-tos B = B/B,
 * --xor-tos B = B/0; the four exclude each other. -S always prints
 * --set-tos 0xVV/0xMM. -L reconstructs the friendliest form: a name when
 * the mask is 0x3f (printed glued to "set", as iptables does), else and /
 * or / xor / set by the shape of value and mask; -n prints set V/M.
 */
import { paramError } from '../../util/errors';
import { strtoulPrefix } from '../../util/num';
import { defineTarget } from '../types';
import { optionSpecs, xoFcheck, xoParse, type OptEntry } from './xtopt';

const ALL = 0b1111;
const ENTRIES: readonly OptEntry[] = [
  { name: 'set-tos', id: 0, type: 'other', excl: ALL },
  { name: 'and-tos', id: 1, type: 'u8', excl: ALL },
  { name: 'or-tos', id: 2, type: 'u8', excl: ALL },
  { name: 'xor-tos', id: 3, type: 'u8', excl: ALL },
];

/** xtoptions.c tos_symbol_names, in lookup order. */
const SYMBOLS: readonly [string, number][] = [
  ['Minimize-Delay', 0x10], ['Maximize-Throughput', 0x08], ['Maximize-Reliability', 0x04],
  ['Minimize-Cost', 0x02], ['Normal-Service', 0x00],
];
const NAME_MASK = 0x3f;

interface TosInfo { value: number; mask: number; xflags: number; }

/** xtables_strtoui with an end pointer: a leading number in range, or undefined. */
function leadingByte(s: string): { value: number; rest: string } | undefined {
  const r = strtoulPrefix(s, 0);
  if (!r || r.value > 0xff) return undefined;
  return r;
}

/** xtopt_parse_tosmask. */
function parseTosMask(arg: string): [number, number] {
  const first = leadingByte(arg);
  if (first) {
    let mask = 0xff;
    let rest = first.rest;
    if (rest.startsWith('/')) {
      const m = leadingByte(rest.slice(1));
      if (!m) paramError(`Illegal value: "${arg}"`);
      mask = m.value;
      rest = m.rest;
    }
    if (rest !== '') paramError(`Illegal value: "${arg}"`);
    return [first.value, mask];
  }
  const sym = SYMBOLS.find(([n]) => n.toLowerCase() === arg.toLowerCase());
  if (!sym) paramError(`Symbolic name "${arg}" is unknown`);
  return [sym[1], NAME_MASK];
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

export const TOS = defineTarget<TosInfo>({
  kind: 'target',
  name: 'TOS',
  revision: 1,
  family: 0,
  tables: ['mangle'],
  options: optionSpecs(ENTRIES),
  init: () => ({ value: 0, mask: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const e = ENTRIES.find((x) => x.name === opt)!;
    const v = xoParse('TOS', e, arg, invert, d);
    switch (opt) {
      case 'set-tos': [d.value, d.mask] = parseTosMask(arg!); break;
      case 'and-tos': d.value = 0; d.mask = ~v & 0xff; break;
      case 'or-tos': d.value = v; d.mask = v; break;
      case 'xor-tos': d.value = v; d.mask = 0; break;
    }
  },
  finalCheck(d) {
    if (!d.xflags) paramError('TOS: An action is required');
    xoFcheck('TOS', ENTRIES, d.xflags);
  },
  print(d, ctx) {
    if (ctx.numeric) return ` TOS set ${hex(d.value)}/${hex(d.mask)}`;
    if (d.mask === NAME_MASK) {
      const sym = SYMBOLS.find(([, v]) => v === d.value);
      if (sym) return `  TOS set${sym[0]}`;
    }
    if (d.value === 0) return ` TOS and ${hex(~d.mask & 0xff)}`;
    if (d.value === d.mask) return ` TOS or ${hex(d.value)}`;
    if (d.mask === 0) return ` TOS xor ${hex(d.value)}`;
    return ` TOS set ${hex(d.value)}/${hex(d.mask)}`;
  },
  save: (d) => ` --set-tos ${hex(d.value)}/${hex(d.mask)}`,
});
