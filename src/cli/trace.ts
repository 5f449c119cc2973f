/**
 * `netsieve trace`: one packet, or a whole exchange (--flow), through the
 * host in the state directory, shown table by table and rule by rule, as
 * the kernel's TRACE lines (--kernel), or as JSON (--json).
 *
 * Like a kernel that keeps running between two packets, the run leaves
 * its marks in the state directory: the conntrack table and the clock,
 * the rule and policy counters (rules.v4/rules.v6), the recent lists, and
 * the LOG lines in kern.log. See docs/trace.md.
 */
import { loadHost } from '../host/store';
import { UnsupportedExtension } from '../engine/traverse';
import { RestoreError } from '../rules/restore';
import { loadClock, loadConntrackState, storeConntrackState } from '../state/conntrack-store';
import { LockBusy, loadRuleset, storeRuleset, withLock } from '../state/store';
import { PacketView, WireError } from '../wire/packet';
import { playFlow } from './trace/flow';
import { buildPacket, resolvePacket, type Injection } from './trace/packet';
import { loadRecent, saveRecent } from './trace/persist';
import { appendKernLog, kernLogLine } from '../state/kernlog';
import { renderKernel, renderTree, reportJson } from './trace/render';
import { Session, type PacketReport } from './trace/session';
import { parseTraceArgs, settle, TraceUsage, type TraceOptions } from './trace/spec';

export interface TraceIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

export const TRACE_USAGE = `Usage: netsieve trace [PACKET] [--flow] [--kernel|--json] [--at T] [--after D]
Describe a packet with iptables' options and see its whole journey through the host.

Packet:
  -i IFACE            arrives on IFACE (default: the interface of the route back to -s)
  --local             sent by a local process (OUTPUT path); --uid N, --gid N for the owner match
  -s ADDR, -d ADDR    IPv4 or IPv6 addresses (-4/-6 when neither is given)
  -p tcp|udp|icmp|icmpv6|N
  --sport N, --dport N
  --syn, --ack, --fin, --rst, --psh, --urg, --tcp-flags MASK COMP, --seq N, --ack-seq N, --window N, --mss N
  --icmp-type TYPE    (names as iptables takes them: echo-request, port-unreachable, 3/4, ...)
  --ttl N, --tos N, --df, --length N, --data TEXT
  --mac-source MAC    arrives as an Ethernet frame from MAC
  -o IFACE            the interface you expect it to leave by (checked, not forced)
  --hex BYTES         the packet itself, from its IP header (or an Ethernet frame)
Exchange:
  --flow              TCP handshake, data and close; UDP request and reply; ping and reply
  --gap D             time between the packets of the flow (default 0)
Time (the state directory's clock):
  --at T              seconds on the engine clock, an ISO date, or now
  --after D           let D pass first (30, 30s, 250ms, 5m, 2h)
Output:
  --kernel            the kernel's TRACE lines      --json    JSON
  --color, --no-color (default: colour on a terminal)
`;

function usageError(io: TraceIo, msg: string): number {
  io.stderr(`netsieve trace: ${msg}\nTry \`netsieve trace --help' for more information.\n`);
  return 2;
}

function parseHexPacket(bytes: Uint8Array, o: TraceOptions): { inj: Injection; frame: boolean; v: PacketView } {
  const v = new PacketView();
  const nibble = bytes[0] >> 4;
  const frame = nibble !== 4 && nibble !== 6;
  const err = frame ? v.parseFrame(bytes, 0, bytes.length) : v.parse(bytes, 0, bytes.length);
  if (!v.l3Ok()) throw new TraceUsage(`--hex: not an IP packet or Ethernet frame (${WireError[err]})`);
  if (frame && o.local) throw new TraceUsage('--hex with --local takes the packet from its IP header');
  if (!o.local && !o.indev) throw new TraceUsage('say where the packet arrives (-i IFACE), or that a local process sends it (--local)');
  return { inj: { local: o.local, indev: o.indev, macSource: undefined, uid: o.uid, gid: o.gid, frame }, frame, v };
}

export async function runTrace(argv: string[], stateDir: string, io: TraceIo): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) { io.stdout(TRACE_USAGE); return 0; }
  let o: TraceOptions;
  try {
    o = parseTraceArgs(argv, Date.now());
  } catch (e) {
    if (e instanceof TraceUsage) return usageError(io, e.message);
    throw e;
  }
  try {
    return withLock(stateDir, undefined, () => traceLocked(o, stateDir, io));
  } catch (e) {
    if (e instanceof TraceUsage) return usageError(io, e.message);
    if (e instanceof LockBusy) { io.stderr('netsieve: the state directory is locked by another netsieve process\n'); return 4; }
    if (e instanceof UnsupportedExtension) { io.stderr(`netsieve trace: the ruleset cannot run: ${e.message}\n`); return 1; }
    if (e instanceof RestoreError) { io.stderr(`netsieve: the saved ruleset in ${stateDir} cannot be read:\n${e.text}`); return 1; }
    throw e;
  }
}

function traceLocked(o: TraceOptions, dir: string, io: TraceIo): number {
  const host = loadHost(dir);
  settle(o, host);
  const rules4 = loadRuleset(dir, 4), rules6 = loadRuleset(dir, 6);
  const clock = loadClock(dir);
  if (o.at !== undefined) {
    if (o.at < clock.ms) throw new TraceUsage(`--at ${o.at / 1000}: the clock is at ${clock.ms / 1000} s already and does not go back`);
    clock.ms = o.at;
  }
  clock.ms += o.after;
  const ct = loadConntrackState(dir, host, clock);
  const session = new Session(host, rules4, rules6, ct, clock);
  loadRecent(dir, session.engine.net);

  const reports: PacketReport[] = [];
  const notes: string[][] = [];
  if (o.hex) {
    const h = parseHexPacket(o.hex, o);
    reports.push(session.play('', h.inj, o.hex));
  } else {
    const { desc, inj } = resolvePacket(o, host);
    if (o.flow) {
      for (const st of playFlow(session, { desc, inj }, o.gap)) { reports.push(st.report); notes.push(st.why); }
    } else {
      reports.push(session.play('', inj, buildPacket(desc)));
    }
  }
  if (o.outdev && reports.length > 0) {
    const r = reports[0];
    if (r.outdev !== o.outdev) notes[0] = [...(notes[0] ?? []), `-o ${o.outdev} was expected, but ${r.outdev ? `the packet leaves by ${r.outdev}` : `it does not leave (${r.fate}: ${r.reason})`}`];
  }

  session.finish();
  for (const rs of [rules4, rules6]) if (rs.tables.size > 0) storeRuleset(dir, rs);
  storeConntrackState(dir, ct, clock);
  saveRecent(dir, session.engine.net);
  appendKernLog(dir, session.log.map((l) => kernLogLine(l.line, Math.floor(l.ms / 1000), (l.ms % 1000) * 1e6)));

  if (o.rendering === 'kernel') io.stdout(renderKernel(reports, o.flow));
  else if (o.rendering === 'json') {
    const j = o.flow ? { flow: reports.map((r, k) => reportJson(r, notes[k])) } : reportJson(reports[0], notes[0]);
    io.stdout(JSON.stringify(j, null, 2) + '\n');
  } else {
    const color = o.color ?? (io.isTTY && !process.env.NO_COLOR);
    io.stdout(renderTree(reports, color, notes));
  }
  return 0;
}
