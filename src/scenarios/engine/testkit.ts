/**
 * Shared support for the engine scenario tests (test support only): a host
 * and a ruleset built from the command lines the seed articles print, packet
 * builders for both families, a TCP conversation that keeps sequence numbers
 * straight in both directions, and readers for what a scenario asserts on:
 * the emitted packets, the deciding table/chain/rule, `conntrack -L` and the
 * counters of `iptables -v -S`.
 */
import assert from 'node:assert/strict';
import { runIp, runListen, runSysctl } from '../../cli/host-commands';
import { runIptables } from '../../cli/iptables';
import { runConntrack } from '../../cli/conntrack';
import { Engine, type PacketResult } from '../../engine/engine';
import type { Emitted } from '../../engine/net';
import { newHost, type Host } from '../../host/model';
import { parseIp } from '../../host/prefix';
import { newRuleset, type Family, type Ruleset } from '../../rules/model';
import { ipv6ToString } from '../../util/addr';
import { buildIcmp4, buildIcmp6, buildTcp4, buildTcp6, buildUdp4, buildUdp6 } from '../../wire/build';
import { IP_DF } from '../../wire/ipv4';
import { PacketView } from '../../wire/packet';
import { TCP_ACK } from '../../wire/tcp';

/** Splits a command line as a shell would for the plain words the seeds use (no quoting needed). */
export const words = (line: string): string[] => line.trim().split(/\s+/);

/**
 * A host from `ip ...`, `sysctl ...` and `listen ...` lines (netsieve's own
 * programs), failing the test on any non-zero exit.
 */
export function buildHost(lines: string[]): Host {
  let h = newHost();
  for (const line of lines) {
    const [prog, ...args] = words(line);
    const r = prog === 'ip' ? runIp(args, h) : prog === 'sysctl' ? runSysctl(args, h) : prog === 'listen' ? runListen(args, h) : undefined;
    assert.ok(r, `unknown host command: ${line}`);
    assert.equal(r.code, 0, `${line}: ${r.stderr}`);
    h = r.host;
  }
  return h;
}

/** Applies `iptables ...` / `ip6tables ...` lines (the program name is optional) to a ruleset. */
export function applyRules(rs: Ruleset, lines: string[]): Ruleset {
  for (const line of lines) {
    const argv = words(line);
    if (argv[0] === 'iptables' || argv[0] === 'ip6tables') {
      assert.equal(argv[0] === 'iptables' ? 4 : 6, rs.family, `family mismatch: ${line}`);
      argv.shift();
    }
    const r = runIptables(rs, argv);
    assert.equal(r.code, 0, `${line}: ${r.stderr}`);
    rs = r.rs;
  }
  return rs;
}

export function buildRules(family: Family, lines: string[]): Ruleset {
  return applyRules(newRuleset(family), lines);
}

export function engine(host: Host, rules4: Ruleset, rules6: Ruleset = newRuleset(6)): Engine {
  return new Engine({ host, rules4, rules6, trace: true });
}

// ---- packets ---------------------------------------------------------------------------------

export interface IpSpec {
  src: string;
  dst: string;
  ttl?: number;
  id?: number;
  df?: boolean;
}

export interface TcpSpec extends IpSpec {
  sport: number;
  dport: number;
  flags: number;
  seq?: number;
  ack?: number;
  window?: number;
  /** Adds an MSS option with this value. */
  mss?: number;
  /** Payload length in bytes (filled with 0x61). */
  len?: number;
}

export interface UdpSpec extends IpSpec { sport: number; dport: number; data?: Uint8Array; }
export interface IcmpSpec extends IpSpec { type: number; code?: number; id?: number; seq?: number; len?: number; }

const BUF = new Uint8Array(70000);
const isV6 = (s: string): boolean => s.includes(':');

function addr4(s: string): number {
  const a = parseIp(4, s);
  assert.ok(a, `bad IPv4 address ${s}`);
  return ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
}

function addr6(s: string): Uint8Array {
  const a = parseIp(6, s);
  assert.ok(a, `bad IPv6 address ${s}`);
  return a;
}

const ip4 = (s: IpSpec) => ({ tos: 0, id: s.id ?? 0x1234, fragWord: s.df ? IP_DF : 0, ttl: s.ttl ?? 64, protocol: 0, saddr: addr4(s.src), daddr: addr4(s.dst), options: null });
const ip6 = (s: IpSpec) => ({ trafficClass: 0, flowLabel: 0, nexthdr: 0, hopLimit: s.ttl ?? 64, src: addr6(s.src), srcOff: 0, dst: addr6(s.dst), dstOff: 0 });
const fill = (n: number): Uint8Array => new Uint8Array(n).fill(0x61);

