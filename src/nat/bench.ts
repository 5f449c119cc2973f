/**
 * Test support for the NAT suites: one host (set up with `ip` commands),
 * its conntrack table and nat table (set up with `iptables -t nat`), and
 * the hook sequence of the kernel around NAT for forwarded, received and
 * locally sent packets (conntrack in, nat, conntrack confirm). Not used by
 * the engine; it lets NAT be tested without the rest of the packet path.
 */
import assert from 'node:assert/strict';
import { runIp, runSysctl } from '../cli/host-commands';
import { runIptables } from '../cli/iptables';
import { Conntrack } from '../conntrack/conntrack';
import * as C from '../conntrack/constants';
import { CtPacket } from '../conntrack/packet';
import { fillCtPacket } from '../engine/ctfill';
import { Random, type Clock as EngineClock, type NetContext } from '../engine/net';
import { Skb } from '../engine/skb';
import { compileTable, doTable, type CompiledTable, type TraversalResult } from '../engine/traverse';
import { NF_ACCEPT } from '../engine/verdict';
import { newHost, type Host } from '../host/model';
import { newRuleset, type HookName, type Ruleset } from '../rules/model';
import { natHook } from './core';

/** `ip` lines for a host with lo up and two veth links eth0 and eth1 (peers peer0, peer1), all up. */
export const TWO_LINKS: readonly string[][] = [
  ['ip', 'link', 'set', 'lo', 'up'],
  ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0'],
  ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'peer1'],
  ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'link', 'set', 'peer0', 'up'],
  ['ip', 'link', 'set', 'eth1', 'up'], ['ip', 'link', 'set', 'peer1', 'up'],
];

/** A ruleset from iptables argument lists (`-6` added for IPv6); every line must succeed. */
export function benchRuleset(family: 4 | 6, lines: string[][]): Ruleset {
  let rs = newRuleset(family);
  for (const l of lines) {
    const r = runIptables(rs, family === 6 ? ['-6', ...l] : l);
    assert.equal(r.code, 0, `${l.join(' ')}: ${r.stderr}`);
    rs = r.rs;
  }
  return rs;
}

/** A NetContext around a host and a table, with a seeded random source and no output path. */
export function benchNet(host: Host, ct: Conntrack, clock: EngineClock, seed: number): NetContext {
  return {
    host, conntrack: ct, clock, random: new Random(seed), extState: new Map(), log: [], trace: [], emitted: [],
    output: () => undefined,
  };
}

export function mkHost(cmds: string[][]): Host {
  let h = newHost();
  for (const c of cmds) {
    const [prog, ...args] = c;
    const r = prog === 'ip' ? runIp(args, h) : runSysctl(args, h);
    assert.equal(r.code, 0, `${c.join(' ')}: ${r.stderr}`);
    h = r.host;
  }
  return h;
}

export class Clock { t = 1_000_000; now(): number { return this.t; } wall(): number { return this.t; } }

export interface Pass {
  verdict: number;
  /** The packet after the path (from its IP header). */
  bytes: Uint8Array;
  ct: number;
  ctinfo: number;
}

export class NatBench {
  readonly net: NetContext;
  readonly ct: Conntrack;
  readonly clock = new Clock();
  readonly skb = new Skb();
  readonly ctp = new CtPacket();
  /** How many times the nat table was traversed. */
  tableRuns = 0;
  private readonly nat: CompiledTable;
  private readonly tr: TraversalResult = { verdict: 0, chain: '', rulenum: 0 };
  private readonly buf = new Uint8Array(4096);

  constructor(host: Host, family: 4 | 6, natRules: string[][], seed = 1) {
    const rs = benchRuleset(family, [['-t', 'nat', '-L', '-n'], ...natRules]);
    const t = rs.tables.get('nat');
    assert.ok(t);
    this.nat = compileTable(t);
    this.ct = new Conntrack({ clock: this.clock, buckets: 1024 });
    this.net = benchNet(host, this.ct, this.clock, seed);
    this.skb.net = this.net;
    this.skb.ctp = this.ctp;
  }

  private readonly run = (skb: Skb): number => {
    this.tableRuns++;
    skb.table = 'nat';
    return doTable(this.nat, skb, this.tr);
  };

  private start(bytes: Uint8Array, indev: string, outdev: string, local: boolean): void {
    this.buf.set(bytes);
    const s = this.skb;
    s.view.parse(this.buf, 0, bytes.length);
    s.indev = indev; s.outdev = outdev; s.local = local; s.mark = 0; s.ct = -1; s.ctinfo = -1;
  }

  private hook(hook: HookName, ctIn: boolean, confirm: boolean): number {
    const s = this.skb;
    s.hook = hook;
    if (ctIn) {
      fillCtPacket(s.view, this.ctp, false);
      if (this.ct.in(this.ctp) !== C.NF_ACCEPT) return 0;
      s.ct = this.ctp.ct;
      s.ctinfo = this.ctp.ctinfo;
    }
    const v = natHook(s, hook, this.run);
    if (v !== NF_ACCEPT) { this.ct.abandon(this.ctp); return v; }
    if (confirm && s.ct >= 0) {
      this.ctp.ct = s.ct; this.ctp.ctinfo = s.ctinfo;
      if (this.ct.confirm(this.ctp) !== C.NF_ACCEPT) return 0;
    }
    return NF_ACCEPT;
  }

  private done(v: number): Pass {
    const s = this.skb;
    return { verdict: v, bytes: s.view.buf.slice(s.view.l3, s.view.ipEnd), ct: s.ct, ctinfo: s.ctinfo };
  }

  /** A packet routed through the host: PREROUTING (ct, DNAT) then POSTROUTING (SNAT, confirm). */
  forward(bytes: Uint8Array, indev: string, outdev: string): Pass {
    this.start(bytes, indev, outdev, false);
    let v = this.hook('PREROUTING', true, false);
    if (v === NF_ACCEPT) v = this.hook('POSTROUTING', false, true);
    return this.done(v);
  }

  /** A packet for the host itself: PREROUTING then INPUT (SNAT, confirm). */
  input(bytes: Uint8Array, indev: string): Pass {
    this.start(bytes, indev, '', false);
    let v = this.hook('PREROUTING', true, false);
    if (v === NF_ACCEPT) v = this.hook('INPUT', false, true);
    return this.done(v);
  }

  /** A packet a local process sends: OUTPUT (ct, DNAT) then POSTROUTING. */
  output(bytes: Uint8Array, outdev: string): Pass {
    this.start(bytes, '', outdev, true);
    let v = this.hook('OUTPUT', true, false);
    if (v === NF_ACCEPT) v = this.hook('POSTROUTING', false, true);
    return this.done(v);
  }
}
