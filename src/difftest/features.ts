/**
 * The generator's second layer: small pieces of ruleset for the extensions
 * the base generator does not draw, each with the few packets that
 * exercise it. A piece is written for the case's family directly (NAT
 * ranges, REJECT variants and prefixes differ in IPv6), after the base case
 * was mapped onto IPv6 when it is an IPv6 one.
 *
 * - tcpmss: TCPMSS --set-mss / --clamp-mss-to-pmtu in mangle FORWARD or
 *   POSTROUTING, sometimes with a smaller WAN MTU, and SYNs with and
 *   without an MSS option;
 * - connmark: CONNMARK --set-mark/--set-xmark/--save-mark/--restore-mark and
 *   -m connmark, with a flow and its replies;
 * - chains: user chains reached by -j and -g, nested, with RETURN, all
 *   under conditions;
 * - hashlimit: --hashlimit-upto/above, burst and mode, with a burst of
 *   packets at the injector's 12 ms pacing;
 * - reject: every --reject-with of the family;
 * - nat: SNAT and MASQUERADE with port ranges (and --random, whose port the
 *   alias normalisation of a NAT port handles, see normalise.ts), DNAT with
 *   address and port ranges, REDIRECT, NETMAP both ways;
 * - output: rules in OUTPUT (filter, mangle) over the router's own answers.
 */
import { icmp, tcp, udp } from '../scenarios/engine/testkit';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../wire/tcp';
import { LINKS, REMOTE, type CasePacket, type DiffCase } from './case';
import { addr6, packet6 } from './family6';
import { view } from './normalise';
import { parseIp } from '../host/prefix';
import type { Rng } from './rng';
import { pkt } from './scenarios';

export const FEATURES = ['tcpmss', 'connmark', 'chains', 'hashlimit', 'reject', 'nat', 'output'] as const;
export type Feature = (typeof FEATURES)[number];

export interface FeatureContext {
  fam: 4 | 6;
  /**
   * Unreachable/prohibit routes are in the case and the generator keeps
   * clear of known differences: no other ICMP errors (ip_error's rate
   * limit shares its tokens with them, see generator.ts KNOWN_GAPS).
   */
  noOtherErrors: boolean;
  /** Draw exactly these pieces (else each with its own probability). */
  only?: readonly Feature[];
}

const LAN = LINKS[0].hosts, DMZ = LINKS[2].hosts;
const ROUTER_LAN = LINKS[0].addr, ROUTER_WAN = LINKS[1].addr;

const REJECT4 = ['icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-port-unreachable', 'icmp-proto-unreachable', 'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited',
  'net-unreach', 'host-unreach', 'port-unreach', 'proto-unreach', 'net-prohib', 'host-prohib', 'admin-prohib'];
const REJECT6 = ['icmp6-no-route', 'no-route', 'icmp6-adm-prohibited', 'adm-prohibited', 'icmp6-addr-unreachable', 'addr-unreach', 'icmp6-port-unreachable', 'port-unreach',
  'icmp6-policy-fail', 'policy-fail', 'icmp6-reject-route', 'reject-route'];

/** What one piece adds; rules are in the case's family (iptables or ip6tables arguments). */
interface Piece { defs: string[]; rules: string[]; host: string[]; packets: CasePacket[]; }

