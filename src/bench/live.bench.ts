/**
 * bench:live — netsieve run against the kernel as the router, in one run,
 * on the same namespaces topology (src/live/testnet.ts) with the same
 * ruleset (the seeds' router from `netsieve init router`, loaded with
 * iptables-legacy-restore on the kernel side):
 *
 *   - TCP throughput, LAN client to WAN server (iperf3, one stream, 5 s);
 *   - small UDP packets per second (iperf3 -u, 64-byte payloads, unlimited rate):
 *     what arrives at the WAN server.
 *
 *   npm run bench:live [-- --seconds N] [--rounds R]
 *
 * Needs root, ip netns, iperf3 and the native addon.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNativeIo } from '../io/native';
import { LiveNet, netnsUnavailable } from '../live/testnet';

const BIN = path.resolve(__dirname, '../../bin/netsieve.js');
const secIdx = process.argv.indexOf('--seconds');
const SECONDS = secIdx > 0 ? Number(process.argv[secIdx + 1]) : 5;
const roundsIdx = process.argv.indexOf('--rounds');
const ROUNDS = roundsIdx > 0 ? Number(process.argv[roundsIdx + 1]) : 3;

interface Figures { tcpBps: number; udpPps: number; udpSentPps: number; }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function netsieve(dir: string, args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, '--state', dir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`netsieve ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => { p.once('exit', () => resolve()); p.kill('SIGTERM'); });
}

async function measure(net: LiveNet): Promise<Figures> {
  const srv = net.spawn(net.wan, ['iperf3', '-s', '-B', '198.51.100.20']);
  try {
    await sleep(500);
    const tcp = JSON.parse(net.sh(net.lan, `iperf3 -c 198.51.100.20 -B 192.168.0.50 -t ${SECONDS} -J`, (SECONDS + 20) * 1000)) as
      { end: { sum_received: { bits_per_second: number } } };
    const udp = JSON.parse(net.sh(net.lan, `iperf3 -c 198.51.100.20 -B 192.168.0.50 -u -b 0 -l 64 -t ${SECONDS} -J`, (SECONDS + 20) * 1000)) as
      { end: { sum: { packets: number; lost_packets: number; seconds: number } } };
    const u = udp.end.sum;
    return { tcpBps: tcp.end.sum_received.bits_per_second, udpPps: (u.packets - u.lost_packets) / u.seconds, udpSentPps: u.packets / u.seconds };
  } finally {
    await stop(srv);
  }
}

function median(xs: number[]): number {
  const v = [...xs].sort((x, y) => x - y);
  return v[Math.floor(v.length / 2)];
}

async function main(): Promise<void> {
  const why = netnsUnavailable() ?? (loadNativeIo().ok ? null : 'the native addon is not built')
    ?? (spawnSync('sh', ['-c', 'command -v iperf3']).status === 0 ? null : 'iperf3 is not installed (apt-get install iperf3)');
  if (why) { console.error(`bench:live: cannot run here: ${why}`); process.exit(3); }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-bench-live-'));
  netsieve(dir, ['init', 'router', '--lan', 'eth0', '--wan', 'eth1', '--wan-addr', '203.0.113.2/24', '--wan-gw', '203.0.113.1', '-q']);
  const rules = netsieve(dir, ['iptables-save']);
  // Both routers exist side by side, in namespaces of their own; the measurements alternate
  // between them so that whatever else the machine does weighs on both alike.
  const k = new LiveNet();
  const n = new LiveNet();
  let router: ChildProcess | undefined;
  const kernel: Figures[] = [], ours: Figures[] = [];
  try {
    k.setup();
    // The kernel's devices have the topology's unique names; the rules name them eth0/eth1 as netsieve's host does.
    k.kernelRouter(rules.replace(/\beth0\b/g, k.rLan).replace(/\beth1\b/g, k.rWan));
    n.setup();
    // NSV_ROUTER_NODE_ARGS: extra node options for the router process (e.g. --cpu-prof to profile it).
    const nodeArgs = (process.env.NSV_ROUTER_NODE_ARGS ?? '').split(' ').filter((x) => x);
    router = n.spawn(n.rtr, [process.execPath, ...nodeArgs, BIN, '--state', dir, 'run', '--attach', `eth0=packet:${n.rLan}`, '--attach', `eth1=packet:${n.rWan}`, '--log', path.join(dir, 'live.log')]);
    let err = '';
    router.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    for (let i = 0; i < 100 && !err.includes('Ctrl-C stops'); i++) await sleep(100);
    if (!err.includes('Ctrl-C stops')) throw new Error(`netsieve run did not start: ${err}`);
    for (let r = 0; r < ROUNDS; r++) {
      kernel.push(await measure(k));
      ours.push(await measure(n));
    }
  } finally {
    if (router) await stop(router);
    k.destroy();
    n.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const K = { tcpBps: median(kernel.map((x) => x.tcpBps)), udpPps: median(kernel.map((x) => x.udpPps)), udpSentPps: median(kernel.map((x) => x.udpSentPps)) };
  const O = { tcpBps: median(ours.map((x) => x.tcpBps)), udpPps: median(ours.map((x) => x.udpPps)), udpSentPps: median(ours.map((x) => x.udpSentPps)) };
  const mbit = (b: number): string => (b / 1e6).toFixed(0).padStart(8);
  const kpps = (p: number): string => (p / 1e3).toFixed(1).padStart(8);
  console.log(`bench:live: medians of ${ROUNDS} alternating rounds of ${SECONDS} s, one iperf3 stream, LAN -> WAN through the router, seeds' router ruleset (${os.cpus().length} cores)`);
  console.log('                                      kernel  netsieve   ratio');
  console.log(`TCP throughput (Mbit/s)             ${mbit(K.tcpBps)}  ${mbit(O.tcpBps)}   ${(O.tcpBps / K.tcpBps).toFixed(2)}`);
  console.log(`UDP 64-byte packets delivered (kpps) ${kpps(K.udpPps)}  ${kpps(O.udpPps)}   ${(O.udpPps / K.udpPps).toFixed(2)}`);
  console.log(`UDP 64-byte packets offered (kpps)   ${kpps(K.udpSentPps)}  ${kpps(O.udpSentPps)}`);
  console.log(`every round, TCP Mbit/s kernel/netsieve: ${kernel.map((x, i) => `${(x.tcpBps / 1e6).toFixed(0)}/${(ours[i].tcpBps / 1e6).toFixed(0)}`).join(' ')}`);
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
