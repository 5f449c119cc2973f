/**
 * `netsieve replay --in IFACE=FILE [--in IFACE=FILE ...] [--local FILE] --out-dir OUT`
 *
 * Plays captures through the host in the state directory: every packet of
 * every input, merged by timestamp, is received on its interface (or, for
 * --local, sent by a local process), with the engine clock driven by the
 * packet timestamps. What leaves is written per interface, what is
 * delivered to local sockets to local.pcap, what is dropped to dropped.pcap
 * with its reason in summary.json. Afterwards the state directory holds the
 * conntrack table, the clock and the rule counters the replay left, so
 * `netsieve conntrack -L` and `netsieve iptables -nvL` show the result.
 *
 * Everything is streamed: the inputs are read record by record and merged
 * with a heap of one record per input, the outputs are written as packets
 * come, and drop reasons go to a temporary file that is copied into
 * summary.json at the end. Memory stays bounded whatever the capture size
 * (the conntrack table itself is bounded by nf_conntrack_max).
 */
import { kernLogLine } from '../state/kernlog';
import { loadRecent, saveRecent } from './trace/persist';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../engine/engine';
import type { Emitted } from '../engine/net';
import { loadHost } from '../host/store';
import { ifaceByName, type Host } from '../host/model';
import type { Family, Ruleset } from '../rules/model';
import { saveRuleBody } from '../rules/print';
import { loadClock, loadConntrackState, StateClock, storeConntrackState } from '../state/conntrack-store';
import { loadRuleset, LockBusy, storeRuleset, withLock } from '../state/store';
import { RestoreError } from '../rules/restore';
import { CaptureError, CaptureMerge, L3Location, linkName, locateIp, openCapture, type MergeSource } from '../io/capture';
import { FileSink } from '../io/filebuf';
import { NeighbourTable } from '../io/neighbours';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, PcapWriter, type CaptureRecord } from '../io/pcap';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

export interface ReplayOptions {
  inputs: { iface: string; file: string }[];
  local: string | undefined;
  outDir: string;
  seed: number;
  progress: boolean;
}

const USAGE = 'Usage: netsieve [--state DIR] replay --in IFACE=FILE [--in IFACE=FILE ...] [--local FILE] --out-dir OUT [--seed N] [--no-progress]\n';

/** Parses replay's arguments; a string is an error message. */
export function parseReplayArgs(argv: string[]): ReplayOptions | string {
  const o: ReplayOptions = { inputs: [], local: undefined, outDir: '', seed: 1, progress: true };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val: string | undefined;
    const eq = /^(--[a-z-]+)=(.*)$/.exec(a);
    if (eq) { a = eq[1]; val = eq[2]; }
    const take = (): string | undefined => val ?? argv[++i];
    switch (a) {
      case '--in': case '-i': {
        const v = take();
        const m = v === undefined ? null : /^([^=]+)=(.+)$/.exec(v);
        if (!m) return `--in needs IFACE=FILE${v === undefined ? '' : `, not "${v}"`}`;
        o.inputs.push({ iface: m[1], file: m[2] });
        break;
      }
      case '--local': case '-l': {
        const v = take();
        if (v === undefined) return '--local needs a FILE';
        if (o.local !== undefined) return '--local given twice';
        o.local = v;
        break;
      }
      case '--out-dir': case '-o': {
        const v = take();
        if (v === undefined) return '--out-dir needs a directory';
        o.outDir = v;
        break;
      }
      case '--seed': {
        const v = take();
        if (v === undefined || !/^[0-9]+$/.test(v)) return '--seed needs a number';
        o.seed = Number(v);
        break;
      }
      case '--no-progress': o.progress = false; break;
      case '-h': case '--help': return 'help';
      default: return `unknown argument "${argv[i]}"`;
    }
  }
  if (o.inputs.length === 0 && o.local === undefined) return 'nothing to replay: give --in IFACE=FILE and/or --local FILE';
  if (!o.outDir) return '--out-dir is required';
  return o;
}