export function tcp(s: TcpSpec): Uint8Array {
  const opts = s.mss === undefined ? null : new Uint8Array([2, 4, s.mss >> 8, s.mss & 0xff]);
  const t = { sport: s.sport, dport: s.dport, seq: s.seq ?? 1000, ack: s.ack ?? 0, flags: s.flags, window: s.window ?? 64240, urgPtr: 0, options: opts };
  const p = { data: fill(s.len ?? 0), off: 0, len: s.len ?? 0 };
  const n = isV6(s.src) ? buildTcp6(BUF, 0, ip6(s), t, p) : buildTcp4(BUF, 0, ip4(s), t, p);
  return BUF.slice(0, n);
}

export function udp(s: UdpSpec): Uint8Array {
  const d = s.data ?? fill(8);
  const p = { data: d, off: 0, len: d.length };
  const n = isV6(s.src) ? buildUdp6(BUF, 0, ip6(s), s.sport, s.dport, p) : buildUdp4(BUF, 0, ip4(s), s.sport, s.dport, p);
  return BUF.slice(0, n);
}

export function icmp(s: IcmpSpec): Uint8Array {
  const rest = (((s.id ?? 0x4242) << 16) | (s.seq ?? 1)) >>> 0;
  const p = { data: fill(s.len ?? 16), off: 0, len: s.len ?? 16 };
  const h = { type: s.type, code: s.code ?? 0, rest };
  const n = isV6(s.src) ? buildIcmp6(BUF, 0, ip6(s), h, p) : buildIcmp4(BUF, 0, ip4(s), h, p);
  return BUF.slice(0, n);
}

/** An IPv4 packet of another protocol (GRE, ...) with `len` payload bytes. */
export function rawIp4(s: IpSpec & { proto: number; len?: number }): Uint8Array {
  // Built as ICMP, then the protocol byte is swapped and the header checksum redone.
  const b = icmp({ ...s, type: 8, len: (s.len ?? 16) - 8 });
  b[9] = s.proto;
  b[10] = 0; b[11] = 0;
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  b[10] = c >> 8; b[11] = c & 0xff;
  return b;
}

// ---- reading results -------------------------------------------------------------------------

export function view(bytes: Uint8Array): PacketView {
  const v = new PacketView();
  v.parse(bytes, 0, bytes.length);
  return v;
}

function addrText(v: PacketView, off: number): string {
  const a = v.buf.subarray(off, off + v.addrLen);
  return v.addrLen === 4 ? [...a].join('.') : ipv6ToString(a);
}

export const srcOf = (v: PacketView): string => addrText(v, v.srcOff);
export const dstOf = (v: PacketView): string => addrText(v, v.dstOff);

/** The MSS option of a TCP packet, or -1. */
export function mssOf(v: PacketView): number {
  const o = v.mssOffset();
  return o < 0 ? -1 : (v.buf[o + 2] << 8) | v.buf[o + 3];
}

/** A one-line summary of an emitted packet, for assertion messages. */
export function describe(e: Emitted): string {
  const v = view(e.bytes);
  const ports = v.hasPorts ? ` ${v.sport}>${v.dport}` : v.icmpType >= 0 ? ` icmp ${v.icmpType}/${v.icmpCode}` : '';
  return `${e.origin}@${e.dev} ${srcOf(v)}>${dstOf(v)} p${v.proto}${ports} ttl=${v.ttl}`;
}

/** The only packet emitted with the given origin (fails unless exactly one). */
export function only(r: PacketResult, origin?: Emitted['origin']): { e: Emitted; v: PacketView } {
  const es = r.emitted.filter((e) => origin === undefined || e.origin === origin);
  assert.equal(es.length, 1, `expected one ${origin ?? ''} packet, got: ${r.emitted.map(describe).join('; ') || 'none'}`);
  const v = view(es[0].bytes);
  assert.ok(v.ipv4ChecksumOk(), 'IPv4 header checksum of the emitted packet');
  assert.ok(v.l4ChecksumOk(), 'transport checksum of the emitted packet');
  return { e: es[0], v };
}

/** The traversals of a traced result as `HOOK:table:chain:rulenum:VERDICT`. */
export const steps = (r: PacketResult): string[] => r.steps.map((s) => `${s.hook}:${s.table}:${s.chain}:${s.rulenum}:${s.verdict}`);

