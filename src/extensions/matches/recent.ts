/**
 * recent match, revision 1 (extensions/libxt_recent.c;
 * net/netfilter/xt_recent.c). One of --set/--rcheck/--update/--remove is
 * required (and may be inverted); the others only modify it. The save form
 * always spells out --name (DEFAULT), --mask and the side.
 */
import type { NetContext } from '../../engine/net';
import type { Skb } from '../../engine/skb';
import { addrToString, parseIPv6, prefixMask } from '../../util/addr';
import { jiffies, HZ } from './limit';
import { EINVAL_MSG } from '../../rules/validate';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtHost, xtOnce, xtUint, type FcheckEntry } from '../xtoptions';

const OPS = ['set', 'rcheck', 'update', 'remove'] as const;
const OP_LABEL: Record<string, string> = { set: 'SET', rcheck: 'CHECK', update: 'UPDATE', remove: 'REMOVE' };

/** The option table's excl/also relations (recent_opts_v1), in table order. */
const TABLE: readonly FcheckEntry[] = [
  ...OPS.map((name) => ({ name, excl: OPS })),
  { name: 'seconds' }, { name: 'reap', also: ['seconds'] }, { name: 'hitcount' },
  { name: 'rttl', excl: ['set', 'remove'] }, { name: 'name' }, { name: 'rsource' }, { name: 'rdest' }, { name: 'mask' },
];

export interface RecentInfo {
  seen: Set<string>;
  op: string;
  invert: boolean;
  seconds: number;
  reap: boolean;
  hitcount: number;
  rttl: boolean;
  name: string;
  dest: boolean;
  mask: Uint8Array;
}

// ---- packet side (net/netfilter/xt_recent.c) --------------------------------

/** Module parameters at their defaults: ip_list_tot (entries per table) and ip_pkt_list_tot (stamps). */
export const IP_LIST_TOT = 100;
export const IP_PKT_LIST_TOT = 20;

/** roundup_pow_of_two(n) - 1: the stamp ring mask a rule needs (recent_mt_check). */
function stampMask(hitcount: number): number {
  const n = hitcount < IP_PKT_LIST_TOT ? IP_PKT_LIST_TOT : hitcount;
  let p = 1;
  while (p < n) p <<= 1;
  return p - 1;
}

/**
 * One recent_table: up to IP_LIST_TOT entries in typed arrays (addresses
 * as 16 bytes, IPv4 in the first 4), each with a ring of jiffies stamps,
 * and an LRU order kept as a sequence number (the head of the kernel's
 * lru_list is the smallest).
 */
export class RecentTable {
  readonly name: string;
  /** The table's address mask: the one of the rule that created it. */
  readonly mask4 = new Uint8Array(4);
  readonly mask6 = new Uint8Array(16);
  /** nstamps_max_mask: ring size - 1 (grows when a rule asks for a larger --hitcount). */
  stampMask: number;
  used = new Uint8Array(IP_LIST_TOT);
  family = new Uint8Array(IP_LIST_TOT);
  addr = new Uint8Array(IP_LIST_TOT * 16);
  ttl = new Uint8Array(IP_LIST_TOT);
  nstamps = new Uint16Array(IP_LIST_TOT);
  index = new Uint16Array(IP_LIST_TOT);
  lru = new Float64Array(IP_LIST_TOT);
  stamps: Float64Array;
  entries = 0;
  private seq = 0;

  constructor(name: string, mask: Uint8Array, stampMaskBits: number) {
    this.name = name;
    if (mask.length === 4) { this.mask4.set(mask); this.mask6.fill(0xff); } else { this.mask6.set(mask); this.mask4.fill(0xff); }
    this.stampMask = stampMaskBits;
    this.stamps = new Float64Array(IP_LIST_TOT * (stampMaskBits + 1));
  }

  /** recent_mt_check on an existing table: a larger ring for a larger hitcount (stamps kept). */
  growStamps(mask: number): void {
    if (mask <= this.stampMask) return;
    const old = this.stamps;
    const ow = this.stampMask + 1;
    const nw = mask + 1;
    const ns = new Float64Array(IP_LIST_TOT * nw);
    for (let e = 0; e < IP_LIST_TOT; e++) for (let i = 0; i < ow; i++) ns[e * nw + i] = old[e * ow + i];
    this.stamps = ns;
    this.stampMask = mask;
  }

