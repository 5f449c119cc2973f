/**
 * The packet path of one host, in the kernel's order (../shared/notes/packet-path.md,
 * include/uapi/linux/netfilter_ipv4.h priorities):
 *
 *   receive ─ ip_rcv checks ─ PREROUTING: raw, conntrack in, mangle, nat(DST)
 *           ─ routing decision ─┬─ INPUT: mangle, filter, security, nat(SRC), confirm ─ local stack
 *                               └─ ip_forward (TTL, MTU) ─ FORWARD: mangle, filter, security ─┐
 *   send ─ route ─ OUTPUT: raw, conntrack in, mangle, nat(DST), filter, security ─ reroute ─┤
 *                                                       POSTROUTING: mangle, nat(SRC), confirm ─ out
 *
 * The engine is pure and deterministic: bytes in, verdicts and bytes out,
 * with an injected clock and a seeded random source. The per-packet path
 * works in one preallocated buffer and one reused Skb.
 */
import { Conntrack } from '../conntrack/conntrack';
import { IP_CT_IS_REPLY, IP_CT_RELATED, IP_CT_RELATED_REPLY, IP_CT_UNTRACKED, NF_ACCEPT as CT_ACCEPT } from '../conntrack/constants';
import { CtPacket } from '../conntrack/packet';
import { findListener } from '../host/listeners';
import { ifaceByName, type Host, type Route } from '../host/model';
import { lookupFib } from '../host/fib';
import { routeOutput, RouteResult } from '../host/route';
import { effectiveRpFilter, readSysctl } from '../host/sysctl';
import type { HookName, Ruleset, TableName } from '../rules/model';
import { ipv4DecTtl } from '../wire/ipv4';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, PacketView, WireError } from '../wire/packet';
import { natHook } from '../nat/core';
import { ftpHelperHook } from '../nat/ftp';
import { natMasqueradeAddrEvent, natMasqueradeDeviceEvent } from '../nat/masquerade';
import { delAddr, setLinkUp } from '../host/link';
import { ctBindTemplate, ctForgetEntry } from '../extensions/targets/CT';
import { nfqueueBypass } from '../extensions/targets/NFQUEUE';
import { logLine, NF_LOG_IPOPT, NF_LOG_TCPOPT, NF_LOG_TCPSEQ, NF_LOG_UID } from '../extensions/targets/logline';
import { fillCtPacket } from './ctfill';
import { Defrag, DEFRAG_DROPPED, DEFRAG_HELD, DEFRAG_WHOLE, FragInfo, IP6FRAG_TIME_MS, IPFRAG_TIME_MS } from './defrag';
import { forwardExceedsMtu, Fragmenter } from './fragment';
import { ip6ParseHopOpts, sendIcmpError, stackAnswer } from './localstack';
import { Random, type Clock, type Emitted, type NetContext } from './net';
import { Skb } from './skb';
import { compileTable, doTable, type CompiledTable, type TraversalResult } from './traverse';
import { NF_ACCEPT, NF_DROP, NF_QUEUE, verdictName } from './verdict';

/** Tables at each hook in priority order; 'ct' is conntrack in, 'confirm' its confirmation. */
const HOOK_ORDER: Record<HookName, readonly (TableName | 'ct' | 'confirm')[]> = {
  PREROUTING: ['raw', 'ct', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'security', 'nat', 'confirm'],
  FORWARD: ['mangle', 'filter', 'security'],
  OUTPUT: ['raw', 'ct', 'mangle', 'nat', 'filter', 'security'],
  POSTROUTING: ['mangle', 'nat', 'confirm'],
};

const STEP_CT = 0, STEP_CONFIRM = 1, STEP_TABLE = 2, STEP_NAT = 3;

/** A hook's steps, resolved once per engine: conntrack, confirmation, or a compiled table. */
interface HookStepPlan { kind: number; step: string; table: CompiledTable | undefined; }

/** One table traversal, recorded when tracing is on. */
export interface HookStep {
  hook: HookName;
  table: TableName;
  verdict: string;
  /** Where the verdict was taken: chain and rule number (0 = policy). */
  chain: string;
  rulenum: number;
}

export interface PacketResult {
  /** What happened to the packet. */
  fate: 'forwarded' | 'delivered' | 'sent' | 'dropped' | 'held';
  /** Why it was dropped, or where it went. */
  reason: string;
  /** Out interface for forwarded/sent packets. */
  outdev: string;
  /** Conntrack state of the packet (ctinfo name) after PREROUTING/OUTPUT. */
  ctinfo: number;
  steps: HookStep[];
  /** Packets that left the host (or were delivered locally) while handling this one, including answers. */
  emitted: Emitted[];
}

/** NAT entry point (nf_nat_inet_fn); src/nat's natHook unless replaced. */
export type NatHook = (skb: Skb, hook: HookName, runNatTable: (skb: Skb) => number) => number;

export interface EngineOptions {
  host: Host;
  rules4: Ruleset;
  rules6: Ruleset;
  clock?: Clock;
  seed?: number;
  conntrack?: Conntrack;
  nat?: NatHook;
  /** Record every table traversal in PacketResult.steps (allocates; off for benchmarks). */
  trace?: boolean;
  /**
   * Receive emitted packets here instead of as copies in PacketResult.emitted;
   * the bytes are only valid during the call. With it, and trace off, the
   * per-packet path allocates nothing.
   */
  onEmit?: (dev: string, buf: Uint8Array, off: number, len: number, origin: Emitted['origin']) => void;
}

