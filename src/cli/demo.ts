/**
 * `netsieve demo`: the home router of seed 000 ("Iptables Stateful Firewall
 * and NAT Routing"), built in memory and put to work.
 *
 * The router is exactly what `netsieve init router --lan eth0 --wan ppp0
 * --forward tcp/80=192.168.0.10` writes (init's own plan, run through the
 * same ip/sysctl/iptables front doors), and the packets go through trace's
 * Session (the engine over observed copies of the rules) and its flows:
 *
 *   1. a laptop on the LAN browses out: stateful FORWARD, MASQUERADE, the
 *      MSS of its SYN clamped for PPPoE's MTU 1492;
 *   2. a visitor from the internet reaches the web server behind the
 *      router through the DNAT port forward;
 *   3. a port scan from outside, dropped by the INPUT (and FORWARD) policy;
 *   4. a ping out from the LAN (masqueraded) and a ping to the router.
 *
 * Then it shows what the router remembers, as the seed does: the rule
 * counters (`iptables -nvL`), /proc/net/nf_conntrack and `conntrack -L`.
 * Nothing is written unless `--save DIR` asks for it. See docs/demo.md.
 */
import * as fs from 'node:fs';
import { Conntrack } from '../conntrack/conntrack';
import { conntrackList, procNfConntrack } from '../conntrack/print';
import type { Host } from '../host/model';
import { fmt } from '../host/prefix';
import { storeHost } from '../host/store';
import { readSysctl } from '../host/sysctl';
import { newRuleset, type Ruleset } from '../rules/model';
import { StateClock, storeConntrackState } from '../state/conntrack-store';
import { LockBusy, storeRuleset, withLock } from '../state/store';
import { tcpGetMss } from '../wire/tcp';
import { buildInitState, commandLine, initPlan, parseInitArgs, type InitCommand } from './init';
import { runIptables } from './iptables';
import { playFlow, type FlowStep } from './trace/flow';
import { buildPacket, fmtAddr, viewOf, type Injection, type PacketDesc } from './trace/packet';
import { appendKernLog, kernLogLine } from '../state/kernlog';
import { renderTree } from './trace/render';
import { Session, type PacketReport } from './trace/session';
import { tcpFlagsText } from './trace/spec';
import type { TableVisit } from './trace/observe';

export interface DemoIo { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean; }

export const DEMO_USAGE = `Usage: netsieve demo [--full] [--color|--no-color] [--save DIR]
Builds the home router of "Iptables Stateful Firewall and NAT Routing" in memory,
as \`netsieve init router --lan eth0 --wan ppp0 --forward tcp/80=192.168.0.10' sets it up,
and plays a LAN laptop browsing out through NAT, a visitor reaching the forwarded
web server, a port scan from outside and two pings, then shows the rule counters
and the conntrack table. No root, no network; --state is not used.

  --full        each packet's whole trace (as netsieve trace --flow shows it)
  --save DIR    keep the result in DIR (empty or new) for netsieve conntrack -L, iptables -nvL...
  --color, --no-color   (default: colour on a terminal)
`;

/** The router the demo builds: init's arguments, so it is the ruleset `netsieve init router` gives. */
export const DEMO_INIT_ARGS = ['router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/80=192.168.0.10'] as const;

/** The actors. Documentation addresses (RFC 5737) stand for the internet. */
export const DEMO_ACTORS = {
  laptop: '192.168.0.50',
  webServer: '192.168.0.10',
  website: '198.51.100.7',
  visitor: '198.51.100.23',
  scanner: '198.51.100.66',
} as const;

/** Ports the scanner tries on the router (80 is forwarded, so it is not among them). */
export const SCAN_PORTS = [21, 22, 23, 25, 139, 443, 3389, 8080] as const;

class DemoUsage extends Error {}

interface DemoOptions { full: boolean; color: boolean | undefined; save: string | undefined; }

function parseDemoArgs(argv: string[]): DemoOptions {
  const o: DemoOptions = { full: false, color: undefined, save: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full' || a === '-v' || a === '--verbose') o.full = true;
    else if (a === '--color' || a === '--colour') o.color = true;
    else if (a === '--no-color' || a === '--no-colour') o.color = false;
    else if (a === '--save') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new DemoUsage('option --save requires a directory');
      o.save = v;
    } else if (a.startsWith('--save=')) {
      o.save = a.slice('--save='.length);
      if (o.save === '') throw new DemoUsage('option --save requires a directory');
    } else throw new DemoUsage(`unknown option \`${a}'`);
  }
  return o;
}