class Writer {
  constructor(readonly h: Rng, readonly x: FeatureContext) {}
  get v6(): boolean { return this.x.fam === 6; }
  /** An address of the IPv4 pools in the case's family. */
  a(v4: string): string { return this.v6 ? addr6(v4) : v4; }
  /** The same, as a NAT target writes it. */
  na(v4: string): string { return this.v6 ? `[${addr6(v4)}]` : v4; }
  get icmpP(): string { return this.v6 ? 'ipv6-icmp' : 'icmp'; }
  lanNet(): string { return this.v6 ? '2001:db8::/64' : '192.168.0.0/24'; }
  /** A packet built in IPv4 and mapped onto the family. */
  p(b: Uint8Array, what: string): CasePacket { const c = pkt(b, what); return this.v6 ? packet6(c) : c; }
  verdict(): string {
    const v = this.h.pick(['ACCEPT', 'DROP', 'REJECT']);
    return v === 'REJECT' && this.x.noOtherErrors ? 'DROP' : v;
  }
  /** A source and a destination on different links (a packet back out of its own link would make an ICMP redirect). */
  pair(): [string, string] {
    const groups = [LAN, DMZ, REMOTE];
    const gi = this.h.int(3);
    const gj = (gi + 1 + this.h.int(2)) % 3;
    return [this.h.pick(groups[gi]), this.h.pick(groups[gj])];
  }
  port(): number { return 30000 + this.h.int(30000); }
  cond(): string {
    return this.h.pick(['', ' -p tcp', ' -p udp', ` -p ${this.icmpP}`, ` -s ${this.a(this.h.pick([...LAN, ...DMZ, ...REMOTE]))}`, ` -d ${this.a(this.h.pick([...LAN, ...REMOTE]))}`,
      ` -i ${this.h.pick(['eth0', 'eth1', 'eth2'])}`, ' -p tcp --dport 80', ' -p udp --dport 53', ' -m conntrack --ctstate NEW']);
  }
  /** A new packet of some protocol between two hosts. */
  any(src: string, dst: string, proto = this.h.pick(['tcp', 'udp', 'icmp'] as const), dport = this.h.pick([53, 80, 443, 8080])): CasePacket {
    const s = { src, dst, df: this.h.chance(0.4) };
    if (proto === 'tcp') return this.p(tcp({ ...s, sport: this.port(), dport, flags: TCP_SYN, seq: this.h.int(0x7fffffff), mss: 1460 }), `tcp ${src} > ${dst}:${dport}`);
    if (proto === 'udp') return this.p(udp({ ...s, sport: this.port(), dport, data: new Uint8Array(8).fill(0x33) }), `udp ${src} > ${dst}:${dport}`);
    return this.p(icmp({ ...s, type: 8, id: 1 + this.h.int(0xfffe), seq: 1, len: 16 }), `ping ${src} > ${dst}`);
  }
}

const empty = (): Piece => ({ defs: [], rules: [], host: [], packets: [] });

function tcpmss(w: Writer, c: DiffCase): Piece {
  const { h } = w;
  const out = empty();
  if (!w.x.noOtherErrors && !c.host.some((l) => / mtu /.test(l)) && h.chance(0.5)) {
    const mtu = h.pick([1280, 1400, 1492]);
    // A veth drops frames above its own MTU on receive: only when no packet from the WAN is bigger.
    if (c.packets.every((p) => p.dev !== 'eth1' || p.hex.length / 2 + 40 <= mtu)) out.host.push(`ip link set eth1 mtu ${mtu}`);
  }
  const chain = h.pick(['FORWARD', 'POSTROUTING']);
  const target = h.pick(['--clamp-mss-to-pmtu', '--clamp-mss-to-pmtu', '--set-mss 536', '--set-mss 1200', '--set-mss 1400', '--set-mss 1460']);
  out.rules.push(`-t mangle -A ${chain} -p tcp --tcp-flags SYN,RST SYN${h.chance(0.5) ? ' -o eth1' : ''} -j TCPMSS ${target}`);
  const n = 1 + h.int(3);
  for (let i = 0; i < n; i++) {
    const src = h.pick([...LAN, ...DMZ]), dst = h.pick(REMOTE);
    const mss = h.pick([undefined, 1460, 9000, 500, 1380]);
    const sport = w.port(), seq = h.int(0x7fffffff);
    const back = h.chance(0.5);
    // A SYN from outside to the LAN, or one from the LAN out (and sometimes its SYN-ACK).
    if (back) out.packets.push(w.p(tcp({ src: dst, dst: src, sport, dport: 80, flags: TCP_SYN, seq, mss, len: h.chance(0.2) ? 20 : 0 }), `SYN mss ${mss ?? 'none'} ${dst} > ${src}`));
    else {
      out.packets.push(w.p(tcp({ src, dst, sport, dport: 443, flags: TCP_SYN, seq, mss }), `SYN mss ${mss ?? 'none'} ${src} > ${dst}`));
      if (h.chance(0.5)) out.packets.push(w.p(tcp({ src: dst, dst: src, sport: 443, dport: sport, flags: TCP_SYN | TCP_ACK, seq: 77, ack: (seq + 1) >>> 0, mss: h.pick([undefined, 1460, 1200]) }), `SYN-ACK ${dst} > ${src}`));
    }
  }
  return out;
}

