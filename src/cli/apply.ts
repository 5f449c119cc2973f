/**
 * `netsieve apply`: iptables-apply 1.1 (shipped with iptables 1.8.9) on the
 * state directory. It applies a rules file (or runs a command that changes
 * the rules), asks "Can you establish NEW connections to the machine?",
 * and rolls back to the rules it saved first unless the answer is yes
 * within the timeout.
 *
 *   netsieve [--state DIR] apply [-4|-6] [-t SECONDS] [-w SAVEFILE] [RULESFILE | -c RUNCMD]
 *
 * Against a running router (`netsieve run`) the rollback is armed inside
 * the router itself: if this terminal, its SSH session or this process
 * dies before confirming, the router still reverts when the time is up.
 * (iptables-apply cannot do that: killed with its session, it leaves the
 * new rules in place.)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { readRunInfo, sendControl } from '../live/control';
import { runFamilyInProcess } from './family';

const DEF_TIMEOUT = 10;

export interface ApplyIo { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean; }

interface ApplyArgs { family: 4 | 6; timeout: number; savefile?: string; command: boolean; target?: string; }

function usage(prog: string): string {
  return `${prog} 1.1 -- a safer way to update iptables remotely

Usage:
  netsieve [--state DIR] apply [-4|-6] [-hV] [-t timeout] [-w savefile] {[rulesfile]|-c [runcmd]}

Applies a rules file (as iptables-save writes it) to the state directory, or runs a command that changes
its rules (netsieve commands in it reach the same state directory through NETSIEVE_STATE), then asks
whether NEW connections can still be made. Without an affirmative answer within the timeout, the rules
saved before are restored. With a running router, the router itself rolls back if no answer comes.

Options:
  -4, -6                       iptables (default) or ip6tables rules
  -t seconds, --timeout seconds   the timeout in seconds (default: ${DEF_TIMEOUT})
  -w savefile, --write savefile   write the confirmed rules to savefile
  -c runcmd, --command runcmd     run runcmd instead of applying a rulesfile
  -h, --help
  -V, --version
`;
}

function parseApply(argv: string[]): ApplyArgs | { error: string; code: number } | 'help' | 'version' {
  const r: ApplyArgs = { family: 4, timeout: DEF_TIMEOUT, command: false };
  let timeoutText: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = /^--(timeout|write)=(.*)$/.exec(a);
    if (a === '-h' || a === '--help') return 'help';
    if (a === '-V' || a === '--version') return 'version';
    if (a === '-4') r.family = 4;
    else if (a === '-6') r.family = 6;
    else if (a === '-c' || a === '--command') r.command = true;
    else if (a === '-t' || a === '--timeout' || eq?.[1] === 'timeout' || /^-t./.test(a)) {
      timeoutText = eq ? eq[2] : /^-t./.test(a) ? a.slice(2) : argv[++i];
      if (timeoutText === undefined) return { error: `apply: option requires an argument -- 't'\n`, code: 1 };
    } else if (a === '-w' || a === '--write' || eq?.[1] === 'write' || /^-w./.test(a)) {
      const v = eq ? eq[2] : /^-w./.test(a) ? a.slice(2) : argv[++i];
      if (v === undefined) return { error: `apply: option requires an argument -- 'w'\n`, code: 1 };
      r.savefile = v;
    } else if (a === '--') rest.push(...argv.slice(i + 1)), i = argv.length;
    else if (a.startsWith('-') && a !== '-') return { error: `apply: invalid option -- '${a.replace(/^-+/, '')}'\n`, code: 1 };
    else rest.push(a);
  }
  if (timeoutText !== undefined) {
    if (!/^\s*[0-9]+\s*$/.test(timeoutText)) return { error: 'Error: timeout must be a positive number\n', code: 1 };
    r.timeout = Number(timeoutText);
  }
  r.target = rest[0];
  return r;
}

const DEFAULTS = {
  4: { rules: '/etc/network/iptables.up.rules', run: '/etc/network/iptables.up.run' },
  6: { rules: '/etc/network/ip6tables.up.rules', run: '/etc/network/ip6tables.up.run' },
};

export async function runApply(argv: string[], dir: string, io: ApplyIo): Promise<number> {
  const a = parseApply(argv);
  const prog = 'netsieve apply';
  if (a === 'help') { io.stderr(usage(prog)); return 0; }
  if (a === 'version') { io.stderr(`${prog} 1.1 -- a safer way to update iptables remotely\n`); return 0; }
  if ('error' in a) { io.stderr(a.error); return a.code; }
  const save = a.family === 4 ? 'iptables-save' : 'ip6tables-save';
  const restore = a.family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  if (a.savefile !== undefined && a.savefile === '') a.savefile = DEFAULTS[a.family].rules;
  if (a.savefile !== undefined && fs.existsSync(a.savefile) && !writable(a.savefile)) {
    io.stderr(`Error: savefile not writable: ${a.savefile}\n`);
    return 8;
  }
  let rulesText = '';
  const target = a.target ?? (a.command ? DEFAULTS[a.family].run : DEFAULTS[a.family].rules);
  if (a.command) {
    if (!executable(target)) { io.stderr(`Error: runcmd not executable: ${target}\n`); return 6; }
  } else {
    try {
      rulesText = fs.readFileSync(target, 'utf8');
    } catch {
      io.stderr(`Error: rulesfile not readable: ${target}\n`);
      return 2;
    }
  }
  const live = readRunInfo(dir) !== null;
  const call = async (p: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> => {
    const r = await sendControl(dir, { prog: p, argv: args, input });
    return r ?? runFamilyInProcess(p, args, input, dir);
  };

  const old = await call(save, []);
  if (old.code !== 0) { io.stderr(`Error: unknown error saving old iptables rules: ${old.stderr}`); return 4; }
  const revert = async (): Promise<void> => {
    io.stdout('Reverting to old iptables rules... ');
    const r = await call(restore, [], old.stdout);
    io.stderr(r.stderr);
    io.stdout('done.\n');
  };
  // With a router running, it keeps the old rules and reverts by itself a little after our timeout.
  let armed = false;
  if (live) {
    const r = await sendControl(dir, { prog: 'apply-arm', argv: [String(a.family), String(a.timeout * 1000 + 2000)], input: old.stdout });
    armed = r !== null && r.code === 0;
  }
  const disarm = async (): Promise<void> => {
    if (armed) await sendControl(dir, { prog: 'apply-disarm', argv: [String(a.family)] });
  };

  if (a.command) {
    io.stdout(`Running command '${target}'... `);
    const ok = await runCommand(target, dir, a.timeout);
    if (!ok) {
      io.stdout('failed.\n');
      io.stderr(`Error: unknown error running command: ${target}\n`);
      await revert();
      await disarm();
      return 7;
    }
    io.stdout('done.\n');
  } else {
    io.stdout(`Applying new iptables rules from '${target}'... `);
    const r = await call(restore, [], rulesText);
    if (r.code !== 0) {
      io.stdout('failed.\n');
      io.stderr(r.stderr);
      io.stderr(`Error: unknown error applying new iptables rules: ${target}\n`);
      await revert();
      await disarm();
      return 5;
    }
    io.stdout('done.\n');
  }

  io.stdout('Can you establish NEW connections to the machine? (y/N) ');
  const answer = await readAnswer(a.timeout * 1000);
  if (answer !== null && /^[yY]/.test(answer)) {
    io.stdout('\n');
    await disarm();
    if (a.savefile !== undefined) {
      io.stdout(`Writing successfully applied rules to '${a.savefile}'...\n`);
      const s = await call(save, []);
      try {
        if (s.code !== 0) throw new Error(s.stderr);
        fs.writeFileSync(a.savefile, s.stdout);
      } catch {
        io.stderr(`Error: unknown error writing successfully applied rules: ${a.savefile}\n`);
        return 9;
      }
    }
    io.stdout('... then my job is done. See you next time.\n');
    return 0;
  }
  io.stdout('\n');
  io.stdout(answer === null || answer === '' ? 'Timeout! Something happened (or did not). Better play it safe...\n' : 'No affirmative response! Better play it safe...\n');
  await revert();
  await disarm();
  return 255;
}

function writable(f: string): boolean {
  try { fs.accessSync(f, fs.constants.W_OK); return true; } catch { return false; }
}

function executable(f: string): boolean {
  try { fs.accessSync(f, fs.constants.X_OK); return fs.statSync(f).isFile(); } catch { return false; }
}

/** Runs the command with the state directory in NETSIEVE_STATE; killed after the timeout, as iptables-apply does. */
function runCommand(cmd: string, dir: string, timeoutS: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [], { stdio: 'inherit', env: { ...process.env, NETSIEVE_STATE: dir } });
    const t = setTimeout(() => child.kill('SIGTERM'), timeoutS * 1000);
    child.once('error', () => { clearTimeout(t); resolve(false); });
    child.once('exit', (code) => { clearTimeout(t); resolve(code === 0); });
  });
}

/**
 * One answer from stdin within the time (bash's `read -n1 -t`): the first
 * character typed on a terminal, or the first line of a pipe. null on
 * timeout or end of input.
 */
function readAnswer(ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const tty = stdin.isTTY === true;
    if (tty) stdin.setRawMode(true);
    let done = false;
    const finish = (v: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (tty) stdin.setRawMode(false);
      stdin.pause();
      resolve(v);
    };
    const onData = (d: Buffer): void => finish(d.toString('utf8').slice(0, 1));
    const onEnd = (): void => finish(null);
    const timer = setTimeout(() => finish(null), ms);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
}
