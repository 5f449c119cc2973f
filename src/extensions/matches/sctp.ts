/**
 * sctp match (extensions/libxt_sctp.c; net/netfilter/xt_sctp.c):
 * [!] --sport/--dport port[:port], [!] --chunk-types {all|any|only}
 * chunk[:flags][,...]. Old-style parser (own messages). Unlike tcp, a given
 * port option is saved even for the full range. The kernel needs -p sctp.
 */
import type { Skb } from '../../engine/skb';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { parsePortRange, printPorts, type PortRange } from './ports';

/** sctp_chunk_names: name, chunk type, valid flag letters (bit 7 first). */
const CHUNKS: readonly (readonly [string, number, string])[] = [
  ['DATA', 0, '----IUBE'], ['INIT', 1, '--------'], ['INIT_ACK', 2, '--------'], ['SACK', 3, '--------'],
  ['HEARTBEAT', 4, '--------'], ['HEARTBEAT_ACK', 5, '--------'], ['ABORT', 6, '-------T'],
  ['SHUTDOWN', 7, '--------'], ['SHUTDOWN_ACK', 8, '--------'], ['ERROR', 9, '--------'],
  ['COOKIE_ECHO', 10, '--------'], ['COOKIE_ACK', 11, '--------'], ['ECN_ECNE', 12, '--------'],
  ['ECN_CWR', 13, '--------'], ['SHUTDOWN_COMPLETE', 14, '-------T'], ['ASCONF', 193, '--------'],
  ['ASCONF_ACK', 128, '--------'], ['FORWARD_TSN', 192, '--------'],
];

interface FlagInfo { chunk: number; flag: number; mask: number }

export interface SctpInfo {
  seen: Set<string>;
  spts?: { r: PortRange; inv: boolean };
  dpts?: { r: PortRange; inv: boolean };
  chunks?: { type: string; map: Set<number>; all: boolean; flags: FlagInfo[]; inv: boolean };
  /** The kernel's xt_sctp_info.chunkmap (256 bits), built at finalCheck. */
  chunkmap?: Uint32Array;
  /** SCTP_CHUNK_MATCH_ANY/ALL/ONLY as 0/1/2. */
  matchType?: number;
  /** flag_info as parallel arrays: chunk type, flag, mask (flag_count entries). */
  flagTypes?: Int16Array;
  flagBits?: Uint8Array;
  flagMasks?: Uint8Array;
}

function parseChunks(list: string): { map: Set<number>; all: boolean; flags: FlagInfo[] } {
  const map = new Set<number>();
  const flags: FlagInfo[] = [];
  if (list.toUpperCase() === 'ALL') return { map, all: true, flags };
  if (list.toUpperCase() === 'NONE') return { map, all: false, flags };
  for (const tok of list.split(',').filter((t) => t !== '')) { // strtok skips empty fields
    const colon = tok.indexOf(':');
    const name = colon >= 0 ? tok.slice(0, colon) : tok;
    const i = CHUNKS.findIndex(([n]) => n === name.toUpperCase());
    if (i < 0) paramError(`Unknown sctp chunk \`${name}'`);
    map.add(CHUNKS[i][1]);
    if (colon < 0) continue;
    for (const ch of tok.slice(colon + 1)) {
      const p = CHUNKS[i][2].indexOf(ch.toUpperCase());
      if (p < 0) paramError(`Invalid flags for chunk type ${i}`);
      const bit = 7 - p;
      // libxt_sctp keys flag_info by the table index, and prints it as a chunk type.
      let f = flags.find((x) => x.chunk === i);
      if (!f) {
        if (flags.length === 4) {
          paramError('Number of chunk types with flags exceeds currently allowed limit.Increasing this limit involves changing IPT_NUM_SCTP_FLAGS andrecompiling both the kernel space and user space modules');
        }
        f = { chunk: i, flag: 0, mask: 0 };
        flags.push(f);
      }
      f.mask |= 1 << bit;
      if (ch !== ch.toLowerCase()) f.flag |= 1 << bit;
    }
  }
  return { map, all: false, flags };
}

