/**
 * The real kernel as the oracle: runs iptables-legacy / ip6tables-legacy
 * commands inside a throwaway network namespace created for the purpose
 * (unique name, removed at the end even after a failure) and returns
 * what each printed and its exit status.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Outcome { code: number; stdout: string; stderr: string; }

let availability: string | null | undefined;

/** The multi-call binary behind Debian's iptables-legacy family. */
export const LEGACY_MULTI = '/usr/sbin/xtables-legacy-multi';

/** null when the kernel oracle can be used, else the reason it cannot. */
export function kernelUnavailable(): string | null {
  if (availability !== undefined) return availability;
  if (process.platform !== 'linux') return (availability = 'not Linux');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return (availability = 'not root');
  for (const bin of ['ip', 'iptables-legacy', 'ip6tables-legacy', 'iptables-legacy-save']) {
    const r = spawnSync('sh', ['-c', `command -v ${bin}`]);
    if (r.status !== 0) return (availability = `${bin} not installed`);
  }
  if (!fs.existsSync(LEGACY_MULTI)) return (availability = `${LEGACY_MULTI} not installed`);
  const probe = `nsv-probe-${process.pid}-${Math.floor(Math.random() * 1e9)}`;
  const r = spawnSync('ip', ['netns', 'add', probe]);
  if (r.status !== 0) return (availability = `cannot create a network namespace: ${r.stderr.toString().trim()}`);
  spawnSync('ip', ['netns', 'del', probe]);
  return (availability = null);
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class KernelNs {
  readonly name: string;
  private closed = false;

  constructor(tag = 'k') {
    this.name = `nsv-${tag}-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
    const r = spawnSync('ip', ['netns', 'add', this.name]);
    if (r.status !== 0) throw new Error(`ip netns add ${this.name}: ${r.stderr.toString()}`);
  }

  /**
   * Runs commands in the namespace in one shell, in order. Each command is
   * [program, ...args], program being e.g. iptables-legacy; stdin text optional.
   */
  batch(cmds: { argv: string[]; stdin?: string }[]): Outcome[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-k-'));
    try {
      // Call the legacy binaries by the names people type, so messages carry those names (argv[0]).
      fs.mkdirSync(path.join(dir, 'bin'));
      for (const n of ['iptables', 'ip6tables', 'iptables-save', 'ip6tables-save', 'iptables-restore', 'ip6tables-restore']) {
        fs.symlinkSync(LEGACY_MULTI, path.join(dir, 'bin', n));
      }
      let script = `export PATH=${dir}/bin:$PATH\n`;
      cmds.forEach((c, i) => {
        const inFile = path.join(dir, `${i}.in`);
        if (c.stdin !== undefined) fs.writeFileSync(inFile, c.stdin);
        script += `${c.argv.map(shq).join(' ')} >${dir}/${i}.out 2>${dir}/${i}.err <${c.stdin !== undefined ? inFile : '/dev/null'}; echo $? >${dir}/${i}.rc\n`;
      });
      fs.writeFileSync(path.join(dir, 'script.sh'), script);
      const r = spawnSync('ip', ['netns', 'exec', this.name, 'bash', path.join(dir, 'script.sh')], { maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`batch failed: ${r.stderr.toString()}`);
      return cmds.map((_, i) => ({
        code: Number(fs.readFileSync(path.join(dir, `${i}.rc`), 'utf8').trim()),
        stdout: fs.readFileSync(path.join(dir, `${i}.out`), 'utf8'),
        stderr: fs.readFileSync(path.join(dir, `${i}.err`), 'utf8'),
      }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Empties every table of both families (rules, user chains, policies back to ACCEPT, counters zeroed). */
  resetCommands(): { argv: string[] }[] {
    const out: { argv: string[] }[] = [];
    for (const bin of ['iptables', 'ip6tables']) {
      for (const t of ['filter', 'nat', 'mangle', 'raw', 'security']) {
        out.push({ argv: [bin, '-t', t, '-F'] }, { argv: [bin, '-t', t, '-X'] }, { argv: [bin, '-t', t, '-Z'] });
      }
      for (const [t, chains] of [['filter', ['INPUT', 'FORWARD', 'OUTPUT']], ['mangle', ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']], ['raw', ['PREROUTING', 'OUTPUT']], ['security', ['INPUT', 'FORWARD', 'OUTPUT']]] as const) {
        for (const c of chains) out.push({ argv: [bin, '-t', t, '-P', c, 'ACCEPT'] });
      }
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}

/** Runs fn with a fresh namespace that is always removed afterwards. */
export function withKernel<T>(tag: string, fn: (k: KernelNs) => T): T {
  const k = new KernelNs(tag);
  try {
    return fn(k);
  } finally {
    k.close();
  }
}