/**
 * The engine clock during a replay. now() (conntrack timeouts, limits) is
 * the state directory's clock advanced by the time elapsed in the capture
 * since its first packet, so the table already in the state directory ages
 * consistently; wall() (the time match, log stamps) is the capture's own
 * timestamp.
 */
export class ReplayClock extends StateClock {
  wallMs = 0;
  override wall(): number { return this.wallMs; }
}

/** A rule's or policy's counters, kept to report what this replay added. */
interface CounterRef { family: Family; table: string; chain: string; rulenum: number; spec: string; obj: { pcnt: number; bcnt: number }; pcnt: number; bcnt: number; }

function snapshotCounters(rs: Ruleset): CounterRef[] {
  const out: CounterRef[] = [];
  for (const t of rs.tables.values()) {
    for (const c of t.chains.values()) {
      if (c.builtin) out.push({ family: rs.family, table: t.name, chain: c.name, rulenum: 0, spec: `-P ${c.name} ${c.policy}`, obj: c, pcnt: c.pcnt, bcnt: c.bcnt });
      c.rules.forEach((r, i) => out.push({ family: rs.family, table: t.name, chain: c.name, rulenum: i + 1, spec: `-A ${c.name}${saveRuleBody(r, rs.family, false)}`, obj: r, pcnt: r.pcnt, bcnt: r.bcnt }));
    }
  }
  return out;
}

/** An output capture created on first use. */
interface OutFile { name: string; writer: PcapWriter; ethernet: boolean; ifindex: number; mac: Uint8Array; }


/** RFC 3339 time with microseconds, as rsyslog's high-precision format writes it. */
function isoTime(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  return `${d.toISOString().slice(0, 19)}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}+00:00`;
}

export interface ReplaySummary {
  packets: number;
  fates: Record<string, number>;
  skipped: Record<string, number>;
  dropReasons: Record<string, number>;
  outputs: Record<string, { packets: number; linkType: string }>;
}

/** Runs `replay` against the state directory. Returns the exit status. */
export async function runReplay(argv: string[], stateDir: string, io: CliIo): Promise<number> {
  const o = parseReplayArgs(argv);
  if (o === 'help') { io.stdout(USAGE); return 0; }
  if (typeof o === 'string') { io.stderr(`netsieve replay: ${o}\n${USAGE}`); return 2; }
  try {
    return withLock(stateDir, undefined, () => replayLocked(o, stateDir, io));
  } catch (e) {
    if (e instanceof LockBusy) { io.stderr('netsieve: the state directory is locked by another netsieve process\n'); return 4; }
    if (e instanceof CaptureError) { io.stderr(`netsieve replay: ${e.message}\n`); return 1; }
    if (e instanceof RestoreError) { io.stderr(`netsieve: the saved ruleset in ${stateDir} cannot be read:\n${e.text}`); return 1; }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') { io.stderr(`netsieve replay: ${(e as Error).message}\n`); return 1; }
    throw e;
  }
}

function replayLocked(o: ReplayOptions, dir: string, io: CliIo): number {
  const host = loadHost(dir);
  for (const inp of o.inputs) {
    if (!ifaceByName(host, inp.iface)) { io.stderr(`netsieve replay: no interface "${inp.iface}" in the host (see netsieve ip link)\n`); return 2; }
  }
  const rules4 = loadRuleset(dir, 4), rules6 = loadRuleset(dir, 6);
  const base = loadClock(dir).ms;
  const clock = new ReplayClock(base);
  const conntrack = loadConntrackState(dir, host, clock);
  const counters = [...snapshotCounters(rules4), ...snapshotCounters(rules6)];

  const sources: MergeSource[] = [];
  try {
    for (const inp of o.inputs) sources.push({ reader: openCapture(inp.file), label: inp.iface });
    if (o.local !== undefined) sources.push({ reader: openCapture(o.local), label: '' });
  } catch (e) {
    for (const s of sources) s.reader.close();
    throw e;
  }
  const totalBytes = [...o.inputs.map((i) => i.file), ...(o.local !== undefined ? [o.local] : [])].reduce((n, f) => n + fs.statSync(f).size, 0);
  const merge = new CaptureMerge(sources);
  try {
    return replayMerged(o, dir, io, { host, rules4, rules6, clock, conntrack, counters, merge, totalBytes, base });
  } finally {
    merge.close();
  }
}