function connmark(w: Writer): Piece {
  const { h } = w;
  const out = empty();
  out.rules.push(`-t mangle -A PREROUTING${w.cond()} -j CONNMARK ${h.pick(['--set-mark 0x1', '--set-mark 0x2', '--set-mark 0x3/0x1', '--set-mark 0x10/0xf0', '--set-xmark 0x5/0xff'])}`);
  if (h.chance(0.5)) out.rules.push(`-t mangle -A PREROUTING -j CONNMARK --restore-mark${h.chance(0.3) ? ' --mask 0x1' : ''}`);
  if (h.chance(0.5)) {
    out.rules.push(`-t mangle -A FORWARD${w.cond()} -j MARK --set-mark 0x4`);
    out.rules.push(`-t mangle -A POSTROUTING -j CONNMARK --save-mark${h.chance(0.3) ? ' --mask 0x6' : ''}`);
  }
  out.rules.push(`-A ${h.pick(['FORWARD', 'INPUT'])}${h.chance(0.3) ? ' -m connmark ! --mark' : ' -m connmark --mark'} ${h.pick(['0x1', '0x1/0x1', '0x2', '0x4', '0x10/0xf0'])} -j ${w.verdict()}`);
  if (h.chance(0.3)) out.rules.push(`-A FORWARD -m mark --mark ${h.pick(['0x1', '0x2', '0x4'])} -j ${w.verdict()}`);
  // A conversation: new packets, then replies to them (and a second packet of the same flow).
  const [src, dst] = w.pair();
  const proto = h.pick(['tcp', 'udp', 'icmp'] as const);
  const sport = w.port(), dport = h.pick([53, 80]);
  const fwd = (): CasePacket => proto === 'udp' ? w.p(udp({ src, dst, sport, dport }), `udp ${src} > ${dst}`)
    : proto === 'tcp' ? w.p(tcp({ src, dst, sport, dport, flags: TCP_SYN, seq: 100 }), `SYN ${src} > ${dst}`)
      : w.p(icmp({ src, dst, type: 8, id: 9, seq: 1 }), `ping ${src} > ${dst}`);
  const rev = (): CasePacket => proto === 'udp' ? w.p(udp({ src: dst, dst: src, sport: dport, dport: sport }), `udp reply ${dst} > ${src}`)
    : proto === 'tcp' ? w.p(tcp({ src: dst, dst: src, sport: dport, dport: sport, flags: TCP_SYN | TCP_ACK, seq: 500, ack: 101 }), `SYN-ACK ${dst} > ${src}`)
      : w.p(icmp({ src: dst, dst: src, type: 0, id: 9, seq: 1 }), `ping reply ${dst} > ${src}`);
  out.packets.push(fwd(), rev());
  if (h.chance(0.5)) out.packets.push(proto === 'tcp' ? w.p(tcp({ src, dst, sport, dport, flags: TCP_ACK, seq: 101, ack: 501 }), `ACK ${src} > ${dst}`) : fwd());
  if (h.chance(0.5)) { const [s2, d2] = w.pair(); out.packets.push(w.any(s2, d2)); }
  return out;
}

function chains(w: Writer): Piece {
  const { h } = w;
  const out = empty();
  const three = h.chance(0.4);
  out.defs.push('-N U1', '-N U2', ...(three ? ['-N U3'] : []));
  const u1 = 1 + h.int(3);
  for (let i = 0; i < u1; i++) {
    const k = h.int(4);
    out.rules.push(`-A U1${w.cond()} ${k === 0 ? '-g U2' : k === 1 ? '-j U2' : k === 2 ? '-j RETURN' : `-j ${w.verdict()}`}`);
  }
  const u2 = 1 + h.int(2);
  for (let i = 0; i < u2; i++) {
    const k = h.int(three ? 3 : 2);
    out.rules.push(`-A U2${w.cond()} ${k === 0 ? '-j RETURN' : k === 1 ? `-j ${w.verdict()}` : h.pick(['-j U3', '-g U3'])}`);
  }
  if (three) out.rules.push(`-A U3${w.cond()} -j ${h.pick(['RETURN', w.verdict()])}`);
  out.rules.push(`-A ${h.pick(['FORWARD', 'FORWARD', 'INPUT'])}${w.cond()} -j U1`);
  if (h.chance(0.3)) out.rules.push(`-A FORWARD${w.cond()} -g U2`);
  if (h.chance(0.5)) out.rules.push(`-A FORWARD${w.cond()} -j ${w.verdict()}`);
  const n = 2 + h.int(3);
  for (let i = 0; i < n; i++) {
    const [src, dst] = w.pair();
    out.packets.push(w.any(src, h.chance(0.2) && !w.x.noOtherErrors ? LINKS.find((l) => l.hosts.includes(src))?.addr ?? ROUTER_WAN : dst));
  }
  return out;
}