/** The step of a given hook and table (fails if absent). */
export function stepAt(r: PacketResult, hook: string, table: string): string {
  const s = steps(r).find((x) => x.startsWith(`${hook}:${table}:`));
  assert.ok(s, `no ${hook}/${table} step in ${steps(r).join(', ')}`);
  return s;
}

/** `conntrack -L` of the engine's table, lines sorted for stable comparison. */
export function ctList(e: Engine, args: string[] = []): string[] {
  const r = runConntrack(['-L', ...args], e.net.conntrack);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.length > 0).sort();
}

export interface Counted { rule: string; pkts: number; bytes: number; }

/**
 * The counters of `iptables -t TABLE -v -S`, keyed by the rule as `-S` prints it
 * without its `-c P B` (policies as `-P CHAIN POLICY`).
 */
export function counters(rs: Ruleset, table = 'filter'): Map<string, Counted> {
  const r = runIptables(rs, ['-t', table, '-v', '-S']);
  assert.equal(r.code, 0, r.stderr);
  const m = new Map<string, Counted>();
  for (const line of r.stdout.split('\n')) {
    const c = / -c (\d+) (\d+)/.exec(line);
    if (!c) continue;
    let rule = line.replace(/ -c \d+ \d+/, '');
    // The same rule twice in a chain: the later ones are keyed "RULE #2", "RULE #3", ...
    for (let k = 2; m.has(rule); k++) rule = `${line.replace(/ -c \d+ \d+/, '')} #${k}`;
    m.set(rule, { rule, pkts: Number(c[1]), bytes: Number(c[2]) });
  }
  return m;
}

/** Packet count of one rule (as -S prints it) in `iptables -v -S`. */
export function pkts(rs: Ruleset, rule: string, table = 'filter'): number {
  const m = counters(rs, table);
  const c = m.get(rule);
  assert.ok(c, `no rule "${rule}" in:\n${[...m.keys()].join('\n')}`);
  return c.pkts;
}

// ---- a TCP conversation ----------------------------------------------------------------------

export interface Ends { src: string; dst: string; sport: number; dport: number; }

/**
 * Both directions of one TCP connection with consistent sequence numbers.
 * `out` is how the client's packets look where they are injected, `back` how
 * the server's replies look where they are injected (after NAT they differ
 * from the inverted `out`); set `back` once the translated SYN was seen.
 */
export class TcpConv {
  cseq: number;
  sseq: number;
  back: Ends;
  constructor(public out: Ends, opts: { back?: Ends; cseq?: number; sseq?: number } = {}) {
    this.cseq = opts.cseq ?? 100_000;
    this.sseq = opts.sseq ?? 900_000;
    this.back = opts.back ?? { src: out.dst, dst: out.src, sport: out.dport, dport: out.sport };
  }

  /** A client-to-server segment; SYN and FIN count one in the sequence space. */
  c(flags: number, o: { len?: number; mss?: number; ttl?: number } = {}): Uint8Array {
    const b = tcp({ ...this.out, flags, seq: this.cseq, ack: flags & TCP_ACK ? this.sseq : 0, len: o.len, mss: o.mss, ttl: o.ttl });
    this.cseq = (this.cseq + (o.len ?? 0) + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0)) >>> 0;
    return b;
  }

  /** A server-to-client segment. */
  s(flags: number, o: { len?: number; mss?: number; ttl?: number } = {}): Uint8Array {
    const b = tcp({ ...this.back, flags, seq: this.sseq, ack: flags & TCP_ACK ? this.cseq : 0, len: o.len, mss: o.mss, ttl: o.ttl });
    this.sseq = (this.sseq + (o.len ?? 0) + (flags & 0x02 ? 1 : 0) + (flags & 0x01 ? 1 : 0)) >>> 0;
    return b;
  }
}

export { newRuleset };

/** An ICMP/ICMPv6 error (type/code, `rest` word e.g. the MTU) quoting `quoted` (starting at its IP header). */
export function icmpError(s: IpSpec & { type: number; code: number; rest?: number }, quoted: Uint8Array): Uint8Array {
  const p = { data: quoted, off: 0, len: quoted.length };
  const h = { type: s.type, code: s.code, rest: s.rest ?? 0 };
  const n = isV6(s.src) ? buildIcmp6(BUF, 0, ip6(s), h, p) : buildIcmp4(BUF, 0, ip4(s), h, p);
  return BUF.slice(0, n);
}
