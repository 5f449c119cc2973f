/**
 * How `netsieve trace` watches the engine without changing what it does.
 *
 * The engine runs over a copy of the ruleset that differs only in rules
 * that decide nothing:
 *  - `-t raw -I PREROUTING 1 -j TRACE` and `-t raw -I OUTPUT 1 -j TRACE`,
 *    so that the engine writes the kernel's TRACE lines (nf_log_trace) for
 *    every rule the packet matches, every implicit return and policy
 *    (ip_tables.c trace_packet);
 *  - before everything in every builtin chain, an observer target that
 *    returns XT_CONTINUE after noting where the packet is (hook, table),
 *    what it looks like then (addresses after NAT, mark, conntrack state)
 *    and how many TRACE lines exist: this cuts the TRACE lines into table
 *    traversals;
 *  - an empty mangle table when the ruleset has none, so that every hook
 *    has an observer (mangle sits in all five hooks and, empty, only
 *    counts its policies).
 * The user's rules are the same Rule objects in the copy, so their
 * counters are counted where they live; the copied builtin chains' policy
 * counters are added back to the originals afterwards (mergeCounters).
 * Nothing of the observers' own counting is kept.
 *
 * The rules a packet met, matched or not, follow from the TRACE lines: a
 * traversal runs each chain's rules in order, so between two traced rules
 * of a chain the rules in between were tried and did not match.
 */
import type { Engine, HookStep } from '../../engine/engine';
import type { Emitted } from '../../engine/net';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { defineTarget, type TargetExtension } from '../../extensions/types';
import { findTarget } from '../../extensions/registry';
import { emptyIp, newTable, type Chain, type HookName, type Rule, type Ruleset, type Table, type TableName } from '../../rules/model';
import { saveRuleBody } from '../../rules/print';
import { IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW, IP_CT_RELATED, IP_CT_RELATED_REPLY, IP_CT_UNTRACKED } from '../../conntrack/constants';

/** What the observer saw at the start of one table traversal. */
export interface Traversal {
  hook: HookName;
  table: TableName;
  /** 0 for the traced packet itself, else the id of the packet the host generated (answer). */
  gen: number;
  /** Index in net.trace where this traversal's lines start. */
  traceStart: number;
  /** The packet at that moment, from its IP header. */
  bytes: Uint8Array;
  ct: number;
  ctinfo: number;
  mark: number;
  indev: string;
  outdev: string;
}

/** A packet the host generated while handling the traced one (REJECT's answer, an ICMP error, an echo reply...). */
export interface Generation {
  id: number;
  parent: number;
  origin: Emitted['origin'];
  /** As generated, before OUTPUT. */
  bytes: Uint8Array;
  /** The emitted packets that came out of it: net.emitted[from, to). */
  from: number;
  to: number;
}

export class Recorder {
  traversals: Traversal[] = [];
  gens: Generation[] = [];
  private current = 0;
  trace: () => string[] = () => [];

  reset(): void {
    this.traversals = [];
    this.gens = [];
    this.current = 0;
  }

  seen(skb: Skb): void {
    const v = skb.view;
    this.traversals.push({
      hook: skb.hook, table: skb.table, gen: this.current, traceStart: this.trace().length,
      bytes: v.buf.slice(v.l3, v.ipEnd), ct: skb.ct, ctinfo: skb.ctinfo, mark: skb.mark, indev: skb.indev, outdev: skb.outdev,
    });
  }

  /** Wraps engine.net.output so that traversals of generated packets are told apart. */
  attach(engine: Engine): void {
    const net = engine.net;
    const orig = net.output;
    this.trace = () => net.trace;
    net.output = (bytes, origin) => {
      const g: Generation = { id: this.gens.length + 1, parent: this.current, origin, bytes: bytes.slice(), from: net.emitted.length, to: 0 };
      this.gens.push(g);
      const saved = this.current;
      this.current = g.id;
      try {
        orig(bytes, origin);
      } finally {
        this.current = saved;
        g.to = net.emitted.length;
      }
    };
  }
}

const OBSERVER_NAME = 'NETSIEVE-OBSERVE';

