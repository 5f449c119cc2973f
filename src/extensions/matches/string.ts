/**
 * string match, revision 1 (extensions/libxt_string.c; net/netfilter/
 * xt_string.c, lib/textsearch.c). The pattern is kept as bytes (at most
 * 128); it prints as a quoted string, or as a "|hex|" block when any byte is
 * not printable ASCII or the last byte is a backslash. The kernel refuses
 * from > to and an empty pattern (EINVAL), the fsm algorithm with a plain
 * pattern (EINVAL) and unknown algorithms (ENOENT: no ts_<algo> module).
 */
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
});