// ---- building and playing ------------------------------------------------------------------------

export interface DemoPart {
  heading: string;
  /** What the part shows and why the packets get through, in a few lines. */
  text: string[];
  /** One exchange (a flow) per entry. */
  flows: FlowStep[][];
  /** Show each packet on one line (the scan) rather than as a journey. */
  oneLine: boolean;
}

export interface DemoRun {
  plan: InitCommand[];
  host: Host;
  rules4: Ruleset;
  conntrack: Conntrack;
  clock: StateClock;
  parts: DemoPart[];
  /** LOG lines of the run with their engine time (none with init's rules, kept for --save). */
  log: { ms: number; line: string }[];
}

const ip4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));
const enc = (s: string): Uint8Array => Uint8Array.from(new TextEncoder().encode(s));

function desc(proto: 1 | 6, src: string, dst: string, sport: number, dport: number, mss: number | undefined, payload: Uint8Array = new Uint8Array(0)): PacketDesc {
  return {
    family: 4, proto, src: ip4(src), dst: ip4(dst), sport, dport, flags: 0x02, seq: 1_000_000, ack: 0, window: 64240, mss,
    icmpType: proto === 1 ? 8 : -1, icmpCode: 0, icmpId: 0x1234, icmpSeq: 1, ttl: 64, tos: 0, df: proto === 6, id: 0x1000, payload,
  };
}

const arrives = (dev: string): Injection => ({ local: false, indev: dev, macSource: undefined, uid: undefined, gid: undefined });

/** A conntrack table configured from the host's sysctls, as loadConntrackState makes it, without a file. */
function newConntrack(host: Host, clock: StateClock): Conntrack {
  return new Conntrack({
    clock,
    max: Number(readSysctl(host, 'net.netfilter.nf_conntrack_max') ?? '262144'),
    tcpLoose: readSysctl(host, 'net.netfilter.nf_conntrack_tcp_loose') !== '0',
    tcpBeLiberal: readSysctl(host, 'net.netfilter.nf_conntrack_tcp_be_liberal') === '1',
  });
}

