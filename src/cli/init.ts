/**
 * `netsieve init router|standalone`: a ready state directory with the two
 * rc.firewall setups of the seed articles (000 "Iptables Stateful Firewall
 * and NAT Routing", 002 "Simple stateful firewall" / "Setting up a NAT
 * gateway").
 *
 * The command does not write host.json or rules.v4 itself: it makes a plan of
 * the command lines a user would type (`ip ...`, `sysctl ...`, `iptables
 * ...`) and runs them through the same front doors as `netsieve ip`,
 * `netsieve sysctl` and `netsieve iptables` (runIp, runSysctl, runIptables).
 * So the result is exactly what typing the printed commands gives, and any
 * refusal (a bad interface name, a gateway that is not on a connected
 * subnet) comes back with the program's own message. Everything is built in
 * memory first; nothing is written unless every command succeeded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newHost, type Host } from '../host/model';
import { storeHost } from '../host/store';
import { addrEq, fmt, lastAddr, network } from '../host/prefix';
import { newRuleset, type Ruleset } from '../rules/model';
import { LockBusy, storeRuleset, withLock } from '../state/store';
import { runIp, runSysctl } from './host-commands';
import { runIptables } from './iptables';

export interface InitIo { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean; }

/** One command line of the plan: the program and its argv, as a user would type it. */
export interface InitCommand { prog: 'ip' | 'sysctl' | 'iptables'; argv: string[]; }

/** A port forward: PROTO/PORT[:HI]=ADDR[:TOPORT]. */
export interface PortForward { proto: 'tcp' | 'udp'; port: string; addr: string; toPort: number | undefined; }

export interface RouterOptions {
  mode: 'router';
  lan: string;
  wan: string;
  /** The LAN network as NET/PLEN (host bits zero); the router takes its first host. */
  lanNet: string;
  /** ADDR/PLEN of the WAN interface. */
  wanAddr: string;
  /** Default gateway; undefined for a default route straight out of the WAN device (point-to-point). */
  wanGw: string | undefined;
  forwards: PortForward[];
  ping: boolean;
}

export interface StandaloneOptions {
  mode: 'standalone';
  trusted: string;
  untrusted: string;
  /** ADDR/PLEN on the trusted interface; its network is the trusted source range. */
  trustedAddr: string;
  untrustedAddr: string;
  /** Default gateway (on one of the two subnets), or none. */
  gw: string | undefined;
  ping: boolean;
}

export type InitOptions = RouterOptions | StandaloneOptions;

/** Documentation addresses (RFC 5737) used when the WAN/untrusted side is not given. */
export const PLACEHOLDER = {
  wanAddrPpp: '203.0.113.2/32',
  wanAddr: '203.0.113.2/24',
  wanGw: '203.0.113.1',
  lanNet: '192.168.0.0/24',
  trustedAddr: '192.168.0.2/24',
  untrustedAddr: '198.51.100.2/24',
  untrustedGw: '198.51.100.1',
} as const;

/** The files of a state directory that init replaces (with --force they are removed first). */
export const STATE_FILES = ['host.json', 'rules.v4', 'rules.v6', 'conntrack.bin', 'clock.json', 'kern.log'] as const;

export const INIT_USAGE = `Usage:
  netsieve init router --lan IF --wan IF [--lan-net NET/PLEN] [--wan-addr ADDR/PLEN] [--wan-gw ADDR]
                       [--forward PROTO/PORT[:HI]=ADDR[:PORT]]... [--no-ping] [--force] [-q]
  netsieve init standalone --trusted IF --untrusted IF [--trusted-addr ADDR/PLEN]
                       [--untrusted-addr ADDR/PLEN] [--gw ADDR] [--no-ping] [--force] [-q]
Writes a ready state directory (interfaces, addresses, routes, sysctls, iptables rules)
with the rc.firewall router or standalone setup. See docs/init.md.
`;

class UsageError extends Error {}

// ---- argument checks -----------------------------------------------------------------------------

