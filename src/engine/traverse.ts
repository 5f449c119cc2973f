/**
 * Rule traversal as net/ipv4/netfilter/ip_tables.c ipt_do_table does it:
 * rules in order, jumps push a return point, goto does not, RETURN pops
 * (or, from a builtin chain, falls to the policy), a target may continue
 * or decide. Counters count matched packets and bytes per rule, and per
 * builtin chain for packets that fall off its end (the policy).
 *
 * Tables are compiled once into arrays with jump targets resolved to
 * chain indexes, so traversal does no lookups and allocates nothing.
 */
import type { MatchExtension, TargetExtension } from '../extensions/types';
import type { Chain, HookName, Rule, Table } from '../rules/model';
import { ipHeaderMatches } from './ipmatch';
import type { Skb } from './skb';
import { NF_ACCEPT, NF_DROP, NF_QUEUE, XT_CONTINUE, XT_RETURN } from './verdict';

const enum TKind { None, Verdict, Jump, Goto, Ext }

interface CompiledRule {
  rule: Rule;
  /** IPv4 addresses and masks as unsigned 32-bit numbers (IPv6 rules use the bytes in rule.ip). */
  src4: number;
  smsk4: number;
  dst4: number;
  dmsk4: number;
  invSrc: boolean;
  invDst: boolean;
  /** Nothing in the header part but addresses: the interface/protocol/fragment checks can be skipped. */
  addrOnly: boolean;
  matchFns: ((skb: Skb, data: unknown) => boolean)[];
  matchData: unknown[];
  kind: TKind;
  verdict: number;
  jumpTo: number;
  targetFn: ((skb: Skb, data: unknown) => number) | undefined;
  targetData: unknown;
}

interface CompiledChain {
  chain: Chain;
  rules: CompiledRule[];
}

export interface CompiledTable {
  table: Table;
  chains: CompiledChain[];
  hookChain: Partial<Record<HookName, number>>;
  /** Return stack, sized for the deepest possible nesting (preallocated). */
  stackChain: Int32Array;
  stackRule: Int32Array;
}

export class UnsupportedExtension extends Error {}

/** Where a traversal ended, for tracing and tests. */
export interface TraversalResult {
  verdict: number;
  /** Chain and 1-based rule number that decided; rule 0 means the chain's policy. */
  chain: string;
  rulenum: number;
  /** The deciding target's data (e.g. NFQUEUE's options), undefined for verdicts and policies. */
  data?: unknown;
}

export function compileTable(table: Table): CompiledTable {
  const chains = [...table.chains.values()];
  const index = new Map(chains.map((c, i) => [c.name, i]));
  const compiled: CompiledChain[] = chains.map((chain) => ({
    chain,
    rules: chain.rules.map((rule) => {
      const matchFns: ((skb: Skb, data: unknown) => boolean)[] = [];
      const matchData: unknown[] = [];
      for (const m of rule.matches) {
        const ext = m.ext as MatchExtension;
        if (!ext.match) throw new UnsupportedExtension(`the packet behaviour of match "${ext.name}" is not implemented yet`);
        matchFns.push(ext.match.bind(ext));
        matchData.push(m.data);
      }
      const ip = rule.ip;
      const u32 = (a: Uint8Array): number => (a.length === 4 ? ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0 : 0);
      const cr: CompiledRule = {
        rule, src4: u32(ip.src), smsk4: u32(ip.smsk), dst4: u32(ip.dst), dmsk4: u32(ip.dmsk), invSrc: ip.invSrc, invDst: ip.invDst,
        addrOnly: ip.iniface === '' && ip.outiface === '' && ip.proto === 0 && !ip.invProto && !ip.frag,
        matchFns, matchData, kind: TKind.None, verdict: 0, jumpTo: -1, targetFn: undefined, targetData: undefined,
      };
      const t = rule.target;
      if (t.kind === 'verdict') {
        cr.kind = TKind.Verdict;
        cr.verdict = t.verdict === 'ACCEPT' ? NF_ACCEPT : t.verdict === 'DROP' ? NF_DROP : t.verdict === 'QUEUE' ? NF_QUEUE : XT_RETURN;
      } else if (t.kind === 'jump') {
        cr.kind = t.goto ? TKind.Goto : TKind.Jump;
        cr.jumpTo = index.get(t.chain) ?? -1;
      } else if (t.kind === 'ext') {
        const ext = t.ext as TargetExtension;
        if (!ext.target) throw new UnsupportedExtension(`the packet behaviour of target "${ext.name}" is not implemented yet`);
        cr.kind = TKind.Ext;
        cr.targetFn = ext.target.bind(ext);
        cr.targetData = t.data;
      }
      return cr;
    }),
  }));
  const hookChain: Partial<Record<HookName, number>> = {};
  compiled.forEach((c, i) => { if (c.chain.builtin) hookChain[c.chain.name as HookName] = i; });
  const depth = chains.length + 1;
  return { table, chains: compiled, hookChain, stackChain: new Int32Array(depth), stackRule: new Int32Array(depth) };
}

