/**
 * `netsieve trace` options: a packet described with iptables' own words
 * (-i -o -p -s -d --sport --dport --tcp-flags --syn --icmp-type ...), or
 * given as bytes (--hex), plus how to show it and when it happens. Parsing
 * only; the bytes are built in packet.ts.
 */
import type { Host } from '../../host/model';
import { ifaceByName } from '../../host/model';
import { parseIp, parseMac } from '../../host/prefix';
import { findMatch } from '../../extensions/registry';
import type { ParseContext } from '../../extensions/types';
import { emptyIp } from '../../rules/model';
import { parseProtocol } from '../../rules/proto';
import { XtError } from '../../util/errors';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../wire/tcp';

export class TraceUsage extends Error {}

export type Rendering = 'tree' | 'kernel' | 'json';

export interface TraceOptions {
  /** The packet; family 0 until addresses or -4/-6 decide it. */
  family: 0 | 4 | 6;
  indev: string;
  outdev: string;
  local: boolean;
  proto: number;
  src: string;
  dst: string;
  sport: number | undefined;
  dport: number | undefined;
  /** TCP flags; undefined means "not given" (a SYN, or the flow's own). */
  tcpFlags: number | undefined;
  seq: number | undefined;
  ackSeq: number | undefined;
  window: number;
  mss: number | undefined;
  icmpType: string | undefined;
  ttl: number | undefined;
  tos: number;
  df: boolean;
  /** Total length of the IP datagram (payload padded to reach it). */
  length: number | undefined;
  data: Uint8Array | undefined;
  macSource: Uint8Array | undefined;
  uid: number | undefined;
  gid: number | undefined;
  hex: Uint8Array | undefined;
  rendering: Rendering;
  color: boolean | undefined;
  /** Absolute engine time in ms (--at), or undefined. */
  at: number | undefined;
  /** Time to let pass before the packet (--after), ms. */
  after: number;
  /** --flow: play a whole exchange; gap between its packets in ms. */
  flow: boolean;
  gap: number;
}

const FLAG_NAMES: readonly [string, number][] = [
  ['FIN', TCP_FIN], ['SYN', TCP_SYN], ['RST', TCP_RST], ['PSH', TCP_PSH], ['ACK', TCP_ACK], ['URG', TCP_URG],
  ['ECE', TCP_ECE], ['CWR', TCP_CWR],
];

/** "SYN,ACK" / "ALL" / "NONE" as libxt_tcp's parse_tcp_flags reads them. */
export function parseTcpFlags(s: string): number {
  let v = 0;
  for (const w of s.split(',')) {
    const u = w.toUpperCase();
    if (u === 'ALL') { v |= 0xff; continue; }
    if (u === 'NONE') continue;
    const f = FLAG_NAMES.find(([n]) => n === u);
    if (!f) throw new TraceUsage(`unknown TCP flag \`${w}'`);
    v |= f[1];
  }
  return v;
}

export function tcpFlagsText(v: number): string {
  const out: string[] = [];
  for (const [n, b] of FLAG_NAMES) if (v & b) out.push(n);
  return out.length ? out.join(',') : 'NONE';
}

function num(opt: string, s: string | undefined, max: number): number {
  if (s === undefined) throw new TraceUsage(`option ${opt} requires an argument`);
  const n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^[0-9]+$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(n) || n > max) throw new TraceUsage(`invalid value \`${s}' for ${opt}`);
  return n;
}

