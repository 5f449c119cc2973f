/**
 * The kernel side: a router namespace and one peer namespace per link,
 * joined by veth pairs, created once and reused by every case (each case
 * starts by emptying the tables, the conntrack table and the routes it may
 * have added). Names are unique (nsv-d*-PID-random); close() deletes every
 * namespace, which also removes the veths.
 *
 * The peers drop everything they receive in raw PREROUTING: packet sockets
 * see frames before the IP layer (dev_queue_xmit_nit / deliver_skb), so the
 * capture is complete while the peers' own stacks never answer. The peers
 * run no IPv6 at all (packet sockets still see IPv6 frames), so they send
 * no DAD, router solicitations or MLD; the router runs IPv6 with the
 * KERNEL_ONLY_SYSCTLS set before its links exist.
 */
import { spawnSync } from 'node:child_process';
import { KernelNs, kernelUnavailable, type Outcome } from '../testing/kernel';
import { findPython, type PeerLink } from './injector';
import { KERNEL_ONLY_SYSCTLS, LINKS } from './case';

function sh(argv: string[]): void {
  const r = spawnSync(argv[0], argv.slice(1));
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.toString().trim()}`);
}

/** null when the differential harness can run here, else why not. */
export function difftestUnavailable(): string | null {
  const k = kernelUnavailable();
  if (k) return k;
  for (const bin of ['conntrack', 'sysctl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed`;
  }
  if (!findPython()) return 'no python3 with AF_PACKET sockets';
  return null;
}

export class Topology {
  readonly router: KernelNs;
  readonly peers: KernelNs[] = [];
  readonly links: PeerLink[] = [];
  /**
   * The router's net.ipv6.conf.all.forwarding after the last case, undefined
   * before the first one (bringing the links up made MLD reports too):
   * changing it joins or leaves the all-routers groups, which sends MLD
   * reports (see sides.ts).
   */
  fwd6: boolean | undefined;

  constructor() {
    this.router = new KernelNs('dr');
    try {
      for (let i = 0; i < LINKS.length; i++) this.peers.push(new KernelNs(`dp${i}`));
      for (const ns of this.peers) {
        for (const k of ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']) sh(['ip', 'netns', 'exec', ns.name, 'sysctl', '-qw', k]);
        sh(['ip', '-n', ns.name, 'link', 'set', 'lo', 'up']);
      }
      sh(['ip', 'netns', 'exec', this.router.name, 'sysctl', '-qw', ...KERNEL_ONLY_SYSCTLS]);
      sh(['ip', '-n', this.router.name, 'link', 'set', 'lo', 'up']);
      LINKS.forEach((l, i) => {
        const p = this.peers[i].name, r = this.router.name;
        // Created directly inside the namespaces (never in the root namespace's name space).
        sh(['ip', 'link', 'add', 'name', l.dev, 'netns', r, 'type', 'veth', 'peer', 'name', 'p0', 'netns', p]);
        sh(['ip', '-n', r, 'link', 'set', l.dev, 'address', l.routerMac]);
        sh(['ip', '-n', p, 'link', 'set', 'p0', 'address', l.peerMac]);
        sh(['ip', '-n', r, 'addr', 'add', `${l.addr}/${l.plen}`, 'dev', l.dev]);
        sh(['ip', '-n', r, 'addr', 'add', `${l.addr6}/64`, 'dev', l.dev, 'nodad']);
        sh(['ip', '-n', r, 'link', 'set', l.dev, 'up']);
        sh(['ip', '-n', p, 'link', 'set', 'p0', 'up']);
        for (const h of l.hosts) {
          sh(['ip', '-n', p, 'addr', 'add', `${h}/${l.plen}`, 'dev', 'p0']);
          sh(['ip', '-n', r, 'neigh', 'replace', h, 'lladdr', l.peerMac, 'dev', l.dev, 'nud', 'permanent']);
        }
        for (const h of l.hosts6) sh(['ip', '-n', r, '-6', 'neigh', 'replace', h, 'lladdr', l.peerMac, 'dev', l.dev, 'nud', 'permanent']);
        sh(['ip', 'netns', 'exec', p, 'iptables-legacy', '-t', 'raw', '-A', 'PREROUTING', '-j', 'DROP']);
        this.links.push({ ns: p, ifname: 'p0', mac: l.peerMac, routerMac: l.routerMac });
      });
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Runs commands in the router namespace (iptables names call the legacy binaries). */
  run(cmds: { argv: string[]; stdin?: string }[]): Outcome[] {
    return this.router.batch(cmds);
  }

  close(): void {
    for (const p of this.peers) p.close();
    this.router.close();
  }
}

/** Runs fn with a topology that is always removed afterwards. */
export function withTopology<T>(fn: (t: Topology) => T): T {
  const t = new Topology();
  try {
    return fn(t);
  } finally {
    t.close();
  }
}
