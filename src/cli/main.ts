/**
 * netsieve's front door. `netsieve [--state DIR] PROGRAM ARGS...` runs the
 * iptables family of programs against the state directory; netsieve's own
 * subcommands use commander.
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { defaultStateDir, LockBusy, withLock } from '../state/store';
import { loadHost, storeHost } from '../host/store';
import { runIp, runListen, runSysctl } from './host-commands';
import { runConntrack } from './conntrack';
import { runInit } from './init';
import { runReplay } from './replay';
import { runTrace } from './trace';
import { runRecent } from './recent';
import { runDemo } from './demo';
import { runFwtest } from './fwtest';
import { loadClock, loadConntrackState, storeConntrackState } from '../state/conntrack-store';
import { parseRestoreArgs } from './iptables';
import { FAMILY_PROGS, runFamilyInProcess } from './family';
import { readRunInfo, sendControl } from '../live/control';
import { runRun } from './run';
import { isNeigh, LIVE_PROGS } from '../live/exec';
import { loadNeigh, storeNeigh } from '../live/neigh-layer';
import { runIpNeigh } from '../host/neigh-cmd';
import { runApply } from './apply';

const HOST_PROGS: Record<string, typeof runIp> = { ip: runIp, sysctl: runSysctl, listen: runListen };

/** netsieve's own commands that drive the engine or write whole state directories. */
type EngineProg = (argv: string[], dir: string, io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean }) => Promise<number>;
const ENGINE_PROGS: Record<string, EngineProg> = {
  init: runInit, replay: runReplay, trace: runTrace, recent: runRecent, demo: runDemo, test: runFwtest, run: runRun, apply: runApply,
};


function emit(r: { code: number; stdout: string; stderr: string }): number {
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  return r.code;
}

