/**
 * statistic match (extensions/libxt_statistic.c; net/netfilter/
 * xt_statistic.c). --mode random stores lround(2^31 * p) and prints it
 * back with "%.11f"; --mode nth stores every-1. A "!" before any option
 * sets the single invert flag, printed right after the mode.
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtOnce, xtUint, type FcheckEntry } from '../xtoptions';

const TABLE: readonly FcheckEntry[] = [
  { name: 'mode', mand: true },
  { name: 'probability', excl: ['every', 'packet'] },
  { name: 'every', excl: ['probability'], also: ['packet'] },
  { name: 'packet', excl: ['probability'], also: ['every'] },
];

/** strtod over the whole string (decimal, exponent, inf/nan); undefined if not a number. */
export function strtod(s: string): number | undefined {
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return undefined;
}

/** printf("%.11f", k / 2^31) with glibc's exact round-half-to-even. */
function fixed11(k: number): string {
  const num = BigInt(k) * 10n ** 11n;
  const den = 1n << 31n;
  let q = num / den;
  const r = num % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  const digits = q.toString().padStart(12, '0');
  return `${digits.slice(0, -11)}.${digits.slice(-11)}`;
}

export interface StatisticInfo {
  seen: Set<string>;
  nth: boolean;
  invert: boolean;
  probability: number;
  /** --every minus one (u32), 0 when not given. */
  every: number;
  packet: number;
  /** --mode nth: the rule instance's counter (xt_statistic_priv.count), starting at --packet. */
  count?: number;
}

function render(d: StatisticInfo, prefix: string): string {
  const inv = d.invert ? ' !' : '';
  if (!d.nth) return ` ${prefix}mode random${inv} ${prefix}probability ${fixed11(d.probability)}`;
  let s = ` ${prefix}mode nth${inv} ${prefix}every ${(d.every + 1) >>> 0}`;
  if (d.packet || prefix) s += ` ${prefix}packet ${d.packet}`;
  return s;
}

export const statistic = defineMatch<StatisticInfo>({
  kind: 'match',
  name: 'statistic',
  family: 0,
  options: TABLE.map((e) => ({ name: e.name, arg: 'required' as const })),
  init: () => ({ seen: new Set(), nth: false, invert: false, probability: 0, every: 0, packet: 0 }),
  parse(opt, arg, invert, d) {
    if (invert) d.invert = true;
    xtOnce('statistic', opt, d.seen, invert, opt === 'probability' || opt === 'every');
    const a = arg!;
    switch (opt) {
      case 'mode':
        if (a === 'random') d.nth = false;
        else if (a === 'nth') d.nth = true;
        else paramError(`Bad mode "${a}"`);
        break;
      case 'probability': {
        const v = strtod(a);
        if (v === undefined || v < 0 || v > 1) paramError('statistic: bad value for option "--probability", or out of range (0-1).\n');
        d.probability = Number.isNaN(v) ? 0 : Math.round(0x80000000 * v);
        break;
      }
      case 'every': d.every = xtUint('statistic', opt, a, 1, 0xffffffff) - 1; break;
      case 'packet': d.packet = xtUint('statistic', opt, a, 0, 0xffffffff); break;
    }
  },
  finalCheck(d) {
    if (!d.nth && !d.seen.has('probability')) paramError('--probability must be specified when using random mode');
    if (d.nth && !d.seen.has('every') && !d.seen.has('packet')) paramError('--every and --packet must be specified when using nth mode');
    if (d.packet > d.every) paramError('the --packet p must be 0 <= p <= n-1');
    xtFcheckNamed('statistic', TABLE, d.seen);
  },
  print: (d) => ' statistic' + render(d, ''),
  save: (d) => render(d, '--'),
  /**
   * xt_statistic.c statistic_mt: random compares 31 random bits (from the
   * namespace's seedable source) with the stored probability; nth counts
   * 0..every and matches when the counter wraps to 0.
   */
  match(skb, d) {
    let ret = d.invert;
    if (!d.nth) {
      if ((skb.net.random.u32() & 0x7fffffff) < d.probability) ret = !ret;
      return ret;
    }
    const oval = d.count ?? d.packet;
    const nval = oval === d.every ? 0 : oval + 1;
    d.count = nval;
    if (nval === 0) ret = !ret;
    return ret;
  },
});
