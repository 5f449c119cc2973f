/**
 * The test file: YAML read into a model whose every part knows its line.
 * See docs/test.md for the schema. Everything that can be checked without
 * running packets is checked here, so that a wrong file fails (exit 2)
 * before any case runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Family } from '../../rules/model';
import type { FlowStep } from '../trace/flow';
import type { PacketReport } from '../trace/session';
import { parseDuration, TraceUsage } from '../trace/spec';
import { flowChecks, packetChecks, type Check } from './expect';
import { bool, checkKeys, entries, FileError, isSeq, lines, parseYaml, Source, str, type YNode } from './source';
import { scriptCommands, shellWords, WordsError, type Vars } from './words';

/** One command line (host line, iptables line), split into words, with where it was written. */
export interface Cmd { words: string[]; text: string; file: string; line: number; }

export type RuleSource =
  | { kind: 'script'; cmds: Cmd[] }
  | { kind: 'restore'; family: Family; text: string; file: string; lines: number[] };

export interface CaseSpec {
  name: string;
  line: number;
  flow: boolean;
  /** The packet in trace's option syntax. */
  args: string[];
  argsLine: number;
  /** Time to let pass before the case, ms. */
  after: number;
  /** Carry the previous case's conntrack table, recent lists and clock. */
  cont: boolean;
  packet: Check<PacketReport>[];
  flowChecks: Check<FlowStep[]>[];
  /** The protocol of the flow, known once the packet is resolved. */
  proto: { value: number };
}

export interface TestFile {
  file: string;
  name: string;
  init: Cmd | undefined;
  host: Cmd[];
  rules: RuleSource[];
  rulesLine: number;
  clockMs: number;
  cases: CaseSpec[];
}

const TOP_KEYS = ['name', 'vars', 'init', 'host', 'rules', 'clock', 'cases'];
const RULE_KEYS = ['iptables', 'ip6tables', 'restore', 'restore6', 'file', 'file6'];
const CASE_KEYS = ['name', 'packet', 'flow', 'after', 'continue', 'expect'];

function words(src: Source, file: string, text: string, line: number, vars: Vars): Cmd {
  try {
    return { words: shellWords(text, vars), text, file, line };
  } catch (e) {
    if (e instanceof WordsError) throw new FileError(file, line, `${e.message}: ${text}`);
    throw e;
  }
}

/** iptables/ip6tables command lines; the program word may be left out under `iptables:`/`ip6tables:`. */
function scriptCmds(ls: { text: string; line: number }[], file: string, family: Family | 0, src: Source, vars: Vars): Cmd[] {
  return scriptCommands(ls).map((l) => {
    const c = words(src, file, l.text, l.line, vars);
    const prog = c.words[0];
    if (prog === 'iptables' || prog === 'ip6tables') {
      if (family === 6 && prog === 'iptables') throw new FileError(file, l.line, 'an iptables line under ip6tables:');
      return c;
    }
    if (family === 0) throw new FileError(file, l.line, `not an iptables or ip6tables command: ${l.text}`);
    if (!prog?.startsWith('-')) throw new FileError(file, l.line, `expected an ${family === 4 ? 'iptables' : 'ip6tables'} command line (or its options): ${l.text}`);
    return { ...c, words: [family === 4 ? 'iptables' : 'ip6tables', ...c.words] };
  });
}

function restoreSource(family: Family, text: string, file: string, lineOf: (k: number) => number): RuleSource {
  return { kind: 'restore', family, text, file, lines: text.split('\n').map((_, k) => lineOf(k)) };
}

