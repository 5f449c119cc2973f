/**
 * Local processes on the kernel router: one Python process, started inside
 * the router namespace (`ip netns exec`), binds a socket for each of a
 * case's `listen` lines (TCP sockets listen, UDP sockets are only bound, and
 * nothing is ever read or accepted), tells it is ready through a file, and
 * waits to be killed. The kernel then answers for those sockets on its own:
 * a SYN to a listening port gets a SYN-ACK (tcp_v4_conn_request /
 * tcp_v6_conn_request), a UDP datagram is queued on the socket (no port
 * unreachable). netsieve's side declares the same lines with `runListen`.
 *
 * Line syntax (netsieve's `listen`): `tcp|udp ADDR:PORT`, ADDR `*` for any
 * IPv4 address, `[ADDR6]` for IPv6 (`[::]` any). IPv6 sockets are
 * IPV6_V6ONLY, as netsieve's listeners are per family.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPython } from './injector';

const SCRIPT = String.raw`
import os, signal, socket, sys
socks = []
for line in sys.argv[2:]:
    proto, ep = line.split()
    host, port = ep.rsplit(':', 1)
    v6 = host.startswith('[')
    host = host.strip('[]')
    if host in ('*', ''):
        host = '::' if v6 else '0.0.0.0'
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, int(port)))
    if proto == 'tcp':
        s.listen(16)
    socks.append(s)
open(sys.argv[1], 'w').write(str(os.getpid()))
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
while True:
    signal.pause()
`;

const sleepMs = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

/** A running listener process in a namespace; stop() kills it (and only it). */
export class KernelListeners {
  private constructor(private readonly pid: number, private readonly dir: string) {}

  static start(ns: string, lines: readonly string[]): KernelListeners {
    for (const l of lines) if (!/^(tcp|udp) (\*|\[[0-9a-f:]*\]|[0-9.]+):\d+$/.test(l)) throw new Error(`bad listen line: ${l}`);
    const py = findPython();
    if (!py) throw new Error('no python3');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-listen-'));
    const ready = path.join(dir, 'ready');
    fs.writeFileSync(path.join(dir, 'listen.py'), SCRIPT);
    // In the background: the shell prints the pid (ip netns exec execs python3 in the same process).
    const args = [ns, py, path.join(dir, 'listen.py'), ready, ...lines].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('sh', ['-c', `ip netns exec ${args} >'${dir}/out' 2>&1 & echo $!`]);
    const pid = Number(r.stdout.toString().trim());
    if (r.status !== 0 || !Number.isInteger(pid) || pid <= 0) { fs.rmSync(dir, { recursive: true, force: true }); throw new Error(`listener start failed: ${r.stderr.toString()}`); }
    const l = new KernelListeners(pid, dir);
    for (let i = 0; i < 300 && !fs.existsSync(ready); i++) {
      if (!l.alive()) break;
      sleepMs(10);
    }
    if (!fs.existsSync(ready)) {
      const err = fs.existsSync(path.join(dir, 'out')) ? fs.readFileSync(path.join(dir, 'out'), 'utf8') : '';
      l.stop();
      throw new Error(`listener did not start: ${err.trim()}`);
    }
    return l;
  }

  /** Running (a zombie waiting for its reaper counts as gone). */
  private alive(): boolean {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) [ZX]/.test(stat);
    } catch { return false; }
  }

  stop(): void {
    if (this.alive()) {
      try { process.kill(this.pid, 'SIGTERM'); } catch { /* already gone */ }
      for (let i = 0; i < 100 && this.alive(); i++) sleepMs(10);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
