/**
 * Random cases from a seed: a host configuration (forwarding, rp_filter,
 * an extra route, a smaller WAN MTU), a ruleset (ACCEPT/DROP/REJECT rules
 * on addresses, interfaces, protocols, ports and conntrack states, random
 * policies, MASQUERADE or a DNAT port forward) and a packet sequence (new
 * TCP/UDP/ICMP packets between pool addresses, and replies to earlier ones,
 * addressed as NAT would have them answered).
 */
import { Rng } from './rng';
import { icmp, tcp, udp } from '../scenarios/engine/testkit';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../wire/tcp';
import { LINKS, REMOTE, type CasePacket, type DiffCase } from './case';
import { pkt } from './scenarios';
import { toIpv6 } from './family6';
import { addFeatures, type Feature } from './features';

export interface GenOptions {
  /** The family of every case; by default a quarter of the cases are IPv6 (see family6.ts). */
  family?: 4 | 6;
  /**
   * Keep clear of engine differences already reported (see KNOWN_GAPS), so
   * that a bounded run finds new ones: every ruleset has a rule that needs
   * conntrack, and nothing is forwarded back out of its input link.
   */
  avoidKnown?: boolean;
  /** false: no pieces from features.ts; a list: exactly those in every case; default: each at random. */
  features?: false | readonly Feature[];
}

/** Known engine differences the generator steers around with avoidKnown (docs/difftest.md lists reproducers). */
export const KNOWN_GAPS = [
  'ICMP redirects (a packet forwarded back out of its input link): the kernel builds one and counts it in raw/mangle OUTPUT; netsieve does not',
  'route errors (ip_error) are limited by a token bucket in the inetpeer shared with icmp\'s per-destination limit (error_cost HZ, burst 5*HZ); netsieve does not model it',
];

const LAN = LINKS[0].hosts, DMZ = LINKS[2].hosts;
const ROUTER = LINKS.map((l) => l.addr);
const PORTS = [22, 25, 53, 80, 123, 443, 8080];


interface Flow { proto: 'tcp' | 'udp' | 'icmp'; src: string; dst: string; sport: number; dport: number; seq: number; flags: number; len: number; id: number; }

/** True when a ruleset makes the kernel track connections (a conntrack/state/connmark match, CONNMARK or a NAT target). */
export function needsConntrack(rules: readonly string[]): boolean {
  // Every match and target that calls nf_ct_netns_get: conntrack/state, connmark/CONNMARK, and the NAT targets.
  return rules.some((r) => /conntrack|state|connmark|CONNMARK|MASQUERADE|DNAT|SNAT|REDIRECT|NETMAP/.test(r));
}