function hashlimit(w: Writer, name: string): Piece {
  const { h } = w;
  const out = empty();
  const proto = h.pick(['udp', 'tcp', 'icmp'] as const);
  const chain = w.x.noOtherErrors ? 'FORWARD' : h.pick(['FORWARD', 'FORWARD', 'INPUT']);
  const mode = h.pick(['', ' --hashlimit-mode srcip', ' --hashlimit-mode dstport', ' --hashlimit-mode srcip,dstport', ' --hashlimit-mode dstip']);
  // Rates whose refill time is far from the 12 ms pacing (jiffies are 4 ms here): 1/s, 5/s and 10/min refill after the case, 1000/s before every packet.
  const rate = h.pick(['1/s', '5/s', '10/min', '1000/s']);
  out.rules.push(`-A ${chain} -p ${proto === 'icmp' ? w.icmpP : proto}${proto !== 'icmp' && h.chance(0.4) ? ' --dport 53:80' : ''} -m hashlimit --hashlimit-${h.pick(['upto', 'above'])} ${rate} --hashlimit-burst ${1 + h.int(3)}${mode} --hashlimit-name ${name} -j ${h.pick(['ACCEPT', 'DROP', w.verdict()])}`);
  const srcs = [h.pick(LAN), h.pick(LAN)], ports = [53, h.pick([53, 80])];
  const n = 3 + h.int(4);
  for (let i = 0; i < n; i++) {
    const src = h.pick(srcs), dst = chain === 'INPUT' ? ROUTER_LAN : h.pick(REMOTE), dport = h.pick(ports);
    out.packets.push(w.any(src, dst, proto, dport));
  }
  return out;
}

function reject(w: Writer): Piece {
  const { h } = w;
  const out = empty();
  // Under noOtherErrors only tcp-reset (a RST spends no ICMP tokens).
  const proto = w.x.noOtherErrors ? 'tcp' : h.pick(['tcp', 'udp', 'icmp', ''] as const);
  const withs = w.x.noOtherErrors ? [] : [...(w.v6 ? REJECT6 : REJECT4)];
  if (proto === 'tcp') withs.push('tcp-reset', ...(w.v6 ? [] : ['tcp-rst']));
  const chain = w.x.noOtherErrors ? 'FORWARD' : h.pick(['FORWARD', 'INPUT']);
  const dflt = !w.x.noOtherErrors && h.chance(0.1);
  out.rules.push(`-A ${chain}${proto ? ` -p ${proto === 'icmp' ? w.icmpP : proto}` : ''}${h.chance(0.3) ? ` -i ${h.pick(['eth0', 'eth1', 'eth2'])}` : ''} -j REJECT${dflt ? '' : ` --reject-with ${h.pick(withs)}`}`);
  const n = 1 + h.int(3);
  for (let i = 0; i < n; i++) {
    const [src, dst] = w.pair();
    const to = chain === 'INPUT' ? LINKS.find((l) => l.hosts.includes(src))?.addr ?? ROUTER_WAN : dst;
    const pr = proto || h.pick(['tcp', 'udp', 'icmp'] as const);
    if (pr === 'tcp' && h.chance(0.4)) {
      out.packets.push(w.p(tcp({ src, dst: to, sport: w.port(), dport: 25, flags: TCP_ACK | TCP_PSH, seq: h.int(0x7fffffff), ack: 9, len: h.int(40) }), `tcp data ${src} > ${to}`));
    } else out.packets.push(w.any(src, to, pr));
  }
  return out;
}

