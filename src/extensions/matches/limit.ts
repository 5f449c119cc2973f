/**
 * limit match (extensions/libxt_limit.c; net/netfilter/xt_limit.c).
 * The rate is stored as a period: XT_LIMIT_SCALE (10000) * seconds-per-unit
 * / N, and printed back as the largest unit that divides it reasonably
 * (print_rate), so "60/minute" lists as "1/sec". Neither option inverts.
 */
import type { Skb } from '../../engine/skb';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtOnce, xtUint } from '../xtoptions';

const SCALE = 10000;
/** strerror(ERANGE), as iptables reports the kernel's refusal. */
export const ERANGE_MSG = 'Numerical result out of range.';
const DEFAULT_BURST = 5;

/** glibc atoi: (int)strtol, i.e. clamped to long, then cut to 32 bits. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s)!;
  if (m[2] === '') return 0;
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  const LMAX = (1n << 63n) - 1n;
  if (v > LMAX) v = LMAX;
  if (v < -LMAX - 1n) v = -LMAX - 1n;
  return Number(BigInt.asIntN(32, v));
}

/**
 * parse_rate: "N[/unit]" where unit is any case-insensitive prefix of
 * second, minute, hour or day. Returns the period, undefined if invalid.
 */
export function parseRate(rate: string, ext = ''): number | undefined {
  let mult = 1;
  const slash = rate.indexOf('/');
  if (slash >= 0) {
    const unit = rate.slice(slash + 1).toLowerCase();
    if (unit === '') return undefined;
    const units: [string, number][] = [['second', 1], ['minute', 60], ['hour', 3600], ['day', 86400]];
    const u = units.find(([n]) => n.startsWith(unit));
    if (!u) return undefined;
    mult = u[1];
  }
  const r = atoi(rate) >>> 0;
  if (r === 0) return undefined;
  const val = Math.floor((SCALE * mult) / r);
  if (val === 0) paramError(`${ext}Rate too fast "${rate}"`);
  return val;
}

const RATES: readonly [string, number][] = [
  ['day', SCALE * 86400], ['hour', SCALE * 3600], ['min', SCALE * 60], ['sec', SCALE],
];

/** print_rate: " N/unit". */
export function printRate(period: number): string {
  let i = 1;
  for (; i < RATES.length; i++) {
    const m = RATES[i][1];
    if (period > m || Math.floor(m / period) < m % period) break;
  }
  return ` ${Math.floor(RATES[i - 1][1] / period)}/${RATES[i - 1][0]}`;
}

/** The kernel's tick rate (CONFIG_HZ of the reference kernel; 250 is also what the ERANGE check above was matched against). */
export const HZ = 250;
/** xt_limit.c CREDITS_PER_JIFFY for HZ=250: the power of two below 0xffffffff / (HZ*60*60*24). */
const CREDITS_PER_JIFFY = 128;

/**
 * jiffies for an engine clock reading in ms. The count starts at the
 * engine clock's epoch (the kernel starts at INITIAL_JIFFIES, 5 minutes
 * before wrapping to 0); only differences and the numbers shown in
 * /proc/net/xt_recent depend on that choice.
 */
export function jiffies(ms: number): number {
  return Math.floor((ms * HZ) / 1000);
}

/** Kernel user2credits with HZ=250 (CREDITS_PER_JIFFY = 128), in u32 arithmetic. */
export function user2credits(user: number): number {
  const HZ_CPJ = 250 * 128;
  if (user > Math.floor(0xffffffff / HZ_CPJ)) return (Math.floor(user / SCALE) * HZ_CPJ) >>> 0;
  return Math.floor((user * HZ_CPJ) / SCALE) >>> 0;
}

export interface LimitInfo {
  seen: Set<string>;
  avg: number;
  burst: number;
  /**
   * The rule instance's bucket (struct xt_limit_priv plus credit_cap/cost),
   * set up on the first packet: the kernel fills it full at checkentry,
   * and a full bucket stays full until a packet arrives, so starting at
   * the first packet is the same.
   */
  prev?: number;
  credit?: number;
  creditCap?: number;
  cost?: number;
}

/** xt_limit.c limit_mt: refill by elapsed jiffies (u32 arithmetic), cap, spend the cost. */
export function limitMatch(skb: Skb, d: LimitInfo): boolean {
  const now = jiffies(skb.net.clock.now());
  if (d.creditCap === undefined) {
    d.prev = now;
    d.credit = user2credits((d.avg * d.burst) >>> 0);
    d.creditCap = d.credit;
    d.cost = user2credits(d.avg);
  }
  const cost = d.cost!;
  let credit = d.credit!;
  // Fast path: nothing to refill in the same jiffy.
  if (credit < cost && d.prev === now) return false;
  const inc = (((now - d.prev!) % 0x100000000) * CREDITS_PER_JIFFY) % 0x100000000;
  d.prev = now;
  credit = (credit + inc) % 0x100000000;
  if (credit > d.creditCap) credit = d.creditCap;
  let ret = false;
  if (credit >= cost) { ret = true; credit -= cost; }
  d.credit = credit;
  return ret;
}

export const limit = defineMatch<LimitInfo>({
  kind: 'match',
  name: 'limit',
  family: 0,
  options: [{ name: 'limit', arg: 'required' }, { name: 'limit-burst', arg: 'required' }],
  init: () => ({ seen: new Set(), avg: parseRate('3/hour')!, burst: DEFAULT_BURST }),
  parse(opt, arg, invert, d) {
    xtOnce('limit', opt, d.seen, invert, false);
    if (opt === 'limit') {
      const v = parseRate(arg!);
      if (v === undefined) paramError(`bad rate "${arg}"'`);
      d.avg = v;
    } else {
      d.burst = xtUint('limit', opt, arg!, 0, 10000);
    }
  },
  // xt_limit.c limit_mt_check: burst 0, or avg*burst overflowing the credits (ERANGE).
  check(d) {
    if (d.burst === 0) return ERANGE_MSG;
    const prod = Number((BigInt(d.avg) * BigInt(d.burst)) & 0xffffffffn);
    if (user2credits(prod) < user2credits(d.avg)) return ERANGE_MSG;
    return null;
  },
  print: (d) => ` limit: avg${printRate(d.avg)} burst ${d.burst}`,
  save: (d) => ` --limit${printRate(d.avg)}${d.burst !== DEFAULT_BURST ? ` --limit-burst ${d.burst}` : ''}`,
  match: limitMatch,
});
