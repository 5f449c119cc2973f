/**
 * The three renderings of a trace: the readable tree (coloured on a
 * terminal), the kernel's TRACE lines, and JSON.
 */
import type { TableVisit } from './observe';
import { ctinfoName } from './observe';
import { summarize, viewOf } from './packet';
import type { AnswerReport, PacketReport } from './session';

interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  head(s: string): string;
  note(s: string): string;
}

const plain: Paint = { ok: (s) => s, bad: (s) => s, dim: (s) => s, head: (s) => s, note: (s) => s };
const ansi = (code: string) => (s: string): string => `\x1b[${code}m${s}\x1b[0m`;
const colour: Paint = { ok: ansi('32'), bad: ansi('31'), dim: ansi('2'), head: ansi('1'), note: ansi('36') };

function verdictPaint(p: Paint, v: string): string {
  return v === 'DROP' || v === 'QUEUE' ? p.bad(v) : v === 'ACCEPT' ? p.ok(v) : v;
}

function visitLines(p: Paint, v: TableVisit, indent: string): string[] {
  const out: string[] = [];
  const where = v.rulenum === 0 ? 'policy' : `rule ${v.rulenum}${v.chain !== v.hook ? ` of ${v.chain}` : ''}`;
  const head = `${indent}${p.head(`${v.table}/${v.hook}`)}`;
  if (v.rules.length === 0) {
    out.push(`${head}: ${verdictPaint(p, v.verdict)} (${where})`);
    return out;
  }
  out.push(`${head}: ${verdictPaint(p, v.verdict)} (${where})`);
  for (const r of v.rules) {
    const mark = r.matched ? p.ok('✓') : p.dim('✗');
    const num = `${r.chain === v.hook ? '' : `${r.chain} `}${r.num}`;
    const text = r.matched ? r.rule : p.dim(r.rule);
    out.push(`${indent}  ${mark} ${num.padStart(3)}  ${text}${r.then ? `  ${p.note(`→ ${r.then}`)}` : ''}`);
  }
  if (v.rulenum === 0) out.push(`${indent}  ${p.dim('·')} policy ${verdictPaint(p, v.verdict)}`);
  return out;
}

/** The visits grouped by hook, with the conntrack state, NAT rewrites and routing where they happen. */
function journey(p: Paint, visits: TableVisit[], indent: string, extra?: { routing: string; local: boolean; rewrites: PacketReport['rewrites'] }): string[] {
  const out: string[] = [];
  let routed = false;
  // Consecutive visits of one hook form a group; a hook where nothing of the user's ran shows nothing.
  const groups: TableVisit[][] = [];
  for (const v of visits) {
    const g = groups[groups.length - 1];
    if (g && g[0].hook === v.hook) g.push(v); else groups.push([v]);
  }
  for (const g of groups) {
    const hook = g[0].hook;
    if (extra && !routed && extra.local && hook === 'OUTPUT') { out.push(`${indent}${p.head('routing')}: ${extra.routing}`); routed = true; }
    const body: string[] = [];
    if (hook === 'PREROUTING' || hook === 'OUTPUT') {
      const after = g.find((v) => v.table !== 'raw');
      if (after) {
        const raw = g.filter((v) => v.table === 'raw' && !v.added);
        for (const v of raw) body.push(...visitLines(p, v, `${indent}  `));
        body.push(`${indent}  conntrack: ${ctinfoName(after.at.ctinfo)}`);
        for (const v of g) if (v.table !== 'raw' && !v.added) body.push(...visitLines(p, v, `${indent}  `));
      } else {
        for (const v of g) if (!v.added) body.push(...visitLines(p, v, `${indent}  `));
      }
    } else {
      for (const v of g) if (!v.added) body.push(...visitLines(p, v, `${indent}  `));
    }
    if (extra) for (const r of extra.rewrites.filter((x) => x.hook === hook)) body.push(`${indent}  ${p.note('⇒')} ${r.from}  →  ${r.to}  ${p.dim(`(${r.by})`)}`);
    if (body.length) out.push(`${indent}${p.head(hook)}`, ...body);
    if (extra && !routed && !extra.local && hook === 'PREROUTING') { out.push(`${indent}${p.head('routing')}: ${extra.routing}`); routed = true; }
  }
  if (extra && !routed) out.push(`${indent}${p.head('routing')}: ${extra.routing}`);
  return out;
}

