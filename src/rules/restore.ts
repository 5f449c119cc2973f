/**
 * iptables-restore (iptables-restore.c): reads a save file and replaces
 * each table it names. netsieve applies the whole file or nothing: an
 * error on any line leaves every table as it was.
 */
import { XtError, OTHER_PROBLEM, PARAMETER_PROBLEM } from '../util/errors';
import { TABLE_NAMES, newTable, useTable, type Chain, type Ruleset, type Table, type TableName } from './model';
import { cloneTable, execute } from './ops';
import { parseCommand } from './parse';
import { tokenizeRestoreLine } from './tokenize';
import { checkTable } from './validate';

export interface RestoreOptions {
  counters: boolean;
  noflush: boolean;
  test: boolean;
  /** -T: only this table. */
  table?: TableName;
  /** Program name for messages (iptables-restore / ip6tables-restore). */
  prog: string;
  /** Name the rule parser reports as (iptables / ip6tables). */
  ruleProg: string;
  /** Keep the file's table order (loading a saved state) instead of registering tables newest-first. */
  keepOrder?: boolean;
}

/** An error with the line it happened on; the CLI prints it as iptables-restore does. */
export class RestoreError extends Error {
  constructor(readonly status: number, readonly text: string) { super(text); }
}

function counters(s: string): { pcnt: number; bcnt: number } | undefined {
  const m = /^\[([0-9]+):([0-9]+)\]$/.exec(s);
  return m ? { pcnt: Number(m[1]), bcnt: Number(m[2]) } : undefined;
}

/** Reads a saved state (iptables-save -c text) as it was written, table order included. */
export function loadSaved(family: 4 | 6, text: string): Ruleset {
  const prog = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  return restore({ family, tables: new Map() }, text, {
    counters: true, noflush: false, test: false, prog, ruleProg: family === 4 ? 'iptables' : 'ip6tables', keepOrder: true,
  });
}