interface ReplayCtx {
  host: Host; rules4: Ruleset; rules6: Ruleset; clock: ReplayClock; conntrack: ReturnType<typeof loadConntrackState>;
  counters: CounterRef[]; merge: CaptureMerge; totalBytes: number; base: number;
}

function replayMerged(o: ReplayOptions, dir: string, io: CliIo, c: ReplayCtx): number {
  const { host, clock, merge } = c;
  fs.mkdirSync(o.outDir, { recursive: true });

  // Link types: an interface whose input is Ethernet is written as Ethernet; an interface
  // with no input follows the inputs when they are all Ethernet; everything else is raw IP.
  const inputLink = new Map<string, number>();
  let anyNs = false;
  for (let i = 0; i < merge.sources.length; i++) {
    const s = merge.sources[i];
    anyNs ||= s.reader.nanosecond;
    const first = merge.firstRecord(i);
    if (first && s.label !== '' && !inputLink.has(s.label)) inputLink.set(s.label, first.linkType);
  }
  const allEthernet = inputLink.size > 0 && [...inputLink.values()].every((t) => t === LINKTYPE_ETHERNET);
  const wopts = { nanosecond: anyNs };

  const outs = new Map<string, OutFile>();
  const outFile = (name: string, ethernet: boolean, ifindex: number, mac: Uint8Array): OutFile => {
    const f: OutFile = { name, writer: new PcapWriter(new FileSink(path.join(o.outDir, name)), ethernet ? LINKTYPE_ETHERNET : LINKTYPE_RAW, wopts), ethernet, ifindex, mac };
    outs.set(name, f);
    return f;
  };
  const dropped = outFile('dropped.pcap', false, 0, new Uint8Array(6));
  const local = outFile('local.pcap', false, 0, new Uint8Array(6));
  const byDev = new Map<string, OutFile>();
  const neigh = new NeighbourTable(host);
  const eth = new Uint8Array(14);
  const origins: Record<string, number> = {};

  // Per-record state read by onEmit (the engine calls it synchronously while handling the record).
  let curSec = 0, curNsec = 0;
  const onEmit = (dev: string, buf: Uint8Array, off: number, len: number, origin: Emitted['origin']): void => {
    origins[origin] = (origins[origin] ?? 0) + 1;
    if (dev === 'local') { local.writer.write(curSec, curNsec, buf, off, len); return; }
    let f = byDev.get(dev);
    if (!f) {
      const iface = ifaceByName(host, dev);
      const lt = inputLink.get(dev);
      const ethernet = iface !== undefined && iface.kind !== 'loopback' && (lt === LINKTYPE_ETHERNET || (lt === undefined && allEthernet));
      f = outFile(`${dev}.pcap`, ethernet, iface?.index ?? 0, iface?.mac ?? new Uint8Array(6));
      byDev.set(dev, f);
    }
    if (!f.ethernet) { f.writer.write(curSec, curNsec, buf, off, len); return; }
    neigh.resolve(f.ifindex, buf, off, eth, 0);
    for (let i = 0; i < 6; i++) eth[6 + i] = f.mac[i];
    const v6 = (buf[off] >> 4) === 6;
    eth[12] = v6 ? 0x86 : 0x08; eth[13] = v6 ? 0xdd : 0x00;
    f.writer.write(curSec, curNsec, buf, off, len, eth, 14);
  };

  const engine = new Engine({ host, rules4: c.rules4, rules6: c.rules6, clock, conntrack: c.conntrack, seed: o.seed, onEmit });
  // The recent lists carry over between invocations, as trace keeps them.
  loadRecent(dir, engine.net);
  const kernLog = fs.openSync(path.join(dir, 'kern.log'), 'a');
  const dropsTmp = path.join(o.outDir, `.drops.${process.pid}.jsonl`);
  const drops = new FileSink(dropsTmp);
  const enc = new TextEncoder();

  const fates: Record<string, number> = { forwarded: 0, delivered: 0, sent: 0, dropped: 0, queued: 0 };
  const skipped: Record<string, number> = {};
  const dropReasons: Record<string, number> = {};
  const loc = new L3Location();
  let packets = 0, firstSec = -1, firstNsec = 0, lastSec = 0, lastNsec = 0;
  let t0 = 0, lastNow = c.base;
  const progress = o.progress && io.isTTY;
  let lastDraw = 0;

  const flushLog = (): void => {
    const net = engine.net;
    if (net.log.length === 0 && net.trace.length === 0) return;
    let s = '';
    for (const l of net.log) s += kernLogLine(l, curSec, curNsec) + '\n';
    for (const l of net.trace) s += kernLogLine(l, curSec, curNsec) + '\n';
    net.log.length = 0;
    net.trace.length = 0;
    fs.writeSync(kernLog, s);
  };

  const drop = (r: CaptureRecord, ipOff: number, label: string, reason: string): void => {
    dropReasons[reason] = (dropReasons[reason] ?? 0) + 1;
    const len = r.off + r.caplen - ipOff;
    dropped.writer.write(r.sec, r.nsec, r.buf, ipOff, len, undefined, 0, Math.max(len, r.origLen - (ipOff - r.off)));
    const entry = { frame: dropped.writer.count, in: label || 'local', inputFrame: merge.counts[merge.current], time: isoTime(r.sec, r.nsec), reason };
    const b = enc.encode(`${dropped.writer.count > 1 ? ',\n' : '\n'}    ${JSON.stringify(entry)}`);
    drops.write(b, 0, b.length);
  };

  try {
    for (let r = merge.next(); r; r = merge.next()) {
      packets++;
      const label = merge.sources[merge.current].label;
      curSec = r.sec; curNsec = r.nsec;
      const wallMs = r.sec * 1000 + r.nsec / 1e6;
      if (firstSec < 0) { firstSec = r.sec; firstNsec = r.nsec; t0 = wallMs; }
      lastSec = r.sec; lastNsec = r.nsec;
      // The engine clock never goes back, even when a capture's own timestamps do.
      const now = Math.max(lastNow, c.base + Math.floor(wallMs - t0));
      clock.ms = now; lastNow = now;
      clock.wallMs = Math.floor(wallMs);

      if (!locateIp(r, loc)) {
        skipped[loc.why] = (skipped[loc.why] ?? 0) + 1;
      } else if (r.caplen < r.origLen) {
        // The rest of the packet was never captured: replaying a cut packet would give answers the kernel never gave.
        fates.dropped++;
        drop(r, loc.ip, label, `replay: cut by the capture's snap length (${r.caplen} of ${r.origLen} bytes)`);
      } else {
        let res;
        if (label === '') res = engine.send(r.buf.subarray(loc.ip, r.off + r.caplen));
        else if (r.linkType === LINKTYPE_ETHERNET) {
          const iface = ifaceByName(host, label);
          if (iface) neigh.learn(iface.index, r.buf, loc.ip, r.off + 6);
          res = engine.receive(label, r.buf.subarray(r.off, r.off + r.caplen), { ethernet: true });
        } else res = engine.receive(label, r.buf.subarray(loc.ip, r.off + r.caplen));
        fates[res.fate] = (fates[res.fate] ?? 0) + 1;
        if (res.fate === 'dropped') drop(r, loc.ip, label, res.reason);
      }
      flushLog();
      if (progress && (packets & 4095) === 0) {
        const t = Date.now();
        if (t - lastDraw > 100) { lastDraw = t; io.stderr(progressBar(merge.offset(), c.totalBytes, packets)); }
      }
    }
  } catch (e) {
    // A damaged input: nothing of the run is persisted (the caller reports the error).
    drops.close();
    fs.rmSync(dropsTmp, { force: true });
    throw e;
  } finally {
    if (progress) io.stderr('\r\x1b[K');
    for (const f of outs.values()) f.writer.close();
    drops.close();
    fs.closeSync(kernLog);
  }

  // Persist what the replay changed: the table and its clock, and the counters of each family that moved.
  storeConntrackState(dir, c.conntrack, clock);
  saveRecent(dir, engine.net);
  const moved: CounterRef[] = c.counters.filter((x) => x.obj.pcnt !== x.pcnt || x.obj.bcnt !== x.bcnt);
  if (moved.some((x) => x.family === 4)) storeRuleset(dir, c.rules4);
  if (moved.some((x) => x.family === 6)) storeRuleset(dir, c.rules6);

  const outputs: ReplaySummary['outputs'] = {};
  for (const f of outs.values()) outputs[f.name] = { packets: f.writer.count, linkType: linkName(f.writer.linkType) };
  const rules = moved.map((x) => ({ family: x.family === 4 ? 'ipv4' : 'ipv6', table: x.table, chain: x.chain, rule: x.rulenum || 'policy', spec: x.spec, packets: x.obj.pcnt - x.pcnt, bytes: x.obj.bcnt - x.bcnt }));
  const head = {
    inputs: merge.sources.map((s, i) => ({ in: s.label || 'local', format: s.reader.format, packets: merge.counts[i] })),
    packets,
    first: firstSec >= 0 ? isoTime(firstSec, firstNsec) : null,
    last: firstSec >= 0 ? isoTime(lastSec, lastNsec) : null,
    clock: { startMs: c.base, endMs: clock.ms },
    fates,
    skipped,
    emitted: origins,
    outputs,
    dropReasons,
    rules,
  };
  writeSummary(path.join(o.outDir, 'summary.json'), head, dropsTmp);
  fs.rmSync(dropsTmp, { force: true });
  io.stdout(summaryTable({ packets, fates, skipped, dropReasons, outputs }, merge, rules));
  return 0;
}