  /** recent_entry_lookup: same family and address, and TTL equal unless either is 0. */
  lookup(addr: Uint8Array, family: number, ttl: number): number {
    const n = family === 4 ? 4 : 16;
    for (let e = 0; e < IP_LIST_TOT; e++) {
      if (!this.used[e] || this.family[e] !== family) continue;
      let eq = true;
      for (let i = 0; i < n; i++) if (this.addr[e * 16 + i] !== addr[i]) { eq = false; break; }
      if (!eq) continue;
      if (ttl === this.ttl[e] || ttl === 0 || this.ttl[e] === 0) return e;
    }
    return -1;
  }

  /** The head of the LRU list (oldest), or -1 when empty. */
  oldest(): number {
    let best = -1;
    for (let e = 0; e < IP_LIST_TOT; e++) if (this.used[e] && (best < 0 || this.lru[e] < this.lru[best])) best = e;
    return best;
  }

  /** recent_entry_init: evicting the oldest entry when the table is full. */
  init(addr: Uint8Array, family: number, ttl: number, now: number): number {
    if (this.entries >= IP_LIST_TOT) this.remove(this.oldest());
    let e = 0;
    while (this.used[e]) e++;
    const n = family === 4 ? 4 : 16;
    for (let i = 0; i < 16; i++) this.addr[e * 16 + i] = i < n ? addr[i] : 0;
    this.used[e] = 1;
    this.family[e] = family;
    this.ttl[e] = ttl;
    this.stamps[e * (this.stampMask + 1)] = now;
    this.nstamps[e] = 1;
    this.index[e] = 1;
    this.lru[e] = ++this.seq;
    this.entries++;
    return e;
  }

  /** recent_entry_update: next slot of the ring, move to the LRU tail. */
  update(e: number, now: number): void {
    const idx = this.index[e] & this.stampMask;
    this.stamps[e * (this.stampMask + 1) + idx] = now;
    this.index[e] = idx + 1;
    if (this.index[e] > this.nstamps[e]) this.nstamps[e] = this.index[e];
    this.lru[e] = ++this.seq;
  }

  remove(e: number): void {
    if (e < 0 || !this.used[e]) return;
    this.used[e] = 0;
    this.entries--;
  }

  flush(): void {
    this.used.fill(0);
    this.entries = 0;
  }

  stamp(e: number, i: number): number { return this.stamps[e * (this.stampMask + 1) + i]; }

  /** recent_entry_reap: drop the oldest entry when its last stamp is before `time` (unless it is the one being updated). */
  reap(time: number, working: number, update: boolean): void {
    const e = this.oldest();
    if (e < 0 || (e === working && update)) return;
    if (time > this.stamp(e, this.index[e] - 1)) this.remove(e);
  }
}

/** The recent tables of one namespace (recent_net), keyed by --name; shared by IPv4 and IPv6 rules. */
export function recentTables(net: NetContext): Map<string, RecentTable> {
  let m = net.extState.get('recent') as Map<string, RecentTable> | undefined;
  if (m === undefined) { m = new Map(); net.extState.set('recent', m); }
  return m;
}

/**
 * recent_mt_check's side effect: the table exists from the moment a rule
 * names it (the engine calls this when it loads a ruleset, so that
 * /proc/net/xt_recent/NAME is there before the first packet). The mask of
 * the first rule to create the table stays the table's.
 */
export function recentRegister(net: NetContext, d: RecentInfo): RecentTable {
  const tables = recentTables(net);
  let t = tables.get(d.name);
  const sm = stampMask(d.hitcount);
  if (t === undefined) {
    t = new RecentTable(d.name, d.mask, sm);
    tables.set(d.name, t);
  } else {
    t.growStamps(sm);
  }
  return t;
}

const ADDR = new Uint8Array(16);

