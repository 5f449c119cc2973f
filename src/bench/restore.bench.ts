/**
 * Benchmark: iptables-restore of generated 10,000- and 100,000-rule files,
 * and one `iptables -A` on a small ruleset, netsieve against the real
 * iptables-legacy on the same input in the same run. Wall-clock times,
 * median of several runs. Run with `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRestoreArgs, runIptables, runRestore } from '../cli/iptables';
import { newRuleset } from '../rules/model';
import { KernelNs, kernelUnavailable } from '../testing/kernel';

const BIN = path.resolve(__dirname, '../../bin/netsieve.js');

function genRules(n: number): string {
  const lines = ['*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]'];
  const chains = 20;
  for (let c = 0; c < chains; c++) lines.push(`:user${c} - [0:0]`);
  // INPUT enters user0; user chains only jump forward, so the graph has no loop.
  lines.push('-A INPUT -j user0');
  for (let i = 1; i < n; i++) {
    const a = (i >> 8) & 255, b = i & 255;
    const c = i % chains;
    const chain = i % 10 === 0 ? 'INPUT' : `user${c}`;
    const next = chain !== 'INPUT' && c + 1 < chains ? `user${c + 1}` : 'RETURN';
    switch (i % 5) {
      case 0: lines.push(`-A ${chain} -s 10.${a}.${b}.0/24 -p tcp -m tcp --dport ${1 + (i % 65000)} -j ACCEPT`); break;
      case 1: lines.push(`-A ${chain} -d 172.16.${b}.${a} -i eth${i % 4} -p udp -m udp --sport 53 -j DROP`); break;
      case 2: lines.push(`-A ${chain} -s 192.168.${a}.${b} -m comment --comment "rule ${i}" -j RETURN`); break;
      case 3: lines.push(`-A ${chain} ! -s 10.${b}.0.0/16 -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ${next}`); break;
      default: lines.push(`-A ${chain} -o ppp0 -p icmp -j ACCEPT`);
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeIt(runs: number, fn: () => void): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return median(t);
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function main(): void {
  const why = kernelUnavailable();
  const k = why ? undefined : new KernelNs('bench');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-bench-'));
  const rows: string[][] = [];
  try {
    for (const n of [10000, 100000]) {
      const text = genRules(n);
      const file = path.join(dir, `rules-${n}.txt`);
      fs.writeFileSync(file, text);
      const runs = n >= 100000 ? 3 : 5;
      const o = parseRestoreArgs([], 4);
      if ('error' in o) throw new Error(o.error);
      const lib = timeIt(runs, () => {
        const r = runRestore(newRuleset(4), text, o);
        if (r.code !== 0) throw new Error(r.stderr);
      });
      const state = path.join(dir, `state-${n}`);
      const cli = timeIt(runs, () => {
        const r = spawnSync(process.execPath, [BIN, '--state', state, 'iptables-restore', file]);
        if (r.status !== 0) throw new Error(r.stderr.toString());
      });
      let kern = NaN;
      if (k) {
        kern = timeIt(runs, () => {
          const r = spawnSync('ip', ['netns', 'exec', k.name, 'iptables-legacy-restore', file]);
          if (r.status !== 0) throw new Error(r.stderr.toString());
        });
      }
      rows.push([`iptables-restore, ${n} rules`, fmt(kern), fmt(cli), fmt(lib)]);
    }
    // One -A on a small ruleset (20 rules).
    const small = path.join(dir, 'state-small');
    spawnSync(process.execPath, [BIN, '--state', small, 'iptables-restore'], { input: genRules(20) });
    const cliA = timeIt(10, () => {
      const r = spawnSync(process.execPath, [BIN, '--state', small, 'iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
      if (r.status !== 0) throw new Error(r.stderr.toString());
    });
    let rs = runRestore(newRuleset(4), genRules(20), parseRestoreArgs([], 4) as never).rs;
    const libA = timeIt(10, () => { rs = runIptables(rs, ['-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']).rs; });
    let kernA = NaN;
    if (k) {
      spawnSync('ip', ['netns', 'exec', k.name, 'iptables-legacy-restore'], { input: genRules(20) });
      kernA = timeIt(10, () => {
        const r = spawnSync('ip', ['netns', 'exec', k.name, 'iptables-legacy', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
        if (r.status !== 0) throw new Error(r.stderr.toString());
      });
    }
    rows.push(['iptables -A on a 20-rule ruleset', fmt(kernA), fmt(cliA), fmt(libA)]);
  } finally {
    k?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const head = ['case', 'iptables-legacy (kernel)', 'netsieve CLI (incl. node start, state write)', 'netsieve library'];
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  if (why) console.log(`(kernel column empty: ${why})`);
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu?'} x${os.cpus().length}, median wall time`);
}

main();