/** How a received packet arrived. */
export interface ReceiveOptions {
  /** The bytes start at the Ethernet header. */
  ethernet?: boolean;
  /**
   * A GSO/GRO super-packet (TCP) standing for segments of this many payload
   * bytes, as a NIC or veth hands them to the kernel: it crosses the hooks
   * once, as in the kernel, and is cut into segments only on the way out.
   */
  gsoSize?: number;
  /** The checksum needs no verification (the skb was CHECKSUM_PARTIAL or CHECKSUM_UNNECESSARY). */
  checksumTrusted?: boolean;
}

const NO_OPTS: ReceiveOptions = {};

/** Per-device settings read once from the host (sysctl lookups by string are too slow per packet). */
interface DevConf { index: number; mtu: number; forwarding: boolean; rpFilter: number; }

class ManualClock implements Clock {
  t = 0;
  now(): number { return this.t; }
  wall(): number { return this.t; }
}

const MAX_PACKET = 65535 + 64;

export class Engine {
  readonly net: NetContext;
  host: Host;
  private rules!: Record<4 | 6, Ruleset>;
  private tables!: Record<4 | 6, Map<TableName, CompiledTable>>;
  private readonly skb = new Skb();
  private readonly ctp = new CtPacket();
  private readonly buf = new Uint8Array(MAX_PACKET);
  private readonly tr: TraversalResult = { verdict: 0, chain: '', rulenum: 0, data: undefined };
  private readonly rt = new RouteResult();
  private readonly nat: NatHook;
  /** Whether some rule of the family needs conntrack (nf_ct_netns_get), as in the kernel. */
  private readonly tracking: Record<4 | 6, boolean> = { 4: false, 6: false };
  private readonly hookSteps: Record<4 | 6, Record<HookName, HookStepPlan[]>> = {
    4: { PREROUTING: [], INPUT: [], FORWARD: [], OUTPUT: [], POSTROUTING: [] },
    6: { PREROUTING: [], INPUT: [], FORWARD: [], OUTPUT: [], POSTROUTING: [] },
  };
  private readonly natRunners: Record<4 | 6, Partial<Record<HookName, (skb: Skb) => number>>> = { 4: {}, 6: {} };
  private trace: boolean;
  private readonly onEmit?: EngineOptions['onEmit'];
  private readonly devs = new Map<string, DevConf>();
  private readonly devByIndex = new Map<number, string>();
  private fwd6 = false;
  private ctChecksum = true;
  private readonly scratch = new Uint8Array(16);
  /** IP reassembly before conntrack (nf_defrag, priority -400) and fragmentation on the way out. */
  private readonly defrag: Defrag;
  private readonly fragOut = new Uint8Array(MAX_PACKET);
  private fragInfo = new FragInfo();
  private readonly fragmenter = new Fragmenter();
  private fragDev = '';
  private fragOrigin: Emitted['origin'] = 'forward';
  private readonly emitFrag = (buf: Uint8Array, off: number, len: number): void => {
    if (this.onEmit) this.onEmit(this.fragDev, buf, off, len, this.fragOrigin);
    else this.net.emitted.push({ dev: this.fragDev, bytes: buf.slice(off, off + len), origin: this.fragOrigin });
  };
  private readonly scratch4 = new Uint8Array(4);
  private readonly reused: PacketResult = { fate: 'dropped', reason: '', outdev: '', ctinfo: -1, steps: [], emitted: [] };
  private result!: PacketResult;
  /** TRACE lines as nf_log_trace prints them: the log line with the default flags (SEQ, OPT, UID). */
  private readonly traceHook = (table: string, chain: string, kind: string, rulenum: number): void => {
    this.net.trace.push(logLine(this.skb, 4, NF_LOG_TCPSEQ | NF_LOG_TCPOPT | NF_LOG_IPOPT | NF_LOG_UID, `TRACE: ${table}:${chain}:${kind}:${rulenum} `).replace(/^<4>/, ''));
  };
  private depth = 0;
  /** The device a locally generated packet is bound to ('' = routed). */
  private oif = '';
  /** The current packet is a GSO super-packet of segments this long (0: a plain packet). */
  private gsoSize = 0;
  /** The sender's stack vouches for the checksum (CHECKSUM_PARTIAL / UNNECESSARY): conntrack does not verify it. */
  private csumTrusted = false;

  constructor(o: EngineOptions) {
    this.host = o.host;
    const clock = o.clock ?? new ManualClock();
    const max = Number(readSysctl(o.host, 'net.netfilter.nf_conntrack_max') ?? '262144');
    const conntrack = o.conntrack ?? new Conntrack({
      clock,
      max,
      tcpLoose: readSysctl(o.host, 'net.netfilter.nf_conntrack_tcp_loose') !== '0',
      tcpBeLiberal: readSysctl(o.host, 'net.netfilter.nf_conntrack_tcp_be_liberal') === '1',
    });
    this.net = {
      host: o.host, conntrack, clock, random: new Random(o.seed ?? 1), extState: new Map(), log: [], trace: [], emitted: [],
      output: (bytes, origin, oif) => this.generated(bytes, origin, oif),
    };
    this.skb.net = this.net;
    // ipfrag_time and nf_conntrack_frag6_timeout are in seconds; only read when set on the host.
    const fragS = (k: string, d: number): number => { const x = Number(o.host.sysctl[k]); return Number.isFinite(x) && x > 0 ? x * 1000 : d; };
    this.defrag = new Defrag(clock, fragS('net.ipv4.ipfrag_time', IPFRAG_TIME_MS), fragS('net.netfilter.nf_conntrack_frag6_timeout', IP6FRAG_TIME_MS));
    // State kept per entry outside the table (CT templates) must not outlive the entry's slot.
    conntrack.tab.onFree = (e) => ctForgetEntry(this.net, e);
    this.skb.ctp = this.ctp;
    this.trace = o.trace ?? false;
    this.nat = o.nat ?? natHook;
    this.onEmit = o.onEmit;
    this.configure(o.host, o.rules4, o.rules6);
  }

