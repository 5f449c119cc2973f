/**
 * hashlimit match, revision 3 (extensions/libxt_hashlimit.c;
 * net/netfilter/xt_hashlimit.c). Rates are periods in units of 1/1000000 s
 * (XT_HASHLIMIT_SCALE_v2), or with "b/s" byte costs (UINT32_MAX / (bytes/16
 * + 1)). The print and save forms differ: -L multiplies the period by the
 * rate-match interval, save does not, and each omits --hashlimit-htable-
 * expire only when it equals the rate's own unit (the "quantum").
 * All arithmetic that C does in u64 is done with BigInt.
 */
import type { NetContext } from '../../engine/net';
import type { Skb } from '../../engine/skb';
import type { Family } from '../../rules/model';
import { ExtHdrWalk, ipv6SkipExthdr } from '../../wire/ipv6';
import { EINVAL_MSG } from '../../rules/validate';
import { paramError } from '../../util/errors';
import { strtoulPrefix } from '../../util/num';
import { defineMatch } from '../types';
import { cutString } from './helper';
import { ERANGE_MSG, HZ, atoi, jiffies } from './limit';
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
  /** The table this rule uses in the namespace it last ran in (info->hinfo), set on first use. */
  hinfo?: HashlimitTable;
  hinfoNet?: NetContext;
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

// ---- packet side (net/netfilter/xt_hashlimit.c) ------------------------------

const TWO32 = 0x100000000;
/** CREDITS_PER_JIFFY for revisions 2/3 at HZ=250: POW2_BELOW64(U64_MAX / (HZ*86400)) = 2^39. */
const CPJ_SHIFT = 39;
/** CREDITS_PER_JIFFY_BYTES at HZ=250: POW2_BELOW32(U32_MAX / HZ) = 2^24; a full byte bucket is that times HZ. */
const CPJ_BYTES = 1 << 24;
const BYTES_CAP = CPJ_BYTES * HZ;
/** HASHLIMIT_MAX_SIZE: --hashlimit-htable-size/-max are cut to it at checkentry. */
const MAX_SIZE = 1048576;
/**
 * htable_create's default size: RAM/16384/sizeof(hlist_head), or 8192 on
 * hosts with more than 1 GiB, which is the case modelled; max defaults to
 * 8 * size.
 */
const DEFAULT_SIZE = 8192;
const KEY_WORDS = 9;
const NONE = -1;

/** msecs_to_jiffies for HZ=250 (rounds up). */
function msecsToJiffies(ms: number): number { return Math.ceil((ms * HZ) / 1000); }

/**
 * One xt_hashlimit_htable: entries (dsthash_ent) in typed arrays keyed by
 * the masked dsthash_dst (9 words: src[4], dst[4], sport<<16|dport),
 * chained from power-of-two buckets (the kernel's bucket choice is a
 * keyed random hash; it only shows in /proc ordering). The table keeps
 * the configuration of the rule that created it, as the kernel does: a
 * later rule with the same name shares the first one's rate, burst,
 * masks, mode bits for the key, and expiry.
 */
export class HashlimitTable {
  readonly name: string;
  readonly family: Family;
  /** hinfo->cfg as used by the packet path. */
  readonly mode: number;
  readonly srcmask: number;
  readonly dstmask: number;
  readonly expireJiffies: number;
  readonly gcIntervalMs: number;
  readonly max: number;
  readonly ratematch: boolean;
  /** Credits at entry creation and per packet (non-byte mode), as u64 hi/lo words (user2credits). */
  readonly creditHi: number; readonly creditLo: number;
  readonly costHi: number; readonly costLo: number;
  /** Byte mode: user2credits_byte(avg) and the refill count (cfg.burst). */
  readonly byteCost: number;
  readonly byteBurst: number;
  /** Rate-match mode: user2rate[_bytes], burst and interval. */
  readonly rmRate: number;
  readonly rmBurst: number;
  readonly rmInterval: number;

  count = 0;
  cap = 0;
  used = new Uint8Array(0);
  key = new Uint32Array(0);
  next = new Int32Array(0);
  expires = new Float64Array(0);
  prev = new Float64Array(0);
  /** credit (u64 as hi/lo; byte mode uses lo alone), credit_cap (byte mode), rate-match state. */
  cHi = new Float64Array(0);
  cLo = new Float64Array(0);
  cCap = new Float64Array(0);
  prevWindow = new Uint8Array(0);
  currentRate = new Float64Array(0);
  private heads: Int32Array;
  private free = NONE;
  /** Next run of htable_gc, in ms of the engine clock. */
  nextGc: number;

