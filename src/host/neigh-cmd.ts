/**
 * `ip neigh` (ip neighbour, ip neighbor) on a NeighTable, as iproute2 6.1
 * prints and parses it (ip/ipneigh.c): show/list/lst, flush, add, change
 * (chg), replace, delete; `dev DEV`, `lladdr`, `nud STATE`, `router`,
 * `to PREFIX`, `-4`/`-6`, `-s` (flush statistics). Errors are iproute2's
 * texts and exit statuses, and the kernel's answers (neigh_add,
 * neigh_delete) as iproute2 shows them.
 *
 * Listing order: IPv4 (arp_tbl) before IPv6 (nd_tbl), as the dump walks
 * the tables; within a family the kernel walks its hash table (random
 * order), netsieve lists in creation order.
 */
import { ifaceByIndex, ifaceByName, type Host } from './model';
import { fmt, macToString, parseIp, parseMac, prefixMatch, type Family } from './prefix';
import {
  NEIGH_UPDATE_F_ADMIN, NEIGH_UPDATE_F_ISROUTER, NEIGH_UPDATE_F_OVERRIDE, NEIGH_UPDATE_F_OVERRIDE_ISROUTER, NTF_ROUTER,
  NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_NONE, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE,
  NUD_VALID, STATE_NAMES, type NeighEntry, NeighTable,
} from './neigh';

export interface NeighCmdResult { code: number; stdout: string; stderr: string; changed: boolean; }

const matches = (arg: string, word: string): boolean => arg.length > 0 && word.startsWith(arg);
const res = (code: number, stdout: string, stderr: string, changed = false): NeighCmdResult => ({ code, stdout, stderr, changed });

/** nud_state_a2n: a state name (some may be abbreviated) or a single-bit number below 0x100. */
function nudState(arg: string): number | undefined {
  if (matches(arg, 'permanent')) return NUD_PERMANENT;
  if (matches(arg, 'reachable')) return NUD_REACHABLE;
  const exact: Record<string, number> = { noarp: NUD_NOARP, none: NUD_NONE, stale: NUD_STALE, incomplete: NUD_INCOMPLETE, delay: NUD_DELAY, probe: NUD_PROBE };
  if (arg in exact) return exact[arg];
  if (matches(arg, 'failed')) return NUD_FAILED;
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(arg);
  if (!m) return undefined;
  const v = /^0[xX]/.test(arg) ? parseInt(arg.slice(2), 16) : arg.length > 1 && arg[0] === '0' ? parseInt(arg, 8) : parseInt(arg, 10);
  if (v >= 0x100 || (v & (v - 1)) !== 0) return undefined;
  return v;
}

const familyWord = (f: Family | 0): string => (f === 4 ? 'inet' : f === 6 ? 'inet6' : 'any valid');

/** iproute2's get_addr / get_prefix for one argument: null (and the error) when it does not parse. */
function parseAddr(s: string, family: Family | 0, prefix: boolean): { family: Family; addr: Uint8Array; plen: number } | string {
  const bad = `Error: ${familyWord(family)} ${prefix ? 'prefix' : 'address'} is expected rather than "${s}".\n`;
  let text = s, plen = -1;
  if (prefix) {
    const k = s.indexOf('/');
    if (k >= 0) {
      text = s.slice(0, k);
      if (!/^[0-9]+$/.test(s.slice(k + 1))) return bad;
      plen = Number(s.slice(k + 1));
    }
  }
  const fam: Family = family || (text.includes(':') ? 6 : 4);
  const a = parseIp(fam, text);
  if (!a) return bad;
  const max = fam === 4 ? 32 : 128;
  if (plen > max) return bad;
  return { family: fam, addr: a, plen: plen < 0 ? max : plen };
}

/** One line as print_neigh prints it (iproute2 6.1: each field followed by a space); the kernel dumps the address only for valid states (neigh_fill_info). */
export function formatNeigh(e: NeighEntry, host: Host, withDev: boolean): string {
  let s = `${fmt(e.addr)} `;
  if (withDev) s += `dev ${ifaceByIndex(host, e.ifindex)?.name ?? `if${e.ifindex}`} `;
  if (e.hasLladdr && (e.state & NUD_VALID)) s += `lladdr ${macToString(e.lladdr)} `;
  if (e.flags & NTF_ROUTER) s += 'router ';
  for (const [bit, name] of STATE_NAMES) if (e.state & bit) s += `${name} `;
  return `${s}\n`;
}