  /**
   * Replaces the rulesets and/or the host between two packets, as a table
   * replace (do_replace in net/ipv4/netfilter/ip_tables.c swaps the whole
   * table blob at once) or an `ip`/`sysctl` change does in the kernel. The
   * conntrack table, the NAT bindings, the clock and the extensions' shared
   * state (recent lists, limits) carry on. The engine is single-threaded,
   * so no packet ever sees half of the change.
   */
  reload(o: { host?: Host; rules4?: Ruleset; rules6?: Ruleset }): void {
    this.configure(o.host ?? this.host, o.rules4 ?? this.rules[4], o.rules6 ?? this.rules[6]);
    if (o.host) this.hostSysctls(o.host);
    this.hostChanged();
  }

  /**
   * The conntrack and reassembly sysctls take effect at once in the kernel
   * (`sysctl -w net.netfilter.nf_conntrack_max=...` on a running host);
   * a reloaded host brings its values here.
   */
  private hostSysctls(h: Host): void {
    const ct = this.net.conntrack;
    ct.max = Number(readSysctl(h, 'net.netfilter.nf_conntrack_max') ?? ct.max);
    ct.tcpLoose = readSysctl(h, 'net.netfilter.nf_conntrack_tcp_loose') !== '0';
    ct.tcpBeLiberal = readSysctl(h, 'net.netfilter.nf_conntrack_tcp_be_liberal') === '1';
    const s = (k: string, d: number): number => { const x = Number(h.sysctl[k]); return Number.isFinite(x) && x > 0 ? x * 1000 : d; };
    this.defrag.timeout4 = s('net.ipv4.ipfrag_time', IPFRAG_TIME_MS);
    this.defrag.timeout6 = s('net.netfilter.nf_conntrack_frag6_timeout', IP6FRAG_TIME_MS);
  }

  /** The rulesets the engine runs (their rules hold the live counters). */
  ruleset(family: 4 | 6): Ruleset {
    return this.rules[family];
  }

  /** Real-time use: reassembly queues whose time ran out (done by advance() on the engine's own clock). */
  expire(): void {
    this.expireFragments();
  }

