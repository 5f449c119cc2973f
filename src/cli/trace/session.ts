/**
 * One `netsieve trace` run: the engine built over the observed copies of
 * the rulesets (observe.ts), with the state directory's conntrack table,
 * clock and recent lists, and `play()` which runs one packet and reports
 * its whole journey.
 */
import type { Conntrack } from '../../conntrack/conntrack';
import { IPS_CONFIRMED, NFPROTO_IPV4, NFPROTO_IPV6 } from '../../conntrack/constants';
import { formatEntry } from '../../conntrack/print';
import { Engine, type PacketResult } from '../../engine/engine';
import type { Emitted } from '../../engine/net';
import type { Host } from '../../host/model';
import { ifaceByName } from '../../host/model';
import { routeOutput, RouteResult } from '../../host/route';
import type { HookName, Ruleset, TableName } from '../../rules/model';
import type { StateClock } from '../../state/conntrack-store';
import { PacketView } from '../../wire/packet';
import { ctinfoName, kernelLines, userNum, mergeCounters, observe, Recorder, visits, type Observed, type TableVisit, type Traversal } from './observe';
import { ethernetFrame, fmtAddr, summarize, viewOf, type Injection } from './packet';

export interface SentPacket {
  dev: string;
  origin: Emitted['origin'];
  summary: string;
  hex: string;
}

export interface Rewrite {
  /** The hook after which the packet looked different. */
  hook: HookName;
  from: string;
  to: string;
  by: string;
}

export interface AnswerReport {
  origin: Emitted['origin'];
  summary: string;
  visits: TableVisit[];
  sent: SentPacket[];
  fate: string;
}

