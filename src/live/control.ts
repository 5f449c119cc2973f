/**
 * The control socket of a running router (`netsieve run`).
 *
 * While a router runs on a state directory it owns the live state: the
 * rulesets with their counters, the conntrack table, the neighbour table.
 * The iptables family, `ip`, `sysctl`, `conntrack`, `trace` and `recent`
 * commands given against the same directory are therefore carried out by
 * the router itself, between two packet batches, so that no packet sees a
 * half-applied change and counters are never lost (the role the kernel's
 * get-entries/replace pair plays for iptables-legacy).
 *
 * DIR/run.json names the router's pid and socket. The socket is a Unix
 * stream socket, DIR/run.sock when that path fits sun_path (108 bytes),
 * else one in the system's temporary directory. The protocol is one JSON
 * request line and one JSON response line per connection.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../state/store';

export interface ControlRequest {
  /** The program, as on netsieve's command line: iptables, ip, conntrack, trace, ... */
  prog: string;
  argv: string[];
  /** iptables-restore input, read by the client (from stdin or its file). */
  input?: string;
}

export interface ControlResponse {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunInfo {
  pid: number;
  socket: string;
  started: string;
  attach: string[];
}

const RUN_FILE = 'run.json';
/** sun_path is 108 bytes including the terminating NUL (include/uapi/linux/un.h). */
const SUN_PATH_MAX = 107;

export function controlSocketPath(dir: string): string {
  const p = path.resolve(dir, 'run.sock');
  if (Buffer.byteLength(p) <= SUN_PATH_MAX) return p;
  const h = crypto.createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `netsieve-${h}.sock`);
}

/** The running router of a state directory, or null (no run.json, or its process is gone). */
export function readRunInfo(dir: string): RunInfo | null {
  let j: RunInfo;
  try {
    j = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
  if (typeof j.pid !== 'number' || typeof j.socket !== 'string') return null;
  try {
    process.kill(j.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return null;
  }
  return j;
}

export type Handler = (req: ControlRequest) => Promise<ControlResponse>;

export class ControlServer {
  private server: net.Server | null = null;
  private readonly sock: string;

  constructor(private readonly dir: string, private readonly handler: Handler) {
    this.sock = controlSocketPath(dir);
  }

  /** Listens and writes DIR/run.json; refuses when another live router owns the directory. */
  async start(attach: string[]): Promise<void> {
    const other = readRunInfo(this.dir);
    if (other && other.pid !== process.pid && (await ping(other.socket))) {
      throw new Error(`another router (pid ${other.pid}) is running on ${this.dir}`);
    }
    fs.rmSync(this.sock, { force: true });
    const server = net.createServer((c) => this.serve(c));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.sock, () => { server.off('error', reject); resolve(); });
    });
    fs.chmodSync(this.sock, 0o600);
    this.server = server;
    const info: RunInfo = { pid: process.pid, socket: this.sock, started: new Date().toISOString(), attach };
    writeFileAtomic(path.join(this.dir, RUN_FILE), JSON.stringify(info) + '\n');
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    fs.rmSync(this.sock, { force: true });
    const info = readRunInfoRaw(this.dir);
    if (info?.pid === process.pid) fs.rmSync(path.join(this.dir, RUN_FILE), { force: true });
  }

  private serve(c: net.Socket): void {
    let buf = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      let req: ControlRequest;
      try {
        req = JSON.parse(line) as ControlRequest;
        if (typeof req.prog !== 'string' || !Array.isArray(req.argv)) throw new Error('bad request');
      } catch {
        c.end(JSON.stringify({ code: 2, stdout: '', stderr: 'netsieve run: bad control request\n' }) + '\n');
        return;
      }
      this.handler(req).then(
        (r) => c.end(JSON.stringify(r) + '\n'),
        (e: unknown) => c.end(JSON.stringify({ code: 1, stdout: '', stderr: `netsieve run: ${(e as Error).message}\n` }) + '\n'),
      );
    });
    c.on('error', () => { /* the client went away; nothing to answer */ });
  }
}

function readRunInfoRaw(dir: string): RunInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8')) as RunInfo;
  } catch {
    return null;
  }
}

function ping(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(sock);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/**
 * Sends a request to the router of `dir`. Null when no router runs there
 * (no run.json, a dead pid, or a socket nobody listens on): the caller then
 * works on the files as usual.
 */
export async function sendControl(dir: string, req: ControlRequest): Promise<ControlResponse | null> {
  const info = readRunInfo(dir);
  if (!info) return null;
  return new Promise((resolve, reject) => {
    const c = net.connect(info.socket);
    let data = '';
    let connected = false;
    c.setEncoding('utf8');
    c.once('connect', () => { connected = true; c.write(JSON.stringify(req) + '\n'); });
    c.on('data', (d: string) => { data += d; });
    c.once('end', () => {
      try {
        resolve(JSON.parse(data) as ControlResponse);
      } catch {
        reject(new Error(`the router (pid ${info.pid}) gave no answer`));
      }
    });
    c.once('error', (e: NodeJS.ErrnoException) => {
      // Nobody listens (a router that died without cleaning up): work on the files.
      if (!connected && (e.code === 'ECONNREFUSED' || e.code === 'ENOENT')) resolve(null);
      // A live router we may not talk to: never change its files behind its back.
      else if (!connected) reject(new Error(`a router (pid ${info.pid}) runs on ${dir}, but its control socket ${info.socket} cannot be used: ${e.message}`));
      else reject(e);
    });
  });
}