/** dev_valid_name (net/core/dev.c): 1..15 bytes, not . or .., no '/', ':' or whitespace. */
function checkIfName(opt: string, v: string): string {
  if (v.length === 0 || Buffer.byteLength(v) >= 16 || v === '.' || v === '..' || /[/:\s]/.test(v)) {
    throw new UsageError(`${opt}: "${v}" is not a valid interface name (1 to 15 characters, no '/', ':' or spaces)`);
  }
  if (v === 'lo') throw new UsageError(`${opt}: lo is the loopback device, not a network interface`);
  return v;
}

const QUAD = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

function parseAddr4(opt: string, v: string): Uint8Array {
  if (!QUAD.test(v)) throw new UsageError(`${opt}: "${v}" is not an IPv4 address (a.b.c.d)`);
  return Uint8Array.from(v.split('.').map(Number));
}

function parsePrefix4(opt: string, v: string): { addr: Uint8Array; plen: number } {
  const m = /^([^/]+)\/([0-9]{1,2})$/.exec(v);
  if (!m || Number(m[2]) > 32) throw new UsageError(`${opt}: "${v}" is not ADDR/PLEN (e.g. 192.168.0.0/24)`);
  return { addr: parseAddr4(opt, m[1]), plen: Number(m[2]) };
}

function inPrefix(a: Uint8Array, net: Uint8Array, plen: number): boolean {
  return addrEq(network(a, plen), network(net, plen));
}

function firstHost(net: Uint8Array): Uint8Array {
  const r = Uint8Array.from(net);
  for (let i = 3; i >= 0; i--) { r[i] = (r[i] + 1) & 0xff; if (r[i] !== 0) break; }
  return r;
}

/** PROTO/PORT[:HI]=ADDR[:PORT] */
export function parseForward(v: string): PortForward {
  const m = /^(tcp|udp)\/([0-9]{1,5})(?::([0-9]{1,5}))?=([0-9.]+)(?::([0-9]{1,5}))?$/.exec(v);
  if (!m) throw new UsageError(`--forward: "${v}" is not PROTO/PORT[:HI]=ADDR[:PORT] (e.g. tcp/80=192.168.0.10 or tcp/8000=192.168.0.6:80)`);
  const lo = Number(m[2]), hi = m[3] === undefined ? undefined : Number(m[3]);
  const to = m[5] === undefined ? undefined : Number(m[5]);
  for (const p of [lo, hi, to]) if (p !== undefined && (p < 1 || p > 65535)) throw new UsageError(`--forward: port ${p} in "${v}" is out of range (1-65535)`);
  if (hi !== undefined && hi <= lo) throw new UsageError(`--forward: the range in "${v}" must be LOW:HIGH with LOW < HIGH`);
  if (hi !== undefined && to !== undefined) throw new UsageError(`--forward: a port range cannot be sent to another port ("${v}"); leave out :PORT`);
  parseAddr4('--forward', m[4]);
  return { proto: m[1] as 'tcp' | 'udp', port: hi === undefined ? String(lo) : `${lo}:${hi}`, addr: m[4], toPort: to };
}