function printChunks(c: NonNullable<SctpInfo['chunks']>, numeric: boolean): string {
  let s = ` ${c.type}`;
  if (c.all) return s + ' ALL';
  if (c.map.size === 0) return s + ' NONE';
  const out: string[] = [];
  for (const t of [...c.map].sort((a, b) => a - b)) {
    let w = numeric ? `0x${t.toString(16).toUpperCase().padStart(4, '0')}` : CHUNKS.find(([, n]) => n === t)![0];
    for (const f of c.flags) {
      if (f.chunk !== t || !f.mask) continue;
      w += ':';
      const valid = CHUNKS[t][2];
      for (let b = 7; b >= 0; b--) {
        if (!(f.mask & (1 << b))) continue;
        w += f.flag & (1 << b) ? valid[7 - b] : valid[7 - b].toLowerCase();
      }
    }
    out.push(w);
  }
  return s + ' ' + out.join(',');
}

function savePorts(opt: string, p: { r: PortRange; inv: boolean } | undefined): string {
  if (!p) return '';
  return `${p.inv ? ' !' : ''} --${opt} ${p.r[0] === p.r[1] ? p.r[0] : `${p.r[0]}:${p.r[1]}`}`;
}

// ---- packet side (net/netfilter/xt_sctp.c) -----------------------------------

const MATCH_ANY = 0, MATCH_ALL = 1, MATCH_ONLY = 2;

/** What sctp_mt needs, in the kernel's layout (libxt_sctp fills it the same way). */
function prepare(d: SctpInfo): void {
  const map = new Uint32Array(8);
  const c = d.chunks;
  d.matchType = c === undefined ? MATCH_ANY : c.type === 'all' ? MATCH_ALL : c.type === 'only' ? MATCH_ONLY : MATCH_ANY;
  if (c !== undefined) {
    if (c.all) map.fill(0xffffffff);
    else for (const t of c.map) map[t >> 5] |= 1 << (t & 31);
  }
  d.chunkmap = map;
  const fl = c?.flags ?? [];
  d.flagTypes = Int16Array.from(fl.map((f) => f.chunk));
  d.flagBits = Uint8Array.from(fl.map((f) => f.flag));
  d.flagMasks = Uint8Array.from(fl.map((f) => f.mask));
}

/** match_flags: the first flag_info entry for this chunk type decides; none means any flags. */
function matchFlags(d: SctpInfo, type: number, flags: number): boolean {
  const t = d.flagTypes!;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === type) return (flags & d.flagMasks![i]) === d.flagBits![i];
  }
  return true;
}

/** Scratch copy of the chunk map for ALL (match_packet's chunkmapcopy). */
const mapCopy = new Uint32Array(8);

/**
 * match_packet: walk the chunk list from just after the common header to
 * the end of the IP datagram (skb->len); each chunk advances by its length
 * padded to 4. A chunk header that does not fit, or a zero length, is an
 * invalid packet: hotdrop.
 */
function matchChunks(skb: Skb, d: SctpInfo): boolean {
  const v = skb.view;
  const b = v.buf;
  const end = v.ipEnd;
  const map = d.chunkmap!;
  const type = d.matchType!;
  if (type === MATCH_ALL) mapCopy.set(map);
  let off = v.l4 + 12;
  do {
    if (off + 4 > end) { skb.hotdrop = true; return false; }
    const ct = b[off];
    const cf = b[off + 1];
    const len = (b[off + 2] << 8) | b[off + 3];
    if (len === 0) { skb.hotdrop = true; return false; }
    off += (len + 3) & ~3;
    if ((map[ct >> 5] >>> (ct & 31)) & 1) {
      if (type === MATCH_ANY) {
        if (matchFlags(d, ct, cf)) return true;
      } else if (type === MATCH_ALL) {
        if (matchFlags(d, ct, cf)) mapCopy[ct >> 5] &= ~(1 << (ct & 31));
      } else if (!matchFlags(d, ct, cf)) {
        return false;
      }
    } else if (type === MATCH_ONLY) {
      return false;
    }
  } while (off < end);
  if (type === MATCH_ALL) {
    for (let i = 0; i < 8; i++) if (mapCopy[i] !== 0) return false;
    return true;
  }
  return type === MATCH_ONLY;
}