  constructor(net: NetContext, d: HashlimitInfo) {
    this.name = d.name;
    this.family = d.family;
    this.mode = d.mode;
    this.srcmask = d.srcmask;
    this.dstmask = d.dstmask;
    this.expireJiffies = msecsToJiffies(d.expire);
    this.gcIntervalMs = d.gcInterval;
    const size = d.size === 0 ? DEFAULT_SIZE : Math.min(d.size, MAX_SIZE);
    const max = Math.min(d.max, MAX_SIZE);
    this.max = max === 0 ? 8 * size : max < size ? size : max;
    this.ratematch = (d.mode & RATE_MATCH) !== 0;
    // rateinfo_init's values depend only on the table's configuration: computed once, in u64.
    const credit = BigInt.asUintN(64, BigInt.asUintN(64, d.avg * d.burst) * 137438953n);
    const cost = BigInt.asUintN(64, d.avg * 137438953n);
    this.creditHi = Number(credit >> 32n); this.creditLo = Number(credit & U32);
    this.costHi = Number(cost >> 32n); this.costLo = Number(cost & U32);
    const avg32 = BigInt.asUintN(32, d.avg);
    this.byteCost = Number(BigInt.asUintN(32, (avg32 * BigInt(HZ) * BigInt(CPJ_BYTES)) >> 32n));
    this.byteBurst = Number(d.burst);
    if (d.mode & BYTES) {
      const r = avg32 ? U32 / avg32 : U32;
      const rate = BigInt.asUintN(64, (r - 1n) << 4n);
      this.rmRate = Number(rate);
      this.rmBurst = Number(d.burst ? BigInt.asIntN(64, d.burst * rate) : rate);
    } else {
      const rate = d.avg ? SCALE / d.avg : 0n;
      this.rmRate = Number(rate);
      this.rmBurst = Number(BigInt.asIntN(64, d.burst + rate));
    }
    this.rmInterval = d.interval;
    this.heads = new Int32Array(1024).fill(NONE);
    this.grow(64);
    this.nextGc = net.clock.now() + d.gcInterval;
  }

  private grow(n: number): void {
    const old = this.cap;
    const cp = <T extends Float64Array | Uint8Array | Int32Array | Uint32Array>(a: T, m: number): T => {
      const b = new (a.constructor as new (k: number) => T)(m);
      b.set(a);
      return b;
    };
    this.used = cp(this.used, n); this.key = cp(this.key, n * KEY_WORDS); this.next = cp(this.next, n);
    this.expires = cp(this.expires, n); this.prev = cp(this.prev, n);
    this.cHi = cp(this.cHi, n); this.cLo = cp(this.cLo, n); this.cCap = cp(this.cCap, n);
    this.prevWindow = cp(this.prevWindow, n); this.currentRate = cp(this.currentRate, n);
    for (let e = n - 1; e >= old; e--) { this.next[e] = this.free; this.free = e; }
    this.cap = n;
  }

  private bucket(k: Uint32Array, at = 0): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < KEY_WORDS; i++) h = Math.imul(h ^ k[at + i], 0x01000193) >>> 0;
    return (h ^ (h >>> 15)) & (this.heads.length - 1);
  }

  /** dsthash_find. */
  find(k: Uint32Array): number {
    for (let e = this.heads[this.bucket(k)]; e !== NONE; e = this.next[e]) {
      let eq = true;
      for (let i = 0; i < KEY_WORDS; i++) if (this.key[e * KEY_WORDS + i] !== k[i]) { eq = false; break; }
      if (eq) return e;
    }
    return NONE;
  }

  /** dsthash_alloc_init: NONE once the table holds cfg.max entries. */
  alloc(k: Uint32Array): number {
    if (this.count >= this.max) return NONE;
    if (this.free === NONE) this.grow(Math.min(this.cap * 2, this.max));
    const e = this.free;
    this.free = this.next[e];
    for (let i = 0; i < KEY_WORDS; i++) this.key[e * KEY_WORDS + i] = k[i];
    const b = this.bucket(k);
    this.next[e] = this.heads[b];
    this.heads[b] = e;
    this.used[e] = 1;
    this.count++;
    return e;
  }

  private release(e: number): void {
    const b = this.bucket(this.key, e * KEY_WORDS);
    let p = NONE;
    for (let x = this.heads[b]; x !== NONE; p = x, x = this.next[x]) {
      if (x !== e) continue;
      if (p === NONE) this.heads[b] = this.next[x]; else this.next[p] = this.next[x];
      break;
    }
    this.used[e] = 0;
    this.next[e] = this.free;
    this.free = e;
    this.count--;
  }

  /**
   * htable_gc, run every gc_interval ms since the table was created
   * (the kernel's deferrable work may run a little late): the entries
   * whose expiry has come (jiffies >= expires) at the last run due.
   */
  gc(nowMs: number): void {
    if (nowMs < this.nextGc) return;
    const runs = Math.floor((nowMs - this.nextGc) / this.gcIntervalMs);
    const at = this.nextGc + runs * this.gcIntervalMs;
    this.nextGc = at + this.gcIntervalMs;
    const j = jiffies(at);
    for (let e = 0; e < this.cap; e++) if (this.used[e] && j >= this.expires[e]) this.release(e);
  }
}