/** Parses `router ...` / `standalone ...` (argv without "init"). */
export function parseInitArgs(argv: string[]): { opts: InitOptions; force: boolean; quiet: boolean } {
  const mode = argv[0];
  if (mode !== 'router' && mode !== 'standalone') {
    throw new UsageError(mode === undefined ? 'a setup is required: router or standalone' : `unknown setup "${mode}": router or standalone`);
  }
  const valued = mode === 'router'
    ? ['--lan', '--wan', '--lan-net', '--wan-addr', '--wan-gw', '--forward']
    : ['--trusted', '--untrusted', '--trusted-addr', '--untrusted-addr', '--gw'];
  const vals = new Map<string, string>();
  const forwards: string[] = [];
  let force = false, quiet = false, ping = true;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force' || a === '-f') { force = true; continue; }
    if (a === '--quiet' || a === '-q') { quiet = true; continue; }
    if (a === '--no-ping') { ping = false; continue; }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (!valued.includes(name)) throw new UsageError(`unknown option "${a}" for init ${mode}`);
    let v: string | undefined;
    if (name !== a) v = a.slice(eq + 1);
    else { v = argv[++i]; if (v === undefined) throw new UsageError(`${name} needs a value`); }
    if (name === '--forward') forwards.push(v);
    else if (vals.has(name)) throw new UsageError(`${name} given twice`);
    else vals.set(name, v);
  }
  const need = (n: string): string => {
    const v = vals.get(n);
    if (v === undefined) throw new UsageError(`init ${mode} needs ${n} IF`);
    return v;
  };
  if (mode === 'router') {
    const lan = checkIfName('--lan', need('--lan'));
    const wan = checkIfName('--wan', need('--wan'));
    if (lan === wan) throw new UsageError('--lan and --wan must be different interfaces');
    const lanNet = vals.get('--lan-net') ?? PLACEHOLDER.lanNet;
    const ln = parsePrefix4('--lan-net', lanNet);
    if (ln.plen > 30) throw new UsageError(`--lan-net: /${ln.plen} leaves no room for the router and a host; use /30 or shorter`);
    if (!addrEq(network(ln.addr, ln.plen), ln.addr)) {
      throw new UsageError(`--lan-net: "${lanNet}" has host bits set; the network is ${fmt(network(ln.addr, ln.plen))}/${ln.plen}`);
    }
    const ppp = wan.startsWith('ppp');
    const given = vals.has('--wan-addr') || vals.has('--wan-gw');
    const wanAddr = vals.get('--wan-addr') ?? (ppp ? PLACEHOLDER.wanAddrPpp : PLACEHOLDER.wanAddr);
    const wa = parsePrefix4('--wan-addr', wanAddr);
    if (inPrefix(wa.addr, ln.addr, Math.min(wa.plen, ln.plen))) throw new UsageError(`--wan-addr ${wanAddr} overlaps --lan-net ${lanNet}`);
    const wanGw = vals.get('--wan-gw') ?? (!given && !ppp ? PLACEHOLDER.wanGw : undefined);
    if (wanGw !== undefined) parseAddr4('--wan-gw', wanGw);
    const routerAddr = firstHost(ln.addr);
    const seen = new Set<string>();
    const fw = forwards.map((s) => {
      const f = parseForward(s);
      const a = parseAddr4('--forward', f.addr);
      if (!inPrefix(a, ln.addr, ln.plen)) throw new UsageError(`--forward ${s}: ${f.addr} is not in the LAN ${lanNet}`);
      if (addrEq(a, ln.addr) || addrEq(a, lastAddr(ln.addr, ln.plen))) throw new UsageError(`--forward ${s}: ${f.addr} is the LAN's network or broadcast address`);
      if (addrEq(a, routerAddr)) throw new UsageError(`--forward ${s}: ${f.addr} is the router itself`);
      const key = `${f.proto}/${f.port}`;
      if (seen.has(key)) throw new UsageError(`--forward: ${key} is forwarded twice`);
      seen.add(key);
      return f;
    });
    return { opts: { mode, lan, wan, lanNet, wanAddr, wanGw, forwards: fw, ping }, force, quiet };
  }
  const trusted = checkIfName('--trusted', need('--trusted'));
  const untrusted = checkIfName('--untrusted', need('--untrusted'));
  if (trusted === untrusted) throw new UsageError('--trusted and --untrusted must be different interfaces');
  const trustedAddr = vals.get('--trusted-addr') ?? PLACEHOLDER.trustedAddr;
  const ta = parsePrefix4('--trusted-addr', trustedAddr);
  const untrustedAddr = vals.get('--untrusted-addr') ?? PLACEHOLDER.untrustedAddr;
  const ua = parsePrefix4('--untrusted-addr', untrustedAddr);
  if (inPrefix(ta.addr, ua.addr, Math.min(ta.plen, ua.plen))) throw new UsageError(`--trusted-addr ${trustedAddr} and --untrusted-addr ${untrustedAddr} overlap`);
  const gw = vals.get('--gw') ?? (vals.has('--untrusted-addr') ? undefined : PLACEHOLDER.untrustedGw);
  if (gw !== undefined) parseAddr4('--gw', gw);
  return { opts: { mode, trusted, untrusted, trustedAddr, untrustedAddr, gw, ping }, force, quiet };
}

