/**
 * `netsieve run`: route and filter live traffic between real interfaces
 * with the state directory's host and rulesets (src/live).
 *
 *   netsieve [--state DIR] run --attach eth0=packet:veth-lan --attach ppp0=tun:wan0 [--log FILE]
 *
 * SIGINT/SIGTERM stop it and save counters, conntrack and neighbours;
 * SIGHUP reloads the rules and the host from the files. While it runs, the
 * other commands on the same state directory go through its control socket.
 */
import * as fs from 'node:fs';
import { loadNativeIo, type NativeIo } from '../io/native';
import { parseAttach, type Attachment } from '../live/attach';
import { makeNeighLayer } from '../live/neigh-layer';
import { LiveSession } from '../live/session';

export const RUN_USAGE = `Usage: netsieve [--state DIR] run --attach IFACE=packet:DEVICE|IFACE=tun:NAME ... [options]

  --attach IFACE=packet:DEVICE   wire the state dir's IFACE to the Ethernet device DEVICE (AF_PACKET);
                                 netsieve answers ARP and neighbour discovery for IFACE's addresses
  --attach IFACE=tun:NAME        wire IFACE to a TUN device NAME (created if missing, bare IP packets)
  --log FILE                     append LOG and TRACE lines to FILE (default: the terminal, stdout)
  --no-offload                   read packet devices without virtio-net headers (no GSO, no partial checksums)
  -h, --help

While it runs: netsieve iptables/ip/sysctl/conntrack/trace/status on the same state dir talk to it.
SIGINT or SIGTERM: stop, saving counters, conntrack and neighbours. SIGHUP: reload rules and host from the files.
`;

export interface RunIo { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean; }

interface RunArgs { attach: Attachment[]; log?: string; offload: boolean; }

function parseRunArgs(argv: string[]): RunArgs | string {
  const r: RunArgs = { attach: [], offload: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(attach|log)=(.*)$/.exec(a);
    const name = m ? m[1] : a.replace(/^--/, '');
    const value = (): string | undefined => (m ? m[2] : argv[++i]);
    if (a === '--attach' || m?.[1] === 'attach') {
      const v = value();
      if (v === undefined) return '--attach needs IFACE=packet:DEVICE or IFACE=tun:NAME';
      const at = parseAttach(v);
      if (typeof at === 'string') return at;
      r.attach.push(at);
    } else if (a === '--log' || m?.[1] === 'log') {
      const v = value();
      if (v === undefined) return '--log needs a file';
      r.log = v;
    } else if (a === '--no-offload') {
      r.offload = false;
    } else {
      return `unknown option ${name === a ? a : `--${name}`}`;
    }
  }
  return r;
}

/** Starts the router; resolves when it has stopped (signal), with the exit status. */
export async function runRun(argv: string[], dir: string, io: RunIo): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) { io.stdout(RUN_USAGE); return 0; }
  const a = parseRunArgs(argv);
  if (typeof a === 'string') {
    io.stderr(`netsieve run: ${a}\nTry \`netsieve run --help' for more information.\n`);
    return 2;
  }
  if (a.attach.length === 0) {
    io.stderr('netsieve run: nothing to run: give at least one --attach IFACE=packet:DEVICE or IFACE=tun:NAME\n');
    return 2;
  }
  const native = loadNativeIo();
  if (!native.ok) {
    io.stderr(`netsieve run: cannot move real packets: ${native.reason}\n`);
    return 1;
  }
  const nio: NativeIo = native.io;
  const logFd = a.log !== undefined ? fs.openSync(a.log, 'a') : -1;
  const log = logFd >= 0 ? (l: string) => fs.writeSync(logFd, l + '\n') : (l: string) => io.stdout(l + '\n');
  let session: LiveSession;
  try {
    session = await LiveSession.start({
      dir,
      attach: a.attach,
      openPort: (at) => {
        if (at.kind === 'tun') {
          const p = nio.openTun(at.dev, {});
          nio.setLinkUp(p.name, true);
          return p;
        }
        return nio.openPacket(at.dev, { vnetHdr: a.offload });
      },
      deviceMac: (dev) => nio.linkInfo(dev).mac,
      makeNeigh: makeNeighLayer,
      completeCsum: (buf, off, len, start, offset) => nio.completeCsum(buf, off, len, start, offset),
      log,
    });
  } catch (e) {
    io.stderr(`netsieve run: ${explain((e as Error).message)}\n`);
    if (logFd >= 0) fs.closeSync(logFd);
    return 1;
  }
  io.stderr(`netsieve run: routing ${a.attach.map((x) => `${x.iface}=${x.kind}:${x.dev}`).join(', ')} with the state in ${dir} (pid ${process.pid}); Ctrl-C stops\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      session.stop().then(
        () => { io.stderr(`netsieve run: ${sig}: stopped; counters, conntrack and neighbours saved in ${dir}\n`); finish(0); },
        (e: unknown) => { io.stderr(`netsieve run: ${sig}: could not save the state: ${(e as Error).message}\n`); finish(1); },
      );
    };
    const hup = (): void => {
      try {
        session.reloadFromFiles();
        io.stderr('netsieve run: SIGHUP: rules and host reloaded from the state directory\n');
      } catch (e) {
        io.stderr(`netsieve run: SIGHUP: reload failed, the running rules stay: ${(e as Error).message}\n`);
      }
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', hup);
    function finish(code: number): void {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', hup);
      if (logFd >= 0) fs.closeSync(logFd);
      resolve(code);
    }
  });
}

/** The rights a failing open needs, in the words people search for. */
function explain(msg: string): string {
  if (/Operation not permitted|EPERM|EACCES|Permission denied/.test(msg)) {
    return `${msg} (opening TUN devices and packet sockets needs root, or CAP_NET_ADMIN and CAP_NET_RAW)`;
  }
  return msg;
}
