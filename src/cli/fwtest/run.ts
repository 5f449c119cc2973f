/**
 * Running a test file: the setup is built once to check it, every case's
 * packet is resolved against the host (so a wrong packet is the file's
 * mistake, found before anything runs), then each case plays its packet
 * or exchange through trace's Session and its expectations are checked.
 *
 * Each case starts from the setup as written: a fresh host, fresh rules
 * (counters at zero), an empty conntrack table, empty recent lists and
 * the file's clock; `continue: true` carries the previous case's Session
 * instead (conntrack, recent lists, counters, clock).
 */
import { Conntrack } from '../../conntrack/conntrack';
import { UnsupportedExtension } from '../../engine/traverse';
import type { Host } from '../../host/model';
import { readSysctl } from '../../host/sysctl';
import { StateClock } from '../../state/conntrack-store';
import { PacketView } from '../../wire/packet';
import { playFlow } from '../trace/flow';
import { buildPacket, resolvePacket, type Injection, type PacketDesc } from '../trace/packet';
import { Session, type PacketReport } from '../trace/session';
import { parseTraceArgs, settle, TraceUsage } from '../trace/spec';
import { outOf } from './expect';
import { FileError } from './source';
import type { CaseSpec, TestFile } from './schema';
import { buildSetup, type Setup } from './setup';

export interface Failure { key: string; line: number; want: string; got: string; }

export interface CaseResult {
  name: string;
  line: number;
  ok: boolean;
  failures: Failure[];
  /** What happened: one report per packet (several for a flow). */
  reports: PacketReport[];
  /** For flows: why each packet got through (trace --flow's explanations). */
  notes: string[][];
  ms: number;
}

export interface FileResult {
  file: string;
  name: string;
  error: FileError | undefined;
  cases: CaseResult[];
}

/** A case's packet, resolved: either described (desc) or given as bytes (--hex). */
interface Resolved { inj: Injection; desc: PacketDesc | undefined; bytes: Uint8Array | undefined; }

/** A fresh table configured from the host's sysctls, as conntrack-store configures a saved one. */
function freshConntrack(host: Host, clock: StateClock): Conntrack {
  return new Conntrack({
    clock,
    max: Number(readSysctl(host, 'net.netfilter.nf_conntrack_max') ?? '262144'),
    tcpLoose: readSysctl(host, 'net.netfilter.nf_conntrack_tcp_loose') !== '0',
    tcpBeLiberal: readSysctl(host, 'net.netfilter.nf_conntrack_tcp_be_liberal') === '1',
  });
}

function newSession(s: Setup, clockMs: number): Session {
  const clock = new StateClock(clockMs);
  return new Session(s.host, s.rules4, s.rules6, freshConntrack(s.host, clock), clock);
}

function resolveCase(t: TestFile, c: CaseSpec, host: Host): Resolved {
  try {
    const o = parseTraceArgs(c.args, 0);
    o.flow = c.flow;
    settle(o, host);
    if (o.outdev && !c.packet.some((k) => k.key === 'out')) {
      // trace's -o: the interface the packet is expected to leave by. Here it is an expectation.
      const want = o.outdev;
      c.packet.push({ key: 'out (-o)', line: c.argsLine, want, eval: (r) => { const g = outOf(r); return { ok: g === want, got: g }; } });
    }
    if (o.hex) {
      if (c.flow) throw new TraceUsage('--hex gives one packet: use packet:, not flow:');
      const nib = o.hex[0] >> 4;
      const frame = nib !== 4 && nib !== 6;
      const v = new PacketView();
      frame ? v.parseFrame(o.hex, 0, o.hex.length) : v.parse(o.hex, 0, o.hex.length);
      if (!v.l3Ok()) throw new TraceUsage('--hex: not an IP packet or Ethernet frame');
      if (!o.local && !o.indev) throw new TraceUsage('say where the packet arrives (-i IFACE), or that a local process sends it (--local)');
      return { inj: { local: o.local, indev: o.indev, macSource: undefined, uid: o.uid, gid: o.gid, frame }, desc: undefined, bytes: o.hex };
    }
    const { desc, inj } = resolvePacket(o, host);
    c.proto.value = desc.proto;
    return { inj, desc, bytes: undefined };
  } catch (e) {
    if (e instanceof TraceUsage) throw new FileError(t.file, c.argsLine, `${c.flow ? 'flow' : 'packet'}: ${e.message}`);
    throw e;
  }
}

export function runTestFile(t: TestFile): FileResult {
  const res: FileResult = { file: t.file, name: t.name, error: undefined, cases: [] };
  let resolved: Resolved[];
  try {
    const base = buildSetup(t);
    try {
      newSession(base, t.clockMs);
    } catch (e) {
      if (e instanceof UnsupportedExtension) throw new FileError(t.file, t.rulesLine, `the ruleset cannot run: ${e.message}`);
      throw e;
    }
    resolved = t.cases.map((c) => resolveCase(t, c, base.host));
  } catch (e) {
    if (e instanceof FileError) { res.error = e; return res; }
    throw e;
  }
  let session: Session | undefined;
  t.cases.forEach((c, k) => {
    const started = Date.now();
    if (!c.cont || !session) {
      if (session) session.finish();
      session = newSession(buildSetup(t), t.clockMs);
    }
    session.clock.ms += c.after;
    const r = resolved[k];
    const reports: PacketReport[] = [];
    const notes: string[][] = [];
    const failures: Failure[] = [];
    if (c.flow && r.desc) {
      const steps = playFlow(session, { desc: r.desc, inj: r.inj }, 0);
      for (const st of steps) { reports.push(st.report); notes.push(st.why); }
      for (const ch of c.flowChecks) {
        const o = ch.eval(steps);
        if (!o.ok) failures.push({ key: ch.key, line: ch.line, want: ch.want, got: o.got });
      }
    } else {
      const bytes = r.bytes ?? buildPacket(r.desc!);
      const rep = session.play('', r.inj, bytes);
      reports.push(rep);
      for (const ch of c.packet) {
        const o = ch.eval(rep);
        if (!o.ok) failures.push({ key: ch.key, line: ch.line, want: ch.want, got: o.got });
      }
    }
    res.cases.push({ name: c.name, line: c.line, ok: failures.length === 0, failures, reports, notes, ms: Date.now() - started });
  });
  return res;
}
