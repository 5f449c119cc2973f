/**
 * Executing parsed commands against a ruleset, with libiptc's semantics
 * and its error texts (libiptc.c iptc_strerror). Every change is made on a
 * copy of the table and checked as the kernel checks a replaced table;
 * only a table that passes is kept, so a failed command changes nothing.
 */
import { findTarget } from '../extensions/registry';
import { OTHER_PROBLEM, XtError, paramError } from '../util/errors';
import type { Command } from './command';
import { TABLE_HOOKS, newTable, useTable, type Chain, type Rule, type Ruleset, type Table } from './model';
import { isStandardVerdict } from './parse';
import { listRules, listTable, orderedChains, references, saveRuleBody, verboseRule } from './print';
import { checkTable } from './validate';

export function iptcError(prog: string, msg: string): never {
  throw new XtError(OTHER_PROBLEM, `${prog}: ${msg}`, { plain: true, noHint: true });
}

export function cloneTable(t: Table): Table {
  const chains = new Map<string, Chain>();
  for (const [k, c] of t.chains) chains.set(k, { ...c, rules: c.rules.map((r) => ({ ...r })) });
  return { name: t.name, chains };
}

/** Identity of a rule for -D/-C by spec: its canonical text, as libiptc compares entries byte-wise. */
export function ruleKey(r: Rule, family: 4 | 6): string {
  return saveRuleBody(r, family, false);
}

export interface ExecResult { stdout: string; changed: boolean; }

