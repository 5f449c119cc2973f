/**
 * tos match, revision 1 (extensions/libxt_tos.c; net/netfilter/xt_dscp.c
 * tos_mt): [!] --tos value[/mask] or a symbolic name (XTTYPE_TOSMASK).
 * Names imply mask 0x3f; numbers default to mask 0xff. -L prints the name
 * back only when the mask is 0x3f, with 1.8.9's odd spacing.
 */
import { paramError } from '../../util/errors';
import { strtoulPrefix } from '../../util/num';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, type Seen } from './guided';

/** xtoptions.c tos_symbol_names. */
const SYMBOLS: readonly [string, number][] = [
  ['Minimize-Delay', 0x10], ['Maximize-Throughput', 0x08], ['Maximize-Reliability', 0x04],
  ['Minimize-Cost', 0x02], ['Normal-Service', 0x00],
];

export interface TosInfo { value: number; mask: number; invert: boolean; seen: Seen; }

/** xtopt_parse_tosmask with the rev-1 default mask 0x3f for names. */
function parseTos(arg: string): { value: number; mask: number } {
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
  const s = SYMBOLS.find(([n]) => n.toLowerCase() === arg.toLowerCase());
  if (!s) paramError(`Symbolic name "${arg}" is unknown`);
  return { value: s[1], mask: 0x3f };
}

const hex2 = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

export const tos = defineMatch<TosInfo>({
  kind: 'match',
  name: 'tos',
  revision: 1,
  family: 0,
  options: [{ name: 'tos', arg: 'required' }],
  init: () => ({ value: 0, mask: 0, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('tos', 'tos', d.seen, invert, true);
    Object.assign(d, parseTos(arg!));
    d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('tos', 'tos', d.seen),
  print(d, ctx) {
    let s = ` tos match${d.invert ? '!' : ''}`;
    const sym = !ctx.numeric && d.mask === 0x3f ? SYMBOLS.find(([, v]) => v === d.value) : undefined;
    s += sym ? ` ${sym[0]}` : `${hex2(d.value)}/${hex2(d.mask)}`;
    return s;
  },
  save: (d) => `${d.invert ? ' !' : ''} --tos ${hex2(d.value)}/${hex2(d.mask)}`,
});