/** The router and the whole play, in memory. Deterministic: the same run every time. */
export function playDemo(): DemoRun {
  const plan = initPlan(parseInitArgs([...DEMO_INIT_ARGS]).opts);
  const { host, rules4 } = buildInitState(plan);
  const wanAddr = fmt(host.ifaces.find((i) => i.name === 'ppp0')!.addrs4[0].addr);
  const clock = new StateClock(0);
  const conntrack = newConntrack(host, clock);
  const s = new Session(host, rules4, newRuleset(6), conntrack, clock);
  const A = DEMO_ACTORS;
  const at = (sec: number): void => { if (clock.ms < sec * 1000) clock.ms = sec * 1000; };
  const flow = (d: PacketDesc, dev: string, gap: number): FlowStep[] => playFlow(s, { desc: d, inj: arrives(dev) }, gap);
  const parts: DemoPart[] = [];

  at(1);
  parts.push({
    heading: '1. A laptop on the LAN browses the web (stateful FORWARD, MASQUERADE, MSS clamping)',
    text: [
      `The laptop ${A.laptop} opens an HTTPS connection to a web server on the internet, ${A.website}:443.`,
      `FORWARD lets the first packet out because it comes from the LAN and leaves by ppp0 (filter/FORWARD rule 2).`,
      `On its way out, MASQUERADE rewrites its source to the router's public address, ${wanAddr}: the server`,
      `will answer the router, which is the only one it can reach. Conntrack remembers the binding, so every`,
      `reply is translated back to the laptop and accepted as ESTABLISHED by rule 1, without a rule of its own.`,
      `The SYN announces MSS 1460, right for the laptop's Ethernet but too big for PPPoE: mangle/FORWARD's`,
      `TCPMSS lowers it to what ppp0's MTU allows (1492 - 40 = 1452), "the MTU problem" of the article.`,
      `--clamp-mss-to-pmtu also looks at the route back to the sender, so the server's SYN/ACK is clamped too.`,
    ],
    flows: [flow(desc(6, A.laptop, A.website, 34880, 443, 1460, enc('GET / HTTP/1.1\r\nHost: example.org\r\n\r\n')), 'eth0', 30)],
    oneLine: false,
  });

  at(3);
  parts.push({
    heading: '2. A visitor reaches the web server behind the router (DNAT port forward)',
    text: [
      `From outside, only ${wanAddr} can be seen. The DNAT rule in nat/PREROUTING maps port 80 of ppp0 to the`,
      `LAN's web server ${A.webServer}, before routing, so the packet is routed to eth0 and FORWARD sees the`,
      `new address: rule 3 lets exactly that through. The server's answers are translated back on the way out`,
      `and seem to come from ${wanAddr}:80. The clamp also catches the server's SYN/ACK, going out by ppp0.`,
    ],
    flows: [flow(desc(6, A.visitor, wanAddr, 51000, 80, 1460), 'ppp0', 30)],
    oneLine: false,
  });

  at(5);
  const scan: FlowStep[][] = [];
  for (const port of SCAN_PORTS) {
    scan.push(flow(desc(6, A.scanner, wanAddr, 40100, port, 1460), 'ppp0', 0));
    clock.ms += 100;
  }
  // Straight at a LAN host: routed to eth0, it meets FORWARD, where nothing lets it through either.
  scan.push(flow(desc(6, A.scanner, A.webServer, 40100, 22, 1460), 'ppp0', 0));
  parts.push({
    heading: '3. A port scan from outside is dropped',
    text: [
      `${A.scanner} sends SYNs to the router's usual ports, and one straight to ${A.webServer}:22. No rule accepts them:`,
      `INPUT's policy is DROP, and so is FORWARD's for the packet to the LAN host. They are dropped without a word`,
      `(no RST, no ICMP), so the scanner cannot tell a closed port from a missing host. A dropped packet's`,
      `conntrack entry is never confirmed: the scan leaves nothing in the table.`,
    ],
    flows: scan,
    oneLine: true,
  });

  at(8);
  const pingOut = flow(desc(1, A.laptop, A.website, 0, 0, undefined), 'eth0', 20);
  at(9);
  const pingIn = flow(desc(1, A.visitor, wanAddr, 0, 0, undefined), 'ppp0', 0);
  parts.push({
    heading: '4. A ping from both sides',
    text: [
      `The laptop pings ${A.website}: the echo request is masqueraded like any connection, and conntrack`,
      `matches the echo reply to it by its ICMP id. Then ${A.visitor} pings the router itself: INPUT rule 4`,
      `accepts a NEW echo request from anywhere, and the router's own stack answers it.`,
    ],
    flows: [pingOut, pingIn],
    oneLine: false,
  });

  at(10);
  s.finish();
  return { plan, host, rules4, conntrack, clock, parts, log: s.log };
}

// ---- rendering -----------------------------------------------------------------------------------

interface Paint { ok(s: string): string; bad(s: string): string; dim(s: string): string; head(s: string): string; note(s: string): string; }
const ansi = (code: string) => (s: string): string => `\x1b[${code}m${s}\x1b[0m`;
const PLAIN: Paint = { ok: (s) => s, bad: (s) => s, dim: (s) => s, head: (s) => s, note: (s) => s };
const COLOUR: Paint = { ok: ansi('32'), bad: ansi('31'), dim: ansi('2'), head: ansi('1'), note: ansi('36') };

const ICMP_NAMES: Record<number, string> = { 0: 'echo-reply', 3: 'destination-unreachable', 8: 'echo-request', 11: 'time-exceeded' };

/** A short form of a packet: addresses, ports, TCP flags and MSS, ICMP type and id. */
export function briefPacket(bytes: Uint8Array): string {
  const v = viewOf(bytes);
  const a = (off: number): string => fmtAddr(v.buf.subarray(off, off + v.addrLen));
  if (v.proto === 6 && v.tcpHeaderLen > 0) {
    const mss = v.mssOffset();
    return `TCP ${a(v.srcOff)}:${v.sport} > ${a(v.dstOff)}:${v.dport} [${tcpFlagsText(v.tcpFlags)}]` +
      `${mss >= 0 ? ` mss=${tcpGetMss(v.buf, mss)}` : ''}${v.payloadLen > 0 ? ` +${v.payloadLen} bytes` : ''}`;
  }
  if (v.proto === 17) return `UDP ${a(v.srcOff)}:${v.sport} > ${a(v.dstOff)}:${v.dport}`;
  if (v.proto === 1 && v.icmpType >= 0) {
    return `ICMP ${a(v.srcOff)} > ${a(v.dstOff)} ${ICMP_NAMES[v.icmpType] ?? `type ${v.icmpType}/${v.icmpCode}`}${v.icmpId >= 0 ? ` id=${v.icmpId}` : ''}`;
  }
  return `proto ${v.proto} ${a(v.srcOff)} > ${a(v.dstOff)}`;
}

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