function observerTarget(): TargetExtension {
  return defineTarget<Recorder>({
    kind: 'target',
    name: OBSERVER_NAME,
    family: 0,
    options: [],
    init: () => new Recorder(),
    parse() { /* never parsed from text */ },
    print: () => '',
    save: () => '',
    target(skb: Skb, rec: Recorder) {
      rec.seen(skb);
      return XT_CONTINUE;
    },
  });
}

const OBSERVER = observerTarget();

/** How a table of the copy relates to the user's ruleset. */
export interface TableRole {
  /** Added by trace: not shown in the tree. */
  added: boolean;
  /** Not shown in the kernel's TRACE lines either (the observers' mangle). */
  hiddenFromKernel: boolean;
}

export interface Observed {
  copy: Ruleset;
  roles: Map<TableName, TableRole>;
  /** The user's ruleset (counters merged back into it). */
  orig: Ruleset;
}

function newRule(r: Ruleset, target: Rule['target']): Rule {
  return { ip: emptyIp(r.family), matches: [], target, pcnt: 0, bcnt: 0 };
}

/** Rules inserted at the head of a builtin chain of the copy (the observer, and TRACE in raw). */
export function headRules(table: TableName, chain: string): number {
  return table === 'raw' && (chain === 'PREROUTING' || chain === 'OUTPUT') ? 2 : 1;
}

export function observe(orig: Ruleset, rec: Recorder): Observed {
  const trace = findTarget('TRACE', orig.family);
  if (!trace) throw new Error('the TRACE target is missing from the registry');
  const copy: Ruleset = { family: orig.family, tables: new Map() };
  const roles = new Map<TableName, TableRole>();
  const copyTable = (t: Table, role: TableRole): void => {
    const chains = new Map<string, Chain>();
    for (const [name, c] of t.chains) {
      if (!c.builtin) { chains.set(name, c); continue; }
      const head: Rule[] = [newRule(orig, { kind: 'ext', ext: OBSERVER, data: rec })];
      if (headRules(t.name, name) === 2) head.push(newRule(orig, { kind: 'ext', ext: trace, data: {} }));
      chains.set(name, { ...c, pcnt: 0, bcnt: 0, rules: [...head, ...c.rules] });
    }
    copy.tables.set(t.name, { name: t.name, chains });
    roles.set(t.name, role);
  };
  for (const t of orig.tables.values()) copyTable(t, { added: false, hiddenFromKernel: false });
  if (!orig.tables.has('raw')) copyTable(newTable('raw'), { added: true, hiddenFromKernel: false });
  if (!orig.tables.has('mangle')) copyTable(newTable('mangle'), { added: true, hiddenFromKernel: true });
  return { copy, roles, orig };
}

/** Adds the policy counters the copy's builtin chains counted to the user's chains. */
export function mergeCounters(o: Observed): void {
  for (const [name, t] of o.orig.tables) {
    const ct = o.copy.tables.get(name);
    if (!ct) continue;
    for (const [cn, c] of t.chains) {
      if (!c.builtin) continue;
      const cc = ct.chains.get(cn);
      if (!cc || cc === c) continue;
      c.pcnt += cc.pcnt;
      c.bcnt += cc.bcnt;
      cc.pcnt = 0;
      cc.bcnt = 0;
    }
  }
}

// ---- reading the TRACE lines ------------------------------------------------------------------

export interface TraceLine {
  table: TableName;
  chain: string;
  kind: 'rule' | 'return' | 'policy';
  /** Rule number in the copy. */
  num: number;
  /** The packet fields after the position ("IN=... OUT=... SRC=..."). */
  rest: string;
  index: number;
}

const LINE_RE = /^TRACE: ([a-z]+):(.+):(rule|return|policy):([0-9]+) (.*)$/s;

export function parseTraceLine(s: string, index: number): TraceLine | undefined {
  const m = LINE_RE.exec(s);
  if (!m) return undefined;
  return { table: m[1] as TableName, chain: m[2], kind: m[3] as TraceLine['kind'], num: Number(m[4]), rest: m[5], index };
}

function isBuiltin(o: Observed, table: TableName, chain: string): boolean {
  return o.copy.tables.get(table)?.chains.get(chain)?.builtin ?? false;
}

function isObserverLine(o: Observed, l: TraceLine): boolean {
  return l.kind === 'rule' && l.num === 1 && isBuiltin(o, l.table, l.chain);
}

