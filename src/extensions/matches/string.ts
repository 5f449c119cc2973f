/**
 * string match, revision 1 (extensions/libxt_string.c; net/netfilter/
 * xt_string.c, lib/textsearch.c). The pattern is kept as bytes (at most
 * 128); it prints as a quoted string, or as a "|hex|" block when any byte is
 * not printable ASCII or the last byte is a backslash. The kernel refuses
 * from > to and an empty pattern (EINVAL), the fsm algorithm with a plain
 * pattern (EINVAL) and unknown algorithms (ENOENT: no ts_<algo> module).
 */
import type { Skb } from '../../engine/skb';
import { EINVAL_MSG } from '../../rules/validate';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { cutString } from './helper';
import { xtFcheckNamed, xtOnce, xtUint, type FcheckEntry } from '../xtoptions';

const MAX_PATTERN = 128;
/** strerror(ENOENT) as iptables words it. */
const ENOENT_MSG = 'No chain/target/match by that name.';

const TABLE: readonly FcheckEntry[] = [
  { name: 'from' }, { name: 'to' }, { name: 'algo', mand: true },
  { name: 'string', excl: ['hex-string'] }, { name: 'hex-string', excl: ['string'] }, { name: 'icase' },
];

function isxdigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** parse_hex_string: text with |hex hex| blocks and \-escaped literals. */
function parseHexString(arg: string): number[] {
  const s = Buffer.from(arg, 'utf8');
  const slen = s.length;
  if (slen === 0) paramError('STRING must contain at least one char');
  const out: number[] = [];
  let i = 0;
  let hex = false;
  let literal = false;
  const BS = 0x5c, BAR = 0x7c, SP = 0x20;
  while (i < slen) {
    if (out.length >= MAX_PATTERN) paramError(`STRING too long "${arg}"`);
    if (s[i] === BS && !hex) literal = true;
    else if (s[i] === BS) paramError('Cannot include literals in hex data');
    else if (s[i] === BAR) {
      if (hex) hex = false;
      else {
        hex = true;
        while (s[i + 1] === SP) i++; // skip blanks right after the opening '|'
      }
      if (i + 1 >= slen) break;
      i++;
    }
    if (literal) {
      if (i + 1 >= slen) paramError('Bad literal placement at end of string');
      out.push(s[i + 1]);
      i += 2;
      literal = false;
    } else if (hex) {
      if (i + 1 >= slen) paramError('Odd number of hex digits');
      if (i + 2 >= slen) paramError('Invalid hex block');
      if (!isxdigit(s[i])) paramError(`Invalid hex char '${String.fromCharCode(s[i])}'`);
      if (!isxdigit(s[i + 1])) paramError(`Invalid hex char '${String.fromCharCode(s[i + 1])}'`);
      out.push(parseInt(String.fromCharCode(s[i], s[i + 1]), 16));
      i += s[i + 2] === SP ? 3 : 2;
    } else {
      out.push(s[i]);
      i++;
    }
  }
  return out;
}

export interface StringInfo {
  seen: Set<string>;
  algo: string;
  pattern: number[];
  from: number;
  to: number;
  invert: boolean;
  icase: boolean;
  /** The textsearch configuration string_mt_check prepares (textsearch_prepare), built at finalCheck. */
  ts?: TextSearch;
}

// ---- packet side (net/netfilter/xt_string.c, lib/ts_bm.c, lib/ts_kmp.c) ----------

/**
 * The kernel's toupper/tolower (include/linux/ctype.h over lib/ctype.c's
 * _ctype table), which is Latin-1: 0xC0-0xDE (but 0xD7) are upper case,
 * 0xDF-0xFF (but 0xF7) lower case, so toupper(0xFF) is 0xDF and
 * toupper(0xDF) is 0xBF.
 */
function kIsUpper(c: number): boolean { return (c >= 0x41 && c <= 0x5a) || (c >= 0xc0 && c <= 0xde && c !== 0xd7); }
function kIsLower(c: number): boolean { return (c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c !== 0xf7); }
const TOUPPER = Uint8Array.from({ length: 256 }, (_, c) => (kIsLower(c) ? c - 32 : c));
const TOLOWER = Uint8Array.from({ length: 256 }, (_, c) => (kIsUpper(c) ? c + 32 : c));