function mssOf(bytes: Uint8Array): number | undefined {
  const v = viewOf(bytes);
  const o = v.mssOffset();
  return o >= 0 ? tcpGetMss(v.buf, o) : undefined;
}

/** The text of a rule's `-m comment --comment`, which init writes on every rule to say what it is for. */
function commentOf(rule: string): string | undefined {
  const m = /--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule);
  return m ? (m[1] ?? m[2]).replace(/\\(.)/g, '$1') : undefined;
}

const tcpStateOf = (entry: string | null): string | undefined => (entry ? /^tcp +6 +[0-9]+ ([A-Z_0-9]+) /.exec(entry)?.[1] : undefined);

function conntrackLine(r: PacketReport): string {
  const before = tcpStateOf(r.ctBefore), after = tcpStateOf(r.ctAfter);
  let s = r.ctstate === 'NEW' ? 'NEW, a new entry' : r.ctstate;
  if (after && before !== after) s += `, ${before ?? 'none'} → ${after}`;
  if (r.ctAfter?.includes('[ASSURED]') && !r.ctBefore?.includes('[ASSURED]')) s += ', now [ASSURED] (kept when the table fills up)';
  return s;
}

function visitLines(p: Paint, r: PacketReport, v: TableVisit, out: string[]): void {
  if (v.added) return;
  const label = col(`${v.table}/${v.hook}`);
  if (v.table === 'filter') {
    const decided = v.rulenum > 0 ? v.rules.find((x) => x.matched && x.num === v.rulenum && x.chain === v.chain) : undefined;
    const verdict = v.verdict === 'ACCEPT' ? p.ok(v.verdict) : p.bad(v.verdict);
    const why = decided ? commentOf(decided.rule) : undefined;
    out.push(`    ${label} ${verdict} by ${decided ? `rule ${v.rulenum}` : 'the policy'}${why ? p.dim(`  "${why}"`) : ''}`);
    return;
  }
  if (v.table === 'nat') return; // its rewrites are shown with the rule that made them
  for (const x of v.rules) {
    if (!x.matched || !x.then) continue;
    let what = x.then;
    if (/TCPMSS/.test(x.then)) {
      const before = mssOf(v.at.bytes);
      const sent = r.sent[0] ? mssOf(fromHex(r.sent[0].hex)) : undefined;
      if (before !== undefined && sent !== undefined) what += before === sent ? `: mss ${before} fits, kept` : `: mss ${before} → ${sent}`;
    }
    const why = commentOf(x.rule);
    out.push(`    ${label} rule ${x.num} ${p.note(what)}${why ? p.dim(`  "${why}"`) : ''}`);
  }
}

function rewriteLines(p: Paint, r: PacketReport, hook: string, out: string[]): void {
  for (const w of r.rewrites) {
    if (w.hook !== hook) continue;
    const m = /^nat\/(\S+) rule ([0-9]+)$/.exec(w.by);
    let by = m ? w.by : `${w.by}, in ${hook}`;
    let why: string | undefined;
    if (m) {
      const rule = r.visits.find((v) => v.table === 'nat' && v.hook === m[1])?.rules.find((x) => x.matched && x.num === Number(m[2]));
      if (rule) { by = `${rule.then?.split(' ')[0] ?? ''} (${w.by})`; why = commentOf(rule.rule); }
    }
    out.push(`    ${p.note('⇒')} ${w.from}  →  ${w.to}  ${p.note(by)}${why ? p.dim(`  "${why}"`) : ''}`);
  }
}

/** The first column of a journey line. */
const col = (s: string): string => s.padEnd(16);

