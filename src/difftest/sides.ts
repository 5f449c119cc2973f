/**
 * Running one case on each side. The kernel side goes first: the times at
 * which the injector actually wrote each packet drive netsieve's clock, so
 * conntrack timeouts can be compared.
 */
import { runIp, runListen, runSysctl } from '../cli/host-commands';
import { parseRestoreArgs, runIptables, runRestore, runSave } from '../cli/iptables';
import { runConntrack } from '../cli/conntrack';
import { Engine } from '../engine/engine';
import type { Emitted } from '../engine/net';
import { newHost, type Host } from '../host/model';
import { newRuleset, type Ruleset } from '../rules/model';
import { splitArgs } from '../testing/difftest';
import { BASE_HOST, LINKS, NETSIEVE_LINKS, TUNABLE, type DiffCase } from './case';
import { injectAndCapture, type InjectResult } from './injector';
import { frameToIp as framePacket, isMldNoise } from './normalise';
import type { Topology } from './topology';
import { KernelListeners } from './listeners';

/** Every table emptied, policies ACCEPT, counters zero: what each case starts from on both sides. */
export const EMPTY_TABLES = [
  '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT',
  '*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', 'COMMIT',
  '*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', 'COMMIT',
  '*raw', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT',
  '*security', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT',
  '',
].join('\n');

/** Exit status and message of one setup line (host or rule) on one side. */
export interface SetupLine { line: string; code: number; stderr: string; }

export interface SideRun {
  setup: SetupLine[];
  /** Per injected packet: the IP packets that left each router interface, in order. */
  out: Map<string, Uint8Array[]>[];
  /** netsieve only: why each emitted packet exists (forward, reject, icmp, stack, output). */
  origins?: Map<string, string[]>[];
  /** `conntrack -L -f ipv4` and `-f ipv6`. */
  conntrack: string;
  conntrack6: string;
  /** `iptables-save -c` and `ip6tables-save -c`. */
  save: string;
  save6: string;
}

export interface KernelRun extends SideRun { inject: InjectResult; listAtMs: number; }

export interface RunOptions { gapMs?: number; tailMs?: number; }

function emptyOut(n: number): Map<string, Uint8Array[]>[] {
  return Array.from({ length: n }, () => new Map(LINKS.map((l) => [l.dev, [] as Uint8Array[]])));
}

/** The value a list of host lines leaves net.ipv6.conf.all.forwarding at. */
function finalFwd6(lines: readonly string[]): boolean {
  let v = false;
  for (const l of lines) {
    const m = /net\.ipv6\.conf\.all\.forwarding=(\d+)/.exec(l);
    if (m) v = m[1] !== '0';
  }
  return v;
}

/**
 * How long MLD reports take to be over after net.ipv6.conf.all.forwarding
 * changes: the router joins or leaves the all-routers groups (ff01::2,
 * ff02::2, ff05::2), and with mldv2_unsolicited_report_interval=0 the
 * report and its robustness retransmissions leave within about 30 ms.
 */
const MLD_SETTLE_S = 0.1;

