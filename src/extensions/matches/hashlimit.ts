/**
 * hashlimit match, revision 3 (extensions/libxt_hashlimit.c;
 * net/netfilter/xt_hashlimit.c). Rates are periods in units of 1/1000000 s
 * (XT_HASHLIMIT_SCALE_v2), or with "b/s" byte costs (UINT32_MAX / (bytes/16
 * + 1)). The print and save forms differ: -L multiplies the period by the
 * rate-match interval, save does not, and each omits --hashlimit-htable-
 * expire only when it equals the rate's own unit (the "quantum").
 * All arithmetic that C does in u64 is done with BigInt.
 */
import type { Family } from '../../rules/model';
import { EINVAL_MSG } from '../../rules/validate';
import { paramError } from '../../util/errors';
import { strtoulPrefix } from '../../util/num';
import { defineMatch } from '../types';
import { cutString } from './helper';
import { ERANGE_MSG, atoi } from './limit';
import { xtFcheckNamed, xtPlen, xtUint, type FcheckEntry } from '../xtoptions';

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;
const SCALE = 1000000n;
const BURST_MAX = 1000000n;
const HASH_DIP = 1, HASH_DPT = 2, HASH_SIP = 4, HASH_SPT = 8, INVERT = 0x10, BYTES = 0x20, RATE_MATCH = 0x40;

const TABLE: readonly FcheckEntry[] = [
  { name: 'hashlimit-upto', excl: ['hashlimit-above'] }, { name: 'hashlimit-above', excl: ['hashlimit-upto'] },
  { name: 'hashlimit-srcmask' }, { name: 'hashlimit-dstmask' }, { name: 'hashlimit-burst' },
  { name: 'hashlimit-htable-size' }, { name: 'hashlimit-htable-max' }, { name: 'hashlimit-htable-gcinterval' },
  { name: 'hashlimit-htable-expire' }, { name: 'hashlimit-mode' }, { name: 'hashlimit-name', mand: true },
  { name: 'hashlimit-rate-match' }, { name: 'hashlimit-rate-interval' },
];

/** glibc atoll: (long long)strtoll, clamped; returned as the u64 the C code stores. */
function atoll(s: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s)!;
  if (m[2] === '') return 0n;
  let v = BigInt(m[2]);
  const LMAX = (1n << 63n) - 1n;
  if (m[1] === '-') v = v > LMAX + 1n ? -(LMAX + 1n) : -v;
  else if (v > LMAX) v = LMAX;
  return BigInt.asUintN(64, v);
}

function factor(c: string | undefined): bigint {
  return c === 'm' ? 1048576n : c === 'k' ? 1024n : 1n;
}

function bytesToCost(bytes: bigint): bigint {
  const r = BigInt.asUintN(32, bytes >> 4n);
  return U32 / (r + 1n);
}

function costToBytes(cost: bigint): bigint {
  const r = cost ? U32 / cost : U32;
  return BigInt.asUintN(64, (r - 1n) << 4n);
}

export interface HashlimitInfo {
  seen: Set<string>;
  mode: number;
  avg: bigint;
  burst: bigint;
  size: number;
  max: number;
  gcInterval: number;
  expire: number;
  srcmask: number;
  dstmask: number;
  interval: number;
  name: string;
  /** hashlimit_mt_udata.mult: seconds per rate unit, 15 for byte rates. */
  mult: number;
  family: Family;
}

/** parse_bytes: "N[k|m]b/s"; false when not a byte rate. */
function parseBytes(rate: string, d: HashlimitInfo): boolean {
  const at = rate.indexOf('b/s');
  if (at <= 0) return false;
  const r = atoll(rate);
  if (r === 0n) return false;
  const tmp = BigInt.asUintN(64, r * factor(rate[at - 1]));
  const cost = bytesToCost(tmp);
  if (cost === 0n) paramError(`Rate too high "${rate}"`);
  d.mult = 15;
  d.avg = cost;
  return true;
}