export function generateCase(seed: number, index: number, o: GenOptions = {}): DiffCase {
  const g = new Rng(seed * 100003 + index);
  const host: string[] = [];
  if (g.chance(0.9)) host.push('sysctl -w net.ipv4.ip_forward=1');
  if (g.chance(0.15)) host.push(`sysctl -w net.ipv4.conf.${g.pick(['eth0', 'eth1', 'eth2'])}.rp_filter=${g.pick([1, 2])}`);
  const routeError = g.chance(0.2) ? g.pick(['unreachable', 'prohibit', 'blackhole']) : '';
  if (routeError) host.push(`ip route add ${routeError} ${g.pick(REMOTE)}`);
  // ip_error's limit shares the inetpeer tokens with icmp's (see KNOWN_GAPS): no other ICMP errors then.
  const noOtherErrors = o.avoidKnown && routeError !== '' && routeError !== 'blackhole';
  const smallMtu = g.chance(0.1);
  if (smallMtu) host.push('ip link set eth1 mtu 1400');

  const rules: string[] = [];
  const stateful = g.chance(0.6);
  if (stateful) rules.push('-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  const masq = g.chance(0.3), dnat = g.chance(0.2);
  if (masq) rules.push(`-t nat -A POSTROUTING -o eth1${g.chance(0.5) ? ' -s 192.168.0.0/24' : ''} -j MASQUERADE`);
  if (dnat) rules.push('-t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination 192.168.0.10:80');
  if (g.chance(0.15)) rules.push(`-t mangle -A PREROUTING -p ${g.pick(['udp', 'tcp', 'icmp'])} -j MARK --set-mark 0x1`);
  if (g.chance(0.1)) rules.push(`-t mangle -A FORWARD -j ${g.pick(['TTL --ttl-set 9', 'TTL --ttl-inc 1', 'DSCP --set-dscp 10', 'TOS --set-tos 0x10'])}`);
  const nRules = g.int(7);
  for (let i = 0; i < nRules; i++) {
    const r = randomRule(g);
    rules.push(noOtherErrors ? r.replace(/-j REJECT.*$/, '-j DROP') : r);
  }
  for (const chain of ['INPUT', 'FORWARD']) if (g.chance(0.25)) rules.push(`-P ${chain} ${g.pick(['DROP', 'ACCEPT'])}`);
  // Half of the rulesets without a conntrack-needing rule get one, so both kinds of namespace are tried.
  if (!needsConntrack(rules) && g.chance(0.5)) {
    rules.push('-A INPUT -m conntrack --ctstate INVALID -j DROP');
  }

  const packets: CasePacket[] = [];
  const flows: Flow[] = [];
  const n = 1 + g.int(10);
  for (let i = 0; i < n; i++) {
    if (flows.length && g.chance(0.4)) {
      const f = g.pick(flows);
      // A reply to a packet for the router's own address would come from another host on the
      // same link and be forwarded back out of it: an ICMP redirect (see KNOWN_GAPS).
      const fromRouter = ROUTER.includes(f.dst) && !(dnat && f.dst === '203.0.113.1' && f.proto === 'tcp' && f.dport === 8080);
      if (!(o.avoidKnown && fromRouter)) { packets.push(reply(g, f, masq, dnat)); continue; }
    }
    let src = g.pick([...LAN, ...DMZ, ...REMOTE]);
    let dst = g.pick([...LAN, ...DMZ, ...REMOTE, ...ROUTER]);
    for (let k = 0; k < 8 && (dst === src || (o.avoidKnown && sameLink(src, dst))); k++) dst = g.pick([...LAN, ...DMZ, ...REMOTE, ...ROUTER]);
    if (dst === src) { src = g.pick(REMOTE); dst = g.pick(LAN); }
    if (o.avoidKnown && sameLink(src, dst)) dst = ROUTER[0];
    // Only the router address of the link the packet arrives on: a packet to another link's address
    // would make the reply generator take it for a DNATed one and send a reply back out of its own
    // link (an ICMP redirect, see KNOWN_GAPS). The answer-from-that-address case has a regression test.
    if (o.avoidKnown && ROUTER.includes(dst)) dst = LINKS.find((l) => l.hosts.includes(src))?.addr ?? '203.0.113.1';
    if (noOtherErrors && ROUTER.includes(dst)) dst = g.pick(REMOTE);
    if (dnat && REMOTE.includes(src) && g.chance(0.3)) dst = '203.0.113.1';
    const proto = g.pick(['tcp', 'tcp', 'udp', 'icmp'] as const);
    const f: Flow = {
      proto, src, dst, sport: 30000 + g.int(30000), dport: dst === '203.0.113.1' && dnat && proto === 'tcp' ? 8080 : g.pick(PORTS),
      seq: g.int(0x7fffffff), flags: g.pick([TCP_SYN, TCP_SYN, TCP_ACK, TCP_ACK | TCP_PSH, TCP_FIN | TCP_ACK, TCP_RST, TCP_SYN | TCP_ACK]),
      // Big packets only from links whose MTU stays 1500 (a veth drops frames above its own MTU on receive),
      // and at most 1419 bytes of payload, so that the IPv6 form (20 bytes more) still fits.
      len: g.chance(0.2) ? (smallMtu && !REMOTE.includes(src) ? 1300 + g.int(120) : g.int(200)) : 0, id: 1 + g.int(0xfffe),
    };
    // A time exceeded spends the same inetpeer tokens as ip_error (see KNOWN_GAPS).
    const ttl = g.chance(0.06) && !noOtherErrors ? 1 : 64;
    const df = g.chance(0.4);
    flows.push(f);
    packets.push(build(f, ttl, df));
  }
  const c: DiffCase = { name: `random seed ${seed} case ${index}`, host, rules, packets };
  // Drawn last, so that the IPv4 cases of a seed stay what they were.
  const v6 = o.family === 6 || (o.family === undefined && g.chance(0.25));
  const out = v6 ? toIpv6(c) : c;
  // The pieces for the other extensions (features.ts) come from a random source of their own,
  // so that adding them left the base cases of a seed as they were.
  if (o.features !== false) {
    addFeatures(new Rng((seed * 100003 + index) ^ 0x2545f491), out, { fam: v6 ? 6 : 4, noOtherErrors: !!noOtherErrors, only: Array.isArray(o.features) ? o.features : undefined });
  }
  return out;
}

function sameLink(a: string, b: string): boolean {
  const la = LINKS.find((l) => l.hosts.includes(a))?.dev ?? (REMOTE.includes(a) ? 'eth1' : '');
  const lb = LINKS.find((l) => l.hosts.includes(b))?.dev ?? (REMOTE.includes(b) ? 'eth1' : '');
  return la !== '' && la === lb;
}

function build(f: Flow, ttl: number, df: boolean): CasePacket {
  const base = { src: f.src, dst: f.dst, ttl, df };
  const what = `${f.proto} ${f.src}${f.proto === 'icmp' ? '' : `:${f.sport}`} > ${f.dst}${f.proto === 'icmp' ? '' : `:${f.dport}`}`;
  if (f.proto === 'tcp') return pkt(tcp({ ...base, sport: f.sport, dport: f.dport, flags: f.flags, seq: f.seq, ack: f.flags & TCP_ACK ? 1000 : 0, len: f.len, mss: f.flags & TCP_SYN ? 1460 : undefined }), what);
  if (f.proto === 'udp') return pkt(udp({ ...base, sport: f.sport, dport: f.dport, data: new Uint8Array(8 + f.len).fill(0x55) }), what);
  return pkt(icmp({ ...base, type: 8, id: f.id, seq: 1, len: 16 + f.len }), what);
}

/** An answer to an earlier packet, addressed as the far side sees the connection. */
function reply(g: Rng, f: Flow, masq: boolean, dnat: boolean): CasePacket {
  let src = f.dst, dst = f.src, sport = f.dport;
  if (masq && REMOTE.includes(f.dst) && !REMOTE.includes(f.src)) dst = '203.0.113.1';
  if (dnat && f.dst === '203.0.113.1' && f.proto === 'tcp' && f.dport === 8080) { src = '192.168.0.10'; sport = 80; }
  const r: Flow = { ...f, src, dst, sport, dport: f.sport, seq: g.int(0x7fffffff), len: 0 };
  if (f.proto === 'tcp') r.flags = f.flags & TCP_SYN && !(f.flags & TCP_ACK) ? TCP_SYN | TCP_ACK : g.pick([TCP_ACK, TCP_RST, TCP_FIN | TCP_ACK]);
  if (f.proto === 'icmp') {
    return pkt(icmp({ src, dst, type: 0, id: f.id, seq: 1, len: 16 }), `icmp reply ${src} > ${dst}`);
  }
  if (f.proto === 'tcp') {
    return pkt(tcp({ src, dst, sport, dport: f.sport, flags: r.flags, seq: r.seq, ack: (f.seq + 1) >>> 0 }), `tcp reply ${src}:${sport} > ${dst}:${f.sport}`);
  }
  return build(r, 64, false);
}

/** One of the other matches (multiport, iprange, length, ttl, tcp flags, icmp type, limit, recent, mark). */
function extraMatch(g: Rng, proto: '' | 'tcp' | 'udp' | 'icmp'): string {
  const opts = [
    '-m iprange --src-range 192.168.0.10-192.168.0.11',
    '-m iprange ! --dst-range 198.51.100.7-198.51.100.8',
    `-m length --length ${g.pick(['0:60', '61:65535', '40', '100:1500'])}`,
    `-m ttl --ttl-${g.pick(['lt 2', 'eq 64', 'gt 60'])}`,
    `-m limit --limit ${g.pick(['1/s', '10/s', '100/s'])} --limit-burst ${1 + g.int(3)}`,
    '-m recent --name nsvr --set',
    `-m recent --name nsvr --${g.pick(['rcheck', 'update'])} --seconds 10${g.chance(0.5) ? ` --hitcount ${2 + g.int(2)}` : ''}`,
    '-m mark --mark 0x1',
  ];
  if (proto === 'tcp' || proto === 'udp') opts.push(`-m multiport --dports ${g.pick(['22,80,443', '53,123', '8000:9000'])}`);
  if (proto === 'tcp') opts.push(`--tcp-flags ${g.pick(['SYN,ACK SYN', 'ALL ACK', 'RST RST', 'FIN,ACK FIN,ACK'])}`);
  if (proto === 'icmp') opts.push(`--icmp-type ${g.pick(['echo-request', 'echo-reply'])}`);
  return g.pick(opts);
}

function randomRule(g: Rng): string {
  const chain = g.pick(['FORWARD', 'FORWARD', 'FORWARD', 'INPUT', 'INPUT']);
  const parts = [`-A ${chain}`];
  const proto = g.pick(['tcp', 'udp', 'icmp', '', ''] as const);
  if (proto) parts.push(`-p ${proto}`);
  if (g.chance(0.3)) parts.push(`-s ${g.pick([...LAN, ...DMZ, ...REMOTE, '192.168.0.0/24', '198.51.100.0/24', '10.0.0.0/8'])}`);
  if (g.chance(0.3)) parts.push(`-d ${g.pick([...LAN, ...DMZ, ...REMOTE, ...ROUTER, '192.168.0.0/24'])}`);
  if (g.chance(0.3)) parts.push(`-i ${g.pick(['eth0', 'eth1', 'eth2'])}`);
  if (chain === 'FORWARD' && g.chance(0.2)) parts.push(`-o ${g.pick(['eth0', 'eth1', 'eth2'])}`);
  if ((proto === 'tcp' || proto === 'udp') && g.chance(0.6)) parts.push(`--dport ${g.pick(PORTS)}`);
  if (proto === 'tcp' && g.chance(0.2)) parts.push('--syn');
  if (g.chance(0.2)) parts.push(`-m conntrack --ctstate ${g.pick(['NEW', 'ESTABLISHED', 'INVALID', 'RELATED,ESTABLISHED', 'NEW,INVALID'])}`);
  if (g.chance(0.35)) parts.push(extraMatch(g, proto));
  const target = g.pick(['ACCEPT', 'DROP', 'REJECT', 'REJECT']);
  if (target === 'REJECT') {
    const withs = ['icmp-port-unreachable', 'icmp-host-unreachable', 'icmp-net-unreachable', 'icmp-admin-prohibited', 'icmp-host-prohibited', 'icmp-proto-unreachable'];
    if (proto === 'tcp') withs.push('tcp-reset', 'tcp-reset');
    parts.push(`-j REJECT --reject-with ${g.pick(withs)}`);
  } else {
    parts.push(`-j ${target}`);
  }
  return parts.join(' ');
}