export function execute(rs: Ruleset, cmd: Command, prog: string, opts: { deferCheck?: boolean; inPlace?: boolean } = {}): ExecResult {
  const family = rs.family;
  const existing = rs.tables.get(cmd.table);
  // Work on a copy so that a failed command changes nothing; iptables-restore works in place on its own scratch copy.
  const table = opts.inPlace && existing ? existing : cloneTable(existing ?? newTable(cmd.table));
  let out = '';
  const need = (name: string | undefined): Chain => {
    const c = name !== undefined ? table.chains.get(name) : undefined;
    if (!c) iptcError(prog, 'No chain/target/match by that name.');
    return c;
  };
  // Targets that are neither an extension nor a verdict must be chains of this table.
  const checkJump = (): void => {
    if (cmd.jumpto === undefined) return;
    if (isStandardVerdict(cmd.jumpto) || findTarget(cmd.jumpto, family)) return;
    if (!table.chains.has(cmd.jumpto)) {
      paramError(`Couldn't load target \`${cmd.jumpto}':No such file or directory\n`);
    }
  };
  let changed = false;
  const verbose = cmd.verbose > 0;
  // -v prints each rule before acting on it (iptables.c print_firewall_line).
  if (['A', 'I', 'R', 'C'].includes(cmd.cmd) || (cmd.cmd === 'D' && cmd.rulenum === undefined)) checkJump();
  if (cmd.cmd === 'X' && verbose && cmd.chain !== undefined && !table.chains.has(cmd.chain)) out += `Deleting chain \`${cmd.chain}'\n`;
  if (verbose && ['A', 'I', 'R', 'C'].includes(cmd.cmd) || (verbose && cmd.cmd === 'D' && cmd.rulenum === undefined)) {
    for (const r of cmd.rules) out += verboseRule(r, family);
  }
  try {
    changed = run();
  } catch (e) {
    if (e instanceof XtError) e.stdout = out + e.stdout;
    throw e;
  }
  // Any command that touches a table makes it exist (the module is loaded).
  useTable(rs, cmd.table);
  rs.tables.set(cmd.table, table);
  return { stdout: out, changed };

  function run(): boolean {
  let changed = false;
  switch (cmd.cmd) {
    case 'A': {
      checkJump();
      const c = need(cmd.chain);
      c.rules.push(...cmd.rules);
      changed = true;
      break;
    }
    case 'I': {
      checkJump();
      const c = need(cmd.chain);
      const n = cmd.rulenum ?? 1;
      if (n > c.rules.length + 1) iptcError(prog, 'Index of insertion too big.');
      c.rules.splice(n - 1, 0, ...cmd.rules);
      changed = true;
      break;
    }
    case 'R': {
      checkJump();
      const c = need(cmd.chain);
      const n = cmd.rulenum!;
      if (n > c.rules.length) iptcError(prog, 'Index of replacement too big.');
      c.rules[n - 1] = cmd.rules[0];
      changed = true;
      break;
    }
    case 'D': {
      const c = need(cmd.chain);
      if (cmd.rulenum !== undefined) {
        if (cmd.rulenum > c.rules.length) iptcError(prog, 'Index of deletion too big.');
        c.rules.splice(cmd.rulenum - 1, 1);
      } else {
        checkJump();
        for (const r of cmd.rules) {
          const k = ruleKey(r, family);
          const i = c.rules.findIndex((x) => ruleKey(x, family) === k);
          if (i < 0) iptcError(prog, notFound(r));
          c.rules.splice(i, 1);
        }
      }
      changed = true;
      break;
    }
    case 'C': {
      checkJump();
      const c = need(cmd.chain);
      for (const r of cmd.rules) {
        const k = ruleKey(r, family);
        if (!c.rules.some((x) => ruleKey(x, family) === k)) iptcError(prog, notFound(r));
      }
      break;
    }
    case 'N': {
      if (table.chains.has(cmd.chain!)) iptcError(prog, 'Chain already exists.');
      table.chains.set(cmd.chain!, { name: cmd.chain!, builtin: false, policy: null, pcnt: 0, bcnt: 0, rules: [] });
      changed = true;
      break;
    }
    case 'X': {
      const targets = cmd.chain !== undefined ? [need(cmd.chain)] : [...table.chains.values()].filter((c) => !c.builtin).sort((a, b) => (a.name < b.name ? -1 : 1));
      let lastErr: string | undefined;
      for (const c of targets) {
        if (verbose) out += `Deleting chain \`${c.name}'\n`;
        if (c.builtin) { lastErr = 'Invalid argument. Run `dmesg\' for more information.'; continue; }
        if (references(table, c.name) > 0) { lastErr = 'Too many links.'; continue; }
        if (c.rules.length > 0) { lastErr = 'Directory not empty.'; continue; }
        table.chains.delete(c.name);
      }
      if (lastErr) iptcError(prog, lastErr);
      changed = true;
      break;
    }
    case 'E': {
      // libiptc iptc_rename_chain: the new name must not exist (standard verdicts count), the old one must be a user chain.
      if (table.chains.has(cmd.newName!) || isStandardVerdict(cmd.newName!)) iptcError(prog, 'File exists.');
      const c = table.chains.get(cmd.chain!);
      if (!c || c.builtin) iptcError(prog, 'No chain/target/match by that name.');
      const renamed = new Map<string, Chain>();
      for (const [k, v] of table.chains) {
        if (k === c.name) renamed.set(cmd.newName!, { ...v, name: cmd.newName! });
        else renamed.set(k, v);
      }
      for (const ch of renamed.values()) {
        ch.rules = ch.rules.map((r) => (r.target.kind === 'jump' && r.target.chain === c.name ? { ...r, target: { ...r.target, chain: cmd.newName! } } : r));
      }
      table.chains = renamed;
      changed = true;
      break;
    }
    case 'P': {
      const c = table.chains.get(cmd.chain!);
      if (!c || !c.builtin) iptcError(prog, 'Bad built-in chain name.');
      if (cmd.policy !== 'ACCEPT' && cmd.policy !== 'DROP') iptcError(prog, 'Bad policy name. Run `dmesg\' for more information.');
      c.policy = cmd.policy;
      if (cmd.counters) { c.pcnt = cmd.counters.pcnt; c.bcnt = cmd.counters.bcnt; }
      changed = true;
      break;
    }
    case 'F': {
      const chains = cmd.chain !== undefined ? [need(cmd.chain)] : orderedChains(table);
      for (const c of chains) {
        if (verbose) out += `Flushing chain \`${c.name}'\n`;
        c.rules = [];
      }
      changed = true;
      break;
    }
    case 'L': case 'S': {
      const c = cmd.chain !== undefined ? need(cmd.chain) : undefined;
      if (cmd.cmd === 'L') {
        out = listTable(table, family, c, cmd.rulenum, {
          numeric: cmd.numeric, verbose: cmd.verbose > 0, exact: cmd.exact, lineNumbers: cmd.lineNumbers,
        });
      } else {
        out = listRules(table, family, c, cmd.rulenum, cmd.verbose > 0);
      }
      if (cmd.zero) { out += zero(table, c, undefined, prog, verbose); changed = true; }
      break;
    }
    case 'Z': {
      const c = cmd.chain !== undefined ? need(cmd.chain) : undefined;
      out += zero(table, c, cmd.rulenum, prog, verbose);
      changed = true;
      break;
    }
    case 'V': case 'h': break;
  }
  if (changed && !opts.deferCheck) {
    const err = checkTable(table, family);
    if (err) iptcError(prog, err);
  }
  return changed;
  }
}

/**
 * libiptc's error when -D/-C find no such rule: a rule whose target is a
 * chain or an extension fails the target lookup first (ENOENT).
 */
function notFound(r: Rule): string {
  return r.target.kind === 'jump' || r.target.kind === 'ext'
    ? 'No chain/target/match by that name.'
    : 'Bad rule (does a matching rule exist in that chain?).';
}

function zero(table: Table, chain: Chain | undefined, rulenum: number | undefined, prog: string, verbose: boolean): string {
  const chains = chain ? [chain] : orderedChains(table);
  let out = '';
  for (const c of chains) {
    if (verbose) out += `Zeroing chain \`${c.name}'\n`;
    if (rulenum !== undefined) {
      const r = c.rules[rulenum - 1];
      if (!r) iptcError(prog, 'Index of counter too big.');
      c.rules[rulenum - 1] = { ...r, pcnt: 0, bcnt: 0 };
      continue;
    }
    c.pcnt = 0; c.bcnt = 0;
    c.rules = c.rules.map((r) => ({ ...r, pcnt: 0, bcnt: 0 }));
  }
  return out;
}

export { TABLE_HOOKS };