/** The hashlimit tables of a namespace, by family and name (hashlimit_net->htables). */
export function hashlimitTables(net: NetContext): Map<string, HashlimitTable> {
  let m = net.extState.get('hashlimit') as Map<string, HashlimitTable> | undefined;
  if (m === undefined) { m = new Map(); net.extState.set('hashlimit', m); }
  return m;
}

/**
 * hashlimit_mt_check's table lookup: the rule's table by name and family,
 * created with this rule's configuration when it does not exist yet. The
 * engine may call this when it loads a ruleset; the packet path calls it
 * on a rule's first packet otherwise. Returns null where the kernel
 * refuses the rule (EINVAL): a table with the other rate-match setting.
 */
export function hashlimitRegister(net: NetContext, d: HashlimitInfo): HashlimitTable | null {
  const tables = hashlimitTables(net);
  const key = `${d.family}/${d.name}`;
  let t = tables.get(key);
  if (t === undefined) {
    t = new HashlimitTable(net, d);
    tables.set(key, t);
  } else if (t.ratematch !== ((d.mode & RATE_MATCH) !== 0)) {
    return null;
  }
  return t;
}

const KEY = new Uint32Array(KEY_WORDS);
const walk = new ExtHdrWalk();

/** maskl: the first `l` bits of a 32-bit word. */
function maskl(a: number, l: number): number {
  return l === 0 ? 0 : (a & (0xffffffff << (32 - l))) >>> 0;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** hashlimit_ipv6_mask over 4 words at KEY[at]: the word holding the cut is masked, the rest cleared. */
function mask6(at: number, p: number): void {
  if (p >= 128) return;
  const w = p >> 5;
  KEY[at + w] = maskl(KEY[at + w], p & 31);
  for (let i = w + 1; i < 4; i++) KEY[at + i] = 0;
}

/** proto_ports_offset: where the two ports sit, or -1 for protocols without them. */
function portsOffset(proto: number): number {
  switch (proto) {
    case 6: case 17: case 33: case 50: case 132: case 136: return 0;
    case 51: return 4;
    default: return -1;
  }
}

/**
 * hashlimit_init_dst: the masked key by the table's mode. Ports are read
 * at the transport offset even from a non-first IPv4 fragment (the kernel
 * does not check); IPv6 finds it with ipv6_skip_exthdr. False when the
 * ports cannot be read (hotdrop).
 */
function initDst(t: HashlimitTable, skb: Skb): boolean {
  const v = skb.view;
  const b = v.buf;
  KEY.fill(0);
  if (t.family === 4) {
    if (t.mode & HASH_SIP) KEY[0] = maskl(word(b, v.srcOff), t.srcmask);
    if (t.mode & HASH_DIP) KEY[4] = maskl(word(b, v.dstOff), t.dstmask);
  } else {
    if (t.mode & HASH_SIP) { for (let i = 0; i < 4; i++) KEY[i] = word(b, v.srcOff + 4 * i); mask6(0, t.srcmask); }
    if (t.mode & HASH_DIP) { for (let i = 0; i < 4; i++) KEY[4 + i] = word(b, v.dstOff + 4 * i); mask6(4, t.dstmask); }
  }
  if (!(t.mode & (HASH_SPT | HASH_DPT))) return true;
  let proto: number;
  let off: number;
  if (t.family === 4) {
    proto = v.proto;
    off = v.l3 + v.l3HeaderLen;
  } else {
    off = ipv6SkipExthdr(b, v.l3 + 40, v.ipEnd, b[v.l3 + 6], walk);
    if (off < 0) return false;
    proto = walk.nexthdr;
  }
  const poff = portsOffset(proto);
  if (poff < 0) return true;
  if (off + poff + 4 > v.ipEnd) return false;
  const sport = (b[off + poff] << 8) | b[off + poff + 1];
  const dport = (b[off + poff + 2] << 8) | b[off + poff + 3];
  KEY[8] = (((t.mode & HASH_SPT ? sport : 0) << 16) | (t.mode & HASH_DPT ? dport : 0)) >>> 0;
  return true;
}

/** rateinfo_init. */
function rateinfoInit(t: HashlimitTable, e: number, now: number): void {
  t.prev[e] = now;
  if (t.ratematch) {
    t.prevWindow[e] = 0;
    t.currentRate[e] = 0;
  } else if (t.mode & BYTES) {
    t.cHi[e] = 0;
    t.cLo[e] = BYTES_CAP;
    t.cCap[e] = t.byteBurst;
  } else {
    t.cHi[e] = t.creditHi;
    t.cLo[e] = t.creditLo;
  }
}

/** a * b > c * d for non-negative integers, exactly (BigInt only past 2^53). */
function productGreater(a: number, b: number, c: number, d: number): boolean {
  const l = a * b;
  const r = c * d;
  if (l < Number.MAX_SAFE_INTEGER && r < Number.MAX_SAFE_INTEGER) return l > r;
  return BigInt(a) * BigInt(b) > BigInt(c) * BigInt(d);
}

/**
 * rateinfo_recalc. The non-byte bucket is u64: delta * 2^39 is added
 * modulo 2^64 (it wraps after 2^25 idle jiffies, about 37 hours, and the
 * cap then does not apply, as in the kernel).
 */
function rateinfoRecalc(t: HashlimitTable, e: number, now: number): void {
  const delta = now - t.prev[e];
  if (delta === 0) return;
  if (t.ratematch) {
    const interval = t.rmInterval * HZ;
    if (delta < interval) return;
    t.prev[e] = now;
    t.prevWindow[e] = productGreater(t.currentRate[e], interval, delta, t.rmRate) ? 1 : 0;
    t.currentRate[e] = 0;
    return;
  }
  t.prev[e] = now;
  if (t.mode & BYTES) {
    // The sum stays far below 2^64, so the kernel's overflow test never fires; past the cap it is capped.
    const c = t.cLo[e] + CPJ_BYTES * delta;
    t.cLo[e] = c > BYTES_CAP ? BYTES_CAP : c;
    return;
  }
  const hi = (t.cHi[e] + (delta % (1 << (64 - CPJ_SHIFT))) * (1 << (CPJ_SHIFT - 32))) % TWO32;
  t.cHi[e] = hi;
  if (hi > t.creditHi || (hi === t.creditHi && t.cLo[e] > t.creditLo)) {
    t.cHi[e] = t.creditHi;
    t.cLo[e] = t.creditLo;
  }
}

/**
 * xt_hashlimit.c hashlimit_mt_common (revision 3): find or create the
 * entry for the packet's key (a full table hotdrops), refresh its expiry,
 * refill, then spend: packet credits, byte credits (hashlimit_byte_cost:
 * 16-byte chunks, refilling a drained bucket while refills remain), or
 * with --hashlimit-rate-match the count in the current window against
 * burst + rate. Under the limit the rule matches unless --hashlimit-above.
 */
export function hashlimitMatch(skb: Skb, d: HashlimitInfo): boolean {
  const net = skb.net;
  let t = d.hinfo;
  if (t === undefined || d.hinfoNet !== net) {
    const r = hashlimitRegister(net, d);
    if (r === null) return false; // the kernel would not have loaded this rule
    t = d.hinfo = r;
    d.hinfoNet = net;
  }
  const ms = net.clock.now();
  t.gc(ms);
  const now = jiffies(ms);
  if (!initDst(t, skb)) { skb.hotdrop = true; return false; }
  let e = t.find(KEY);
  if (e === NONE) {
    e = t.alloc(KEY);
    if (e === NONE) { skb.hotdrop = true; return false; }
    t.expires[e] = now + t.expireJiffies;
    rateinfoInit(t, e, now);
  } else {
    t.expires[e] = now + t.expireJiffies;
    rateinfoRecalc(t, e, now);
  }
  const above = (d.mode & INVERT) !== 0;
  const len = skb.view.ipEnd - skb.view.l3;
  if (d.mode & RATE_MATCH) {
    t.currentRate[e] += d.mode & BYTES ? len : 1;
    if (!t.prevWindow[e] && t.currentRate[e] <= t.rmBurst) return !above;
    return above;
  }
  if (d.mode & BYTES) {
    // hashlimit_byte_cost.
    let cost = ((len >>> 4) + 1) * t.byteCost;
    if (cost > BYTES_CAP) cost = BYTES_CAP;
    if (t.cLo[e] < cost && t.cCap[e] > 0) { t.cCap[e]--; t.cLo[e] = BYTES_CAP; }
    if (t.cLo[e] >= cost) { t.cLo[e] -= cost; return !above; }
    return above;
  }
  const hi = t.cHi[e];
  const lo = t.cLo[e];
  if (hi > t.costHi || (hi === t.costHi && lo >= t.costLo)) {
    let nlo = lo - t.costLo;
    let nhi = hi - t.costHi;
    if (nlo < 0) { nlo += TWO32; nhi--; }
    t.cHi[e] = nhi;
    t.cLo[e] = nlo;
    return !above;
  }
  return above;
}

export const hashlimit = defineMatch<HashlimitInfo>({
  load: (net, d) => { hashlimitRegister(net, d); },
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
  match: hashlimitMatch,
});