/**
 * `ip [-4|-6] [-s] neigh ...`: argv is either the whole `ip` argument list
 * (options, then the object neigh/neighbour/neighbor, then the command) or
 * just what follows the object.
 */
export function runIpNeigh(argv: string[], table: NeighTable, host: Host, now: number): NeighCmdResult {
  let family: Family | 0 = 0;
  let stats = false;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-') && argv[i].length > 1; i++) {
    const o = argv[i];
    if (o === '-4') family = 4;
    else if (o === '-6') family = 6;
    else if (o === '-s' || matches(o, '-statistics') || matches(o, '-stats')) stats = true;
    else return res(255, '', `Option "${o}" is unknown, try "ip -help".\n`);
  }
  let args = argv.slice(i);
  if (args.length && (matches(args[0], 'neighbor') || matches(args[0], 'neighbour'))) args = args.slice(1);
  if (args.length === 0) return show([], table, host, family, false, stats, now);
  const cmd = args[0];
  const rest = args.slice(1);
  if (matches(cmd, 'add')) return modify(rest, table, host, family, 'add', now);
  if (matches(cmd, 'change') || cmd === 'chg') return modify(rest, table, host, family, 'change', now);
  if (matches(cmd, 'replace')) return modify(rest, table, host, family, 'replace', now);
  if (matches(cmd, 'delete')) return modify(rest, table, host, family, 'delete', now);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return show(rest, table, host, family, false, stats, now);
  if (matches(cmd, 'flush')) return show(rest, table, host, family, true, stats, now);
  return res(255, '', `Command "${cmd}" is unknown, try "ip neigh help".\n`);
}

type ModifyCmd = 'add' | 'change' | 'replace' | 'delete';

function modify(args: string[], table: NeighTable, host: Host, family: Family | 0, cmd: ModifyCmd, now: number): NeighCmdResult {
  let state = NUD_PERMANENT;
  let dev: string | undefined;
  let lla: string | undefined;
  let dst: { family: Family; addr: Uint8Array } | undefined;
  let router = false;
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    const next = (): string | undefined => args[++k];
    if (matches(a, 'lladdr')) {
      const v = next();
      if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n');
      if (lla !== undefined) return res(255, '', `Error: duplicate "lladdr": "${v}" is the second value.\n`);
      lla = v;
    } else if (a === 'nud') {
      const v = next();
      if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n');
      const s = nudState(v);
      if (s === undefined) return res(255, '', `Error: argument "${v}" is wrong: nud state is bad\n`);
      state = s;
    } else if (a === 'router') {
      router = true;
    } else if (a === 'dev') {
      const v = next();
      if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n');
      dev = v;
    } else {
      let v: string | undefined = a;
      if (a === 'to') { v = next(); if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n'); }
      if (dst !== undefined) return res(255, '', `Error: either "to" is duplicate, or "${v}" is a garbage.\n`);
      const p = parseAddr(v, family, false);
      if (typeof p === 'string') return res(1, '', p);
      dst = p;
    }
  }
  if (dev === undefined || dst === undefined) return res(255, '', 'Device and destination are required arguments.\n');
  let mac: Uint8Array | null = null;
  if (lla !== undefined && lla !== 'null') {
    const m = parseMacLoose(lla);
    if (m === undefined) return res(1, '', `"${lla}" is invalid lladdr.\n`);
    mac = m;
  }
  const iface = ifaceByName(host, dev);
  if (!iface) return res(1, '', `Cannot find device "${dev}"\n`);
  const kernelErr = (msg: string): NeighCmdResult => res(2, '', `${msg}\n`);
  if (mac !== null && mac.length < 6) return kernelErr('Error: Invalid link address.');
  // arp_tbl keys loopback (and point-to-point) devices' entries by 0.0.0.0 (arp.c arp_key_eq / neigh_key_eq32).
  const key = dst.family === 4 && iface.kind === 'loopback' ? new Uint8Array(4) : dst.addr;
  let e = table.lookup(iface.index, dst.family, key);
  if (cmd === 'delete') {
    if (!e) return kernelErr('RTNETLINK answers: No such file or directory');
    table.update(e, null, 0, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN, now);
    table.remove(e);
    return res(0, '', '', true);
  }
  if (dst.family === 6 && host.sysctl[`net.ipv6.conf.${iface.name}.disable_ipv6`] === '1') return kernelErr('Error: IPv6 is disabled on this device.');
  let flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
  if (!e) {
    if (cmd === 'change') return kernelErr('RTNETLINK answers: No such file or directory');
    e = table.create(iface.index, dst.family, key, 0, now);
    if (!e) return kernelErr('RTNETLINK answers: No buffer space available');
  } else {
    if (cmd === 'add') return kernelErr('RTNETLINK answers: File exists');
    if (cmd !== 'replace') flags &= ~(NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER);
  }
  if (router) flags |= NEIGH_UPDATE_F_ISROUTER;
  // The entry stays even when the update is refused (the kernel created it first: a NONE entry).
  const err = table.update(e, mac, 0, state, flags, now);
  if (err) return res(2, '', `Error: ${err}.\n`, true);
  return res(0, '', '', true);
}