function nat(w: Writer): Piece {
  const { h } = w;
  const out = empty();
  const kinds = ['snat', 'masq', 'dnat', 'netmap-out', 'netmap-in', ...(w.x.noOtherErrors ? [] : ['redirect'])];
  const kind = h.pick(kinds);
  const proto = h.pick(['tcp', 'udp'] as const);
  const flow = (src: string, dst: string, sport: number, dport: number, what: string): CasePacket => proto === 'tcp'
    ? w.p(tcp({ src, dst, sport, dport, flags: TCP_SYN, seq: 1000, mss: 1460 }), what)
    : w.p(udp({ src, dst, sport, dport }), what);
  const answer = (src: string, dst: string, sport: number, dport: number, what: string): CasePacket => proto === 'tcp'
    ? w.p(tcp({ src, dst, sport, dport, flags: TCP_SYN | TCP_ACK, seq: 5000, ack: 1001 }), what)
    : w.p(udp({ src, dst, sport, dport }), what);
  if (kind === 'snat' || kind === 'masq') {
    // Ports outside the range (and --random) make the kernel draw one: the NAT port alias takes it (normalise.ts).
    const ports = h.pick(['20000-20010', '1024-65535', '40000', '']);
    const rnd = h.pick(['', '', ' --random', ' --random-fully', ...(kind === 'snat' ? [' --persistent'] : [])]);
    out.rules.push(kind === 'snat'
      ? `-t nat -A POSTROUTING -o eth1 -p ${proto} -j SNAT --to-source ${w.na(ROUTER_WAN)}${ports ? `:${ports}` : ''}${rnd}`
      : `-t nat -A POSTROUTING -o eth1 -p ${proto} -j MASQUERADE${ports ? ` --to-ports ${ports}` : ''}${rnd}`);
    const sport = w.port();
    const n = 1 + h.int(3);
    for (let i = 0; i < n; i++) {
      // The same source port from two hosts: the second clashes.
      const src = h.pick([...LAN, ...DMZ]), dst = h.pick(REMOTE);
      out.packets.push(flow(src, dst, h.chance(0.5) ? sport : w.port(), 80, `${proto} ${src} > ${dst} (${kind})`));
    }
    const ip = [...LAN, ...DMZ][0];
    if (h.chance(0.5)) out.packets.push(flow(ip, REMOTE[0], sport, 80, 'clash candidate'), answer(REMOTE[0], ROUTER_WAN, 80, sport, 'answer to the kept port'));
  } else if (kind === 'dnat') {
    const to = w.v6 ? h.pick(['[2001:db8::10]', '[2001:db8::10]:8000-8010', '[2001:db8::11]:80', '[2001:db8::10-2001:db8::12]'])
      : h.pick(['192.168.0.10-192.168.0.12', '192.168.0.10:8000-8010', '192.168.0.11:80', '192.168.0.10-192.168.0.11:80-81']);
    out.rules.push(`-t nat -A PREROUTING -i eth1 -p ${proto} --dport 8081 -j DNAT --to-destination ${to}`);
    const n = 1 + h.int(3);
    for (let i = 0; i < n; i++) {
      const src = h.pick(REMOTE), sport = w.port();
      out.packets.push(flow(src, ROUTER_WAN, sport, 8081, `${proto} ${src} > router:8081 (dnat ${to})`));
      if (h.chance(0.4)) out.packets.push(answer(h.pick(LAN), src, h.pick([80, 8000]), sport, 'answer from the LAN'));
    }
  } else if (kind === 'redirect') {
    const link = h.pick([LINKS[0], LINKS[2]]);
    const dport = proto === 'tcp' ? 80 : 53;
    out.rules.push(`-t nat -A PREROUTING -i ${link.dev} -p ${proto} --dport ${dport} -j REDIRECT${h.chance(0.5) ? ` --to-ports ${h.pick(['3128', '5300-5310'])}` : ''}`);
    const n = 1 + h.int(2);
    for (let i = 0; i < n; i++) {
      const src = h.pick(link.hosts), dst = h.pick(REMOTE);
      out.packets.push(flow(src, dst, w.port(), dport, `${proto} ${src} > ${dst}:${dport} (redirected)`));
    }
  } else if (kind === 'netmap-out') {
    out.rules.push(`-t nat -A POSTROUTING -s ${w.lanNet()} -o eth1 -j NETMAP --to ${w.v6 ? '2001:db8:ffff::/64' : '198.18.0.0/24'}`);
    const src = h.pick(LAN), dst = h.pick(REMOTE), sport = w.port();
    const mapped = w.v6 ? `2001:db8:ffff::${src.split('.')[3]}` : `198.18.0.${src.split('.')[3]}`;
    out.packets.push(flow(src, dst, sport, 443, `${proto} ${src} > ${dst} (netmap)`));
    // The answer addressed to the mapped source (built in the family directly).
    const ans = answer(dst, ROUTER_WAN, 443, sport, `answer to ${mapped}`);
    out.packets.push(retarget(ans, mapped));
  } else {
    const net = w.v6 ? '2001:db8:ffff:1::/64' : '198.18.1.0/24';
    out.rules.push(`-t nat -A PREROUTING -i eth1 -d ${net} -j NETMAP --to ${w.v6 ? '2001:db8:2::/64' : '10.0.0.0/24'}`);
    const host = h.pick(['10', '11']), src = h.pick(REMOTE), sport = w.port();
    const p = flow(src, ROUTER_WAN, sport, 80, `${proto} ${src} > mapped .${host} (netmap in)`);
    out.packets.push(retarget(p, w.v6 ? `2001:db8:ffff:1::${host}` : `198.18.1.${host}`));
    if (h.chance(0.6)) out.packets.push(answer(`10.0.0.${host}`, src, 80, sport, `answer from 10.0.0.${host}`));
  }
  return out;
}