function answerLines(p: Paint, a: AnswerReport): string[] {
  const out = [`  ${p.head('answer')} (${a.origin}): ${a.summary}`];
  out.push(...journey(p, a.visits, '    '));
  out.push(`    → ${a.sent.length ? p.ok(a.fate) : p.bad(a.fate)}`);
  for (const s of a.sent) out.push(`    sent: ${s.dev === 'local' ? 'to a local socket' : s.dev}  ${s.summary}`);
  return out;
}

function fateText(p: Paint, r: PacketReport): string {
  const fate: string = r.fate;
  if (fate === 'forwarded') return p.ok(`forwarded, out ${r.outdev}`);
  if (fate === 'sent') return p.ok(`sent, out ${r.outdev}`);
  if (fate === 'delivered') return p.ok(r.reason);
  if (fate === 'dropped') return p.bad(`dropped: ${r.reason || 'no reason recorded'}`);
  return p.bad(`${fate} (${r.reason})`);
}

export function renderTree(reports: PacketReport[], color: boolean, notes: string[][] = []): string {
  const p = color ? colour : plain;
  const out: string[] = [];
  reports.forEach((r, k) => {
    if (k > 0) out.push('');
    if (r.label) out.push(p.head(r.label));
    out.push(`${p.head('packet')}: ${r.summary}`);
    out.push(`  from: ${r.where}    time: ${(r.time / 1000).toFixed(3)} s`);
    out.push(`  conntrack before: ${r.ctBefore ?? 'no entry'}`);
    out.push(...journey(p, r.visits, '  ', { routing: r.routing, local: r.where.startsWith('local'), rewrites: r.rewrites }));
    out.push(`  ${p.head('verdict')}: ${fateText(p, r)}`);
    out.push(`  conntrack after: ${r.ctAfter ?? 'no entry'}`);
    for (const s of r.sent) out.push(`  ${s.dev === 'local' ? 'delivered to a local socket' : `sent out ${s.dev}`}: ${s.summary}`);
    for (const a of r.answers) out.push(...answerLines(p, a));
    for (const l of r.log) out.push(`  log: ${l.replace(/^<[0-7]>/, '')}`);
    for (const n of notes[k] ?? []) out.push(`  ${p.note('why')}: ${n}`);
  });
  return out.join('\n') + '\n';
}

export function renderKernel(reports: PacketReport[], headers: boolean): string {
  const out: string[] = [];
  for (const r of reports) {
    if (headers) out.push(`# ${r.label ? `${r.label}: ` : ''}${r.summary}`);
    out.push(...r.trace);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

function visitJson(v: TableVisit): unknown {
  return {
    hook: v.hook, table: v.table, added: v.added || undefined, verdict: v.verdict, chain: v.chain, rulenum: v.rulenum,
    packet: summarize(viewOf(v.at.bytes)), ctstate: v.table === 'raw' ? null : ctinfoName(v.at.ctinfo), mark: v.at.mark,
    in: v.at.indev, out: v.at.outdev, rules: v.rules,
  };
}

export function reportJson(r: PacketReport, why?: string[]): unknown {
  return {
    label: r.label || undefined, time: r.time / 1000, from: r.where, packet: r.summary, hex: r.hex,
    conntrack: { before: r.ctBefore, after: r.ctAfter, state: r.ctstate },
    visits: r.visits.map(visitJson), routing: r.routing, rewrites: r.rewrites,
    fate: r.fate, reason: r.reason, outdev: r.outdev || undefined, sent: r.sent,
    answers: r.answers.map((a) => ({ origin: a.origin, packet: a.summary, fate: a.fate, sent: a.sent, visits: a.visits.map(visitJson) })),
    trace: r.trace, log: r.log, why,
  };
}