/** ll_addr_a2n: 1 to 6 colon-separated hex octets (shorter ones the kernel then refuses). */
function parseMacLoose(s: string): Uint8Array | undefined {
  const full = parseMac(s);
  if (full) return full;
  const ps = s.split(':');
  if (ps.length > 6 || ps.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return Uint8Array.from(ps.map((p) => parseInt(p, 16)));
}

function show(args: string[], table: NeighTable, host: Host, family: Family | 0, flush: boolean, stats: boolean, now: number): NeighCmdResult {
  if (flush && args.length === 0) return res(1, '', 'Flush requires arguments.\n');
  let state = flush ? ~(NUD_PERMANENT | NUD_NOARP) : 0xff & ~NUD_NOARP;
  let stateGiven = false;
  let devName: string | undefined;
  let pfx: { family: Family; addr: Uint8Array; plen: number } | undefined;
  let fam = family;
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (a === 'dev') {
      const v = args[++k];
      if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n');
      if (devName !== undefined) return res(255, '', `Error: duplicate "dev": "${v}" is the second value.\n`);
      devName = v;
    } else if (a === 'nud') {
      const v = args[++k];
      if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n');
      if (!stateGiven) { stateGiven = true; state = 0; }
      let s = nudState(v);
      if (s === undefined) {
        if (v !== 'all') return res(255, '', `Error: argument "${v}" is wrong: nud state is bad\n`);
        s = ~0;
        if (flush) s &= ~NUD_NOARP;
      }
      if (s === 0) s = 0x100;
      state |= s;
    } else if (a === 'unused' || a === 'proxy') {
      // Every entry is unreferenced here; proxy entries are not modelled (none match).
      if (a === 'proxy') return res(0, '', '');
    } else {
      let v: string | undefined = a;
      if (a === 'to') { v = args[++k]; if (v === undefined) return res(255, '', 'Command line is not complete. Try option "help"\n'); }
      // get_prefix: default/any/all are the zero-length prefix of no family (no filter).
      if (v === 'default' || v === 'any' || v === 'all') continue;
      const p = parseAddr(v, fam, true);
      if (typeof p === 'string') return res(1, '', p);
      pfx = p;
      if (!fam) fam = p.family;
    }
  }
  let index = 0;
  if (devName !== undefined) {
    const d = ifaceByName(host, devName);
    if (!d) return res(1, '', `Cannot find device "${devName}"\n`);
    index = d.index;
  }
  const selected: NeighEntry[] = [];
  for (const f of [4, 6] as const) {
    if (fam && fam !== f) continue;
    for (const e of table.entries()) {
      if (e.family !== f) continue;
      if (index && e.ifindex !== index) continue;
      if (!(state & e.state) && (e.state !== NUD_NONE || !(state & 0x100))) continue;
      if (pfx && (pfx.family !== f || !prefixMatch(e.addr, pfx.addr, pfx.plen))) continue;
      selected.push(e);
    }
  }
  if (!flush) return res(0, selected.map((e) => formatNeigh(e, host, index === 0)).join(''), '');
  if (selected.length === 0) return res(0, stats ? 'Nothing to flush.\n' : '', '');
  for (const e of selected) {
    table.update(e, null, 0, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN, now);
    table.remove(e);
  }
  const out = stats ? `\n*** Round 1, deleting ${selected.length} entries ***\n*** Flush is complete after 1 round ***\n` : '';
  return res(0, out, '', true);
}