/** `file:` a saved ruleset (iptables-save text) or a script of iptables lines, relative to the test file. */
function ruleFile(src: Source, n: YNode | null, family: Family, vars: Vars): RuleSource {
  const rel = str(src, n, 'file');
  const p = path.resolve(path.dirname(src.file), rel);
  let text: string;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch (e) {
    throw src.error(n, `cannot read ${rel}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const shown = path.join(path.dirname(src.file), rel);
  const isSave = text.split('\n').some((l) => /^\s*\*[a-z]+\s*$/.test(l));
  if (isSave) return restoreSource(family, text, shown, (k) => k + 1);
  const ls = text.split('\n').map((t, k) => ({ text: t, line: k + 1 }));
  return { kind: 'script', cmds: scriptCmds(ls, shown, 0, src, vars) };
}

function parseCase(src: Source, n: YNode, k: number, vars: Vars): CaseSpec {
  const es = entries(src, n, `case ${k + 1}`);
  checkKeys(src, es, CASE_KEYS, 'a case');
  const get = (key: string) => es.find((e) => e[0] === key);
  const line = src.lineOf(n);
  const nm = get('name');
  const name = nm ? str(src, nm[2], 'name') : `case ${k + 1}`;
  const pk = get('packet'), fl = get('flow');
  if (pk && fl) throw src.error(fl[1], 'a case has either packet: or flow:, not both');
  const p = pk ?? fl;
  if (!p) throw src.error(n, `case "${name}" needs packet: or flow: (the packet in netsieve trace's options)`);
  const argsLine = src.lineOf(p[2] ?? p[1]);
  const args = words(src, src.file, str(src, p[2], p[0]), argsLine, vars).words;
  for (const a of args) {
    const opt = a.split('=')[0];
    if (['--json', '--kernel', '--trace-lines', '--tree', '--color', '--colour', '--no-color', '--no-colour'].includes(opt)) {
      throw new FileError(src.file, argsLine, `${opt} is a way of showing a trace, not part of a packet`);
    }
    if (['--flow', '--gap', '--at', '--after'].includes(opt)) {
      throw new FileError(src.file, argsLine, `${opt} is not a packet option here: use the case's ${opt === '--flow' ? 'flow:' : 'after:'} key`);
    }
  }
  const af = get('after');
  let after = 0;
  if (af) {
    try {
      after = parseDuration('after', str(src, af[2], 'after'));
    } catch (e) {
      if (e instanceof TraceUsage) throw src.error(af[2], e.message);
      throw e;
    }
  }
  const co = get('continue');
  const cont = co ? bool(src, co[2], 'continue') : false;
  if (cont && k === 0) throw src.error(co![1], 'continue: true on the first case: there is no earlier case to continue');
  const ex = get('expect');
  if (!ex || !ex[2]) throw src.error(ex?.[1] ?? n, `case "${name}" needs expect: (what should happen)`);
  const proto = { value: 6 };
  return {
    name, line, flow: !!fl, args, argsLine, after, cont, proto,
    packet: fl ? [] : packetChecks(src, ex[2], 'expect'),
    flowChecks: fl ? flowChecks(src, ex[2], () => proto.value) : [],
  };
}

/** Reads and checks a test file. Throws FileError. */
export function loadTestFile(file: string, text: string): TestFile {
  const src = new Source(file, text);
  const root = parseYaml(src);
  if (!root) throw new FileError(file, 1, 'the file is empty: a test file has host:, rules: and cases:');
  const es = entries(src, root, 'the test file');
  checkKeys(src, es, TOP_KEYS, 'the test file');
  const get = (key: string) => es.find((e) => e[0] === key);

  const vars = new Map<string, string>();
  const vv = get('vars');
  if (vv && vv[2]) {
    for (const [k, kn, v] of entries(src, vv[2], 'vars')) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw src.error(kn, `vars: \`${k}' is not a variable name`);
      vars.set(k, str(src, v, `vars.${k}`));
    }
  }
  const nm = get('name');
  const name = nm ? str(src, nm[2], 'name') : path.basename(file);

  const it = get('init');
  let init: Cmd | undefined;
  if (it) {
    const c = words(src, file, str(src, it[2], 'init'), src.lineOf(it[2] ?? it[1]), vars);
    if (c.words[0] === 'netsieve') c.words.shift();
    if (c.words[0] === 'init') c.words.shift();
    init = c;
  }

  const host: Cmd[] = [];
  const ho = get('host');
  if (ho) {
    for (const l of scriptCommands(lines(src, ho[2], 'host'))) {
      const c = words(src, file, l.text, l.line, vars);
      if (c.words[0] === 'netsieve') c.words.shift();
      if (!['ip', 'sysctl', 'listen'].includes(c.words[0])) throw new FileError(file, l.line, `host lines are ip, sysctl or listen commands, not \`${c.words[0]}'`);
      host.push(c);
    }
  }
  if (!init && !ho) throw new FileError(file, 1, 'the file describes no host: give host: lines (ip, sysctl, listen) or init:');

  const rules: RuleSource[] = [];
  const ru = get('rules');
  if (ru && ru[2]) {
    for (const [k, kn, v] of entries(src, ru[2], 'rules')) {
      checkKeys(src, [[k, kn, v]], RULE_KEYS, 'rules');
      if (k === 'iptables' || k === 'ip6tables') {
        rules.push({ kind: 'script', cmds: scriptCmds(lines(src, v, k), file, k === 'iptables' ? 4 : 6, src, vars) });
      } else if (k === 'restore' || k === 'restore6') {
        const text = str(src, v, k);
        rules.push(restoreSource(k === 'restore' ? 4 : 6, text, file, (j) => src.lineOfTextLine(v!, j)));
      } else {
        rules.push(ruleFile(src, v, k === 'file' ? 4 : 6, vars));
      }
    }
  }

  const cl = get('clock');
  const clockMs = cl ? (() => {
    try { return parseDuration('clock', str(src, cl[2], 'clock')); } catch (e) {
      if (e instanceof TraceUsage) throw src.error(cl[2], e.message);
      throw e;
    }
  })() : 0;

  const cs = get('cases');
  if (!cs || !cs[2] || !isSeq(cs[2]) || cs[2].items.length === 0) throw src.error(cs?.[1] ?? root, 'cases: a list of at least one case (packet: or flow:, and expect:)');
  const cases = (cs[2].items as YNode[]).map((n, k) => parseCase(src, n, k, vars));
  return { file, name, init, host, rules, rulesLine: ru ? src.lineOf(ru[1]) : 1, clockMs, cases };
}