/**
 * sctp_mt: non-first fragments never match; a transport header too short
 * for the 12-byte common header is hotdropped. Each given option is tested
 * (inverted by its "!") in order, the chunk walk only when the ports held.
 */
export function sctpMatch(skb: Skb, d: SctpInfo): boolean {
  const v = skb.view;
  if (v.fragOffset !== 0) return false;
  if (v.l4 + 12 > v.ipEnd) { skb.hotdrop = true; return false; }
  if (d.chunkmap === undefined) prepare(d);
  const b = v.buf;
  const sport = (b[v.l4] << 8) | b[v.l4 + 1];
  const dport = (b[v.l4 + 2] << 8) | b[v.l4 + 3];
  const s = d.spts;
  if (s !== undefined && ((sport >= s.r[0] && sport <= s.r[1]) === s.inv)) return false;
  const p = d.dpts;
  if (p !== undefined && ((dport >= p.r[0] && dport <= p.r[1]) === p.inv)) return false;
  const c = d.chunks;
  if (c !== undefined && matchChunks(skb, d) === c.inv) return false;
  return true;
}

export const sctp = defineMatch<SctpInfo>({
  kind: 'match',
  name: 'sctp',
  family: 0,
  proto: 132,
  options: [
    { name: 'source-port', arg: 'required' }, { name: 'sport', arg: 'required' },
    { name: 'destination-port', arg: 'required' }, { name: 'dport', arg: 'required' },
    { name: 'chunk-types', arg: 'required' },
  ],
  init: () => ({ seen: new Set() }),
  parse(opt, arg, invert, d, ctx) {
    const once = (key: string): void => {
      if (d.seen.has(key)) paramError(`Only one \`--${key}' allowed`);
      d.seen.add(key);
    };
    switch (opt) {
      case 'source-port': case 'sport':
        once('source-port');
        d.spts = { r: parsePortRange(arg!, 'sctp'), inv: invert };
        break;
      case 'destination-port': case 'dport':
        once('destination-port');
        d.dpts = { r: parsePortRange(arg!, 'sctp'), inv: invert };
        break;
      case 'chunk-types': {
        once('chunk-types');
        const list = ctx.argv[ctx.optind];
        if (list === undefined || list[0] === '-' || list[0] === '!') paramError('--chunk-types requires two args');
        const type = arg!.toUpperCase();
        if (type !== 'ANY' && type !== 'ALL' && type !== 'ONLY') paramError('Match type has to be one of "ALL", "ANY" or "ONLY"');
        d.chunks = { type: type.toLowerCase(), ...parseChunks(list), inv: invert };
        ctx.optind++;
        break;
      }
    }
  },
  finalCheck: prepare,
  print(d, ctx) {
    let s = ' sctp';
    if (d.spts) s += printPorts('spt', d.spts.r, d.spts.inv, ctx.numeric, 'sctp');
    if (d.dpts) s += printPorts('dpt', d.dpts.r, d.dpts.inv, ctx.numeric, 'sctp');
    if (d.chunks) s += (d.chunks.inv ? ' !' : '') + printChunks(d.chunks, ctx.numeric);
    return s;
  },
  save(d) {
    let s = savePorts('sport', d.spts) + savePorts('dport', d.dpts);
    if (d.chunks) s += `${d.chunks.inv ? ' !' : ''} --chunk-types` + printChunks(d.chunks, false);
    return s;
  },
  match: sctpMatch,
});