/** The rule number iptables shows the user (without the observer and the TRACE rule). */
export function userNum(o: Observed, table: TableName, chain: string, copyNum: number): number {
  return isBuiltin(o, table, chain) ? copyNum - headRules(table, chain) : copyNum;
}

/**
 * The TRACE lines as the kernel prints them with the two TRACE rules in raw:
 * observer lines left out, builtin chains' numbers without the observer.
 */
export function kernelLines(o: Observed, lines: string[]): string[] {
  const out: string[] = [];
  lines.forEach((s, i) => {
    const l = parseTraceLine(s, i);
    if (!l) { out.push(s); return; }
    if (isObserverLine(o, l) || o.roles.get(l.table)?.hiddenFromKernel) return;
    const n = isBuiltin(o, l.table, l.chain) ? l.num - 1 : l.num;
    out.push(`TRACE: ${l.table}:${l.chain}:${l.kind}:${n} ${l.rest}`);
  });
  return out;
}

// ---- table visits ----------------------------------------------------------------------------

export interface RuleMet {
  chain: string;
  /** The rule number `iptables -L --line-numbers` shows. */
  num: number;
  /** The rule as `iptables -S` prints it. */
  rule: string;
  matched: boolean;
  /** For matched rules: what the target did next (jump, goto, return, continue, or the verdict). */
  then?: string;
}

export interface TableVisit {
  hook: HookName;
  table: TableName;
  gen: number;
  /** Added by trace (raw for TRACE only, mangle as observer): not shown as the user's. */
  added: boolean;
  rules: RuleMet[];
  verdict: string;
  /** Where the verdict was taken: chain and user rule number; 0 = the policy. */
  chain: string;
  rulenum: number;
  /** The observer's view at the start. */
  at: Traversal;
}

export function ruleText(o: Observed, chain: string, r: Rule): string {
  return `-A ${chain}${saveRuleBody(r, o.orig.family, false)}`;
}

function chainOf(o: Observed, table: TableName, chain: string): Chain | undefined {
  return o.copy.tables.get(table)?.chains.get(chain);
}

/**
 * Rebuilds the table visits from the observer's notes, the TRACE lines and
 * the engine's steps (which give the verdict of each traversal).
 */
export function visits(o: Observed, trs: Traversal[], traceLines: string[], steps: HookStep[]): TableVisit[] {
  const lines = traceLines.map((s, i) => parseTraceLine(s, i));
  const used = new Array<boolean>(steps.length).fill(false);
  const out: TableVisit[] = [];
  const starts = trs.map((t) => t.traceStart).sort((a, b) => a - b);
  trs.forEach((t) => {
    const end = starts.find((s) => s > t.traceStart) ?? lines.length;
    const seg: TraceLine[] = [];
    for (let i = t.traceStart; i < end; i++) {
      const l = lines[i];
      if (l && l.table === t.table && !isObserverLine(o, l)) seg.push(l);
    }
    out.push(walk(o, t, seg, steps, used));
  });
  return out;
}