/** summary.json: the totals, then "drops" copied from the temporary file in chunks. */
function writeSummary(file: string, head: object, dropsTmp: string): void {
  const text = JSON.stringify(head, null, 2);
  const out = fs.openSync(file, 'w', 0o644);
  try {
    fs.writeSync(out, `${text.slice(0, -2)},\n  "drops": [`);
    const inp = fs.openSync(dropsTmp, 'r');
    const chunk = new Uint8Array(1 << 16);
    let any = false;
    try {
      for (let n; (n = fs.readSync(inp, chunk, 0, chunk.length, null)) > 0;) { fs.writeSync(out, chunk, 0, n); any = true; }
    } finally { fs.closeSync(inp); }
    fs.writeSync(out, any ? '\n  ]\n}\n' : ']\n}\n');
  } finally { fs.closeSync(out); }
}

function progressBar(done: number, total: number, packets: number): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const width = 30, fill = Math.round(frac * width);
  return `\rreplay [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${packets} packets`;
}

function table(rows: string[][], right: Set<number>): string {
  const w: number[] = [];
  for (const r of rows) r.forEach((c, i) => { w[i] = Math.max(w[i] ?? 0, c.length); });
  return rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ')).join('\n') + '\n';
}

function summaryTable(s: ReplaySummary, merge: CaptureMerge, rules: { family: string; table: string; chain: string; rule: number | string; spec: string; packets: number; bytes: number }[]): string {
  let out = `replayed ${s.packets} packets (${merge.sources.map((src, i) => `${src.label || 'local'}: ${merge.counts[i]}`).join(', ')})\n\n`;
  const fateRows = Object.entries(s.fates).filter(([, n]) => n > 0).map(([k, n]) => [k, String(n)]);
  const nSkipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  if (nSkipped > 0) fateRows.push(['skipped (not IP)', String(nSkipped)]);
  if (fateRows.length) out += table(fateRows, new Set([1]));
  out += '\noutput files:\n' + table(Object.entries(s.outputs).map(([k, v]) => [k, String(v.packets), v.linkType]), new Set([1]));
  const reasons = Object.entries(s.dropReasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length) out += '\ndrops by reason:\n' + table(reasons.map(([k, n]) => [String(n), k]), new Set([0]));
  if (rules.length) {
    out += '\nrule counters added by this replay:\n';
    out += table([['pkts', 'bytes', 'family', 'table', 'rule'], ...rules.map((r) => [String(r.packets), String(r.bytes), r.family, r.table, r.spec])], new Set([0, 1]));
  }
  return out;
}
