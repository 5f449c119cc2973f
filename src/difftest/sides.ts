/**
 * Running one case on each side. The kernel side goes first: the times at
 * which the injector actually wrote each packet drive netsieve's clock, so
 * conntrack timeouts can be compared.
 */
import { runIp, runSysctl } from '../cli/host-commands';
import { parseRestoreArgs, runIptables, runRestore, runSave } from '../cli/iptables';
import { runConntrack } from '../cli/conntrack';
import { Engine } from '../engine/engine';
import type { Emitted } from '../engine/net';
import { newHost, type Host } from '../host/model';
import { newRuleset, type Ruleset } from '../rules/model';
import { splitArgs } from '../testing/difftest';
import { BASE_HOST, LINKS, NETSIEVE_LINKS, type DiffCase } from './case';
import { injectAndCapture, type InjectResult } from './injector';
import { frameToIp as framePacket } from './normalise';
import type { Topology } from './topology';

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
  conntrack: string;
  save: string;
}

export interface KernelRun extends SideRun { inject: InjectResult; listAtMs: number; }

export interface RunOptions { gapMs?: number; tailMs?: number; }

function emptyOut(n: number): Map<string, Uint8Array[]>[] {
  return Array.from({ length: n }, () => new Map(LINKS.map((l) => [l.dev, [] as Uint8Array[]])));
}

export function runKernel(topo: Topology, c: DiffCase, o: RunOptions = {}): KernelRun {
  const cmds: { argv: string[]; stdin?: string }[] = [
    { argv: ['iptables-restore'], stdin: EMPTY_TABLES },
    { argv: ['conntrack', '-F'] },
    { argv: ['conntrack', '-F', 'expect'] },
    { argv: ['ip', 'route', 'flush', 'proto', 'boot'] },
    ...LINKS.map((l) => ({ argv: ['ip', 'link', 'set', l.dev, 'mtu', '1500'] })),
  ];
  const nPre = cmds.length;
  const hostLines = [...BASE_HOST, ...c.host];
  for (const l of hostLines) cmds.push({ argv: splitArgs(l) });
  for (const r of c.rules) cmds.push({ argv: ['iptables', ...splitArgs(r)] });
  const res = topo.run(cmds);
  if (res[0].code !== 0) throw new Error(`kernel: emptying the tables failed: ${res[0].stderr}`);
  const setup: SetupLine[] = [...hostLines, ...c.rules.map((r) => `iptables ${r}`)].map((line, i) => ({ line, code: res[nPre + i].code, stderr: res[nPre + i].stderr.trim() }));
  const inject = injectAndCapture(topo.links, c.packets.map((p) => ({ peer: LINKS.findIndex((l) => l.dev === p.dev), hex: p.hex })), { gapMs: o.gapMs, tailMs: o.tailMs });
  if (inject.errors?.length) throw new Error(`injection failed: ${inject.errors.join('; ')}`);
  const after = topo.run([{ argv: ['conntrack', '-L'] }, { argv: ['iptables-save', '-c'] }]);
  const out = emptyOut(c.packets.length);
  for (const f of inject.frames) {
    const ip = framePacket(f.hex);
    if (ip && f.slot >= 0) out[f.slot].get(LINKS[f.peer].dev)!.push(ip);
  }
  const last = inject.sent.length ? inject.sent[inject.sent.length - 1] * 1000 : 0;
  return { setup, out, conntrack: after[0].stdout, save: after[1].stdout, inject, listAtMs: last + (o.tailMs ?? 120) };
}


/** The host and ruleset of a case on netsieve's side, with each line's outcome. */
export function buildNetsieve(c: DiffCase): { host: Host; rules: Ruleset; setup: SetupLine[] } {
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
  return { host, rules, setup };
}

/**
 * Plays the case through netsieve. `sentMs` are the injection times (ms
 * from the first packet) and `listAtMs` when the tables are read; without
 * them packets are 12 ms apart.
 */
export function runNetsieve(c: DiffCase, sentMs?: number[], listAtMs?: number, seed = 1): SideRun {
  const { host, rules, setup } = buildNetsieve(c);
  const engine = new Engine({ host, rules4: rules, rules6: newRuleset(6), seed });
  const out = emptyOut(c.packets.length);
  const origins = out.map(() => new Map<string, string[]>(LINKS.map((l) => [l.dev, [] as string[]])));
  let now = 0;
  c.packets.forEach((p, i) => {
    const t = sentMs?.[i] ?? i * 12;
    if (t > now) { engine.advance(t - now); now = t; }
    const r = engine.receive(p.dev, Buffer.from(p.hex, 'hex'));
    for (const e of r.emitted as Emitted[]) {
      const list = out[i].get(e.dev);
      if (!list) continue; // 'local' delivery or lo: nothing on a link
      list.push(e.bytes);
      origins[i].get(e.dev)!.push(e.origin);
    }
  });
  const end = listAtMs ?? now + 120;
  if (end > now) engine.advance(end - now);
  const ct = runConntrack(['-L'], engine.net.conntrack);
  const save = runSave(rules, ['-c']);
  return { setup, out, origins, conntrack: ct.stdout, save: save.stdout };
}