/** xt_recent.c recent_mt. */
export function recentMatch(skb: Skb, d: RecentInfo): boolean {
  const v = skb.view;
  const net = skb.net;
  let t = recentTables(net).get(d.name);
  if (t === undefined || t.stampMask < stampMask(d.hitcount)) t = recentRegister(net, d);
  const fam = v.family;
  const n = fam === 4 ? 4 : 16;
  const off = d.dest ? v.dstOff : v.srcOff;
  const mask = fam === 4 ? t.mask4 : t.mask6;
  for (let i = 0; i < 16; i++) ADDR[i] = i < n ? v.buf[off + i] & mask[i] : 0;
  let ttl = v.ttl;
  // "use TTL as seen before forwarding": with an output device and no local socket.
  if (skb.outdev !== '' && !skb.local) ttl = (ttl + 1) & 0xff;
  const now = jiffies(net.clock.now());
  let ret = d.invert;
  let e = t.lookup(ADDR, fam, d.rttl ? ttl : 0);
  if (e < 0) {
    if (d.op !== 'set') return ret;
    t.init(ADDR, fam, ttl, now);
    return !ret;
  }
  if (d.op === 'set') {
    ret = !ret;
  } else if (d.op === 'remove') {
    t.remove(e);
    return !ret;
  } else {
    const time = now - d.seconds * HZ;
    let hits = 0;
    const ns = t.nstamps[e];
    for (let i = 0; i < ns; i++) {
      if (d.seconds && time > t.stamp(e, i)) continue;
      if (!d.hitcount || ++hits >= d.hitcount) { ret = !ret; break; }
    }
    if (d.reap) {
      t.reap(time, e, d.op === 'update' && ret);
      if (!t.used[e]) e = -1;
    }
  }
  if (e >= 0 && (d.op === 'set' || (d.op === 'update' && ret))) {
    t.update(e, now);
    t.ttl[e] = ttl;
  }
  return ret;
}

/** %pI6: eight groups of four hex digits, no compression. */
function pI6(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 16; i += 2) s += (i ? ':' : '') + ((b[off + i] << 8) | b[off + i + 1]).toString(16).padStart(4, '0');
  return s;
}

/**
 * The text of /proc/net/xt_recent/NAME (recent_seq_show), or undefined
 * when there is no such table. One line per entry: "src=ADDR ttl: T
 * last_seen: J oldest_pkt: I J1, J2, ...". The kernel walks its hash
 * buckets, whose order depends on a boot-time random seed; entries are
 * listed here oldest first (LRU order).
 */
export function recentProcRead(net: NetContext, name: string): string | undefined {
  const t = recentTables(net).get(name);
  if (t === undefined) return undefined;
  const order: number[] = [];
  for (let e = 0; e < IP_LIST_TOT; e++) if (t.used[e]) order.push(e);
  order.sort((a, b) => t.lru[a] - t.lru[b]);
  let out = '';
  for (const e of order) {
    const last = t.stamp(e, (t.index[e] - 1) & t.stampMask);
    const a = t.family[e] === 4 ? `${t.addr[e * 16]}.${t.addr[e * 16 + 1]}.${t.addr[e * 16 + 2]}.${t.addr[e * 16 + 3]}` : pI6(t.addr, e * 16);
    out += `src=${a} ttl: ${t.ttl[e]} last_seen: ${last} oldest_pkt: ${t.index[e]}`;
    for (let i = 0; i < t.nstamps[e]; i++) out += `${i ? ',' : ''} ${t.stamp(e, i)}`;
    out += '\n';
  }
  return out;
}

/**
 * A write to /proc/net/xt_recent/NAME (recent_mt_proc_write): "/" flushes,
 * "+ADDR" adds or refreshes, "-ADDR" removes (the address unmasked, TTL 0;
 * a ':' anywhere makes it IPv6). Returns the byte count the write returns,
 * or an errno name: 'ENOENT' without the table, 'EINVAL' for anything
 * else. The address text may end with a newline.
 */
export function recentProcWrite(net: NetContext, name: string, text: string): number | 'EINVAL' | 'ENOENT' {
  const t = recentTables(net).get(name);
  if (t === undefined) return 'ENOENT';
  const bytes = Buffer.from(text, 'latin1');
  // The kernel copies at most sizeof("+b335:1d35:1e55:dead:c0de:1715:5afe:c0de") bytes.
  let size = Math.min(bytes.length, 41);
  if (size === 0) return 0;
  const c = String.fromCharCode(bytes[0]);
  if (c === '/') { t.flush(); return size; }
  if (c !== '+' && c !== '-') return 'EINVAL';
  size--;
  let body = bytes.subarray(1, 1 + size).toString('latin1');
  const nl = body.indexOf('\n');
  if (nl >= 0) body = body.slice(0, nl);
  const v6 = bytes.subarray(1, 1 + size).includes(0x3a);
  const addr = v6 ? parseV6Strict(body) : parseV4Strict(body);
  if (addr === undefined) return 'EINVAL';
  const fam = v6 ? 6 : 4;
  const now = jiffies(net.clock.now());
  const e = t.lookup(addr, fam, 0);
  if (e < 0) { if (c === '+') t.init(addr, fam, 0, now); } else if (c === '+') t.update(e, now); else t.remove(e);
  return size + 1;
}