/** Applies the restore text to a copy of rs and returns it; rs itself is untouched. */
export function restore(rs: Ruleset, text: string, o: RestoreOptions): Ruleset {
  const work: Ruleset = { family: rs.family, tables: new Map([...rs.tables].map(([k, t]) => [k, cloneTable(t)])) };
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let cur: Table | undefined;
  let curName: TableName | undefined;
  let skip = false;
  const fail = (lineNo: number, msg: string): never => {
    throw new RestoreError(OTHER_PROBLEM, `${o.prog}: ${msg} at line ${lineNo}\n`);
  };
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i];
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line[0] === '#') continue;
    const paramFail = (msg: string): never => {
      throw new RestoreError(PARAMETER_PROBLEM, `${o.prog} v1.8.9 (legacy): ${msg}\nError occurred at line: ${n}\nTry \`${o.prog} -h' or '${o.prog} --help' for more information.\n`);
    };
    if (line.startsWith('*') && !cur) {
      const name = line.slice(1).trim();
      if (!(TABLE_NAMES as readonly string[]).includes(name)) {
        throw new RestoreError(PARAMETER_PROBLEM, `${o.prog} v1.8.9 (legacy): ${o.prog}: unable to initialize table '${name}'\nError occurred at line: ${n}\nTry \`${o.prog} -h' or '${o.prog} --help' for more information.\n`);
      }
      curName = name as TableName;
      skip = o.table !== undefined && o.table !== curName;
      if (o.noflush) cur = work.tables.get(curName) ? cloneTable(work.tables.get(curName)!) : newTable(curName);
      else {
        // Flush: every rule and user chain goes; builtin policies stay until set.
        const old = work.tables.get(curName);
        cur = newTable(curName);
        if (old) for (const c of cur.chains.values()) { const oc = old.chains.get(c.name); if (oc) { c.policy = oc.policy; c.pcnt = oc.pcnt; c.bcnt = oc.bcnt; } }
      }
      continue;
    }
    if (line === 'COMMIT' || (line.charCodeAt(0) !== 45 /* - */ && line.trim() === 'COMMIT')) {
      if (!cur || !curName) throw new RestoreError(OTHER_PROBLEM, `${o.prog}: line ${n} failed\n`);
      if (!skip && !o.test) {
        const err = checkTable(cur!, rs.family);
        if (err) throw new RestoreError(OTHER_PROBLEM, `${o.prog}: line ${n} failed\n`);
        if (o.keepOrder) work.tables.set(curName!, cur!);
        else { useTable(work, curName!); work.tables.set(curName!, cur!); }
      }
      cur = undefined; curName = undefined;
      continue;
    }
    if (!cur || !curName) throw new RestoreError(OTHER_PROBLEM, `${o.prog}: line ${n} failed\n`);
    if (line.startsWith(':')) {
      const parts = line.slice(1).trim().split(/\s+/);
      const [name, policy, ctr] = parts;
      if (!name) paramFail(`${o.prog}: line ${n} chain name invalid`);
      if (!policy) paramFail(`${o.prog}: line ${n} policy invalid`);
      const existing = cur.chains.get(name);
      if (existing?.builtin) {
        if (policy !== '-') {
          if (policy !== 'ACCEPT' && policy !== 'DROP') {
            throw new RestoreError(OTHER_PROBLEM, `${o.prog} v1.8.9 (legacy): Can't set policy \`${policy}' on \`${name}' line ${n}: Bad policy name\n`);
          }
          existing.policy = policy;
        }
        const c = ctr && o.counters ? counters(ctr) : undefined;
        if (c) { existing.pcnt = c.pcnt; existing.bcnt = c.bcnt; }
        else if (!o.noflush) { existing.pcnt = 0; existing.bcnt = 0; }
      } else if (existing) {
        existing.rules = [];
      } else {
        if (name.length >= 29) throw new RestoreError(PARAMETER_PROBLEM, `${o.prog} v1.8.9 (legacy): Invalid chain name \`${name}' (28 chars max)\nError occurred at line: ${n}\nTry \`${o.prog} -h' or '${o.prog} --help' for more information.\n`);
        const ch: Chain = { name, builtin: false, policy: null, pcnt: 0, bcnt: 0, rules: [] };
        cur.chains.set(name, ch);
      }
      continue;
    }
    // A rule line, optionally preceded by [pkts:bytes].
    let body = line;
    let ctr: { pcnt: number; bcnt: number } | undefined;
    const m = body[0] === '[' ? /^\[([0-9]+):([0-9]+)\]\s*/.exec(body) : null;
    if (m) { ctr = { pcnt: Number(m[1]), bcnt: Number(m[2]) }; body = body.slice(m[0].length); }
    const words = tokenizeRestoreLine(body);
    if (words === 'too-long') throw new RestoreError(PARAMETER_PROBLEM, `${o.prog} v1.8.9 (legacy): Parameter too long!\nError occurred at line: ${n}\nTry \`${o.prog} -h' or '${o.prog} --help' for more information.\n`);
    try {
      const cmd = parseCommand(words, { family: rs.family, prog: o.prog, table: curName, inRestore: true, savedState: o.keepOrder });
      if (ctr && o.counters) for (const r of cmd.rules) { r.pcnt = ctr.pcnt; r.bcnt = ctr.bcnt; }
      // The common case, a plain -A, is appended directly (the table is checked as a whole at COMMIT).
      if (cmd.cmd === 'A' && cmd.verbose === 0) {
        const ch = cur.chains.get(cmd.chain!);
        const t = cmd.rules[0]?.target;
        if (ch && (t?.kind !== 'jump' || cur.chains.has(t.chain))) {
          for (const r of cmd.rules) ch.rules.push(r);
          continue;
        }
      }
      const tmp: Ruleset = { family: rs.family, tables: new Map([[curName, cur]]) };
      execute(tmp, cmd, o.ruleProg, { deferCheck: true, inPlace: true });
      cur = tmp.tables.get(curName)!;
    } catch (e) {
      if (e instanceof XtError) {
        if (e.status === OTHER_PROBLEM && e.opts.plain) throw new RestoreError(OTHER_PROBLEM, `${o.prog}: line ${n} failed\n`);
        const head = e.opts.plain ? `${e.msg}\n` : `${o.prog} v1.8.9 (legacy): ${e.msg}\n`;
        throw new RestoreError(e.status, `${head}Error occurred at line: ${n}\nTry \`${o.prog} -h' or '${o.prog} --help' for more information.\n`);
      }
      throw e;
    }
  }
  if (cur) throw new RestoreError(OTHER_PROBLEM, `${o.prog}: COMMIT expected at line ${lines.length + 1}\n`);
  return o.test ? rs : work;
}