// ---- the plan ------------------------------------------------------------------------------------

/**
 * Fixed, locally administered MACs (02:4e:53 = "NS"), so that the state is
 * the same on every run: without `address` the kernel (and netsieve) picks a
 * random one, and the IPv6 link-local address would change with it.
 */
const mac = (n: number): string => `02:4e:53:00:00:${n.toString(16).padStart(2, '0')}`;

const ip = (...argv: string[]): InitCommand => ({ prog: 'ip', argv });
const sysctl = (...argv: string[]): InitCommand => ({ prog: 'sysctl', argv });
/** An iptables rule with `-m comment --comment TEXT` placed just before `-j`. */
function rule(spec: string[], target: string[], why: string): InitCommand {
  return { prog: 'iptables', argv: [...spec, '-m', 'comment', '--comment', why, ...target] };
}
const ipt = (...argv: string[]): InitCommand => ({ prog: 'iptables', argv });

const netOf = (prefix: string): string => {
  const p = parsePrefix4('', prefix);
  return `${fmt(network(p.addr, p.plen))}/${p.plen}`;
};

/** The command lines of a setup, in the order they are run. */
export function initPlan(o: InitOptions): InitCommand[] {
  return o.mode === 'router' ? routerPlan(o) : standalonePlan(o);
}

