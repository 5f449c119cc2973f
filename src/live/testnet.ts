/**
 * The seeds' home network in network namespaces, for the live router's
 * end-to-end tests and bench:live:
 *
 *   LAN ns: client 192.168.0.50, server 192.168.0.10 ─ veth ─┐
 *                                                            RTR ns (netsieve, or the kernel as the router)
 *   WAN ns: 203.0.113.1 (the ISP), 198.51.100.20 (a server) ─ veth ─┘
 *
 * Every namespace and device name is unique to the test run (pid and a
 * random tag) and destroy() removes them all, also after a failure. The
 * router namespace's veth ends carry no addresses and no IPv6 when
 * netsieve is the router: the kernel there must not answer ARP, ND or
 * anything else on netsieve's behalf.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface NetOptions {
  wanMtu?: number;
  /** IPv6 on the hosts too: LAN 2001:db8:1::50/64 via 2001:db8:1::1, WAN 2001:db8:2::20/64 routing the LAN via 2001:db8:2::1. */
  ipv6?: boolean;
}

export class LiveNet {
  readonly tag: string;
  readonly lan: string;
  readonly wan: string;
  readonly rtr: string;
  /** The router's ends of the two links (in the RTR namespace). */
  readonly rLan: string;
  readonly rWan: string;
  /** The hosts' ends. */
  readonly hLan: string;
  readonly hWan: string;
  private made: string[] = [];

  constructor(readonly o: NetOptions = {}) {
    this.tag = `${(process.pid % 10000).toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
    this.lan = `nsv-lan-${this.tag}`;
    this.wan = `nsv-wan-${this.tag}`;
    this.rtr = `nsv-rtr-${this.tag}`;
    this.rLan = `nrl${this.tag}`;
    this.rWan = `nrw${this.tag}`;
    this.hLan = `nhl${this.tag}`;
    this.hWan = `nhw${this.tag}`;
  }

  /** Creates the namespaces and links, and configures the LAN and WAN hosts. */
  setup(): void {
    const mtu = String(this.o.wanMtu ?? 1500);
    for (const n of [this.lan, this.wan, this.rtr]) { must('ip', ['netns', 'add', n]); this.made.push(n); }
    must('ip', ['link', 'add', this.hLan, 'netns', this.lan, 'type', 'veth', 'peer', 'name', this.rLan, 'netns', this.rtr]);
    must('ip', ['link', 'add', this.hWan, 'netns', this.wan, 'mtu', mtu, 'type', 'veth', 'peer', 'name', this.rWan, 'netns', this.rtr, 'mtu', mtu]);
    const quiet = (ns: string, dev: string): void => {
      // No IPv6 chatter (DAD, router solicitations, MLD) on the links: the tests speak IPv4.
      this.sh(ns, `sysctl -qw net.ipv6.conf.${dev}.disable_ipv6=1`);
    };
    // The router's ends never run the kernel's IPv6: netsieve answers neighbour discovery there.
    quiet(this.rtr, this.rLan); quiet(this.rtr, this.rWan);
    if (!this.o.ipv6) { quiet(this.lan, this.hLan); quiet(this.wan, this.hWan); }
    this.sh(this.lan, [
      'ip link set lo up', `ip link set ${this.hLan} up`,
      `ip addr add 192.168.0.50/24 dev ${this.hLan}`, `ip addr add 192.168.0.10/24 dev ${this.hLan}`,
      'ip route add default via 192.168.0.1',
    ].join(' && '));
    this.sh(this.wan, [
      'ip link set lo up', `ip link set ${this.hWan} up`,
      `ip addr add 203.0.113.1/24 dev ${this.hWan}`, 'ip addr add 198.51.100.20/32 dev lo',
    ].join(' && '));
    this.sh(this.rtr, `ip link set lo up && ip link set ${this.rLan} up && ip link set ${this.rWan} up`);
    if (this.o.ipv6) {
      this.sh(this.lan, `ip -6 addr add 2001:db8:1::50/64 dev ${this.hLan} nodad && ip -6 route add default via 2001:db8:1::1`);
      this.sh(this.wan, `ip -6 addr add 2001:db8:2::20/64 dev ${this.hWan} nodad && ip -6 route add 2001:db8:1::/64 via 2001:db8:2::1`);
    }
  }

  /** The kernel of the RTR namespace as the router (bench:live's reference), with the same addresses as netsieve's. */
  kernelRouter(rules: string): void {
    this.sh(this.rtr, [
      `ip addr add 192.168.0.1/24 dev ${this.rLan}`, `ip addr add 203.0.113.2/24 dev ${this.rWan}`,
      'ip route add default via 203.0.113.1', 'sysctl -qw net.ipv4.ip_forward=1',
    ].join(' && '));
    const r = spawnSync('ip', ['netns', 'exec', this.rtr, 'iptables-legacy-restore'], { input: rules, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`iptables-legacy-restore: ${r.stderr}`);
  }

  /** A shell command in a namespace; throws with its stderr on failure. */
  sh(ns: string, cmd: string, timeoutMs = 30_000): string {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', cmd], { encoding: 'utf8', timeout: timeoutMs });
    if (r.status !== 0) throw new Error(`[${ns}] ${cmd}: ${r.error?.message ?? ''}${r.stderr}`);
    return r.stdout;
  }

  /** Like sh, but returns the status instead of throwing. */
  try(ns: string, cmd: string, timeoutMs = 30_000): { code: number; out: string; err: string } {
    const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', cmd], { encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  }

  /** A long-running process in a namespace (a server, the router); the caller ends it by its pid. */
  spawn(ns: string, argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    return spawn('ip', ['netns', 'exec', ns, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  destroy(): void {
    // Deleting a namespace deletes the veth ends inside it, and with them their peers.
    for (const n of this.made.splice(0)) spawnSync('ip', ['netns', 'del', n]);
  }
}

function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** null when namespaces can be used here, else why not. */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.status !== 0) return `ip netns does not work: ${r.stderr || r.error?.message}`;
  return null;
}
