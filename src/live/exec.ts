/**
 * The commands a running router carries out for clients of its control
 * socket (control.ts), against its live state.
 *
 * Rule changes follow iptables-legacy's get-modify-replace: the live rules
 * with their counters are written to the state directory, read back, the
 * command runs on that copy, and a changed copy replaces the engine's
 * tables in one step (Engine.reload). All of it runs synchronously between
 * two packet batches, so counters lose no packet and no packet meets half
 * a change. Host changes (`ip`, `sysctl`) go the same way; a link going
 * down or an address going away also drops the MASQUERADEd connections
 * through it, as the kernel's netdevice/inetaddr notifiers do.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Engine } from '../engine/engine';
import { cloneHost, type Host } from '../host/model';
import { storeHost } from '../host/store';
import { natMasqueradeAddrEvent, natMasqueradeDeviceEvent } from '../nat/masquerade';
import type { Family } from '../rules/model';
import { storeConntrackState } from '../state/conntrack-store';
import { LockBusy, storeRuleset, withLock } from '../state/store';
import { runConntrack } from '../cli/conntrack';
import { runIp, runListen, runSysctl } from '../cli/host-commands';
import { FAMILY_PROGS, runFamilyInProcess } from '../cli/family';
import { recentCommand } from '../cli/recent';
import { runTrace } from '../cli/trace';
import { saveRecent } from '../cli/trace/persist';
import type { LiveClock } from './clock';
import type { ControlRequest, ControlResponse } from './control';

export interface LiveHost {
  dir: string;
  engine: Engine;
  clock: LiveClock;
  /** `ip neigh ...` on the live neighbour table. */
  neigh(argv: string[]): ControlResponse & { changed: boolean };
  /** A status report (`netsieve status`). */
  status(): string;
  /** A message for the router's operator (its stderr). */
  notice(text: string): void;
}

/**
 * Programs given on netsieve's command line that a running router carries
 * out itself, besides the iptables family (FAMILY_PROGS).
 */
export const LIVE_PROGS: ReadonlySet<string> = new Set(['ip', 'sysctl', 'listen', 'conntrack', 'trace', 'recent', 'status']);

export async function execLive(h: LiveHost, req: ControlRequest): Promise<ControlResponse> {
  const fam = FAMILY_PROGS[req.prog];
  if (fam) return execFamily(h, req, fam.family);
  switch (req.prog) {
    case 'ip': case 'sysctl': case 'listen': return execHost(h, req);
    case 'conntrack': {
      const r = runConntrack(req.argv, h.engine.net.conntrack);
      if (r.changed) storeConntrackState(h.dir, h.engine.net.conntrack, h.clock);
      return r;
    }
    case 'recent': {
      const out = capture();
      if (req.argv.length > 2 || (req.argv[0] ?? '').startsWith('-')) return { code: 2, stdout: '', stderr: 'usage: netsieve recent [NAME [+ADDR|-ADDR|/]]\n' };
      const r = recentCommand(req.argv, h.engine.net, out.io);
      if (r.changed) saveRecent(h.dir, h.engine.net);
      return { code: r.code, ...out.text() };
    }
    case 'trace': return execTrace(h, req);
    case 'status': return { code: 0, stdout: h.status(), stderr: '' };
    case 'apply-arm': return applyArm(h, req);
    case 'apply-disarm': return applyDisarm(h, req);
    default: return { code: 2, stdout: '', stderr: `netsieve run: ${req.prog} is not carried out by a running router\n` };
  }
}

function capture(): { io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean }; text: () => { stdout: string; stderr: string } } {
  let stdout = '', stderr = '';
  return {
    io: { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, isTTY: false },
    text: () => ({ stdout, stderr }),
  };
}