function routerPlan(o: RouterOptions): InitCommand[] {
  const { lan, wan, lanNet } = o;
  const ln = parsePrefix4('--lan-net', lanNet);
  const routerAddr = `${fmt(firstHost(ln.addr))}/${ln.plen}`;
  const ppp = wan.startsWith('ppp');
  const c: InitCommand[] = [
    ip('link', 'set', 'lo', 'up'),
    ip('link', 'add', lan, 'address', mac(1), 'type', 'dummy'),
    // PPPoE takes 8 bytes of every Ethernet frame for its own header: 1500 - 8 (seed 000).
    ip('link', 'add', wan, 'address', mac(2), ...(ppp ? ['mtu', '1492'] : []), 'type', 'dummy'),
    ip('link', 'set', lan, 'up'),
    ip('link', 'set', wan, 'up'),
    ip('addr', 'add', routerAddr, 'dev', lan),
    ip('addr', 'add', o.wanAddr, 'dev', wan),
    o.wanGw !== undefined ? ip('route', 'add', 'default', 'via', o.wanGw, 'dev', wan) : ip('route', 'add', 'default', 'dev', wan),
    // 000: echo 1 > /proc/sys/net/ipv4/ip_forward
    sysctl('-w', 'net.ipv4.ip_forward=1'),

    ipt('-P', 'INPUT', 'DROP'),
    rule(['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'], ['-j', 'ACCEPT'],
      'replies to connections already accepted, and their ICMP errors'),
    rule(['-A', 'INPUT', '-i', 'lo'], ['-j', 'ACCEPT'], 'loopback: local programs talking to each other'),
    rule(['-A', 'INPUT', '-i', lan, '-s', lanNet], ['-j', 'ACCEPT'], `the trusted LAN (${lan}, ${lanNet}) may reach the router`),
  ];
  if (o.ping) {
    c.push(rule(['-A', 'INPUT', '-p', 'icmp', '--icmp-type', '8', '-m', 'conntrack', '--ctstate', 'NEW'], ['-j', 'ACCEPT'],
      'answer pings (ICMP echo request) from anywhere'));
  }
  c.push(
    ipt('-P', 'FORWARD', 'DROP'),
    rule(['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'], ['-j', 'ACCEPT'],
      'forward replies of accepted connections, and their ICMP errors'),
    rule(['-A', 'FORWARD', '-i', lan, '-o', wan, '-s', lanNet], ['-j', 'ACCEPT'], `the LAN may open connections to the internet through ${wan}`),
  );
  for (const f of o.forwards) {
    // After DNAT the packet is addressed to the server: FORWARD sees the new address and port.
    const dport = f.toPort === undefined ? f.port : String(f.toPort);
    const to = f.toPort === undefined ? f.addr : `${f.addr}:${f.toPort}`;
    c.push(rule(['-A', 'FORWARD', '-i', wan, '-o', lan, '-p', f.proto, '-d', f.addr, '--dport', dport], ['-j', 'ACCEPT'],
      `port forward ${f.proto}/${f.port} on ${wan}: let the translated packets through to ${to}`));
  }
  c.push(rule(['-t', 'nat', '-A', 'POSTROUTING', '-s', lanNet, '-o', wan], ['-j', 'MASQUERADE'],
    `hide the LAN behind the address of ${wan} (replies are translated back)`));
  for (const f of o.forwards) {
    const to = f.toPort === undefined ? f.addr : `${f.addr}:${f.toPort}`;
    c.push(rule(['-t', 'nat', '-A', 'PREROUTING', '-i', wan, '-p', f.proto, '--dport', f.port], ['-j', 'DNAT', '--to-destination', to],
      `port forward: ${f.proto}/${f.port} arriving on ${wan} goes to ${to}`));
  }
  if (ppp) {
    // Seed 000 "the MTU problem": LAN hosts announce an MSS for a 1500-byte MTU;
    // the SYN (and the SYN/ACK coming back) are lowered to what the route allows.
    c.push(rule(['-t', 'mangle', '-A', 'FORWARD', '-p', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN'], ['-j', 'TCPMSS', '--clamp-mss-to-pmtu'],
      `PPPoE MTU 1492 on ${wan}: lower the MSS of TCP SYNs to the path MTU`));
  }
  return c;
}

function standalonePlan(o: StandaloneOptions): InitCommand[] {
  const trustedNet = netOf(o.trustedAddr);
  const c: InitCommand[] = [
    ip('link', 'set', 'lo', 'up'),
    ip('link', 'add', o.trusted, 'address', mac(1), 'type', 'dummy'),
    ip('link', 'add', o.untrusted, 'address', mac(2), 'type', 'dummy'),
    ip('link', 'set', o.trusted, 'up'),
    ip('link', 'set', o.untrusted, 'up'),
    ip('addr', 'add', o.trustedAddr, 'dev', o.trusted),
    ip('addr', 'add', o.untrustedAddr, 'dev', o.untrusted),
  ];
  if (o.gw !== undefined) c.push(ip('route', 'add', 'default', 'via', o.gw));
  c.push(
    // Not a router: said explicitly, so that the script is right on a host where forwarding was on.
    sysctl('-w', 'net.ipv4.ip_forward=0'),
    ipt('-P', 'INPUT', 'DROP'),
    ipt('-P', 'FORWARD', 'DROP'),
    rule(['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'], ['-j', 'ACCEPT'],
      'replies to connections this host opened, and their ICMP errors'),
    rule(['-A', 'INPUT', '-i', 'lo'], ['-j', 'ACCEPT'], 'loopback: local programs talking to each other'),
    rule(['-A', 'INPUT', '-i', o.trusted, '-s', trustedNet], ['-j', 'ACCEPT'], `the trusted network (${o.trusted}, ${trustedNet}) may reach this host`),
  );
  if (o.ping) {
    c.push(rule(['-A', 'INPUT', '-p', 'icmp', '--icmp-type', '8', '-m', 'conntrack', '--ctstate', 'NEW'], ['-j', 'ACCEPT'],
      'answer pings (ICMP echo request) from anywhere'));
  }
  return c;
}

// ---- running the plan ----------------------------------------------------------------------------

/** Shell quoting for printing a plan: bare safe words, anything else in single quotes. */
export function shellQuote(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

export const commandLine = (c: InitCommand): string => [c.prog, ...c.argv].map(shellQuote).join(' ');

export class InitCommandFailed extends Error {
  constructor(public command: InitCommand, public code: number, public stderr: string) {
    super(`${commandLine(command)}: ${stderr.trim()}`);
  }
}

/**
 * Runs a plan through the front doors, starting from a fresh namespace and
 * an empty ruleset. Throws InitCommandFailed at the first non-zero exit.
 */
export function buildInitState(plan: InitCommand[]): { host: Host; rules4: Ruleset } {
  let host = newHost();
  let rules4 = newRuleset(4);
  for (const cmd of plan) {
    if (cmd.prog === 'iptables') {
      const r = runIptables(rules4, cmd.argv);
      if (r.code !== 0) throw new InitCommandFailed(cmd, r.code, r.stderr);
      rules4 = r.rs;
    } else {
      const r = cmd.prog === 'ip' ? runIp(cmd.argv, host) : runSysctl(cmd.argv, host);
      if (r.code !== 0) throw new InitCommandFailed(cmd, r.code, r.stderr);
      host = r.host;
    }
  }
  return { host, rules4 };
}

/** Entries that make a state directory "non-empty" (the lock files do not count). */
function occupants(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => n !== '.lock' && !n.startsWith('.lock.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** `netsieve init ...` (argv without "init"). */
export async function runInit(argv: string[], stateDir: string, io: InitIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
    (argv.length === 0 ? io.stderr : io.stdout)(INIT_USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  let parsed: ReturnType<typeof parseInitArgs>;
  let plan: InitCommand[];
  let built: ReturnType<typeof buildInitState>;
  try {
    parsed = parseInitArgs(argv);
    plan = initPlan(parsed.opts);
    built = buildInitState(plan);
  } catch (e) {
    if (e instanceof UsageError) { io.stderr(`netsieve init: ${e.message}\n${INIT_USAGE}`); return 2; }
    if (e instanceof InitCommandFailed) {
      io.stderr(`netsieve init: this command of the setup failed (exit status ${e.code}); nothing was written:\n  ${commandLine(e.command)}\n${e.stderr}`);
      return 1;
    }
    throw e;
  }
  if (fs.existsSync(stateDir) && !fs.statSync(stateDir).isDirectory()) {
    io.stderr(`netsieve init: ${stateDir} exists and is not a directory\n`);
    return 1;
  }
  let kept: string[] = [];
  try {
    const refused = withLock(stateDir, undefined, () => {
      const present = occupants(stateDir);
      if (present.length > 0 && !parsed.force) return present;
      for (const f of STATE_FILES) fs.rmSync(path.join(stateDir, f), { force: true });
      kept = occupants(stateDir);
      storeHost(stateDir, built.host);
      storeRuleset(stateDir, built.rules4);
      return null;
    });
    if (refused) {
      io.stderr(`netsieve init: ${stateDir} is not empty (${refused.join(', ')}); use --force to replace its state\n`);
      return 1;
    }
  } catch (e) {
    if (e instanceof LockBusy) { io.stderr('netsieve: the state directory is locked by another netsieve process\n'); return 4; }
    throw e;
  }
  if (kept.length > 0) io.stderr(`netsieve init: left in place (not netsieve state files): ${kept.join(', ')}\n`);
  if (!parsed.quiet) {
    let s = `# netsieve init ${argv.map(shellQuote).join(' ')}: state written to ${stateDir}\n`;
    s += `# The same state, command by command (with NETSIEVE_STATE=${shellQuote(stateDir)} on an empty directory):\n`;
    for (const c of plan) s += `netsieve ${commandLine(c)}\n`;
    io.stdout(s);
  }
  return 0;
}