/** Durations: 30 (seconds), 30s, 250ms, 5m, 2h, 1d. */
export function parseDuration(opt: string, s: string | undefined): number {
  if (s === undefined) throw new TraceUsage(`option ${opt} requires an argument`);
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?$/.exec(s);
  if (!m) throw new TraceUsage(`invalid duration \`${s}' for ${opt} (examples: 30, 30s, 250ms, 5m, 2h)`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'] ?? 1000;
  return Math.round(Number(m[1]) * mult);
}

/**
 * --at: seconds on the engine clock (the clock conntrack and `conntrack -L`
 * count in), an ISO date (the engine clock is also the wall clock the time
 * match and LOG see), or `now` for this machine's clock.
 */
export function parseAt(s: string | undefined, nowMs: number): number {
  if (s === undefined) throw new TraceUsage('option --at requires an argument');
  if (s === 'now') return nowMs;
  if (/^[0-9]+(\.[0-9]+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const d = Date.parse(s);
  if (Number.isNaN(d)) throw new TraceUsage(`invalid time \`${s}' for --at (seconds, an ISO date, or now)`);
  return d;
}

function hexBytes(s: string): Uint8Array {
  const clean = s.replace(/[\s:]/g, '').replace(/^0x/i, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(clean)) throw new TraceUsage('--hex wants an even number of hex digits');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function parseTraceArgs(argv: string[], nowMs: number): TraceOptions {
  const o: TraceOptions = {
    family: 0, indev: '', outdev: '', local: false, proto: -1, src: '', dst: '', sport: undefined, dport: undefined,
    tcpFlags: undefined, seq: undefined, ackSeq: undefined, window: 64240, mss: undefined, icmpType: undefined,
    ttl: undefined, tos: 0, df: false, length: undefined, data: undefined, macSource: undefined, uid: undefined,
    gid: undefined, hex: undefined, rendering: 'tree', color: undefined, at: undefined, after: 0, flow: false, gap: 0,
  };
  const addFlags = (f: number): void => { o.tcpFlags = (o.tcpFlags ?? 0) | f; };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    const next = (): string => {
      if (inline !== undefined) { const v = inline; inline = undefined; return v; }
      const v = argv[++i];
      if (v === undefined) throw new TraceUsage(`option ${a} requires an argument`);
      return v;
    };
    switch (a) {
      case '-4': case '--ipv4': o.family = 4; break;
      case '-6': case '--ipv6': o.family = 6; break;
      case '-i': case '--in-interface': o.indev = next(); break;
      case '-o': case '--out-interface': o.outdev = next(); break;
      case '-p': case '--protocol': {
        const p = next().toLowerCase();
        try { o.proto = parseProtocol(p === 'icmp6' ? 'icmpv6' : p); } catch { throw new TraceUsage(`unknown protocol \`${p}'`); }
        break;
      }
      case '-s': case '--source': case '--src': o.src = next(); break;
      case '-d': case '--destination': case '--dst': o.dst = next(); break;
      case '--sport': case '--source-port': o.sport = num(a, next(), 65535); break;
      case '--dport': case '--destination-port': o.dport = num(a, next(), 65535); break;
      case '--tcp-flags': {
        // iptables' MASK COMP: the packet carries COMP (MASK only says which flags were examined).
        next();
        o.tcpFlags = parseTcpFlags(next());
        break;
      }
      case '--flags': o.tcpFlags = parseTcpFlags(next()); break;
      case '--syn': addFlags(TCP_SYN); break;
      case '--ack': addFlags(TCP_ACK); break;
      case '--fin': addFlags(TCP_FIN); break;
      case '--rst': addFlags(TCP_RST); break;
      case '--psh': addFlags(TCP_PSH); break;
      case '--urg': addFlags(TCP_URG); break;
      case '--seq': o.seq = num(a, next(), 0xffffffff); break;
      case '--ack-seq': o.ackSeq = num(a, next(), 0xffffffff); break;
      case '--window': o.window = num(a, next(), 65535); break;
      case '--mss': o.mss = num(a, next(), 65535); break;
      case '--icmp-type': case '--icmpv6-type': o.icmpType = next(); break;
      case '--ttl': case '--hl': case '--hop-limit': o.ttl = num(a, next(), 255); break;
      case '--tos': case '--tclass': o.tos = num(a, next(), 255); break;
      case '--df': o.df = true; break;
      case '--length': o.length = num(a, next(), 65535); break;
      case '--data': o.data = new TextEncoder().encode(next()); break;
      case '--mac-source': {
        const m = parseMac(next());
        if (!m) throw new TraceUsage(`invalid MAC address for --mac-source`);
        o.macSource = m;
        break;
      }
      case '--local': o.local = true; break;
      case '--uid': case '--uid-owner': o.uid = num(a, next(), 0xffffffff); break;
      case '--gid': case '--gid-owner': o.gid = num(a, next(), 0xffffffff); break;
      case '--hex': o.hex = hexBytes(next()); break;
      case '--json': o.rendering = 'json'; break;
      case '--kernel': case '--trace-lines': o.rendering = 'kernel'; break;
      case '--tree': o.rendering = 'tree'; break;
      case '--color': case '--colour': o.color = true; break;
      case '--no-color': case '--no-colour': o.color = false; break;
      case '--at': o.at = parseAt(next(), nowMs); break;
      case '--after': o.after = parseDuration(a, next()); break;
      case '--flow': o.flow = true; break;
      case '--gap': o.gap = parseDuration(a, next()); break;
      default: throw new TraceUsage(`unknown option \`${argv[i]}'`);
    }
    if (inline !== undefined) throw new TraceUsage(`option ${a} takes no argument`);
  }
  return o;
}

/** Checks and defaults that need the host: family, interfaces, addresses. */
export function settle(o: TraceOptions, host: Host): void {
  if (o.indev && !ifaceByName(host, o.indev)) throw new TraceUsage(`no interface \`${o.indev}' on the host (see netsieve ip link)`);
  if (o.outdev && !ifaceByName(host, o.outdev)) throw new TraceUsage(`no interface \`${o.outdev}' on the host (see netsieve ip link)`);
  if (o.local && o.indev) throw new TraceUsage('--local packets come from a local process: they have no -i');
  if (o.hex) return;
  for (const [what, s] of [['-s', o.src], ['-d', o.dst]] as const) {
    if (s === '') continue;
    const fam = s.includes(':') ? 6 : 4;
    if (o.family !== 0 && o.family !== fam) throw new TraceUsage(`${what} ${s} is not an IPv${o.family} address`);
    if (!parseIp(fam, s)) throw new TraceUsage(`bad address \`${s}' for ${what}`);
    o.family = fam;
  }
  if (o.family === 0) o.family = 4;
  if (o.proto < 0) o.proto = o.icmpType !== undefined ? (o.family === 6 ? 58 : 1) : 6;
  if (o.proto === 1 && o.family === 6) o.proto = 58;
  if (o.proto === 58 && o.family === 4) o.proto = 1;
  const ported = o.proto === 6 || o.proto === 17;
  if (!ported && (o.sport !== undefined || o.dport !== undefined)) throw new TraceUsage('--sport/--dport need -p tcp or -p udp');
  if (o.proto !== 6 && (o.tcpFlags !== undefined || o.seq !== undefined || o.ackSeq !== undefined || o.mss !== undefined)) {
    throw new TraceUsage('TCP options need -p tcp');
  }
  if (o.icmpType !== undefined && o.proto !== 1 && o.proto !== 58) throw new TraceUsage('--icmp-type needs -p icmp (or -p icmpv6)');
  if (o.flow && ![1, 6, 17, 58].includes(o.proto)) throw new TraceUsage('--flow plays TCP, UDP or ICMP echo exchanges');
}

/** The type and code --icmp-type names, parsed by the icmp/icmp6 match itself. */
export function icmpTypeCode(family: 4 | 6, text: string): { type: number; code: number } {
  const ext = findMatch(family === 4 ? 'icmp' : 'icmp6', family);
  if (!ext) throw new TraceUsage('no icmp match');
  const ctx: ParseContext = {
    family, table: 'filter', ip: emptyIp(family), prog: 'netsieve trace', argv: [], optind: 0, warn: () => undefined,
  };
  const data = ext.init(ctx);
  try {
    ext.parse(family === 4 ? 'icmp-type' : 'icmpv6-type', text, false, data, ctx);
  } catch (e) {
    if (e instanceof XtError) throw new TraceUsage(e.msg);
    throw e;
  }
  const d = data as { type: number; code: [number, number] };
  if (d.type === 0xff) throw new TraceUsage('--icmp-type any does not describe a packet');
  return { type: d.type, code: d.code[0] };
}