function execFamily(h: LiveHost, req: ControlRequest, family: Family): ControlResponse {
  const r = runFamilyInProcess(req.prog, req.argv, req.input, h.dir, () => storeRuleset(h.dir, h.engine.ruleset(family)));
  if (r.changed && r.rs) h.engine.reload(family === 4 ? { rules4: r.rs } : { rules6: r.rs });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

function execHost(h: LiveHost, req: ControlRequest): ControlResponse {
  if (req.prog === 'ip' && isNeigh(req.argv)) {
    const r = h.neigh(req.argv);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
  const prog = req.prog === 'ip' ? runIp : req.prog === 'sysctl' ? runSysctl : runListen;
  const before = h.engine.host;
  const r = prog(req.argv, cloneHost(before));
  // sysctl keeps the valid writes of a line even when another key failed, as procps does.
  if (r.code === 0 || req.prog === 'sysctl') {
    try {
      withLock(h.dir, undefined, () => storeHost(h.dir, r.host));
    } catch (e) {
      if (e instanceof LockBusy) return { code: 4, stdout: '', stderr: 'netsieve: the state directory is locked by another netsieve process\n' };
      throw e;
    }
    h.engine.reload({ host: r.host });
    hostEvents(h.engine, before, r.host);
  }
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** `ip neigh`, `ip neighbour`, `ip n`, with the global options before it (-4, -6, -s, ...). */
export function isNeigh(argv: string[]): boolean {
  for (const a of argv) {
    if (a.startsWith('-')) continue;
    return a.length > 0 && ('neighbour'.startsWith(a) || 'neighbor'.startsWith(a));
  }
  return false;
}

/**
 * The notifier side of a host change: MASQUERADE forgets connections
 * through a device that went down (masq_device_event) or an address that
 * was removed (masq_inet_event).
 */
function hostEvents(engine: Engine, before: Host, after: Host): void {
  for (const old of before.ifaces) {
    const now = after.ifaces.find((i) => i.index === old.index);
    if (old.up && (!now || !now.up)) {
      natMasqueradeDeviceEvent(engine.net, old.index);
      continue;
    }
    if (!now) continue;
    for (const a of [...old.addrs4, ...old.addrs6]) {
      const kept = [...now.addrs4, ...now.addrs6].some((b) => b.plen === a.plen && Buffer.compare(Buffer.from(a.addr), Buffer.from(b.addr)) === 0);
      if (!kept) natMasqueradeAddrEvent(engine.net, old.index, a.addr);
    }
  }
  // No packet is in flight between two batches: the killed entries go now, as their last put would free them.
  engine.net.conntrack.settle();
}

/**
 * `trace` against a running router is a what-if: it runs on a copy of the
 * live state (rules with their counters, host, conntrack table, recent
 * lists, clock) in a private directory, so the live router is unchanged.
 */
async function execTrace(h: LiveHost, req: ControlRequest): Promise<ControlResponse> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'netsieve-trace-'));
  try {
    for (const f of [4, 6] as const) storeRuleset(tmp, h.engine.ruleset(f));
    storeHost(tmp, h.engine.host);
    storeConntrackState(tmp, h.engine.net.conntrack, h.clock);
    saveRecent(tmp, h.engine.net);
    const out = capture();
    const code = await runTrace(req.argv, tmp, out.io);
    return { code, ...out.text() };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * `netsieve apply` against a running router: the router keeps the rules
 * from before the change and restores them itself when the time is up,
 * unless `apply` confirms (disarms) first. So a change that cuts the
 * operator's own connection, and with it `apply`, still rolls back.
 */
const armed = new WeakMap<LiveHost, Map<Family, NodeJS.Timeout>>();

function applyArm(h: LiveHost, req: ControlRequest): ControlResponse {
  const family: Family = req.argv[0] === '6' ? 6 : 4;
  const ms = Number(req.argv[1]);
  if (!Number.isFinite(ms) || ms < 0 || req.input === undefined) return { code: 2, stdout: '', stderr: 'netsieve run: apply-arm FAMILY MS with the old rules as input\n' };
  const m = armed.get(h) ?? new Map<Family, NodeJS.Timeout>();
  armed.set(h, m);
  const old = m.get(family);
  if (old) clearTimeout(old);
  const backup = req.input;
  const t = setTimeout(() => {
    m.delete(family);
    const prog = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
    const r = execFamily(h, { prog, argv: [], input: backup }, family);
    h.notice(r.code === 0
      ? `netsieve run: apply was not confirmed within ${ms / 1000} s: the previous IPv${family} rules are restored\n`
      : `netsieve run: apply was not confirmed, and restoring the previous rules failed: ${r.stderr}`);
  }, ms);
  t.unref();
  m.set(family, t);
  return { code: 0, stdout: '', stderr: '' };
}

function applyDisarm(h: LiveHost, req: ControlRequest): ControlResponse {
  const family: Family = req.argv[0] === '6' ? 6 : 4;
  const m = armed.get(h);
  const t = m?.get(family);
  if (t) { clearTimeout(t); m!.delete(family); }
  return { code: 0, stdout: '', stderr: '' };
}