/** A prepared search: the pattern (upper-cased for --icase, as bm_init/kmp_init store it) and its tables. */
export interface TextSearch {
  kmp: boolean;
  icase: boolean;
  pattern: Uint8Array;
  /** ts_bm: bad_shift[256] and good_shift[patlen]. */
  bad: Int32Array;
  good: Int32Array;
  /** ts_kmp: prefix_tbl[patlen]. */
  prefix: Int32Array;
}

/** ts_bm.c subpattern (indices never go below 0: the y < 0 test comes first). */
function subpattern(p: Uint8Array, i: number, j: number, g: number): boolean {
  let x = i + g - 1;
  let y = j + g - 1;
  while (p[x--] === p[y--]) {
    if (y < 0) return true;
    if (--g === 0) return p[i - 1] !== p[j - 1];
  }
  return false;
}

/** textsearch_prepare for "bm" or "kmp": bm_init/compute_prefix_tbl, kmp_init/compute_prefix_tbl. */
export function prepareTextSearch(algo: string, pat: readonly number[], icase: boolean): TextSearch {
  const n = pat.length;
  const pattern = Uint8Array.from(pat, (c) => (icase ? TOUPPER[c] : c));
  const ts: TextSearch = { kmp: algo === 'kmp', icase, pattern, bad: new Int32Array(256), good: new Int32Array(n), prefix: new Int32Array(n) };
  if (ts.kmp) {
    // The table compares upper-cased bytes for --icase; the stored pattern is already upper-cased.
    for (let k = 0, q = 1; q < n; q++) {
      while (k > 0 && pattern[k] !== pattern[q]) k = ts.prefix[k - 1];
      if (pattern[k] === pattern[q]) k++;
      ts.prefix[q] = k;
    }
    return ts;
  }
  ts.bad.fill(n);
  for (let i = 0; i < n - 1; i++) {
    ts.bad[pattern[i]] = n - 1 - i;
    // The mismatching text byte indexes bad_shift unconverted: its lower-case form needs an entry too.
    if (icase) ts.bad[TOLOWER[pattern[i]]] = n - 1 - i;
  }
  ts.good[0] = 1;
  for (let i = 1; i < n; i++) ts.good[i] = n;
  for (let i = n - 1, g = 1; i > 0; g++, i--) {
    for (let j = i - 1; j >= 1 - g; j--) {
      if (subpattern(pattern, i, j, g)) { ts.good[g] = n - j - g; break; }
    }
  }
  return ts;
}

const NOT_FOUND = -1;

/** ts_bm.c bm_find over buf[start, end): offset of the match from start, or NOT_FOUND. */
function bmFind(ts: TextSearch, b: Uint8Array, start: number, end: number): number {
  const p = ts.pattern;
  const n = p.length;
  const len = end - start;
  let shift = n - 1;
  while (shift < len) {
    // matchpat: compare right to left, counting the bytes that agree.
    let i = 0;
    for (; i < n; i++) {
      let t = b[start + shift - i];
      if (ts.icase) t = TOUPPER[t];
      if (t !== p[n - 1 - i]) break;
    }
    if (i === n) return shift - (n - 1);
    const bs = ts.bad[b[start + shift - i]];
    const a = shift - i + bs;
    const c = shift + ts.good[i];
    shift = a > c ? a : c;
  }
  return NOT_FOUND;
}

/** ts_kmp.c kmp_find over buf[start, end). */
function kmpFind(ts: TextSearch, b: Uint8Array, start: number, end: number): number {
  const p = ts.pattern;
  const n = p.length;
  let q = 0;
  for (let i = start; i < end; i++) {
    const t = ts.icase ? TOUPPER[b[i]] : b[i];
    while (q > 0 && p[q] !== t) q = ts.prefix[q - 1];
    if (p[q] === t) q++;
    if (q === n) return i + 1 - start - n;
  }
  return NOT_FOUND;
}

/**
 * xt_string.c string_mt via skb_find_text: the text is the packet from
 * `from` bytes after the start of the network header (skb->data at the
 * IP hooks) to the end of the datagram (skb_seq_read hands over the whole
 * linear block, not only up to `to`); the first occurrence counts only if
 * it ends at or before `to`.
 */