export interface PacketReport {
  label: string;
  /** Engine clock when the packet came, ms. */
  time: number;
  where: string;
  summary: string;
  hex: string;
  ctBefore: string | null;
  ctAfter: string | null;
  /** The packet's conntrack state as rules see it. */
  ctstate: string;
  visits: TableVisit[];
  routing: string;
  rewrites: Rewrite[];
  fate: PacketResult['fate'];
  reason: string;
  outdev: string;
  sent: SentPacket[];
  answers: AnswerReport[];
  /** The kernel's TRACE lines for this packet and its answers. */
  trace: string[];
  /** LOG lines (printk form, with <level>). */
  log: string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class Session {
  readonly engine: Engine;
  readonly rec = new Recorder();
  readonly obs: Record<4 | 6, Observed>;
  readonly conntrack: Conntrack;
  /** LOG lines of the whole run with their engine time. */
  readonly log: { ms: number; line: string }[] = [];

  constructor(readonly host: Host, rules4: Ruleset, rules6: Ruleset, conntrack: Conntrack, readonly clock: StateClock) {
    this.obs = { 4: observe(rules4, this.rec), 6: observe(rules6, this.rec) };
    this.conntrack = conntrack;
    this.engine = new Engine({ host, rules4: this.obs[4].copy, rules6: this.obs[6].copy, clock, conntrack, trace: true });
    this.rec.attach(this.engine);
  }

  /** The user's policy counters get what the copies counted (rule counters are shared already). */
  finish(): void {
    mergeCounters(this.obs[4]);
    mergeCounters(this.obs[6]);
  }

  play(label: string, inj: Injection, ip: Uint8Array): PacketReport {
    const e = this.engine;
    const v = inj.frame ? frameView(ip) : viewOf(ip);
    const fam: 4 | 6 = v.family === 6 ? 6 : 4;
    const obs = this.obs[fam];
    const before = this.lookup(v);
    const ctBefore = before >= 0 ? formatEntry(this.conntrack, before) : null;
    this.rec.reset();
    e.net.trace = [];
    e.net.log = [];
    let res: PacketResult;
    let where: string;
    if (inj.local) {
      where = `local process${inj.uid !== undefined ? ` uid ${inj.uid}` : ''}${inj.gid !== undefined ? ` gid ${inj.gid}` : ''}`;
      res = e.send(ip, { uid: inj.uid, gid: inj.gid });
    } else if (inj.frame) {
      where = `IN=${inj.indev} (Ethernet frame)`;
      res = e.receive(inj.indev, ip, { ethernet: true });
    } else if (inj.macSource) {
      const dev = ifaceByName(this.host, inj.indev);
      where = `IN=${inj.indev} from ${[...inj.macSource].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
      res = e.receive(inj.indev, ethernetFrame(ip, dev?.mac ?? new Uint8Array(6), inj.macSource, fam), { ethernet: true });
    } else {
      where = `IN=${inj.indev}`;
      res = e.receive(inj.indev, ip);
    }
    const trs = this.rec.traversals;
    const traceLines = e.net.trace;
    const all = visits(obs, trs, traceLines, res.steps);
    for (const line of e.net.log) this.log.push({ ms: this.clock.ms, line });
    const mine = all.filter((x) => x.gen === 0);
    const inGen = new Set<number>();
    const answers: AnswerReport[] = this.rec.gens.map((g) => {
      const sent: SentPacket[] = [];
      for (let i = g.from; i < g.to; i++) { inGen.add(i); sent.push(sentOf(res.emitted[i])); }
      const gv = all.filter((x) => x.gen === g.id);
      const drop = gv.find((x) => x.verdict === 'DROP');
      const fate = sent.length ? sent.map((s) => (s.dev === 'local' ? 'delivered locally' : `sent out ${s.dev}`)).join(', ')
        : drop ? `dropped by ${drop.table}/${drop.chain}${drop.rulenum ? ` rule ${drop.rulenum}` : ' policy'}` : 'dropped';
      return { origin: g.origin, summary: summarize(viewOf(g.bytes)), visits: gv, sent, fate };
    });
    const sent = res.emitted.filter((_, i) => !inGen.has(i)).map(sentOf);
    let after = -1;
    for (const t of trs) if (t.gen === 0 && t.ct >= 0) after = t.ct;
    if (after < 0) after = before;
    const tab = this.conntrack.tab;
    const ctAfter = after >= 0 && tab.isUsed(after) && (this.conntrack.status(after) & IPS_CONFIRMED) ? formatEntry(this.conntrack, after) : null;
    return {
      label, time: this.clock.ms, where, summary: summarize(v), hex: hex(ip),
      ctBefore, ctAfter, ctstate: ctinfoName(res.ctinfo),
      visits: mine, routing: this.routing(trs, res, inj), rewrites: rewrites(trs, mine, res, inGen),
      fate: res.fate, reason: userReason(obs, res.reason), outdev: res.outdev, sent, answers,
      trace: kernelLines(obs, traceLines), log: [...e.net.log],
    };
  }

  /** The conntrack entry the packet belongs to before it is seen, by its tuple (either direction). */
  private lookup(v: PacketView): number {
    const ct = this.conntrack;
    const l3 = v.family === 6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    const src = v.buf.subarray(v.srcOff, v.srcOff + v.addrLen);
    const dst = v.buf.subarray(v.dstOff, v.dstOff + v.addrLen);
    let sport = 0, dport = 0;
    if (v.hasPorts) { sport = v.sport; dport = v.dport; } else if (v.icmpId >= 0 && !v.icmpError) { sport = v.icmpId; dport = (v.icmpType << 8) | v.icmpCode; } else if (v.icmpType >= 0) return -1;
    const n = ct.lookup(l3, v.proto, src, dst, sport, dport);
    if (n < 0) return -1;
    const e = n >> 1;
    return ct.status(e) & IPS_CONFIRMED ? e : -1;
  }

  private routing(trs: Traversal[], res: PacketResult, inj: Injection): string {
    const mine = trs.filter((t) => t.gen === 0);
    const fwd = mine.find((t) => t.hook === 'FORWARD');
    const inp = mine.find((t) => t.hook === 'INPUT');
    const out = mine.find((t) => t.hook === 'OUTPUT');
    const via = (t: Traversal): string => {
      const v = viewOf(t.bytes);
      const rt = routeOutput(this.host, v.family === 6 ? 6 : 4, v.buf.slice(v.dstOff, v.dstOff + v.addrLen), new RouteResult());
      return rt.gw ? ` via ${fmtAddr(rt.gw)}` : '';
    };
    if (inj.local) {
      if (!out) return res.reason;
      const lo = mine.find((t) => t.hook === 'INPUT');
      return lo ? 'output route: this host (looped back through lo)' : `output route: out ${res.outdev || out.outdev}${via(out)}`;
    }
    if (fwd) return `forward: out ${fwd.outdev}${via(fwd)} (TTL/hop limit decremented)`;
    if (inp) return `local delivery: ${fmtAddr(addrOf(inp.bytes, 'dst'))} is this host's`;
    return res.reason;
  }
}

/** The engine's "filter/INPUT rule 4" counts the observer's rules: say it as iptables numbers them. */
function userReason(o: Observed, reason: string): string {
  const m = /^(filter|nat|mangle|raw|security)\/(\S+) rule ([0-9]+)$/.exec(reason);
  if (!m) return reason;
  return `${m[1]}/${m[2]} rule ${userNum(o, m[1] as TableName, m[2], Number(m[3]))}`;
}

function frameView(bytes: Uint8Array): PacketView {
  const v = new PacketView();
  v.parseFrame(bytes, 0, bytes.length);
  return v;
}

function sentOf(e: Emitted): SentPacket {
  return { dev: e.dev, origin: e.origin, summary: summarize(viewOf(e.bytes)), hex: hex(e.bytes) };
}

function addrOf(bytes: Uint8Array, which: 'src' | 'dst'): Uint8Array {
  const v = viewOf(bytes);
  const off = which === 'src' ? v.srcOff : v.dstOff;
  return v.buf.slice(off, off + v.addrLen);
}

/** "192.0.2.1:40000 > 203.0.113.5:80": what NAT may change. */
function endpoints(bytes: Uint8Array): string {
  const s = summarize(viewOf(bytes));
  const m = /^\S+ (\S+ > \S+)/.exec(s);
  const v = viewOf(bytes);
  return (m ? m[1] : s) + (v.icmpId >= 0 && !v.hasPorts ? ` id=${v.icmpId}` : '');
}

/** Changes of addresses and ports between hooks (NAT), and of the mark. */
function rewrites(trs: Traversal[], mine: TableVisit[], res: PacketResult, inGen: Set<number>): Rewrite[] {
  const out: Rewrite[] = [];
  const seq = trs.filter((t) => t.gen === 0);
  const natBy = (hook: HookName): string => {
    const v = mine.find((x) => x.hook === hook && x.table === 'nat');
    return v && v.rulenum > 0 ? `nat/${v.chain} rule ${v.rulenum}` : v ? 'nat (no rule: null binding or port clash)' : 'the connection\'s NAT binding';
  };
  for (let i = 1; i < seq.length; i++) {
    const a = seq[i - 1], b = seq[i];
    const ea = endpoints(a.bytes), eb = endpoints(b.bytes);
    if (ea !== eb) out.push({ hook: a.hook, from: ea, to: eb, by: natBy(a.hook) });
    if (a.mark !== b.mark) out.push({ hook: a.hook, from: `mark 0x${a.mark.toString(16)}`, to: `mark 0x${b.mark.toString(16)}`, by: `${a.table}/${a.hook}` });
  }
  const last = seq[seq.length - 1];
  const leftIdx = res.emitted.findIndex((e, i) => !inGen.has(i) && (e.origin === 'forward' || e.origin === 'output'));
  if (last && leftIdx >= 0) {
    const ea = endpoints(last.bytes), eb = endpoints(res.emitted[leftIdx].bytes);
    if (ea !== eb) out.push({ hook: last.hook, from: ea, to: eb, by: natBy(last.hook) });
  }
  return out;
}
