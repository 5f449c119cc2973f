/**
 * netsieve's front door. `netsieve [--state DIR] PROGRAM ARGS...` runs the
 * iptables family of programs against the state directory; netsieve's own
 * subcommands use commander.
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import type { Family } from '../rules/model';
import { defaultStateDir, loadRuleset, LockBusy, storeRuleset, withLock } from '../state/store';
import { RestoreError } from '../rules/restore';
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
import { parseRestoreArgs, runIptables, runRestore, runSave, type ProgResult } from './iptables';

const HOST_PROGS: Record<string, typeof runIp> = { ip: runIp, sysctl: runSysctl, listen: runListen };

/** netsieve's own commands that drive the engine or write whole state directories. */
type EngineProg = (argv: string[], dir: string, io: { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean }) => Promise<number>;
const ENGINE_PROGS: Record<string, EngineProg> = { init: runInit, replay: runReplay, trace: runTrace, recent: runRecent, demo: runDemo, test: runFwtest };

const FAMILY_PROGS: Record<string, { family: Family; kind: 'iptables' | 'save' | 'restore' }> = {
  iptables: { family: 4, kind: 'iptables' },
  ip6tables: { family: 6, kind: 'iptables' },
  'iptables-save': { family: 4, kind: 'save' },
  'ip6tables-save': { family: 6, kind: 'save' },
  'iptables-restore': { family: 4, kind: 'restore' },
  'ip6tables-restore': { family: 6, kind: 'restore' },
};

function waitArg(argv: string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-w' || a === '--wait') {
      const n = argv[i + 1];
      return n !== undefined && /^[0-9]+$/.test(n) ? Number(n) : Infinity;
    }
    const m = /^(?:-w|--wait=)([0-9]+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return undefined;
}

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
  try {
    return withLock(stateDir, waitArg(argv), () => {
      const rs = loadRuleset(stateDir, spec.family);
      let r: ProgResult;
      if (spec.kind === 'iptables') r = runIptables(rs, argv);
      else if (spec.kind === 'save') r = runSave(rs, argv);
      else {
        const o = parseRestoreArgs(argv, spec.family);
        if ('error' in o) throw new Error('unreachable');
        r = runRestore(rs, input ?? '', o);
      }
      if (r.code === 0 && r.changed) storeRuleset(stateDir, r.rs);
      return emit(r);
    });
  } catch (e) {
    if (e instanceof RestoreError) {
      process.stderr.write(`netsieve: the saved ruleset in ${stateDir} cannot be read:\n${e.text}`);
      return 1;
    }
    if (e instanceof LockBusy) {
      process.stderr.write('Another app is currently holding the xtables lock. Perhaps you want to use the -w option?\n');
      return 4;
    }
    throw e;
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
  program.command('ip').description('iproute2 ip link|addr|route on the host model in the state directory').allowUnknownOption().helpOption(false);
  program.command('sysctl').description('procps sysctl on the host model (-a, -w NAME=VALUE, -n)').allowUnknownOption().helpOption(false);
  program.command('test').description('firewall unit tests: netsieve test FILE.yaml... [--tap] [--junit FILE] [-v]').allowUnknownOption().helpOption(false);
  program.command('demo').description('the seeds\' home router in memory: a laptop browsing out through NAT, a visitor reaching a forwarded web server, a port scan, pings; traces and the conntrack table').allowUnknownOption().helpOption(false);
  program.command('init').description('write a ready state dir: init router --lan IF --wan IF [--lan-net NET] [--forward tcp/80=ADDR] | init standalone --trusted IF --untrusted IF').allowUnknownOption().helpOption(false);
  program.command('trace').description('follow a packet (or a --flow exchange) through the host: every table, chain and rule met; --kernel TRACE lines; --json').allowUnknownOption().helpOption(false);
  program.command('recent').description('the /proc/net/xt_recent view: recent [NAME [+ADDR|-ADDR|/]]').allowUnknownOption().helpOption(false);
  program.command('replay').description('play pcap/pcapng captures through the host: --in IFACE=FILE ... [--local FILE] --out-dir OUT').allowUnknownOption().helpOption(false);
  program.command('conntrack').description('conntrack-tools conntrack -L [-o extended] [-f ipv4|ipv6], -F, -C, -D on the saved table').allowUnknownOption().helpOption(false);
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