/** in4_pton: four dotted decimal parts, each 0-255. */
function parseV4Strict(s: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 4; i++) { const n = Number(m[i + 1]); if (n > 255) return undefined; out[i] = n; }
  return out;
}

/** in6_pton: hex groups with at most one "::" (and an IPv4 tail). */
function parseV6Strict(s: string): Uint8Array | undefined {
  const a = parseIPv6(s);
  return a ?? undefined;
}

export const recent = defineMatch<RecentInfo>({
  load: (net, d) => { recentRegister(net, d); },
  kind: 'match',
  name: 'recent',
  revision: 1,
  family: 0,
  options: [
    ...OPS.map((name) => ({ name, arg: 'none' as const })),
    { name: 'seconds', arg: 'required' }, { name: 'reap', arg: 'none' }, { name: 'hitcount', arg: 'required' },
    { name: 'rttl', arg: 'none' }, { name: 'name', arg: 'required' }, { name: 'rsource', arg: 'none' },
    { name: 'rdest', arg: 'none' }, { name: 'mask', arg: 'required' },
  ],
  init: (ctx) => ({
    seen: new Set(), op: '', invert: false, seconds: 0, reap: false, hitcount: 0, rttl: false,
    name: 'DEFAULT', dest: false, mask: prefixMask(ctx.family, ctx.family === 4 ? 32 : 128),
  }),
  parse(opt, arg, invert, d, ctx) {
    // The four operations exclude each other via .excl, which
    // xtables_option_parse treats like a second use of the same option.
    const isOp = (OPS as readonly string[]).includes(opt);
    xtOnce('recent', opt, d.seen, invert, isOp);
    switch (opt) {
      case 'seconds': d.seconds = xtUint('recent', opt, arg!, 1, 0xffffffff); break;
      case 'hitcount': d.hitcount = xtUint('recent', opt, arg!, 0, 0xffffffff); break;
      case 'reap': d.reap = true; break;
      case 'rttl': d.rttl = true; break;
      // XTTYPE_STRING into a 200-byte field: silently cut to 199 bytes.
      case 'name': {
        const b = Buffer.from(arg!, 'utf8');
        d.name = b.length > 199 ? b.subarray(0, 199).toString('utf8') : arg!;
        break;
      }
      case 'rsource': d.dest = false; break;
      case 'rdest': d.dest = true; break;
      case 'mask': d.mask = xtHost(ctx.family, arg!); break;
      default: d.op = opt; if (invert) d.invert = true;
    }
  },
  finalCheck(d) {
    if (!d.op) paramError("recent: you must specify one of `--set', `--rcheck' `--update' or `--remove'");
    xtFcheckNamed('recent', TABLE, d.seen);
  },
  // xt_recent.c recent_mt_check.
  check(d) {
    if ((d.op === 'set' || d.op === 'remove') && (d.seconds || d.hitcount || d.rttl || d.reap)) return EINVAL_MSG;
    if (d.hitcount > 65535) return EINVAL_MSG;
    if (d.name === '' || d.name === '.' || d.name === '..' || d.name.includes('/')) return EINVAL_MSG;
    return null;
  },
  print(d) {
    let s = `${d.invert ? ' !' : ''} recent: ${OP_LABEL[d.op]}`;
    if (d.seconds) s += ` seconds: ${d.seconds}`;
    if (d.reap) s += ' reap';
    if (d.hitcount) s += ` hit_count: ${d.hitcount}`;
    if (d.rttl) s += ' TTL-Match';
    return s + ` name: ${d.name} side: ${d.dest ? 'dest' : 'source'} mask: ${addrToString(d.mask)}`;
  },
  save(d) {
    let s = `${d.invert ? ' !' : ''} --${d.op}`;
    if (d.seconds) s += ` --seconds ${d.seconds}`;
    if (d.reap) s += ' --reap';
    if (d.hitcount) s += ` --hitcount ${d.hitcount}`;
    if (d.rttl) s += ' --rttl';
    return s + ` --name ${d.name} --mask ${addrToString(d.mask)} ${d.dest ? '--rdest' : '--rsource'}`;
  },
  match: recentMatch,
});