export function stringMatch(skb: Skb, d: StringInfo): boolean {
  const ts = d.ts;
  if (ts === undefined || ts.pattern.length === 0) return d.invert; // never loaded by the kernel (check refuses it)
  const v = skb.view;
  const start = v.l3 + d.from;
  let ret = NOT_FOUND;
  if (start < v.ipEnd && d.from < d.to) {
    ret = ts.kmp ? kmpFind(ts, v.buf, start, v.ipEnd) : bmFind(ts, v.buf, start, v.ipEnd);
  }
  const found = ret !== NOT_FOUND && ret + ts.pattern.length <= d.to - d.from;
  return found !== d.invert;
}

/** is_hex_string: a byte that is not printable ASCII, or a trailing backslash. */
function isHexPattern(p: number[]): boolean {
  return p.some((c) => c < 0x20 || c > 0x7e) || p[p.length - 1] === 0x5c;
}

function render(d: StringInfo): string {
  const p = d.pattern;
  if (isHexPattern(p)) return ` "|${p.map((c) => c.toString(16).padStart(2, '0')).join('')}|"`;
  return ` "${p.map((c) => (c === 0x22 || c === 0x5c ? '\\' : '') + String.fromCharCode(c)).join('')}"`;
}

export const string = defineMatch<StringInfo>({
  kind: 'match',
  name: 'string',
  revision: 1,
  family: 0,
  options: TABLE.map((e) => ({ name: e.name, arg: e.name === 'icase' ? 'none' as const : 'required' as const })),
  init: () => ({ seen: new Set(), algo: '', pattern: [], from: 0, to: 65535, invert: false, icase: false }),
  parse(opt, arg, invert, d) {
    xtOnce('string', opt, d.seen, invert, opt === 'string' || opt === 'hex-string');
    const a = arg!;
    switch (opt) {
      case 'from': d.from = xtUint('string', opt, a, 0, 65535); break;
      case 'to': d.to = xtUint('string', opt, a, 0, 65535); break;
      case 'algo': d.algo = cutString(a, 16); break;
      case 'string': {
        const b = Buffer.from(a, 'utf8');
        if (b.length > MAX_PATTERN) paramError(`STRING too long "${a}"`);
        d.pattern = [...b];
        if (invert) d.invert = true;
        break;
      }
      case 'hex-string':
        d.pattern = parseHexString(a);
        if (invert) d.invert = true;
        break;
      case 'icase': d.icase = true; break;
    }
  },
  finalCheck(d) {
    if (!d.seen.has('string') && !d.seen.has('hex-string')) {
      paramError("STRING match: You must specify `--string' or `--hex-string'");
    }
    xtFcheckNamed('string', TABLE, d.seen);
    if ((d.algo === 'bm' || d.algo === 'kmp') && d.pattern.length > 0) d.ts = prepareTextSearch(d.algo, d.pattern, d.icase);
  },
  check(d) {
    if (d.from > d.to) return EINVAL_MSG;
    if (d.pattern.length === 0) return EINVAL_MSG; // textsearch_prepare: len 0
    if (d.algo === 'bm' || d.algo === 'kmp') return null;
    if (d.algo === 'fsm') return EINVAL_MSG; // a byte string is no token array
    return ENOENT_MSG;
  },
  print(d) {
    let s = ` STRING match ${d.invert ? '!' : ''}${render(d)} ALGO name ${d.algo}`;
    if (d.from !== 0) s += ` FROM ${d.from}`;
    if (d.to !== 65535) s += ` TO ${d.to}`;
    if (d.icase) s += ' ICASE';
    return s;
  },
  save(d) {
    let s = `${d.invert ? ' !' : ''} --${isHexPattern(d.pattern) ? 'hex-string' : 'string'}${render(d)} --algo ${d.algo}`;
    if (d.from !== 0) s += ` --from ${d.from}`;
    if (d.to !== 65535) s += ` --to ${d.to}`;
    if (d.icase) s += ' --icase';
    return s;
  },
  match: stringMatch,
});