/**
 * Called, while the packet carries the TRACE mark (skb.nftrace), for every
 * rule that matched, every implicit return and every policy (ip_tables.c trace_packet).
 */
export type TraceHook = (table: string, chain: string, kind: 'rule' | 'return' | 'policy', rulenum: number) => void;

/**
 * Runs the packet through the table's chain for skb.hook. Returns the
 * verdict; `out` (reused by the caller) receives where it was decided.
 */
export function doTable(ct: CompiledTable, skb: Skb, out: TraversalResult, trace?: TraceHook): number {
  const start = ct.hookChain[skb.hook];
  if (start === undefined) { out.verdict = NF_ACCEPT; out.chain = ''; out.rulenum = 0; return NF_ACCEPT; }
  const v = skb.view;
  let len = v.ipEnd - v.l3;
  const v4 = v.family === 4;
  const b = v.buf;
  const saddr = v4 ? ((b[v.srcOff] << 24) | (b[v.srcOff + 1] << 16) | (b[v.srcOff + 2] << 8) | b[v.srcOff + 3]) >>> 0 : 0;
  const daddr = v4 ? ((b[v.dstOff] << 24) | (b[v.dstOff + 1] << 16) | (b[v.dstOff + 2] << 8) | b[v.dstOff + 3]) >>> 0 : 0;
  let sp = 0;
  let ci = start;
  let ri = 0;
  skb.hotdrop = false;
  for (;;) {
    const chain = ct.chains[ci];
    const rules = chain.rules;
    if (ri >= rules.length) {
      // Fell off the end: a builtin chain's policy, or an implicit RETURN.
      if (chain.chain.builtin) return policy(ct, chain, skb, len, out, trace);
      if (sp === 0) return policy(ct, ct.chains[start], skb, len, out, trace);
      if (skb.nftrace) trace?.(ct.table.name, chain.chain.name, 'return', rules.length + 1);
      sp--; ci = ct.stackChain[sp]; ri = ct.stackRule[sp];
      continue;
    }
    const cr = rules[ri];
    if (v4) {
      // The IPv4 address test inline on 32-bit numbers (ip_packet_match's first lines).
      if ((((saddr & cr.smsk4) >>> 0) === cr.src4) === cr.invSrc || (((daddr & cr.dmsk4) >>> 0) === cr.dst4) === cr.invDst) { ri++; continue; }
    }
    if (!ruleMatches(cr, skb, v4)) {
      if (skb.hotdrop) return finish(out, NF_DROP, chain.chain.name, ri + 1);
      ri++;
      continue;
    }
    const r = cr.rule;
    r.pcnt++;
    r.bcnt += len;
    if (skb.nftrace) trace?.(ct.table.name, chain.chain.name, 'rule', ri + 1);
    switch (cr.kind) {
      case TKind.None: ri++; continue;
      case TKind.Verdict:
        if (cr.verdict !== XT_RETURN) return finish(out, cr.verdict, chain.chain.name, ri + 1);
        if (sp === 0) return policy(ct, ct.chains[start], skb, len, out, trace);
        sp--; ci = ct.stackChain[sp]; ri = ct.stackRule[sp];
        continue;
      case TKind.Jump:
        ct.stackChain[sp] = ci; ct.stackRule[sp] = ri + 1; sp++;
        ci = cr.jumpTo; ri = 0;
        continue;
      case TKind.Goto:
        ci = cr.jumpTo; ri = 0;
        continue;
      case TKind.Ext: {
        const v = cr.targetFn!(skb, cr.targetData);
        // A target may have changed the packet's length (TCPMSS adding its option): later counters see the new one.
        len = skb.view.ipEnd - skb.view.l3;
        if (v === XT_CONTINUE) { ri++; continue; }
        if (v === XT_RETURN) {
          if (sp === 0) return policy(ct, ct.chains[start], skb, len, out, trace);
          sp--; ci = ct.stackChain[sp]; ri = ct.stackRule[sp];
          continue;
        }
        finish(out, v, chain.chain.name, ri + 1);
        out.data = cr.targetData;
        return v;
      }
    }
  }
}

function ruleMatches(cr: CompiledRule, skb: Skb, addrsChecked: boolean): boolean {
  if (!(addrsChecked && cr.addrOnly) && !ipHeaderMatches(cr.rule.ip, skb)) return false;
  const fns = cr.matchFns;
  for (let i = 0; i < fns.length; i++) {
    if (!fns[i](skb, cr.matchData[i])) return false;
    if (skb.hotdrop) return false;
  }
  return true;
}

function policy(ct: CompiledTable, chain: CompiledChain, skb: Skb, len: number, out: TraversalResult, trace?: TraceHook): number {
  const c = chain.chain;
  c.pcnt++;
  c.bcnt += len;
  if (skb.nftrace) trace?.(ct.table.name, c.name, 'policy', c.rules.length + 1);
  return finish(out, c.policy === 'DROP' ? NF_DROP : NF_ACCEPT, c.name, 0);
}

function finish(out: TraversalResult, verdict: number, chain: string, rulenum: number): number {
  out.data = undefined;
  out.verdict = verdict;
  out.chain = chain;
  out.rulenum = rulenum;
  return verdict;
}