  private configure(host: Host, rules4: Ruleset, rules6: Ruleset): void {
    this.host = host;
    this.net.host = host;
    this.rules = { 4: rules4, 6: rules6 };
    this.tables = { 4: compileAll(rules4), 6: compileAll(rules6) };
    this.tracking[4] = false;
    this.tracking[6] = false;
    for (const rs of [rules4, rules6]) {
      for (const t of rs.tables.values()) {
        for (const c of t.chains.values()) {
          for (const r of c.rules) {
            for (const m of r.matches) {
              m.ext.load?.(this.net, m.data);
              if (m.ext.needsConntrack) this.tracking[rs.family] = true;
            }
            if (r.target.kind === 'ext') {
              r.target.ext.load?.(this.net, r.target.data);
              if (r.target.ext.needsConntrack) this.tracking[rs.family] = true;
            }
          }
        }
      }
    }
    for (const fam of [4, 6] as const) {
      // Without a rule that needs it, conntrack (and so NAT) does not run for the family at all.
      const ct = this.tracking[fam];
      for (const h of Object.keys(HOOK_ORDER) as HookName[]) {
        const plan: HookStepPlan[] = [];
        for (const step of HOOK_ORDER[h]) {
          if (step === 'ct') { if (ct) plan.push({ kind: STEP_CT, step, table: undefined }); }
          else if (step === 'confirm') { if (ct) plan.push({ kind: STEP_CONFIRM, step, table: undefined }); }
          else {
            const t = this.tables[fam].get(step);
            if (t) plan.push({ kind: step === 'nat' ? STEP_NAT : STEP_TABLE, step, table: t });
          }
        }
        this.hookSteps[fam][h] = plan;
      }
    }
    // One nat-table runner per hook, built once (no closure per packet).
    for (const fam of [4, 6] as const) {
      this.natRunners[fam] = {};
      const nat = this.tables[fam].get('nat');
      if (!nat) continue;
      for (const h of ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] as const) {
        this.natRunners[fam][h] = (s: Skb) => this.runTable(this.result, nat, s, h);
      }
    }
    this.devs.clear();
    this.devByIndex.clear();
    for (const i of host.ifaces) {
      this.devs.set(i.name, {
        index: i.index, mtu: i.mtu,
        forwarding: readSysctl(host, `net.ipv4.conf.${i.name}.forwarding`) !== '0',
        rpFilter: effectiveRpFilter(host, i.name),
      });
      this.devByIndex.set(i.index, i.name);
    }
    this.fwd6 = readSysctl(host, 'net.ipv6.conf.all.forwarding') === '1';
    this.ctChecksum = readSysctl(host, 'net.netfilter.nf_conntrack_checksum') !== '0';
  }

  /** The result object: fresh per packet, or one reused object in the allocation-free mode (onEmit, no trace). */
  private begin(): PacketResult {
    if (this.onEmit && !this.trace) {
      const r = this.reused;
      r.fate = 'dropped'; r.reason = ''; r.outdev = ''; r.ctinfo = -1;
      this.net.emitted = r.emitted;
      this.result = r;
      return r;
    }
    this.net.emitted = [];
    this.result = { fate: 'dropped', reason: '', outdev: '', ctinfo: -1, steps: [], emitted: this.net.emitted };
    return this.result;
  }

  /**
   * Route caches for IPv4, keyed by address: the host is fixed for an
   * engine's life except through linkDown/addrDeleted, which clear them.
   * (Linux has no route cache any more; this is only to spare the linear
   * route scan per packet, with the same answers.)
   */
  private readonly fibCache = new Map<number, Route | null>();
  private readonly outCache = new Map<number, { error: RouteResult['error']; dev: number }>();

  private fib(off: number): Route | null {
    if (this.skb.view.family !== 4) return lookupFib(this.host, 6, this.addr(off));
    const b = this.skb.view.buf;
    const k = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
    let r = this.fibCache.get(k);
    if (r === undefined) { r = lookupFib(this.host, 4, this.addr(off)); this.fibCache.set(k, r); }
    return r;
  }

  /** Output route (error and device) towards the packet's destination. */
  private outRoute(): { error: RouteResult['error']; dev: number } {
    const v = this.skb.view;
    if (v.family !== 4) return routeOutput(this.host, 6, this.addr(v.dstOff), this.rt);
    const b = v.buf, off = v.dstOff;
    const k = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
    let r = this.outCache.get(k);
    if (r === undefined) {
      const x = routeOutput(this.host, 4, this.addr(off), this.rt);
      r = { error: x.error, dev: x.dev };
      this.outCache.set(k, r);
    }
    return r;
  }

  private hostChanged(): void {
    this.fibCache.clear();
    this.outCache.clear();
  }

  /** The destination (or source) address of the current packet, copied into a scratch array. */
  private addr(off: number): Uint8Array {
    const v = this.skb.view;
    const a = v.addrLen === 4 ? this.scratch4 : this.scratch;
    for (let i = 0; i < v.addrLen; i++) a[i] = v.buf[off + i];
    return a;
  }

  /** A packet arriving on interface `dev`, starting at its IP header (or at its Ethernet header with ethernet=true). */
  receive(dev: string, bytes: Uint8Array, opts: ReceiveOptions = NO_OPTS): PacketResult {
    const res = this.begin();
    const skb = this.skb;
    const iface = this.devs.has(dev) ? ifaceByName(this.host, dev) : undefined;
    if (!iface || !iface.up) return this.drop(res, `no such interface or interface down: ${dev}`);
    const n = Math.min(bytes.length, MAX_PACKET);
    if (n === bytes.length) this.buf.set(bytes); else this.buf.set(bytes.subarray(0, n));
    const err = opts.ethernet ? skb.view.parseFrame(this.buf, 0, n) : skb.view.parse(this.buf, 0, n);
    if (!skb.view.l3Ok() || err === WireError.NOT_IP) return this.drop(res, `ip_rcv: malformed packet (${WireError[err]})`);
    if (skb.view.family === 4 && !skb.view.ipv4ChecksumOk()) return this.drop(res, 'ip_rcv: bad IPv4 header checksum');
    this.resetSkb(dev, '', false);
    this.gsoSize = opts.gsoSize ?? 0;
    this.csumTrusted = opts.checksumTrusted ?? false;
    // ip6_rcv_core parses the hop-by-hop options before PREROUTING.
    if (skb.view.family === 6 && !ip6ParseHopOpts(this.net, skb.view)) return this.drop(res, 'ipv6_parse_hopopts: bad or unknown option');
    // nf_defrag gathers at PREROUTING only while conntrack runs for the family (nf_ct_netns_get
    // registers it); otherwise fragments are forwarded as they are, and reassembled on local delivery.
    if (this.tracking[this.fam()] && !this.gather(res, dev)) return res;
    else if (!this.tracking[this.fam()] && this.fragInfo.fragMax) this.fragInfo.reset();
    return this.prerouting(res);
  }

  /** A packet sent by a local process (starting at its IP header), as if written to a raw socket. */
  send(bytes: Uint8Array, opts: { uid?: number; gid?: number; oif?: string } = {}): PacketResult {
    const res = this.begin();
    const n = Math.min(bytes.length, MAX_PACKET);
    this.buf.set(bytes.subarray(0, n));
    const err = this.skb.view.parse(this.buf, 0, n);
    if (!this.skb.view.l3Ok()) return this.drop(res, `malformed local packet (${WireError[err]})`);
    this.resetSkb('', '', true);
    this.skb.uid = opts.uid ?? 0;
    this.skb.gid = opts.gid ?? 0;
    this.oif = opts.oif ?? '';
    if (!this.gather(res, '')) return res;
    return this.localOut(res, 'output');
  }

  /**
   * `ip link set DEV down` on the running host: the device stops, and the
   * connections MASQUERADEd out of it are dropped (nf_nat_masquerade.c
   * masq_device_event).
   */
  linkDown(dev: string): number {
    const err = setLinkUp(this.host, dev, false);
    if (err) throw new Error(err.msg);
    this.hostChanged();
    return natMasqueradeDeviceEvent(this.net, dev);
  }

  /** `ip addr del ADDR/PLEN dev DEV` on the running host: MASQUERADEd connections using that address are dropped. */
  addrDeleted(dev: string, family: 4 | 6, addr: Uint8Array, plen: number): number {
    const err = delAddr(this.host, dev, family, addr, plen);
    if (err) throw new Error(err.msg);
    this.hostChanged();
    return natMasqueradeAddrEvent(this.net, dev, addr);
  }

  /** Advance the clock of an engine built with the default manual clock. */
  advance(ms: number): void {
    const c = this.net.clock;
    if (c instanceof ManualClock) c.t += ms;
    else throw new Error('advance() needs the engine\'s own clock');
    this.expireFragments();
  }

  /**
   * Fragments are gathered before the hooks, as nf_defrag does; false when
   * this one is held (incomplete datagram) or dropped. A completed datagram
   * replaces the packet, and fragInfo keeps its fragment sizes.
   */
  private gather(res: PacketResult, indev: string): boolean {
    const v = this.skb.view;
    if (!v.isFragment) { if (this.fragInfo.fragMax) this.fragInfo.reset(); return true; }
    const g = this.defrag.gather(v, indev, this.fragOut, this.fragInfo);
    if (g === DEFRAG_WHOLE) return true;
    if (g === DEFRAG_HELD) { res.fate = 'held'; res.reason = 'defrag: fragment held until its datagram is complete'; return false; }
    if (g === DEFRAG_DROPPED) { this.drop(res, `defrag: ${this.defrag.reason}`); return false; }
    this.buf.set(this.fragOut.subarray(0, g));
    v.parse(this.buf, 0, g);
    return true;
  }

  /** Reassembly timeouts: queues that expired are dropped, with ICMP time exceeded where Linux sends it. */
  private expireFragments(): void {
    // The errors of every queue that expired are kept (one list for the whole advance()).
    const emitted: Emitted[] = [];
    this.net.emitted = emitted;
    for (const ev of this.defrag.expire()) {
      if (!ev.head || ev.icmp === 'never') continue;
      const hv = new PacketView();
      hv.parse(ev.head, 0, ev.head.length);
      if (!hv.l3Ok()) continue;
      if (ev.icmp === 'if-local') {
        const r = lookupFib(this.host, ev.family, hv.buf.subarray(hv.dstOff, hv.dstOff + hv.addrLen));
        if (!r || r.type !== 'local') continue;
      }
      if (ev.family === 4) sendIcmpError(this.net, hv, 11, 1, 0);
      else sendIcmpError(this.net, hv, 3, 1, 0);
    }
  }

  /**
   * A GSO super-packet (skb_is_gso) is checked by the size of the segments
   * it stands for, not its own (ip_exceeds_mtu / skb_gso_validate_network_len):
   * network headers + transport header + gso_size.
   */
  private gsoExceeds(mtu: number): boolean {
    const v = this.skb.view;
    const thl = v.proto === IPPROTO_TCP ? ((v.buf[v.l4 + 12] >> 4) << 2) : 8;
    return (v.l4 - v.l3) + thl + this.gsoSize > mtu;
  }

  private resetSkb(indev: string, outdev: string, local: boolean): void {
    this.oif = '';
    this.gsoSize = 0;
    this.csumTrusted = false;
    const s = this.skb;
    s.indev = indev; s.outdev = outdev; s.local = local;
    s.mark = 0; s.ct = -1; s.ctinfo = -1; s.uid = -1; s.gid = -1; s.hotdrop = false; s.nftrace = false;
  }

  private drop(res: PacketResult, reason: string): PacketResult {
    res.fate = 'dropped';
    res.reason = reason;
    return res;
  }

  /** Runs every table and conntrack step of a hook. Returns a verdict; NF_DROP sets res.reason. */
  private hook(res: PacketResult, hook: HookName): number {
    const skb = this.skb;
    skb.hook = hook;
    const fam = this.fam();
    const steps = this.hookSteps[fam][hook];
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i];
      const step = st.step;
      if (st.kind === STEP_CT) {
        // nf_conntrack_in leaves a packet alone that already has an entry (looped back, or a
        // REJECT answer attached to the connection it answers) or is untracked.
        if (skb.ctinfo === IP_CT_UNTRACKED || skb.ct >= 0) continue;
        fillCtPacket(skb.view, this.ctp, hook === 'PREROUTING' && this.ctChecksum && !this.csumTrusted);
        const v = this.net.conntrack.in(this.ctp);
        skb.ct = this.ctp.ct;
        skb.ctinfo = this.ctp.ctinfo;
        res.ctinfo = skb.ctinfo;
        // A CT target in raw left a template (helper, zone): it now belongs to the entry.
        ctBindTemplate(this.net, skb.ct, skb.ctinfo);
        if (v !== CT_ACCEPT) { res.reason = `conntrack: ${hook} (table full or invalid)`; return NF_DROP; }
        continue;
      }
      if (st.kind === STEP_CONFIRM) {
        if (skb.ct >= 0) {
          // Helpers (FTP) and NAT sequence adjustment run at the confirm priority (nf_confirm).
          if (ftpHelperHook(skb) !== NF_ACCEPT) { res.reason = 'conntrack helper (ftp): dropped'; return NF_DROP; }
          const v = this.net.conntrack.confirm(this.ctp);
          if (v !== CT_ACCEPT) { res.reason = 'conntrack: confirm failed (clash)'; return NF_DROP; }
        }
        continue;
      }
      const ct = st.table!;
      let v: number;
      if (st.kind === STEP_NAT) {
        // An existing nat table gives every tracked connection a binding (null or not).
        if (skb.ct < 0) continue;
        v = this.nat(skb, hook, this.natRunners[fam][hook]!);
      } else {
        v = this.runTable(res, ct, skb, hook);
      }
      if (v === NF_ACCEPT) continue;
      if (v === NF_QUEUE) {
        // No userspace listens on the queue: the kernel drops, unless --queue-bypass.
        if (this.tr.data !== undefined && nfqueueBypass(this.tr.data)) continue;
        res.reason = `${step}/${this.tr.chain}: NFQUEUE with no listener`;
        return NF_DROP;
      }
      if (!res.reason) res.reason = `${step}/${this.tr.chain}${this.tr.rulenum ? ` rule ${this.tr.rulenum}` : ' policy'}`;
      return v;
    }
    return NF_ACCEPT;
  }

  private runTable(res: PacketResult, ct: CompiledTable, skb: Skb, hook: HookName): number {
    skb.table = ct.table.name;
    const v = doTable(ct, skb, this.tr, this.traceHook);
    if (this.trace) res.steps.push({ hook, table: ct.table.name, verdict: verdictName(v), chain: this.tr.chain, rulenum: this.tr.rulenum });
    if (v === NF_DROP) res.reason = `${ct.table.name}/${this.tr.chain}${this.tr.rulenum ? ` rule ${this.tr.rulenum}` : ' policy'}`;
    return v;
  }

  private prerouting(res: PacketResult): PacketResult {
    const skb = this.skb;
    if (this.hook(res, 'PREROUTING') !== NF_ACCEPT) return this.abandon(res);
    // Routing decision (ip_route_input): local, broadcast, or forward.
    const v = skb.view;
    const route = this.fib(v.dstOff);
    if (v.family === 4 && !this.rpFilterOk()) { res.reason = 'rp_filter: reverse path check failed'; return this.abandon(res); }
    if (v.family === 4 && skb.indev !== 'lo' && this.fib(v.srcOff)?.type === 'local' && !this.acceptLocal(skb.indev)) {
      // fib_validate_source: a local address as source, from outside, is a martian (unless accept_local).
      res.reason = 'martian source: a local address arriving from outside';
      return this.abandon(res);
    }
    if (route && (route.type === 'local' || route.type === 'broadcast')) return this.input(res);
    // Multicast: IPv6 link groups (all-nodes, solicited-node: neighbour discovery) and IPv4's
    // all-hosts group are joined by every device and delivered locally (ip6_mc_input,
    // ip_route_input_mc). Other groups, and multicast routing, are not modelled.
    if (this.isJoinedMulticast()) return this.input(res);
    if (!route || route.type === 'unreachable' || route.type === 'blackhole' || route.type === 'prohibit') {
      res.reason = route ? `route: ${route.type}` : 'route: no route to destination';
      // ip_error stays silent when the device does not forward; IPv6's ip6_pkt_discard answers regardless.
      if ((v.family === 6 || this.forwarding()) && route?.type !== 'blackhole') this.icmpUnreachable(route ? route.type : 'unreachable');
      return this.abandon(res);
    }
    if (!this.forwarding()) { res.reason = `forwarding disabled on ${skb.indev}`; return this.abandon(res); }
    return this.forward(res);
  }

  private acceptLocal(dev: string): boolean {
    return readSysctl(this.host, 'net.ipv4.conf.all.accept_local') === '1' || readSysctl(this.host, `net.ipv4.conf.${dev}.accept_local`) === '1';
  }

  private isJoinedMulticast(): boolean {
    const v = this.skb.view, b = v.buf, d = v.dstOff;
    if (v.family === 6) return b[d] === 0xff && (b[d + 1] & 0x0f) <= 2;
    return b[d] === 224 && b[d + 1] === 0 && b[d + 2] === 0 && b[d + 3] === 1;
  }

  private forwarding(): boolean {
    if (this.skb.view.family === 6) return this.fwd6;
    return this.devs.get(this.skb.indev)?.forwarding ?? false;
  }

  /** fib_validate_source with rp_filter: strict (1) needs the reverse route via the input device, loose (2) any route. */
  private rpFilterOk(): boolean {
    const skb = this.skb;
    const dev = this.devs.get(skb.indev);
    const mode = dev?.rpFilter ?? 0;
    if (mode === 0) return true;
    const back = this.fib(skb.view.srcOff);
    if (!back || (back.type !== 'unicast' && back.type !== 'local')) return false;
    if (mode === 2) return true;
    return back.dev === dev?.index;
  }

  private input(res: PacketResult): PacketResult {
    const v6 = this.skb.view.family === 6;
    // Without conntrack's defrag, ip_local_deliver reassembles IPv4 before INPUT (IP_DEFRAG_LOCAL_DELIVER);
    // IPv6 fragments cross INPUT one by one and ipv6_frag_rcv reassembles them after it.
    if (!v6 && this.skb.view.isFragment && !this.gather(res, this.skb.indev)) return res;
    if (this.hook(res, 'INPUT') !== NF_ACCEPT) return this.abandon(res);
    if (v6 && this.skb.view.isFragment && !this.gather(res, this.skb.indev)) return res;
    res.fate = 'delivered';
    res.reason = 'local delivery';
    this.localStack();
    return res;
  }

  /** The minimal local stack: sockets that listen get the packet; otherwise Linux's answers. */
  private localStack(): void {
    const v = this.skb.view;
    const dst = v.buf.subarray(v.dstOff, v.dstOff + v.addrLen);
    // tcp_v4_rcv, __udp4_lib_rcv, icmp_rcv (and the IPv6 ones) drop a segment with a wrong checksum: no socket sees it, no answer.
    // (Not when the skb's checksum is vouched for: CHECKSUM_PARTIAL/UNNECESSARY is never verified.)
    if ((v.proto === IPPROTO_TCP || v.proto === IPPROTO_UDP || v.proto === IPPROTO_ICMP || v.proto === IPPROTO_ICMPV6) && !this.csumTrusted && !v.l4ChecksumOk()) return;
    if (v.proto === IPPROTO_TCP || v.proto === IPPROTO_UDP) {
      const l = findListener(this.host, v.proto === IPPROTO_TCP ? 'tcp' : 'udp', this.fam(), dst, v.dport);
      if (l) { this.emitCopy('local', 'deliver'); return; }
    } else if (v.proto !== IPPROTO_ICMP && v.proto !== IPPROTO_ICMPV6) {
      this.emitCopy('local', 'deliver');
    }
    stackAnswer(this.net, v, this.skb.indev);
  }

  private forward(res: PacketResult): PacketResult {
    const skb = this.skb;
    const v = skb.view;
    const rt = this.outRoute();
    const out = rt.error ? undefined : this.devName(rt.dev);
    if (!out) { res.reason = 'route: no output route'; return this.abandon(res); }
    // ip_forward: TTL/hop limit first, then the MTU of the way out, then the hop is counted.
    if (v.ttl <= 1) {
      sendIcmpError(this.net, v, v.family === 4 ? 11 : 3, 0, 0);
      res.reason = 'ip_forward: TTL exceeded';
      return this.abandon(res);
    }
    const mtu = this.devs.get(out)?.mtu ?? 1500;
    const len = v.ipEnd - v.l3;
    if (this.gsoSize > 0 ? this.gsoExceeds(mtu) : forwardExceedsMtu(v, mtu, this.fragInfo.fragMax ? this.fragInfo : null)) {
      if (v.family === 4) sendIcmpError(this.net, v, 3, 4, mtu);
      else sendIcmpError(this.net, v, 2, 0, mtu);
      res.reason = `ip_forward: packet of ${len} bytes exceeds the MTU ${mtu} of ${out}`;
      return this.abandon(res);
    }
    if (v.family === 4) ipv4DecTtl(v.buf, v.l3);
    else v.buf[v.l3 + 7]--;
    v.ttl--;
    skb.outdev = out;
    if (this.hook(res, 'FORWARD') !== NF_ACCEPT) return this.abandon(res);
    return this.postrouting(res, 'forward');
  }

  private localOut(res: PacketResult, origin: Emitted['origin']): PacketResult {
    const skb = this.skb;
    const v = skb.view;
    // A socket bound to its device (ndisc's NS and NA, SO_BINDTODEVICE) leaves by that device;
    // link-local and multicast destinations are only meaningful with one.
    const bound = this.oif !== '' && this.devs.has(this.oif);
    const rt = bound ? null : this.outRoute();
    if (rt?.error) { res.reason = `route: ${rt.error}`; return this.drop(res, res.reason); }
    skb.outdev = rt ? this.devName(rt.dev) ?? '' : this.oif;
    if (this.hook(res, 'OUTPUT') !== NF_ACCEPT) return this.abandon(res);
    // Reroute: NAT or mangle may have changed the destination.
    const rt2 = bound ? null : this.outRoute();
    if (rt2 && !rt2.error) skb.outdev = this.devName(rt2.dev) ?? skb.outdev;
    return this.postrouting(res, origin);
  }

  private postrouting(res: PacketResult, origin: Emitted['origin']): PacketResult {
    const skb = this.skb;
    if (this.hook(res, 'POSTROUTING') !== NF_ACCEPT) return this.abandon(res);
    res.outdev = skb.outdev;
    if (skb.outdev === 'lo') {
      // Looped back to this host: received on lo with the conntrack entry it already has.
      res.fate = 'delivered';
      res.reason = 'local delivery via lo';
      skb.indev = 'lo';
      this.hook(res, 'PREROUTING');
      if (this.hook(res, 'INPUT') === NF_ACCEPT) this.localStack();
      return res;
    }
    res.fate = origin === 'forward' ? 'forwarded' : 'sent';
    res.reason = `out ${skb.outdev}`;
    const v = skb.view;
    const mtu = this.devs.get(skb.outdev)?.mtu ?? 1500;
    if (this.fragInfo.fragMax === 0 && (v.ipEnd - v.l3 <= mtu || (this.gsoSize > 0 && !this.gsoExceeds(mtu)))) {
      this.emitCopy(skb.outdev, origin);
      return res;
    }
    // ip_fragment / ip6_fragment: too long for the device, or a reassembled datagram sent on as fragments.
    this.fragDev = skb.outdev;
    this.fragOrigin = origin;
    const f = this.fragmenter.fragment(v, mtu, this.fragInfo.fragMax ? this.fragInfo : null, this.net.random.u32(), this.emitFrag, !skb.local);
    if (f === 'too-big') {
      if (v.family === 4) sendIcmpError(this.net, v, 3, 4, this.fragmenter.icmpMtu);
      else sendIcmpError(this.net, v, 2, 0, this.fragmenter.icmpMtu);
      res.fate = 'dropped';
      res.reason = `fragmentation: ${v.ipEnd - v.l3} bytes do not fit the MTU ${mtu} of ${skb.outdev}`;
    } else if (f === 'dropped') {
      res.fate = 'dropped';
      res.reason = 'fragmentation failed';
    }
    return res;
  }

  /** A dropped packet's unconfirmed conntrack entry goes away (nf_conntrack_put on an unconfirmed ct). */
  private abandon(res: PacketResult): PacketResult {
    if (this.skb.ct >= 0) this.net.conntrack.abandon(this.ctp);
    res.fate = 'dropped';
    return res;
  }

  private emitCopy(dev: string, origin: Emitted['origin']): void {
    const v = this.skb.view;
    if (this.onEmit) this.onEmit(dev, v.buf, v.l3, v.ipEnd - v.l3, origin);
    else this.net.emitted.push({ dev, bytes: v.buf.slice(v.l3, v.ipEnd), origin });
  }

  private icmpUnreachable(type: string): void {
    const v = this.skb.view;
    // ip_error(): host unreachable for unreachable routes, admin prohibited for prohibit.
    if (v.family === 4) sendIcmpError(this.net, v, 3, type === 'prohibit' ? 13 : 1, 0);
    else sendIcmpError(this.net, v, 1, type === 'prohibit' ? 1 : 0, 0);
  }

  /**
   * A packet the host generates while handling another (REJECT, ICMP
   * errors, stack answers): it goes through OUTPUT and POSTROUTING with a
   * context of its own, then the original packet's context is restored.
   */
  private generated(bytes: Uint8Array, origin: Emitted['origin'], oif = ''): void {
    if (this.depth > 2) return;
    const saved = this.result;
    const savedBuf = this.buf.slice(0, this.skb.view.ipEnd);
    const savedSkb = {
      indev: this.skb.indev, outdev: this.skb.outdev, hook: this.skb.hook, table: this.skb.table, ct: this.skb.ct, ctinfo: this.skb.ctinfo,
      mark: this.skb.mark, local: this.skb.local, nftrace: this.skb.nftrace, uid: this.skb.uid, gid: this.skb.gid, hotdrop: this.skb.hotdrop,
    };
    const savedCt = { ct: this.ctp.ct, ctinfo: this.ctp.ctinfo };
    const savedGso = this.gsoSize, savedTrust = this.csumTrusted, savedOif = this.oif;
    const emitted = this.net.emitted;
    const savedFrag = this.fragInfo;
    this.fragInfo = new FragInfo();
    this.depth++;
    try {
      const sub: PacketResult = { fate: 'dropped', reason: '', outdev: '', ctinfo: -1, steps: [], emitted };
      this.result = sub;
      this.buf.set(bytes.subarray(0, Math.min(bytes.length, MAX_PACKET)));
      this.skb.view.parse(this.buf, 0, bytes.length);
      if (this.skb.view.l3Ok()) {
        this.resetSkb('', '', true);
        this.oif = oif;
        // nf_send_reset/nf_send_unreach and icmp_send attach the answered packet's entry
        // (nf_ct_attach): RELATED in the opposite direction, so the answer skips conntrack
        // lookup and NAT translates it (and the header it quotes) back.
        if ((origin === 'reject' || origin === 'icmp') && savedSkb.ct >= 0) {
          const reply = savedSkb.ctinfo >= IP_CT_IS_REPLY;
          this.skb.ct = this.ctp.ct = savedSkb.ct;
          this.skb.ctinfo = this.ctp.ctinfo = reply ? IP_CT_RELATED : IP_CT_RELATED_REPLY;
        }
        this.localOut(sub, origin);
      }
      if (this.trace) saved.steps.push(...sub.steps.map((s) => ({ ...s, table: s.table })));
    } finally {
      this.depth--;
      this.fragInfo = savedFrag;
      this.result = saved;
      this.net.emitted = emitted;
      this.buf.set(savedBuf);
      this.skb.view.parse(this.buf, 0, savedBuf.length);
      Object.assign(this.skb, savedSkb);
      this.ctp.ct = savedCt.ct; this.ctp.ctinfo = savedCt.ctinfo;
      this.gsoSize = savedGso; this.csumTrusted = savedTrust; this.oif = savedOif;
    }
  }

  /** The parsed packet's family (only called after the IP header was found valid). */
  private fam(): 4 | 6 {
    return this.skb.view.family === 6 ? 6 : 4;
  }

  private devName(index: number): string | undefined {
    return this.devByIndex.get(index);
  }
}

function compileAll(rs: Ruleset): Map<TableName, CompiledTable> {
  const m = new Map<TableName, CompiledTable>();
  for (const [name, t] of rs.tables) m.set(name, compileTable(t));
  return m;
}