// --- persistence ---------------------------------------------------------------

export interface NeighJsonEntry {
  dev: string;
  ifindex: number;
  family: Family;
  dst: string;
  lladdr: string | null;
  state: number;
  router: boolean;
  /** Ages in ms relative to the save time (`now` of neighToJson). */
  updatedAgo: number;
  usedAgo: number;
  confirmedAgo: number;
}

export interface NeighJson { version: 1; entries: NeighJsonEntry[]; }

/** The table as saved in the state directory (neigh.json). Queued packets and timers are not kept. */
export function neighToJson(table: NeighTable, host: Host, now: number): NeighJson {
  return {
    version: 1,
    entries: table.entries().map((e) => ({
      dev: ifaceByIndex(host, e.ifindex)?.name ?? '', ifindex: e.ifindex, family: e.family, dst: fmt(e.addr),
      lladdr: e.hasLladdr ? macToString(e.lladdr) : null, state: e.state, router: (e.flags & NTF_ROUTER) !== 0,
      updatedAgo: now - e.updated, usedAgo: now - e.used, confirmedAgo: now - e.confirmed,
    })),
  };
}

/**
 * A table from neigh.json. Entries whose device is gone are skipped
 * (matched by name, then index). Resolution in progress is not resumed:
 * INCOMPLETE and PROBE entries come back FAILED, DELAY ones STALE, and
 * REACHABLE ones keep a timer of a fresh reachable_time.
 */
export function neighFromJson(j: unknown, host: Host, now: number, o: ConstructorParameters<typeof NeighTable>[0] = {}): NeighTable {
  const t = new NeighTable({ ...o, now });
  if (typeof j !== 'object' || j === null || !Array.isArray((j as { entries?: unknown }).entries)) return t;
  for (const x of (j as { entries: unknown[] }).entries) {
    if (typeof x !== 'object' || x === null) continue;
    const r = x as Partial<NeighJsonEntry>;
    const iface = (typeof r.dev === 'string' ? ifaceByName(host, r.dev) : undefined) ?? host.ifaces.find((i) => i.index === r.ifindex);
    if (!iface || (r.family !== 4 && r.family !== 6) || typeof r.dst !== 'string' || typeof r.state !== 'number') continue;
    const addr = parseIp(r.family, r.dst);
    if (!addr) continue;
    const e = t.create(iface.index, r.family, addr, 0, now);
    if (!e) continue;
    const mac = typeof r.lladdr === 'string' ? parseMac(r.lladdr) : undefined;
    if (mac) { e.lladdr.set(mac); e.hasLladdr = true; }
    let state = r.state & 0xff;
    if (state & (NUD_INCOMPLETE | NUD_PROBE)) state = NUD_FAILED;
    else if (state & NUD_DELAY) state = NUD_STALE;
    if ((state & ~(NUD_FAILED | NUD_NONE)) !== 0 && !e.hasLladdr && !(state & NUD_NOARP)) state = NUD_FAILED;
    e.state = state;
    e.flags = r.router ? NTF_ROUTER : 0;
    e.updated = now - (r.updatedAgo ?? 0);
    e.used = now - (r.usedAgo ?? 0);
    e.confirmed = now - (r.confirmedAgo ?? 0);
    if (state & NUD_REACHABLE) e.timer = now + t.reachableTime;
  }
  return t;
}