function walk(o: Observed, t: Traversal, seg: TraceLine[], steps: HookStep[], used: boolean[]): TableVisit {
  const rules: RuleMet[] = [];
  const role = o.roles.get(t.table);
  const visit: TableVisit = { hook: t.hook, table: t.table, gen: t.gen, added: role?.added ?? false, rules, verdict: 'ACCEPT', chain: t.hook, rulenum: 0, at: t };
  let cur = t.hook as string;
  let pos = headRules(t.table, t.hook); // index of the next rule to try in the copy's chain
  const stack: { chain: string; pos: number }[] = [];
  const notMatched = (chain: string, from: number, to: number): void => {
    const c = chainOf(o, t.table, chain);
    if (!c) return;
    for (let i = from; i < Math.min(to, c.rules.length); i++) {
      rules.push({ chain, num: userNum(o, t.table, chain, i + 1), rule: ruleText(o, chain, c.rules[i]), matched: false });
    }
  };
  let last: TraceLine | undefined;
  let returnedFromTop = false;
  for (const l of seg) {
    // The TRACE rule itself (met again by a packet looped back through lo) is trace's, not the user's.
    if (l.kind === 'rule' && isBuiltin(o, l.table, l.chain) && l.num <= headRules(l.table, l.chain)) continue;
    last = l;
    if (l.kind === 'policy') {
      // The end of the builtin chain, or of a chain reached by goto, or RETURN with nothing to return to.
      const c = chainOf(o, t.table, cur);
      if (c && !returnedFromTop) notMatched(cur, pos, c.rules.length);
      cur = l.chain;
      stack.length = 0;
      continue;
    }
    // A RETURN from a target (XT_RETURN) lands in a calling chain: unwind to it.
    while (l.chain !== cur && stack.length > 0) { const f = stack.pop()!; cur = f.chain; pos = f.pos; }
    if (l.chain !== cur) { cur = l.chain; pos = l.kind === 'rule' ? l.num - 1 : pos; }
    const c = chainOf(o, t.table, cur);
    if (!c) continue;
    if (l.kind === 'return') {
      notMatched(cur, pos, c.rules.length);
      if (stack.length > 0) { const f = stack.pop()!; cur = f.chain; pos = f.pos; }
      continue;
    }
    notMatched(cur, pos, l.num - 1);
    const r = c.rules[l.num - 1];
    if (!r) continue;
    const met: RuleMet = { chain: cur, num: userNum(o, t.table, cur, l.num), rule: ruleText(o, cur, r), matched: true };
    rules.push(met);
    pos = l.num;
    const tg = r.target;
    if (tg.kind === 'jump') {
      met.then = tg.goto ? `goto ${tg.chain}` : `jump to ${tg.chain}`;
      if (!tg.goto) stack.push({ chain: cur, pos });
      cur = tg.chain;
      pos = 0;
    } else if (tg.kind === 'verdict') {
      met.then = tg.verdict;
      if (tg.verdict === 'RETURN') {
        if (stack.length > 0) { const f = stack.pop()!; cur = f.chain; pos = f.pos; } else returnedFromTop = true;
      }
    } else if (tg.kind === 'ext') {
      met.then = tg.ext.name;
    } else {
      met.then = 'continue';
    }
  }
  // The verdict: the engine's step for this traversal (same hook and table; where it was decided
  // tells nested traversals apart), else what the last TRACE line says.
  let k = -1;
  if (last) {
    const num = last.kind === 'policy' ? 0 : last.num;
    k = steps.findIndex((s, i) => !used[i] && s.hook === t.hook && s.table === t.table && s.chain === last!.chain && s.rulenum === num);
  }
  if (k < 0) k = steps.findIndex((s, i) => !used[i] && s.hook === t.hook && s.table === t.table);
  if (k >= 0) {
    used[k] = true;
    const s = steps[k];
    visit.verdict = s.verdict;
    visit.chain = s.chain;
    visit.rulenum = s.rulenum === 0 ? 0 : userNum(o, t.table, s.chain, s.rulenum);
    // A match that found the packet unusable (hotdrop) drops it at a rule that did not match.
    if (s.rulenum > 0 && !(last && last.kind === 'rule' && last.chain === s.chain && last.num === s.rulenum)) {
      const c = chainOf(o, t.table, s.chain);
      if (c && c.rules[s.rulenum - 1]) rules.push({ chain: s.chain, num: visit.rulenum, rule: ruleText(o, s.chain, c.rules[s.rulenum - 1]), matched: false, then: 'hotdrop: DROP' });
    }
  }
  const lastRule = rules.length ? rules[rules.length - 1] : undefined;
  if (lastRule && lastRule.matched && visit.rulenum > 0 && lastRule.then && !['ACCEPT', 'DROP', 'QUEUE'].includes(lastRule.then)) {
    lastRule.then = `${lastRule.then} → ${visit.verdict}`;
  }
  return visit;
}

export function ctinfoName(ctinfo: number): string {
  switch (ctinfo) {
    case IP_CT_ESTABLISHED: return 'ESTABLISHED';
    case IP_CT_RELATED: return 'RELATED';
    case IP_CT_NEW: return 'NEW';
    case IP_CT_ESTABLISHED_REPLY: return 'ESTABLISHED (reply direction)';
    case IP_CT_RELATED_REPLY: return 'RELATED (reply direction)';
    case IP_CT_UNTRACKED: return 'UNTRACKED';
    default: return 'INVALID';
  }
}