async function readAll(file: string | undefined): Promise<string> {
  if (file !== undefined) return fs.readFileSync(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runFamilyProgram(name: string, argv: string[], stateDir: string): Promise<number> {
  const spec = FAMILY_PROGS[name];
  const prog = name;
  let input: string | undefined;
  if (spec.kind === 'restore') {
    const o = parseRestoreArgs(argv, spec.family);
    if ('error' in o) { process.stderr.write(o.error); return o.code; }
    try {
      input = await readAll(o.file);
    } catch (e) {
      process.stderr.write(`${prog}: Can't open ${o.file}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  const live = await liveCall(stateDir, { prog: name, argv, input });
  if (typeof live === 'number') return live;
  if (live) return emit(live);
  return emit(runFamilyInProcess(name, argv, input, stateDir));
}

/** A command for a running router: its answer, null when none runs, or exit status 1 when it cannot be reached. */
async function liveCall(dir: string, req: Parameters<typeof sendControl>[1]): Promise<Awaited<ReturnType<typeof sendControl>> | number> {
  try {
    return await sendControl(dir, req);
  } catch (e) {
    process.stderr.write(`netsieve: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  let stateDir: string | undefined;
  let i = 0;
  while (i < argv.length) {
    if (argv[i] === '--state' && argv[i + 1] !== undefined) { stateDir = argv[i + 1]; i += 2; continue; }
    const m = /^--state=(.*)$/.exec(argv[i]);
    if (m) { stateDir = m[1]; i++; continue; }
    break;
  }
  const rest = argv.slice(i);
  const dir = stateDir ?? defaultStateDir();
  if (rest.length > 0 && FAMILY_PROGS[rest[0]]) return runFamilyProgram(rest[0], rest.slice(1), dir);
  if (rest.length > 0 && LIVE_PROGS.has(rest[0])) {
    const live = await liveCall(dir, { prog: rest[0], argv: rest.slice(1) });
    if (typeof live === 'number') return live;
    if (live) return emit(live);
    if (rest[0] === 'status') {
      process.stderr.write(`netsieve status: no router is running on ${dir}\n`);
      return 1;
    }
  }
  if (rest[0] === 'init' && readRunInfo(dir)) {
    process.stderr.write(`netsieve init: a router is running on ${dir} (pid ${readRunInfo(dir)?.pid}); stop it first\n`);
    return 1;
  }
  const engineProg = rest.length > 0 ? ENGINE_PROGS[rest[0]] : undefined;
  if (engineProg) {
    // replay draws its progress bar on stderr; the others colour what they print on stdout.
    const tty = rest[0] === 'replay' ? process.stderr.isTTY : process.stdout.isTTY;
    return engineProg(rest.slice(1), dir, {
      stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), isTTY: tty === true,
    });
  }
  if (rest[0] === 'conntrack') {
    return withLock(dir, undefined, () => {
      const host = loadHost(dir);
      const clock = loadClock(dir);
      const ct = loadConntrackState(dir, host, clock);
      const r = runConntrack(rest.slice(1), ct);
      if (r.changed) storeConntrackState(dir, ct, clock);
      return emit(r);
    });
  }
  if (rest[0] === 'ip' && isNeigh(rest.slice(1))) {
    // The neighbour table a router saved when it stopped (DIR/neigh.json).
    return withLock(dir, undefined, () => {
      const host = loadHost(dir);
      const now = loadClock(dir).ms;
      const t = loadNeigh(dir, host, now);
      const r = runIpNeigh(rest.slice(1), t, host, now);
      if (r.changed) storeNeigh(dir, t, host, now);
      return emit(r);
    });
  }
  const hostProg = rest.length > 0 ? HOST_PROGS[rest[0]] : undefined;
  if (hostProg) {
    try {
      return withLock(dir, undefined, () => {
        const r = hostProg(rest.slice(1), loadHost(dir));
        // sysctl keeps the valid writes of a line even when another key failed, as procps does.
        if (r.code === 0 || rest[0] === 'sysctl') storeHost(dir, r.host);
        return emit(r);
      });
    } catch (e) {
      if (e instanceof LockBusy) {
        process.stderr.write('netsieve: the state directory is locked by another netsieve process\n');
        return 4;
      }
      throw e;
    }
  }

  const program = new Command();
  program
    .name('netsieve')
    .description('Linux netfilter (iptables) re-implemented in TypeScript: simulate, trace, test and run a firewall without a kernel')
    .option('--state <dir>', 'state directory (default: $NETSIEVE_STATE or ./.netsieve)')
    .exitOverride();
  for (const name of Object.keys(FAMILY_PROGS)) {
    program.command(name).description(`the ${name} program (iptables-legacy 1.8.9 syntax) on the state directory`).allowUnknownOption().helpOption(false);
  }
  program.command('ip').description('iproute2 ip link|addr|route|neigh on the host model in the state directory').allowUnknownOption().helpOption(false);
  program.command('sysctl').description('procps sysctl on the host model (-a, -w NAME=VALUE, -n)').allowUnknownOption().helpOption(false);
  program.command('test').description('firewall unit tests: netsieve test FILE.yaml... [--tap] [--junit FILE] [-v]').allowUnknownOption().helpOption(false);
  program.command('demo').description('the seeds\' home router in memory: a laptop browsing out through NAT, a visitor reaching a forwarded web server, a port scan, pings; traces and the conntrack table').allowUnknownOption().helpOption(false);
  program.command('init').description('write a ready state dir: init router --lan IF --wan IF [--lan-net NET] [--forward tcp/80=ADDR] | init standalone --trusted IF --untrusted IF').allowUnknownOption().helpOption(false);
  program.command('trace').description('follow a packet (or a --flow exchange) through the host: every table, chain and rule met; --kernel TRACE lines; --json').allowUnknownOption().helpOption(false);
  program.command('recent').description('the /proc/net/xt_recent view: recent [NAME [+ADDR|-ADDR|/]]').allowUnknownOption().helpOption(false);
  program.command('replay').description('play pcap/pcapng captures through the host: --in IFACE=FILE ... [--local FILE] --out-dir OUT').allowUnknownOption().helpOption(false);
  program.command('conntrack').description('conntrack-tools conntrack -L [-o extended] [-f ipv4|ipv6], -F, -C, -D on the saved table').allowUnknownOption().helpOption(false);
  program.command('run').description('route and filter live traffic: run --attach IFACE=packet:DEVICE|IFACE=tun:NAME ... [--log FILE]').allowUnknownOption().helpOption(false);
  program.command('status').description('what a running router (netsieve run) on the state dir is doing').allowUnknownOption().helpOption(false);
  program.command('apply').description('iptables-apply: apply FILE [-t SECONDS], rolled back unless confirmed in time').allowUnknownOption().helpOption(false);
  program.command('listen').description('declare local listening sockets: listen tcp|udp ADDR:PORT, listen -d ..., listen').allowUnknownOption().helpOption(false);
  try {
    await program.parseAsync(rest, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
  if (rest.length === 0) program.outputHelp();
  return 0;
}