/** One packet: where it came in, conntrack, the rules that acted, NAT, and where it left. */
function journeyLines(p: Paint, st: FlowStep): string[] {
  const r = st.report;
  const out = [`  ${p.head(r.label)}`, `    ${col(`in ${r.where.replace(/^IN=/, '')}`)} ${briefPacket(fromHex(r.hex))}`];
  out.push(`    ${col('conntrack')} ${conntrackLine(r)}`);
  let hook = '';
  const flush = (): void => { if (hook) rewriteLines(p, r, hook, out); };
  for (const v of r.visits) {
    if (v.hook !== hook) { flush(); hook = v.hook; }
    visitLines(p, r, v, out);
  }
  flush();
  for (const x of r.sent) out.push(`    ${p.ok(col(x.dev === 'local' ? 'to a socket' : `out ${x.dev}`))} ${briefPacket(fromHex(x.hex))}`);
  for (const a of r.answers) {
    out.push(`    ${col('answer')} ${p.note(a.origin === 'stack' ? "the router's own stack answers" : `the router answers (${a.origin})`)}`);
    for (const x of a.sent) out.push(`    ${p.ok(col(`out ${x.dev}`))} ${briefPacket(fromHex(x.hex))}`);
    if (a.sent.length === 0) out.push(`    ${p.bad(a.fate)}`);
  }
  if (r.fate === 'dropped') out.push(`    ${p.bad(`✗ dropped: ${r.reason}`)}`);
  return out;
}

/** A scan probe on one line: the packet, and what became of it. */
function probeLine(p: Paint, st: FlowStep, width: number): string {
  const r = st.report;
  const pkt = briefPacket(fromHex(r.hex)).padEnd(width);
  if (r.fate === 'dropped') {
    const left = r.ctAfter ? ' (an entry stays!)' : ', no answer, no conntrack entry';
    return `  ${pkt} ${p.bad(`✗ dropped by ${r.reason}`)}${p.dim(left)}`;
  }
  return `  ${pkt} ${p.ok(`${r.fate}${r.outdev ? ` out ${r.outdev}` : ''}`)}${r.answers.length ? ` (answered: ${r.answers.map((a) => a.summary.replace(/ ttl=.*$/, '')).join(', ')})` : ''}`;
}

