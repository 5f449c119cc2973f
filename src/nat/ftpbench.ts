/**
 * Test support for the FTP helper suites: a forwarding host with raw and nat
 * tables (set up with iptables command lines), a real Conntrack, and the
 * kernel's hook order for a forwarded packet: PREROUTING raw, conntrack in
 * (+ CT template binding), nat DST; POSTROUTING nat SRC, then nf_confirm
 * (helper, sequence adjustment, confirm). Not used by the engine.
 */
import { Conntrack } from '../conntrack/conntrack';
import * as C from '../conntrack/constants';
import { CtPacket } from '../conntrack/packet';
import { fillCtPacket } from '../engine/ctfill';
import type { NetContext } from '../engine/net';
import { Skb } from '../engine/skb';
import { compileTable, doTable, type CompiledTable, type TraversalResult } from '../engine/traverse';
import { NF_ACCEPT, NF_DROP } from '../engine/verdict';
import { ctBindTemplate } from '../extensions/targets/CT';
import type { Host } from '../host/model';
import type { HookName } from '../rules/model';
import { buildTcp4, buildTcp6 } from '../wire/build';
import { ipv4DecTtl } from '../wire/ipv4';
import { parseIp } from '../host/prefix';
import { natHook } from './core';
import { benchNet, benchRuleset } from './bench';
import { ftpHelperHook } from './ftp';
import { n4 } from './pkt';

export class Clock { t = 1_000_000; now(): number { return this.t; } wall(): number { return this.t; } }

export interface FtpPass { verdict: number; bytes: Uint8Array; ct: number; ctinfo: number }

export class FtpBench {
  readonly net: NetContext;
  readonly ct: Conntrack;
  readonly clock = new Clock();
  readonly skb = new Skb();
  readonly ctp = new CtPacket();
  private readonly raw: CompiledTable | undefined;
  private readonly nat: CompiledTable | undefined;
  private readonly tr: TraversalResult = { verdict: 0, chain: '', rulenum: 0 };
  private readonly buf = new Uint8Array(4096);

  constructor(host: Host, family: 4 | 6, rules: string[][], seed = 1) {
    const rs = benchRuleset(family, [['-t', 'raw', '-L', '-n'], ['-t', 'nat', '-L', '-n'], ...rules]);
    const raw = rs.tables.get('raw');
    const nat = rs.tables.get('nat');
    this.raw = raw ? compileTable(raw) : undefined;
    this.nat = nat ? compileTable(nat) : undefined;
    this.ct = new Conntrack({ clock: this.clock, buckets: 1024 });
    this.net = benchNet(host, this.ct, this.clock, seed);
    this.skb.net = this.net;
    this.skb.ctp = this.ctp;
  }

  private readonly runNat = (skb: Skb): number => {
    skb.table = 'nat';
    return this.nat ? doTable(this.nat, skb, this.tr) : NF_ACCEPT;
  };

  private hook(hook: HookName): number {
    const s = this.skb;
    s.hook = hook;
    if (hook === 'PREROUTING') {
      if (this.raw) {
        s.table = 'raw';
        const v = doTable(this.raw, s, this.tr);
        if (v !== NF_ACCEPT) return v;
      }
      fillCtPacket(s.view, this.ctp, true);
      if (this.ct.in(this.ctp) !== C.NF_ACCEPT) return NF_DROP;
      s.ct = this.ctp.ct;
      s.ctinfo = this.ctp.ctinfo;
      ctBindTemplate(this.net, s.ct, s.ctinfo);
    }
    if (this.nat && s.ct >= 0) {
      const v = natHook(s, hook, this.runNat);
      if (v !== NF_ACCEPT) return v;
    }
    if (hook === 'POSTROUTING' && s.ct >= 0) {
      // nf_confirm: helper and sequence adjustment, then confirmation.
      if (ftpHelperHook(s) !== NF_ACCEPT) return NF_DROP;
      this.ctp.ct = s.ct; this.ctp.ctinfo = s.ctinfo;
      if (this.ct.confirm(this.ctp) !== C.NF_ACCEPT) return NF_DROP;
    }
    return NF_ACCEPT;
  }

  /** A packet routed through the host (PREROUTING, then POSTROUTING). */
  forward(bytes: Uint8Array, indev: string, outdev: string): FtpPass {
    this.buf.set(bytes);
    const s = this.skb;
    s.view.parse(this.buf, 0, bytes.length);
    s.indev = indev; s.outdev = outdev; s.local = false; s.mark = 0; s.ct = -1; s.ctinfo = -1;
    let v = this.hook('PREROUTING');
    if (v === NF_ACCEPT) {
      // ip_forward: one hop less.
      if (s.view.family === 4) ipv4DecTtl(s.view.buf, s.view.l3);
      else s.view.buf[s.view.l3 + 7]--;
      v = this.hook('POSTROUTING');
    }
    if (v !== NF_ACCEPT && s.ct >= 0) this.ct.abandon(this.ctp);
    return { verdict: v, bytes: s.view.buf.slice(s.view.l3, s.view.ipEnd), ct: s.ct, ctinfo: s.ctinfo };
  }
}

const enc = new TextEncoder();

/** An IPv4 TCP segment carrying `text`. */
export function seg4(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number, text = '', options: Uint8Array | null = null): Uint8Array {
  const b = new Uint8Array(2000);
  const data = enc.encode(text);
  const n = buildTcp4(b, 0, { tos: 0, id: 1, fragWord: 0, ttl: 64, protocol: 0, saddr: n4(src), daddr: n4(dst), options: null },
    { sport, dport, seq: seq >>> 0, ack: ack >>> 0, flags, window: 64240, urgPtr: 0, options }, { data, off: 0, len: data.length });
  return b.slice(0, n);
}

/** An IPv6 TCP segment carrying `text`. */
export function seg6(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number, text = ''): Uint8Array {
  const b = new Uint8Array(2000);
  const data = enc.encode(text);
  const n = buildTcp6(b, 0, { trafficClass: 0, flowLabel: 0, nexthdr: 6, hopLimit: 64, src: parseIp(6, src)!, srcOff: 0, dst: parseIp(6, dst)!, dstOff: 0 },
    { sport, dport, seq: seq >>> 0, ack: ack >>> 0, flags, window: 64240, urgPtr: 0, options: null }, { data, off: 0, len: data.length });
  return b.slice(0, n);
}
