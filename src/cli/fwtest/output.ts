/**
 * The three ways of telling the results: the terminal (✓/✗, and for a
 * failure what was expected and the whole trace of what happened), TAP
 * version 13 (--tap), and JUnit XML (--junit FILE) for CI.
 */
import { renderTree } from '../trace/render';
import { answersOf, decidedBy, outOf, verdictOf } from './expect';
import type { CaseResult, FileResult } from './run';

const ansi = (code: string, on: boolean) => (s: string): string => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function indent(text: string, pad: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => (l ? pad + l : l)).join('\n') + '\n';
}

/** One line per packet: what happened, in the words of the expectations. */
export function outcomeLines(c: CaseResult): string[] {
  return c.reports.map((r, i) => {
    const label = r.label ? `${r.label}: ` : c.reports.length > 1 ? `${i + 1}. ` : '';
    const ans = answersOf(r);
    return `${label}${r.summary} → ${verdictOf(r)} (${decidedBy(r)}), ${r.fate}, out ${outOf(r)}, ctstate ${r.ctstate}` +
      (ans.length ? `, answers: ${ans.join(', ')}` : '');
  });
}

/** What happened, for someone reading a failure: the outcome, then trace's tree. */
export function happened(c: CaseResult, color: boolean): string {
  if (c.reports.length === 1) return outcomeLines(c).join('\n') + '\n\n' + renderTree(c.reports, color, c.notes);
  // A whole exchange: each packet's outcome and why it got through (or not); the full trees would bury it.
  const lines = outcomeLines(c);
  return lines.map((l, i) => [l, ...(c.notes[i] ?? []).map((w) => `    why: ${w}`)].join('\n')).join('\n') + '\n';
}

export function renderTerminal(results: FileResult[], color: boolean, verbose: boolean): string {
  const ok = ansi('32', color), bad = ansi('31', color), dim = ansi('2', color), head = ansi('1', color);
  let s = '';
  let pass = 0, fail = 0, broken = 0;
  for (const f of results) {
    s += `${head(f.file)}${f.name !== f.file ? dim(`  ${f.name}`) : ''}\n`;
    if (f.error) {
      broken++;
      s += `  ${bad('✗')} ${f.error.where}: ${f.error.message}\n`;
      continue;
    }
    for (const c of f.cases) {
      if (c.ok) {
        pass++;
        s += `  ${ok('✓')} ${c.name}\n`;
        if (verbose) s += indent(outcomeLines(c).join('\n'), '      ');
        continue;
      }
      fail++;
      s += `  ${bad('✗')} ${c.name}  ${dim(`(${f.file}:${c.line})`)}\n`;
      for (const x of c.failures) s += `      ${x.key}: expected ${x.want}, got ${bad(x.got)}  ${dim(`(line ${x.line})`)}\n`;
      s += `      ${dim('what happened:')}\n`;
      s += indent(happened(c, color), '        ');
    }
  }
  const parts = [`${pass} passed`, `${fail} failed`];
  if (broken) parts.push(`${broken} file${broken > 1 ? 's' : ''} with mistakes`);
  s += `\n${fail || broken ? bad(parts.join(', ')) : ok(parts.join(', '))} (${results.length} file${results.length === 1 ? '' : 's'})\n`;
  return s;
}

/** TAP's YAML block: strings that need it are written as literal blocks. */
function yamlBlock(fields: [string, string | number][], pad: string): string {
  let s = `${pad}---\n`;
  for (const [k, v] of fields) {
    if (typeof v === 'number') s += `${pad}${k}: ${v}\n`;
    else if (v.includes('\n')) s += `${pad}${k}: |\n${indent(v, pad + '  ')}`;
    else s += `${pad}${k}: ${JSON.stringify(v)}\n`;
  }
  return s + `${pad}...\n`;
}

const tapText = (s: string): string => s.replace(/#/g, '\\#').replace(/\n/g, ' ');

export function renderTap(results: FileResult[]): string {
  const points: string[] = [];
  for (const f of results) {
    if (f.error) {
      points.push(`not ok ${points.length + 1} - ${tapText(f.file)}: the file itself is wrong\n` +
        yamlBlock([['message', `${f.error.where}: ${f.error.message}`], ['file', f.error.file], ['line', f.error.line]], '  '));
      continue;
    }
    for (const c of f.cases) {
      const name = `${tapText(f.file)}: ${tapText(c.name)}`;
      if (c.ok) { points.push(`ok ${points.length + 1} - ${name}\n`); continue; }
      const fields: [string, string | number][] = [
        ['message', c.failures.map((x) => `${x.key}: expected ${x.want}, got ${x.got}`).join('\n')],
        ['file', f.file], ['line', c.line],
        ['failures', c.failures.map((x) => `line ${x.line}: ${x.key}: expected ${x.want}, got ${x.got}`).join('\n') + '\n'],
        ['happened', happened(c, false)],
      ];
      points.push(`not ok ${points.length + 1} - ${name}\n` + yamlBlock(fields, '  '));
    }
  }
  return `TAP version 13\n1..${points.length}\n${points.join('')}`;
}

const xml = (s: string): string =>
  s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML as CI servers read it: a testsuite per file, a testcase per case. */
export function renderJunit(results: FileResult[]): string {
  let s = '<?xml version="1.0" encoding="UTF-8"?>\n';
  const total = results.reduce((n, f) => n + (f.error ? 1 : f.cases.length), 0);
  const failures = results.reduce((n, f) => n + f.cases.filter((c) => !c.ok).length, 0);
  const errors = results.filter((f) => f.error).length;
  s += `<testsuites name="netsieve test" tests="${total}" failures="${failures}" errors="${errors}">\n`;
  for (const f of results) {
    const time = f.cases.reduce((t, c) => t + c.ms, 0) / 1000;
    const nf = f.cases.filter((c) => !c.ok).length;
    s += `  <testsuite name="${xml(f.file)}" tests="${f.error ? 1 : f.cases.length}" failures="${nf}" errors="${f.error ? 1 : 0}" time="${time.toFixed(3)}">\n`;
    if (f.error) {
      s += `    <testcase name="${xml(f.name)}" classname="${xml(f.file)}">\n`;
      s += `      <error message="${xml(`${f.error.where}: ${f.error.message}`)}" type="file"/>\n    </testcase>\n`;
    }
    for (const c of f.cases) {
      s += `    <testcase name="${xml(c.name)}" classname="${xml(f.file)}" file="${xml(f.file)}" line="${c.line}" time="${(c.ms / 1000).toFixed(3)}"`;
      if (c.ok) { s += '/>\n'; continue; }
      const msg = c.failures.map((x) => `${x.key}: expected ${x.want}, got ${x.got}`).join('; ');
      const body = c.failures.map((x) => `${f.file}:${x.line}: ${x.key}: expected ${x.want}, got ${x.got}`).join('\n') + '\n\n' + happened(c, false);
      s += `>\n      <failure message="${xml(msg)}" type="expectation">${xml(body)}</failure>\n    </testcase>\n`;
    }
    s += '  </testsuite>\n';
  }
  return s + '</testsuites>\n';
}