/** The packet with another destination address (IPv4 or IPv6, transport checksum redone). */
function retarget(p: CasePacket, dst: string): CasePacket {
  const b = new Uint8Array(Buffer.from(p.hex, 'hex'));
  if (b[0] >> 4 === 6) b.set(parseIp(6, dst)!, 24);
  else { b.set(dst.split('.').map(Number), 16); }
  fixChecksums(b);
  return { ...p, hex: Buffer.from(b).toString('hex') };
}

function output(w: Writer): Piece {
  const { h } = w;
  const out = empty();
  const protos: ('tcp' | 'udp' | 'icmp')[] = w.x.noOtherErrors ? ['tcp', 'icmp'] : ['tcp', 'icmp', 'udp'];
  const proto = h.pick(protos);
  const p = proto === 'icmp' ? w.icmpP : proto;
  const k = h.int(4);
  if (k === 0) out.rules.push(`-t mangle -A OUTPUT -p ${p} -j ${h.pick(['MARK --set-mark 0x3', 'DSCP --set-dscp 8', w.v6 ? 'HL --hl-set 5' : 'TTL --ttl-set 5'])}`);
  else out.rules.push(`-A OUTPUT -p ${p}${h.chance(0.4) ? ` -o ${h.pick(['eth0', 'eth2'])}` : ''}${h.chance(0.3) ? ` -d ${w.a(h.pick(LAN))}` : ''} -j ${h.pick(['DROP', 'ACCEPT'])}`);
  if (h.chance(0.4)) out.rules.push(`-A OUTPUT -m conntrack --ctstate ${h.pick(['NEW', 'ESTABLISHED', 'RELATED', 'INVALID'])} -j ${h.pick(['DROP', 'ACCEPT'])}`);
  const n = 1 + h.int(3);
  for (let i = 0; i < n; i++) {
    const link = h.pick([LINKS[0], LINKS[2]]);
    const src = h.pick(link.hosts);
    out.packets.push(w.any(src, link.addr, h.pick(protos), h.pick([22, 53, 80])));
  }
  return out;
}

/** Adds pieces of ruleset and their packets to a case (in its family), each at a random place. */
export function addFeatures(h: Rng, c: DiffCase, x: FeatureContext): Feature[] {
  const w = new Writer(h, x);
  const chosen: Feature[] = [];
  for (const f of FEATURES) if (x.only ? x.only.includes(f) : h.chance(0.18)) chosen.push(f);
  let hl = 0;
  const rules = x.fam === 6 ? (c.rules6 ??= []) : c.rules;
  for (const f of chosen) {
    const piece = f === 'tcpmss' ? tcpmss(w, c) : f === 'connmark' ? connmark(w) : f === 'chains' ? chains(w)
      : f === 'hashlimit' ? hashlimit(w, `nsvhl${hl++}`) : f === 'reject' ? reject(w) : f === 'nat' ? nat(w) : output(w);
    c.host.push(...piece.host);
    // User chains are created first; the rest goes in one block at a random place among the rules.
    rules.unshift(...piece.defs);
    const nDefs = rules.findIndex((r) => !r.startsWith('-N '));
    const from = nDefs < 0 ? rules.length : nDefs;
    rules.splice(from + h.int(rules.length - from + 1), 0, ...piece.rules);
    c.packets.splice(h.int(c.packets.length + 1), 0, ...piece.packets);
  }
  if (chosen.length) c.name += ` +${chosen.join('+')}`;
  return chosen;
}

function fixChecksums(b: Uint8Array): void {
  const v = view(b);
  if (v.family === 4) v.setIpv4Checksum();
  v.setL4Checksum();
}