function setupLines(p: Paint, run: DemoRun): string[] {
  const out = [p.head('The router'), ''];
  for (const i of run.host.ifaces) {
    if (i.name === 'lo') continue;
    const addrs = i.addrs4.map((a) => `${fmt(a.addr)}/${a.plen}`).join(' ');
    const role = i.name === 'eth0' ? 'the LAN' : 'the internet (PPPoE: 8 bytes of every frame go to its header)';
    out.push(`  ${i.name.padEnd(5)} ${addrs.padEnd(18)} mtu ${i.mtu}  ${role}`);
  }
  out.push('', `It is what \`netsieve init ${DEMO_INIT_ARGS.join(' ')}\` writes; the rules:`, '');
  for (const c of run.plan) {
    if (c.prog !== 'iptables') continue;
    const k = c.argv.indexOf('--comment');
    const argv = k > 0 ? [...c.argv.slice(0, k - 2), ...c.argv.slice(k + 2)] : c.argv;
    const why = k > 0 ? c.argv[k + 1] : undefined;
    out.push(`  ${commandLine({ prog: 'iptables', argv })}${why ? p.dim(`   # ${why}`) : ''}`);
  }
  return out;
}

function section(p: Paint, title: string): string[] {
  return ['', p.head(title), p.dim('─'.repeat(Math.min(title.length, 100)))];
}

export function renderDemo(run: DemoRun, o: { color: boolean; full: boolean }): string {
  const p = o.color ? COLOUR : PLAIN;
  const out: string[] = [
    p.head('netsieve demo: the home router of "Iptables Stateful Firewall and NAT Routing"'),
    'Built in memory; every packet below is bytes played through netsieve\'s netfilter. This machine\'s network is not touched.',
    '',
    ...setupLines(p, run),
  ];
  for (const part of run.parts) {
    out.push(...section(p, part.heading), ...part.text, '');
    if (o.full) {
      for (const f of part.flows) out.push(renderTree(f.map((x) => x.report), o.color, f.map((x) => x.why)));
      continue;
    }
    if (part.oneLine) {
      const steps = part.flows.flat();
      const width = Math.max(...steps.map((st) => briefPacket(fromHex(st.report.hex)).length));
      for (const st of steps) out.push(probeLine(p, st, width));
      continue;
    }
    part.flows.forEach((f, k) => {
      if (k > 0) out.push('');
      for (const st of f) out.push(...journeyLines(p, st));
    });
  }

  const ipt = (argv: string[]): string => runIptables(run.rules4, argv).stdout.trimEnd();
  out.push(...section(p, '5. What the router remembers'));
  out.push(
    'The rule counters. The nat table sees only the first packet of each connection: the others follow the',
    'binding conntrack keeps, so MASQUERADE counts the laptop\'s connections (the TCP one and the ping) and',
    'DNAT the visitor\'s, one packet each. FORWARD\'s rule 1 counts the rest of the forwarded packets.',
    'The scan is in INPUT\'s and FORWARD\'s policy counters, and TCPMSS counts every SYN it looked at.',
    '',
    p.dim('# iptables -t nat -nvL'), ipt(['-t', 'nat', '-n', '-v', '-L']), '',
    p.dim('# iptables -nvL'), ipt(['-n', '-v', '-L']), '',
    p.dim('# iptables -t mangle -nvL FORWARD'), ipt(['-t', 'mangle', '-n', '-v', '-L', 'FORWARD']), '',
    `The connection tracking table, ${(run.clock.ms / 1000).toFixed(0)} s after the router started. As the article says, the translated`,
    'connections have different addresses for the two directions: the laptop\'s entry goes out from',
    `src=${DEMO_ACTORS.laptop} and its reply comes back to dst=${fmt(run.host.ifaces.find((i) => i.name === 'ppp0')!.addrs4[0].addr)}, the router's public address;`,
    `the visitor's goes to the router's address and its reply comes from ${DEMO_ACTORS.webServer}. Both TCP connections`,
    'were closed (TIME_WAIT) after a full exchange, so they are [ASSURED]. Packet and byte counts need',
    'net.netfilter.nf_conntrack_acct=1 (off by default), so unlike the article\'s table they are not shown.',
    '',
    p.dim('# cat /proc/net/nf_conntrack'), procNfConntrack(run.conntrack).trimEnd(), '',
  );
  const l = conntrackList(run.conntrack);
  out.push(p.dim('# conntrack -L'), l.stdout.trimEnd(), l.stderr.trimEnd());
  return out.join('\n') + '\n';
}

// ---- the command ---------------------------------------------------------------------------------

/** Why DIR cannot take the demo's state, or undefined when it is new or empty (lock files aside). */
function saveRefusal(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  if (!fs.statSync(dir).isDirectory()) return `${dir} exists and is not a directory`;
  const present = fs.readdirSync(dir).filter((n) => n !== '.lock' && !n.startsWith('.lock.'));
  return present.length > 0 ? `${dir} is not empty (${present.sort().join(', ')}); give a new or empty directory` : undefined;
}

/** Writes the run's state into DIR, as a state directory the other commands read. */
function save(dir: string, run: DemoRun): string | undefined {
  const early = saveRefusal(dir);
  if (early) return early;
  return withLock(dir, undefined, () => {
    // Checked again under the lock: another process may have written there meanwhile.
    const refused = saveRefusal(dir);
    if (refused) return refused;
    storeHost(dir, run.host);
    storeRuleset(dir, run.rules4);
    storeConntrackState(dir, run.conntrack, run.clock);
    appendKernLog(dir, run.log.map((x) => kernLogLine(x.line, Math.floor(x.ms / 1000), (x.ms % 1000) * 1e6)));
    return undefined;
  });
}

/** `netsieve demo` (argv without "demo"). stateDir is not used: the demo lives in memory. */
export async function runDemo(argv: string[], _stateDir: string, io: DemoIo): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) { io.stdout(DEMO_USAGE); return 0; }
  let o: DemoOptions;
  try {
    o = parseDemoArgs(argv);
  } catch (e) {
    if (e instanceof DemoUsage) { io.stderr(`netsieve demo: ${e.message}\n${DEMO_USAGE}`); return 2; }
    throw e;
  }
  // Refused before the show, so that a bad --save does not come after a screenful of output.
  const refused = o.save !== undefined ? saveRefusal(o.save) : undefined;
  if (refused) { io.stderr(`netsieve demo: ${refused}\n`); return 1; }
  const run = playDemo();
  const color = o.color ?? (io.isTTY && !process.env.NO_COLOR);
  io.stdout(renderDemo(run, { color, full: o.full }));
  if (o.save !== undefined) {
    let err: string | undefined;
    try {
      err = save(o.save, run);
    } catch (e) {
      if (e instanceof LockBusy) { io.stderr('netsieve: the state directory is locked by another netsieve process\n'); return 4; }
      throw e;
    }
    if (err) { io.stderr(`netsieve demo: ${err}\n`); return 1; }
    io.stdout(`\nSaved to ${o.save}: try \`netsieve --state ${o.save} conntrack -L\` or \`netsieve --state ${o.save} trace -i ppp0 -p tcp --dport 80 --flow\`.\n`);
  }
  return 0;
}