export function runKernel(topo: Topology, c: DiffCase, o: RunOptions = {}): KernelRun {
  // Host lines first, then (once MLD is quiet) the tables, counters and conntrack are reset:
  // the reports of a forwarding change cross ip6tables OUTPUT and must not reach the counters.
  const cmds: { argv: string[]; stdin?: string }[] = [
    { argv: ['ip', 'route', 'flush', 'proto', 'boot'] },
    { argv: ['ip', '-6', 'route', 'flush', 'proto', 'boot'] },
    ...LINKS.map((l) => ({ argv: ['ip', 'link', 'set', l.dev, 'mtu', '1500'] })),
  ];
  const hostLines = [...BASE_HOST, ...c.host];
  const tuning = { ...TUNABLE };
  for (const t of c.tuning ?? []) { const [k, v] = t.split('='); if (!(k in TUNABLE)) throw new Error(`not a TUNABLE key: ${t}`); tuning[k] = v; }
  cmds.push({ argv: ['sysctl', '-qw', ...Object.entries(tuning).map(([k, v]) => `${k}=${v}`)] });
  const nPre = cmds.length;
  for (const l of hostLines) cmds.push({ argv: splitArgs(l) });
  const fwd6 = finalFwd6(hostLines);
  if (topo.fwd6 !== false || fwd6) cmds.push({ argv: ['sleep', String(MLD_SETTLE_S)] });
  topo.fwd6 = fwd6;
  const nReset = cmds.length;
  cmds.push(
    { argv: ['iptables-restore'], stdin: EMPTY_TABLES },
    { argv: ['ip6tables-restore'], stdin: EMPTY_TABLES },
    { argv: ['conntrack', '-F'] },
    { argv: ['conntrack', '-f', 'ipv6', '-F'] },
    { argv: ['conntrack', '-F', 'expect'] },
  );
  const nRules = cmds.length;
  const rules6 = c.rules6 ?? [];
  for (const r of c.rules) cmds.push({ argv: ['iptables', ...splitArgs(r)] });
  for (const r of rules6) cmds.push({ argv: ['ip6tables', ...splitArgs(r)] });
  const res = topo.run(cmds);
  for (const i of [nReset, nReset + 1]) if (res[i].code !== 0) throw new Error(`kernel: emptying the tables failed: ${res[i].stderr}`);
  const setup: SetupLine[] = [
    ...hostLines.map((line, i) => ({ line, code: res[nPre + i].code, stderr: res[nPre + i].stderr.trim() })),
    ...[...c.rules.map((r) => `iptables ${r}`), ...rules6.map((r) => `ip6tables ${r}`)].map((line, i) => ({ line, code: res[nRules + i].code, stderr: res[nRules + i].stderr.trim() })),
  ];
  // The case's local processes live from before the first packet until the tables are read.
  const listeners = c.listen?.length ? KernelListeners.start(topo.router.name, c.listen) : undefined;
  let inject: InjectResult, after: ReturnType<Topology['run']>;
  try {
    inject = injectAndCapture(topo.links, c.packets.map((p) => ({ peer: LINKS.findIndex((l) => l.dev === p.dev), hex: p.hex, delay: (p.delayMs ?? 0) / 1000 })), { gapMs: o.gapMs, tailMs: o.tailMs });
    if (inject.errors?.length) throw new Error(`injection failed: ${inject.errors.join('; ')}`);
    after = topo.run([
      { argv: ['conntrack', '-L', '-f', 'ipv4'] }, { argv: ['conntrack', '-L', '-f', 'ipv6'] },
      { argv: ['iptables-save', '-c'] }, { argv: ['ip6tables-save', '-c'] },
    ]);
  } finally {
    listeners?.stop();
  }
  const out = emptyOut(c.packets.length);
  for (const f of inject.frames) {
    const ip = framePacket(f.hex);
    if (ip && f.slot >= 0 && !isMldNoise(ip)) out[f.slot].get(LINKS[f.peer].dev)!.push(ip);
  }
  const last = inject.sent.length ? inject.sent[inject.sent.length - 1] * 1000 : 0;
  return {
    setup, out, conntrack: after[0].stdout, conntrack6: after[1].stdout, save: after[2].stdout, save6: after[3].stdout,
    inject, listAtMs: last + (o.tailMs ?? 120),
  };
}