/** parse_rate: "N[/unit]" with any prefix of second/minute/hour/day. */
function parseRate(rate: string, d: HashlimitInfo): boolean {
  let mult = 1;
  d.mult = 1;
  const slash = rate.indexOf('/');
  if (slash >= 0) {
    const unit = rate.slice(slash + 1).toLowerCase();
    if (unit === '') return false;
    const u = ([['second', 1], ['minute', 60], ['hour', 3600], ['day', 86400]] as const).find(([n]) => n.startsWith(unit));
    if (!u) return false;
    mult = u[1];
    d.mult = mult;
  }
  const r = atoll(rate);
  if (r === 0n) return false;
  const tmp = (SCALE * BigInt(mult)) / r;
  if (tmp === 0n) paramError(`Rate too fast "${rate}"`);
  d.avg = tmp;
  return true;
}

function parseMode(arg: string): number | undefined {
  let mode = 0;
  for (const tok of arg.split(/[,|]/).filter((t) => t !== '')) {
    const bit = ({ dstip: HASH_DIP, srcip: HASH_SIP, srcport: HASH_SPT, dstport: HASH_DPT } as Record<string, number>)[tok];
    if (bit === undefined) return undefined;
    mode |= bit;
  }
  return mode;
}

/** parse_burst: base-0 number, optional k/m factor (other trailing text is ignored). */
function parseBurst(s: string): bigint {
  const bad = (): never => paramError(`bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`);
  if (/^\s*-/.test(s)) bad();
  const r = strtoulPrefix(s, 0);
  if (!r || r.value < 1) bad();
  const v = BigInt(strtoulPrefixBig(s));
  if (v > U64) bad();
  if (r!.rest === '' && v > BURST_MAX) bad();
  const out = v * factor(r!.rest[0]);
  if (out > U64) paramError(`bad value for option "--hashlimit-burst", value "${s}" too large (max ${U64 / 1024n / 1024n}mb).`);
  return out;
}

/** The digits strtoulPrefix read, as an exact BigInt (it loses precision past 2^53). */
function strtoulPrefixBig(s: string): bigint {
  const t = s.trimStart();
  const m = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(t)!;
  const lit = m[1];
  if (/^0[xX]/.test(lit)) return BigInt(lit);
  if (lit.length > 1 && lit[0] === '0') return BigInt('0o' + lit.slice(1));
  return BigInt(lit);
}

const RATES: readonly [string, bigint][] = [
  ['day', SCALE * 86400n], ['hour', SCALE * 3600n], ['min', SCALE * 60n], ['sec', SCALE],
];

/** print_rate: text and the quantum (the unit in ms). */
function printRate(period: bigint): [string, bigint] {
  if (period === 0n) return [' inf', 0n];
  let i = 1;
  for (; i < RATES.length; i++) {
    const m = RATES[i][1];
    if (period > m || m / period < m % period) break;
  }
  return [` ${RATES[i - 1][1] / period}/${RATES[i - 1][0]}`, (RATES[i - 1][1] / SCALE) * 1000n];
}

const UNITS: readonly [string, bigint][] = [['m', 1048576n], ['k', 1024n], ['', 1n]];

/** print_bytes: " Nkb/s" and, with a burst, " <prefix>burst Nkb". */
function printBytes(avg: bigint, burst: bigint, prefix: string): [string, bigint] {
  let r = costToBytes(avg);
  let i = 0;
  for (; i < UNITS.length - 1; i++) {
    const t = UNITS[i][1];
    if (r >= t && bytesToCost(r & ~(t - 1n)) === avg) break;
  }
  let s = ` ${r / UNITS[i][1]}${UNITS[i][0]}b/s`;
  if (burst === 0n) return [s, 15000n];
  r = BigInt.asUintN(64, r * burst);
  for (i = 0; i < UNITS.length - 1; i++) if (r >= UNITS[i][1]) break;
  s += ` ${prefix}burst ${r / UNITS[i][1]}${UNITS[i][0]}b`;
  return [s, 60000n];
}

