/**
 * A differential case and the fixed topology it runs in. The router has
 * three links, each with one peer namespace standing for everything behind
 * that link:
 *
 *   lan peer ── eth0 192.168.0.1/24  2001:db8:0::1/64 ┐
 *   wan peer ── eth1 203.0.113.1/24  2001:db8:1::1/64 ├─ router (default via 203.0.113.254 / 2001:db8:1::fe on eth1)
 *   dmz peer ── eth2 10.0.0.1/24     2001:db8:2::1/64 ┘
 *
 * Packets may only be addressed to and from the pool addresses below: the
 * router knows those neighbours statically (netsieve has no ARP), and any
 * other on-link address would make the kernel ARP for seconds and then send
 * host-unreachable, which netsieve does not model.
 */
export interface LinkDef {
  /** Router interface name (the same in the kernel namespace and in netsieve's host). */
  dev: string;
  addr: string;
  plen: number;
  routerMac: string;
  peerMac: string;
  /** On-link hosts (static neighbours of the router, addresses of the peer). */
  hosts: string[];
  /** The router's IPv6 address on the link (/64) and the on-link IPv6 hosts (static neighbours too). */
  addr6: string;
  hosts6: string[];
}

export const LINKS: readonly LinkDef[] = [
  { dev: 'eth0', addr: '192.168.0.1', plen: 24, routerMac: '02:00:00:00:00:10', peerMac: '02:00:00:00:01:10', hosts: ['192.168.0.10', '192.168.0.11', '192.168.0.12'], addr6: '2001:db8::1', hosts6: ['2001:db8::10', '2001:db8::11', '2001:db8::12'] },
  { dev: 'eth1', addr: '203.0.113.1', plen: 24, routerMac: '02:00:00:00:00:11', peerMac: '02:00:00:00:01:11', hosts: ['203.0.113.254'], addr6: '2001:db8:1::1', hosts6: ['2001:db8:1::fe'] },
  { dev: 'eth2', addr: '10.0.0.1', plen: 24, routerMac: '02:00:00:00:00:12', peerMac: '02:00:00:00:01:12', hosts: ['10.0.0.10', '10.0.0.11'], addr6: '2001:db8:2::1', hosts6: ['2001:db8:2::10', '2001:db8:2::11'] },
];

/** Hosts beyond the WAN gateway (reached through the default route). */
export const REMOTE: readonly string[] = ['198.51.100.7', '198.51.100.8', '93.184.216.34'];
/** IPv6 hosts beyond the WAN gateway 2001:db8:1::fe. */
export const REMOTE6: readonly string[] = ['2001:db8:100::7', '2001:db8:100::8', '2001:db8:200::34'];

/** The router's IPv4 tables, in the order they are instantiated on both sides. */
export const TABLES = ['filter', 'nat', 'mangle', 'raw', 'security'] as const;

/**
 * Host lines every case starts from, applied to both sides (ip/sysctl
 * syntax). Values are set explicitly so that neither side's defaults
 * matter. The per-destination ICMP rate limit is off: the kernel keeps its
 * state (inetpeer) across cases in the reused namespace.
 */
export const BASE_HOST: readonly string[] = [
  'sysctl -w net.ipv4.ip_forward=0',
  'sysctl -w net.ipv4.conf.all.rp_filter=0',
  'sysctl -w net.ipv4.conf.default.rp_filter=0',
  ...LINKS.map((l) => `sysctl -w net.ipv4.conf.${l.dev}.rp_filter=0`),
  'sysctl -w net.ipv4.icmp_ratelimit=0',
  'sysctl -w net.ipv6.icmp.ratelimit=0',
  'ip route add default via 203.0.113.254 dev eth1',
  'sysctl -w net.ipv6.conf.all.forwarding=0',
  'ip -6 route add default via 2001:db8:1::fe dev eth1',
];

/**
 * Settings of the kernel router that netsieve's host has (or models) without
 * a line, set once per topology: no DAD, router solicitations or RAs, MLD
 * retransmissions at once (so they are over before a case starts, see
 * sides.ts). (The IPv6 ICMP error rate limit is switched off by BASE_HOST,
 * on both sides: the per-destination inetpeer buckets outlive a case.)
 */
export const KERNEL_ONLY_SYSCTLS: readonly string[] = [
  ...['all', 'default'].flatMap((c) => ['accept_dad=0', 'dad_transmits=0', 'router_solicitations=0', 'accept_ra=0', 'mldv1_unsolicited_report_interval=0', 'mldv2_unsolicited_report_interval=0'].map((k) => `net.ipv6.conf.${c}.${k}`)),
];

/** The interfaces themselves, on netsieve's side (the kernel side gets veths: see topology.ts). */
export const NETSIEVE_LINKS: readonly string[] = [
  'ip link set lo up',
  ...LINKS.flatMap((l) => [`ip link add ${l.dev} type dummy`, `ip link set ${l.dev} up`, `ip addr add ${l.addr}/${l.plen} dev ${l.dev}`, `ip -6 addr add ${l.addr6}/64 dev ${l.dev}`]),
];

/** Keys allowed in DiffCase.tuning, with the value every case starts from (the kernel's default). */
export const TUNABLE: Readonly<Record<string, string>> = {
  'net.ipv4.ipfrag_time': '30',
  'net.netfilter.nf_conntrack_frag6_timeout': '60',
};

export interface CasePacket {
  /** Router interface the packet arrives on (it is injected by that link's peer). */
  dev: string;
  /** The packet from its IP header, hex. */
  hex: string;
  /** A short human description (for reports). */
  what?: string;
  /** A pause before this packet, in ms (e.g. to let a reassembly queue expire); what arrives meanwhile belongs to the previous packet. */
  delayMs?: number;
}

export interface DiffCase {
  name: string;
  /** ip/sysctl lines on top of BASE_HOST, on both sides. */
  host: string[];
  /** iptables argument lines (no program name), on both sides, after every table was emptied. */
  rules: string[];
  /** ip6tables argument lines, applied after `rules`. */
  rules6?: string[];
  /**
   * sysctl settings (KEY=VALUE) that every case resets to the kernel's
   * default (TUNABLE lists them): `sysctl -w` on both sides, before the
   * host lines. They are not setup lines (not compared).
   */
  tuning?: string[];
  /**
   * Local processes on the router: sockets bound (TCP ones listening) for
   * the whole case, `tcp|udp ADDR:PORT` as netsieve's `listen` takes them
   * (listeners.ts starts them in the kernel's router namespace).
   */
  listen?: string[];
  packets: CasePacket[];
  /** A known engine difference: the regression test is reported as todo until it is fixed. */
  known?: string;
}

export function linkOf(dev: string): LinkDef {
  const l = LINKS.find((x) => x.dev === dev);
  if (!l) throw new Error(`no link ${dev}`);
  return l;
}

/** The router interface a packet from `src` arrives on (the link it lives behind). */
export function devFor(src: string): string {
  for (const l of LINKS) if (l.hosts.includes(src) || l.hosts6.includes(src)) return l.dev;
  return 'eth1';
}
