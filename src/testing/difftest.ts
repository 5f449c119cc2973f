/**
 * Differential comparison of netsieve's iptables programs with the real
 * iptables-legacy in a namespace: the same command lines on both sides,
 * then every listing form of every table, compared byte for byte (the
 * "# Generated/Completed" comment lines of iptables-save excepted).
 */
import { parseRestoreArgs, runIptables, runRestore, runSave } from '../cli/iptables';
import { newRuleset, TABLE_NAMES, type Family, type Ruleset } from '../rules/model';
import { tokenizeRestoreLine } from '../rules/tokenize';
import type { KernelNs, Outcome } from './kernel';

export interface Mismatch { what: string; kernel: Outcome; netsieve: Outcome; }

export function splitArgs(line: string): string[] {
  const w = tokenizeRestoreLine(line);
  if (w === 'too-long') throw new Error('line too long');
  return w;
}

const LISTINGS: string[][] = [
  ['-S'], ['-S', '-v'], ['-L'], ['-nL'], ['-vL'], ['-nvL'], ['-vxL'], ['-nvxL', '--line-numbers'], ['-L', '--line-numbers'], ['-nL', '--line-numbers'],
];

function stripSaveComments(s: string): string {
  return s.split('\n').filter((l) => !l.startsWith('# ')).join('\n');
}

/**
 * Runs the lines (iptables argument strings, words split as iptables-restore
 * splits them) through both, in order, on empty rulesets. Returns every
 * difference found, and the netsieve ruleset at the end.
 */
/** A step: iptables arguments as one string, or an iptables-restore run with its input. */
export type Step = string | { restore: string; args?: string[] };

function stepName(s: Step): string {
  return typeof s === 'string' ? s : `restore ${(s.args ?? []).join(' ')} <<${JSON.stringify(s.restore.slice(0, 200))}`;
}

export function diffLines(k: KernelNs, family: Family, lines: Step[], opts: { listTables?: readonly string[] } = {}): { mismatches: Mismatch[]; rs: Ruleset } {
  const bin = family === 4 ? 'iptables' : 'ip6tables';
  const save = family === 4 ? 'iptables-save' : 'ip6tables-save';
  const tables = opts.listTables ?? TABLE_NAMES;
  const cmds: { argv: string[]; stdin?: string }[] = [...k.resetCommands()];
  const nReset = cmds.length;
  const restoreBin = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  const argvs = lines.map((l) => (typeof l === 'string' ? splitArgs(l) : l.args ?? []));
  lines.forEach((l, i) => {
    if (typeof l === 'string') cmds.push({ argv: [bin, ...argvs[i]] });
    else cmds.push({ argv: [restoreBin, ...argvs[i]], stdin: l.restore });
  });
  const listCmds: { what: string; args: string[]; save: boolean }[] = [];
  for (const t of tables) {
    for (const l of LISTINGS) listCmds.push({ what: `-t ${t} ${l.join(' ')}`, args: ['-t', t, ...l], save: false });
    listCmds.push({ what: `save -c -t ${t}`, args: ['-c', '-t', t], save: true });
  }
  for (const l of listCmds) cmds.push({ argv: [l.save ? save : bin, ...l.args] });
  const kout = k.batch(cmds);
  const mismatches: Mismatch[] = [];
  let rs = newRuleset(family);
  argvs.forEach((a, i) => {
    const step = lines[i];
    let r;
    if (typeof step === 'string') r = runIptables(rs, a);
    else {
      const o = parseRestoreArgs(a, family);
      r = 'error' in o ? { code: o.code, stdout: '', stderr: o.error, rs, changed: false } : runRestore(rs, step.restore, o);
    }
    rs = r.rs;
    const ko = kout[nReset + i];
    const no: Outcome = { code: r.code, stdout: r.stdout, stderr: r.stderr };
    if (ko.code !== no.code || ko.stdout !== no.stdout || ko.stderr !== no.stderr) {
      mismatches.push({ what: stepName(step), kernel: ko, netsieve: no });
    }
  });
  listCmds.forEach((l, j) => {
    const ko = kout[nReset + argvs.length + j];
    const r = l.save ? runSave(rs, l.args) : runIptables(rs, l.args);
    if (!l.save) rs = r.rs;
    const no: Outcome = { code: r.code, stdout: r.stdout, stderr: r.stderr };
    const ks = l.save ? stripSaveComments(ko.stdout) : ko.stdout;
    const ns = l.save ? stripSaveComments(no.stdout) : no.stdout;
    if (ko.code !== no.code || ks !== ns || ko.stderr !== no.stderr) mismatches.push({ what: l.what, kernel: ko, netsieve: no });
  });
  return { mismatches, rs };
}

/** Human-readable report of the first few mismatches. */
export function describeMismatches(ms: Mismatch[], max = Number(process.env.DIFF_MAX ?? 5)): string {
  return ms.slice(0, max).map((m) => {
    const show = (o: Outcome): string => `  rc=${o.code}\n  stdout:\n${indent(o.stdout)}\n  stderr:\n${indent(o.stderr)}`;
    return `== ${m.what}\n-- kernel:\n${show(m.kernel)}\n-- netsieve:\n${show(m.netsieve)}`;
  }).join('\n') + (ms.length > max ? `\n... and ${ms.length - max} more` : '');
}

function indent(s: string): string {
  return s.split('\n').map((l) => '    |' + l).join('\n');
}