function modeText(mode: number, sep: string): string {
  const names: string[] = [];
  if (mode & HASH_SIP) names.push('srcip');
  if (mode & HASH_SPT) names.push('srcport');
  if (mode & HASH_DIP) names.push('dstip');
  if (mode & HASH_DPT) names.push('dstport');
  return ' ' + names.join(sep);
}

function render(d: HashlimitInfo, save: boolean): string {
  const p = save ? '--hashlimit-' : '';
  let s = d.mode & INVERT ? (save ? ' --hashlimit-above' : ' limit: above') : (save ? ' --hashlimit-upto' : ' limit: up to');
  let quantum: bigint;
  if (d.mode & BYTES) {
    const [t, q] = printBytes(d.avg, d.burst, p);
    s += t; quantum = q;
  } else {
    const period = !save && d.interval ? d.avg * BigInt(d.interval) : d.avg;
    const [t, q] = printRate(period);
    s += t + ` ${p}burst ${d.burst}`; quantum = q;
  }
  if (d.mode & (HASH_SIP | HASH_SPT | HASH_DIP | HASH_DPT)) s += ` ${p}mode` + modeText(d.mode, save ? ',' : '-');
  if (save) s += ` --hashlimit-name ${d.name}`;
  const h = save ? '--hashlimit-htable-' : 'htable-';
  if (d.size) s += ` ${h}size ${d.size}`;
  if (d.max) s += ` ${h}max ${d.max}`;
  if (d.gcInterval !== 1000) s += ` ${h}gcinterval ${d.gcInterval}`;
  if (BigInt(d.expire) !== quantum) s += ` ${h}expire ${d.expire}`;
  const full = d.family === 4 ? 32 : 128;
  if (d.srcmask !== full) s += ` ${p}srcmask ${d.srcmask}`;
  if (d.dstmask !== full) s += ` ${p}dstmask ${d.dstmask}`;
  if (d.mode & RATE_MATCH) {
    s += ` ${p}rate-match`;
    if (d.interval !== 1) s += ` ${p}rate-interval ${d.interval}`;
  }
  return s;
}

/** Kernel user2credits for revision 3 with HZ=250 (CREDITS_PER_JIFFY = 2^39), u64 arithmetic. */
function user2credits(user: bigint): bigint {
  const hzCpj = 250n * (1n << 39n);
  return BigInt.asUintN(64, user * (hzCpj / SCALE));
}