/** The host and ruleset of a case on netsieve's side, with each line's outcome. */
export function buildNetsieve(c: DiffCase): { host: Host; rules: Ruleset; rules6: Ruleset; setup: SetupLine[] } {
  let host = newHost();
  const setup: SetupLine[] = [];
  for (const line of NETSIEVE_LINKS) {
    const r = runIp(splitArgs(line).slice(1), host);
    if (r.code !== 0) throw new Error(`netsieve: ${line}: ${r.stderr}`);
    host = r.host;
  }
  for (const line of [...BASE_HOST, ...c.host]) {
    const [prog, ...args] = splitArgs(line);
    const r = prog === 'ip' ? runIp(args, host) : prog === 'sysctl' ? runSysctl(args, host) : undefined;
    if (!r) throw new Error(`host line neither ip nor sysctl: ${line}`);
    setup.push({ line, code: r.code, stderr: r.stderr.trim() });
    host = r.host;
  }
  // The case's tuning, through netsieve's sysctl program as on the kernel side (netsieve's host starts from the defaults).
  for (const t of c.tuning ?? []) {
    if (!(t.split('=')[0] in TUNABLE)) throw new Error(`not a TUNABLE key: ${t}`);
    const r = runSysctl(['-qw', t], host);
    if (r.code !== 0) throw new Error(`netsieve: sysctl -w ${t}: ${r.stderr.trim()}`);
    host = r.host;
  }
  for (const line of c.listen ?? []) {
    const r = runListen(splitArgs(line), host);
    if (r.code !== 0) throw new Error(`netsieve: listen ${line}: ${r.stderr.trim()}`);
    host = r.host;
  }
  const ra = parseRestoreArgs([], 4);
  if ('error' in ra) throw new Error(ra.error);
  const rr = runRestore(newRuleset(4), EMPTY_TABLES, ra);
  if (rr.code !== 0) throw new Error(`netsieve: emptying the tables failed: ${rr.stderr}`);
  let rules = rr.rs;
  for (const line of c.rules) {
    const r = runIptables(rules, splitArgs(line));
    setup.push({ line: `iptables ${line}`, code: r.code, stderr: r.stderr.trim() });
    rules = r.rs;
  }
  const ra6 = parseRestoreArgs([], 6);
  if ('error' in ra6) throw new Error(ra6.error);
  const rr6 = runRestore(newRuleset(6), EMPTY_TABLES, ra6);
  if (rr6.code !== 0) throw new Error(`netsieve: emptying the IPv6 tables failed: ${rr6.stderr}`);
  let rules6 = rr6.rs;
  for (const line of c.rules6 ?? []) {
    const r = runIptables(rules6, splitArgs(line));
    setup.push({ line: `ip6tables ${line}`, code: r.code, stderr: r.stderr.trim() });
    rules6 = r.rs;
  }
  return { host, rules, rules6, setup };
}

/**
 * Plays the case through netsieve. `sentMs` are the injection times (ms
 * from the first packet) and `listAtMs` when the tables are read; without
 * them packets are 12 ms apart.
 */
export function runNetsieve(c: DiffCase, sentMs?: number[], listAtMs?: number, seed = 1): SideRun {
  const { host, rules, rules6, setup } = buildNetsieve(c);
  const engine = new Engine({ host, rules4: rules, rules6, seed });
  const out = emptyOut(c.packets.length);
  const origins = out.map(() => new Map<string, string[]>(LINKS.map((l) => [l.dev, [] as string[]])));
  let now = 0;
  const collect = (i: number, emitted: readonly Emitted[]): void => {
    for (const e of emitted) {
      const list = out[i]?.get(e.dev);
      if (!list) continue; // 'local' delivery or lo: nothing on a link
      list.push(e.bytes);
      origins[i].get(e.dev)!.push(e.origin);
    }
  };
  // What the clock makes happen (reassembly timeouts) belongs to the packet before.
  const advanceTo = (t: number, slot: number): void => {
    if (t <= now) return;
    engine.net.emitted = [];
    engine.advance(t - now);
    now = t;
    if (slot >= 0) collect(slot, engine.net.emitted);
  };
  c.packets.forEach((p, i) => {
    advanceTo(sentMs?.[i] ?? now + 12 + (p.delayMs ?? 0), i - 1);
    collect(i, engine.receive(p.dev, Buffer.from(p.hex, 'hex')).emitted);
  });
  advanceTo(listAtMs ?? now + 120, c.packets.length - 1);
  const ct = runConntrack(['-L', '-f', 'ipv4'], engine.net.conntrack);
  const ct6 = runConntrack(['-L', '-f', 'ipv6'], engine.net.conntrack);
  return {
    setup, out, origins, conntrack: ct.stdout, conntrack6: ct6.stdout,
    save: runSave(rules, ['-c']).stdout, save6: runSave(rules6, ['-c']).stdout,
  };
}