export const hashlimit = defineMatch<HashlimitInfo>({
  kind: 'match',
  name: 'hashlimit',
  revision: 3,
  family: 0,
  options: [
    { name: 'hashlimit-upto', arg: 'required' }, { name: 'hashlimit-above', arg: 'required' },
    { name: 'hashlimit', arg: 'required' },
    ...TABLE.slice(2).map((e) => ({ name: e.name, arg: e.name === 'hashlimit-rate-match' ? 'none' as const : 'required' as const })),
  ],
  init: (ctx) => {
    const full = ctx.family === 4 ? 32 : 128;
    return {
      seen: new Set(), mode: 0, avg: 0n, burst: 5n, size: 0, max: 0, gcInterval: 1000, expire: 0,
      srcmask: full, dstmask: full, interval: 0, name: '', mult: 1, family: ctx.family,
    };
  },
  parse(opt, arg, invert, d, ctx) {
    // --hashlimit is the old name of --hashlimit-upto: same option id, and
    // xtables_option_lookup finds the entry by id, so messages name -upto.
    const key = opt === 'hashlimit' ? 'hashlimit-upto' : opt;
    if (d.seen.has(key)) paramError(`hashlimit: option "--${key}" can only be used once.\n`);
    if (invert && !['hashlimit-upto', 'hashlimit-above'].includes(key)) paramError(`hashlimit: option "--${opt}" cannot be inverted.\n`);
    d.seen.add(key);
    const a = arg ?? '';
    const bad = (name: string): never => paramError(`hashlimit: Bad value for "--${name}" option: "${a}"`);
    switch (key) {
      case 'hashlimit-upto':
      case 'hashlimit-above':
        if ((key === 'hashlimit-upto') === invert) d.mode |= INVERT;
        if (parseBytes(a, d)) d.mode |= BYTES;
        else if (!parseRate(a, d)) bad(key);
        break;
      case 'hashlimit-mode': {
        const m = parseMode(a);
        if (m === undefined) bad(key);
        d.mode |= m!;
        break;
      }
      case 'hashlimit-srcmask': d.srcmask = xtPlen('hashlimit', key, ctx.family, a); break;
      case 'hashlimit-dstmask': d.dstmask = xtPlen('hashlimit', key, ctx.family, a); break;
      case 'hashlimit-burst': d.burst = parseBurst(a); break;
      case 'hashlimit-htable-size': d.size = xtUint('hashlimit', key, a, 0, 0xffffffff); break;
      case 'hashlimit-htable-max': d.max = xtUint('hashlimit', key, a, 0, 0xffffffff); break;
      case 'hashlimit-htable-gcinterval': d.gcInterval = xtUint('hashlimit', key, a, 0, 0xffffffff); break;
      case 'hashlimit-htable-expire': d.expire = xtUint('hashlimit', key, a, 0, 0xffffffff); break;
      case 'hashlimit-name':
        if (a.length < 1) paramError('Argument must have a minimum length of 1 characters\n');
        d.name = cutString(a, 255);
        break;
      case 'hashlimit-rate-match': d.mode |= RATE_MATCH; break;
      case 'hashlimit-rate-interval': {
        const r = atoi(a);
        if (r <= 0) bad(key);
        d.interval = r;
        break;
      }
    }
  },
  finalCheck(d) {
    if (!d.seen.has('hashlimit-upto') && !d.seen.has('hashlimit-above')) paramError('You have to specify --hashlimit');
    if (!d.seen.has('hashlimit-htable-expire')) d.expire = d.mult * 1000;
    if (d.mode & BYTES) {
      let burst = 0n;
      if (d.seen.has('hashlimit-burst')) {
        const cb = costToBytes(d.avg);
        if (d.burst < cb) paramError(`burst cannot be smaller than ${cb}b`);
        burst = BigInt.asUintN(32, d.burst);
        burst = cb ? burst / cb : 0n;
        if (cb && d.burst % cb) burst++;
        if (!d.seen.has('hashlimit-htable-expire')) d.expire = 60000;
      }
      d.burst = BigInt.asUintN(32, burst);
    } else if (d.burst > BURST_MAX) {
      paramError(`bad value for option "--hashlimit-burst", or out of range (1-${BURST_MAX}).`);
    }
    if (d.seen.has('hashlimit-rate-match')) {
      if (!(d.mode & BYTES)) d.avg /= BigInt(d.mult);
      if (d.interval === 0) d.interval = d.mode & BYTES ? 1 : d.mult;
    }
    xtFcheckNamed('hashlimit', TABLE, d.seen);
  },
  // xt_hashlimit.c: xt_check_proc_name, then hashlimit_mt_check_common.
  check(d, ctx) {
    if (d.name === '' || d.name === '.' || d.name === '..' || d.name.includes('/')) return EINVAL_MSG;
    if (d.gcInterval === 0 || d.expire === 0) return EINVAL_MSG;
    const full = ctx.family === 4 ? 32 : 128;
    if (d.srcmask > full || d.dstmask > full) return EINVAL_MSG;
    if (d.mode & RATE_MATCH) {
      if (d.avg === 0n || d.avg > U32) return ERANGE_MSG;
      if (d.interval === 0) return EINVAL_MSG;
    } else if (d.mode & BYTES) {
      const us = BigInt.asUintN(64, BigInt.asUintN(32, d.avg) * 250n * (1n << 24n));
      if (BigInt.asUintN(32, us >> 32n) === 0n) return EINVAL_MSG;
    } else if (d.burst === 0n || user2credits(BigInt.asUintN(64, d.avg * d.burst)) < user2credits(d.avg)) {
      return ERANGE_MSG;
    }
    return null;
  },
  print: (d) => render(d, false),
  save: (d) => render(d, true),
});
