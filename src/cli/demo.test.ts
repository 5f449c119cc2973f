/**
 * `netsieve demo`, run in-process: its output is checked for the facts it
 * claims (the laptop's translated tuple, ASSURED entries, the visitor
 * DNATed to the web server, the scan dropped with no trace in conntrack,
 * the MSS clamped to ppp0's MTU), against a router built here from init's
 * own plan. Plus options: colour, --full, --save, usage errors.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO_ACTORS, DEMO_INIT_ARGS, playDemo, runDemo, SCAN_PORTS } from './demo';
import { buildInitState, initPlan, parseInitArgs } from './init';
import { fmt } from '../host/prefix';
import { loadHost } from '../host/store';
import { loadClock, loadConntrackState } from '../state/conntrack-store';
import { loadRuleset } from '../state/store';
import { conntrackList } from '../conntrack/print';
import { runIptables } from './iptables';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-demo-')); dirs.push(d); return d; };

async function demo(argv: string[] = [], isTTY = false, stateDir = path.join(os.tmpdir(), 'nsv-demo-never-written')): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '', err = '';
  const t = Date.now();
  const code = await runDemo(argv, stateDir, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, isTTY });
  return { code, out, err, ms: Date.now() - t };
}

/** The router as `netsieve init router` builds it, independently of the demo. */
const router = buildInitState(initPlan(parseInitArgs([...DEMO_INIT_ARGS]).opts));
const wan = router.host.ifaces.find((i) => i.name === 'ppp0')!;
const WAN_ADDR = fmt(wan.addrs4[0].addr);
const CLAMPED = wan.mtu - 40;

/** The lines of the output between a line starting with `from` and the next blank line. */
function block(out: string, from: string): string[] {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.startsWith(from));
  assert.ok(i >= 0, `no "${from}" in the output`);
  const rest = lines.slice(i + 1);
  const end = rest.findIndex((l) => l.trim() === '');
  return end < 0 ? rest : rest.slice(0, end);
}

/** The section of the output that starts with the heading `n.`. */
function part(out: string, n: number): string {
  const m = new RegExp(`^${n}\\. [^\\n]*\\n[\\s\\S]*?(?=^${n + 1}\\. |(?![\\s\\S]))`, 'm').exec(out);
  assert.ok(m, `no part ${n}`);
  return m[0];
}

let first: Awaited<ReturnType<typeof demo>>;

test('the demo runs in memory, quickly, and exits 0 without touching --state', async () => {
  const dir = path.join(tmp(), 'state');
  first = await demo([], false, dir);
  assert.equal(first.code, 0, first.err);
  assert.equal(first.err, '');
  assert.ok(first.ms < 5000, `took ${first.ms} ms`);
  assert.equal(fs.existsSync(dir), false, 'the state directory was written');
  assert.doesNotMatch(first.out, /\x1b\[/, 'colour without a terminal');
  // The same show every time: fixed ports, seeds and clock.
  assert.equal((await demo()).out, first.out);
});

test('the router shown is init router\'s, with the PPPoE MTU', () => {
  assert.match(first.out, new RegExp(`ppp0 +${WAN_ADDR.replace(/\./g, '\\.')}/32 +mtu ${wan.mtu}`));
  for (const c of initPlan(parseInitArgs([...DEMO_INIT_ARGS]).opts)) {
    if (c.prog !== 'iptables') continue;
    const k = c.argv.indexOf('--comment');
    assert.ok(first.out.includes(c.argv[k + 1]), `rule "${c.argv[k + 1]}" not shown`);
  }
});

test('the laptop\'s connection is masqueraded: translated tuple in /proc/net/nf_conntrack, ASSURED', () => {
  const proc = block(first.out, '# cat /proc/net/nf_conntrack');
  const re = /^ipv4 +2 tcp +6 +[0-9]+ (\S+) src=(192\.168\.0\.[0-9]+) dst=(\S+) sport=([0-9]+) dport=443 src=(\S+) dst=(\S+) sport=443 dport=([0-9]+) (\[ASSURED\] )?mark=0 zone=0 use=2$/;
  const m = proc.map((l) => re.exec(l)).find((x) => x !== null);
  assert.ok(m, `no laptop entry in\n${proc.join('\n')}`);
  assert.equal(m[2], DEMO_ACTORS.laptop);
  assert.equal(m[5], m[3], 'the reply comes from the server');
  assert.equal(m[6], WAN_ADDR, 'the reply goes to the router\'s public address');
  assert.equal(m[7], m[4], 'MASQUERADE kept the port');
  assert.ok(m[8], 'not ASSURED');
  assert.equal(m[1], 'TIME_WAIT', 'the flow was closed');
  // And in the journey: the SYN leaves ppp0 from the public address.
  assert.match(part(first.out, 1), new RegExp(`out ppp0 +TCP ${WAN_ADDR.replace(/\./g, '\\.')}:${m[4]} > ${m[3].replace(/\./g, '\\.')}:443 \\[SYN\\]`));
});

test('both completed TCP flows are ASSURED in conntrack -L; the pings have their entries', () => {
  const l = block(first.out, '# conntrack -L');
  const tcp = l.filter((x) => x.startsWith('tcp '));
  assert.equal(tcp.length, 2);
  for (const x of tcp) assert.match(x, /\[ASSURED\]/);
  assert.ok(l.some((x) => x.startsWith('icmp ') && x.includes(`src=${DEMO_ACTORS.laptop} `) && x.includes(`dst=${WAN_ADDR} type=0`)), 'the laptop\'s ping is not masqueraded');
  assert.match(l[l.length - 1], /: 4 flow entries have been shown\.$/);
  // The journey says when the entry becomes ASSURED: at the handshake's last ACK.
  assert.match(part(first.out, 1), /ACK \(handshake done\)\n.*\n.*SYN_RECV → ESTABLISHED, now \[ASSURED\]/);
});

test('the visitor\'s packets are DNATed to the web server and answered from the public address', () => {
  const p2 = part(first.out, 2);
  const v = DEMO_ACTORS.visitor.replace(/\./g, '\\.');
  assert.match(p2, new RegExp(`in ppp0 +TCP ${v}:([0-9]+) > ${WAN_ADDR.replace(/\./g, '\\.')}:80 \\[SYN\\]`));
  assert.match(p2, new RegExp(`⇒ .*→ +${v}:[0-9]+ > 192\\.168\\.0\\.10:80 +DNAT \\(nat/PREROUTING rule 1\\)`));
  assert.match(p2, new RegExp(`out eth0 +TCP ${v}:[0-9]+ > 192\\.168\\.0\\.10:80 \\[SYN\\]`));
  assert.match(p2, new RegExp(`out ppp0 +TCP ${WAN_ADDR.replace(/\./g, '\\.')}:80 > ${v}:[0-9]+ \\[SYN,ACK\\]`));
  assert.match(p2, /filter\/FORWARD +ACCEPT by rule 3/);
  const entry = block(first.out, '# conntrack -L').find((x) => x.includes(`src=${DEMO_ACTORS.visitor} `));
  assert.ok(entry);
  assert.match(entry, new RegExp(`dst=${WAN_ADDR.replace(/\./g, '\\.')} sport=[0-9]+ dport=80 src=192\\.168\\.0\\.10 dst=${v} sport=80 .*\\[ASSURED\\]`));
  assert.match(block(first.out, '# iptables -t nat -nvL').join('\n'), /^ +1 +[0-9]+ DNAT /m);
});

test('the scan is dropped by policy, unanswered, and leaves nothing in conntrack', () => {
  const probes = part(first.out, 3).split('\n').filter((l) => l.includes(DEMO_ACTORS.scanner + ':'));
  assert.equal(probes.length, SCAN_PORTS.length + 1);
  for (const l of probes) assert.match(l, /✗ dropped by filter\/(INPUT|FORWARD) policy, no answer, no conntrack entry$/);
  for (const port of SCAN_PORTS) assert.ok(probes.some((l) => l.includes(`> ${WAN_ADDR}:${port} [SYN]`)), `port ${port} not scanned`);
  assert.doesNotMatch(first.out.slice(first.out.indexOf('# cat /proc')), new RegExp(DEMO_ACTORS.scanner.replace(/\./g, '\\.')));
  // INPUT's policy counted exactly the probes sent to the router.
  assert.match(first.out, new RegExp(`Chain INPUT \\(policy DROP ${SCAN_PORTS.length} packets`));
  assert.match(first.out, /Chain FORWARD \(policy DROP 1 packets/);
});

test('the MSS of the SYNs is clamped to ppp0\'s MTU minus 40', () => {
  const p1 = part(first.out, 1);
  assert.match(p1, new RegExp(`mangle/FORWARD +rule 1 TCPMSS: mss 1460 → ${CLAMPED}`));
  assert.match(p1, new RegExp(`out ppp0 +TCP \\S+ > \\S+ \\[SYN\\] mss=${CLAMPED}\\n`));
  // The clamp looks at the route back too: the SYN/ACK to the laptop is clamped on its way in.
  assert.match(p1, new RegExp(`out eth0 +TCP \\S+ > ${DEMO_ACTORS.laptop.replace(/\./g, '\\.')}:[0-9]+ \\[SYN,ACK\\] mss=${CLAMPED}\\n`));
});

test('the router answers a ping from outside itself', () => {
  const p4 = part(first.out, 4);
  assert.match(p4, /filter\/INPUT +ACCEPT by rule 4/);
  assert.match(p4, new RegExp(`out ppp0 +ICMP ${WAN_ADDR.replace(/\./g, '\\.')} > ${DEMO_ACTORS.visitor.replace(/\./g, '\\.')} echo-reply`));
});

test('the structured run agrees: parts 1, 2 and 4 get through, every scan packet is dropped', () => {
  const run = playDemo();
  assert.equal(run.parts.length, 4);
  for (const k of [0, 1, 3]) for (const f of run.parts[k].flows) for (const st of f) assert.notEqual(st.report.fate, 'dropped', st.report.label);
  for (const f of run.parts[2].flows) for (const st of f) assert.equal(st.report.fate, 'dropped');
  assert.equal(run.parts[0].flows[0].length, 8, 'the browsing flow is the whole TCP exchange');
  assert.equal(conntrackList(run.conntrack).stdout.split('\n').filter(Boolean).length, 4);
});

test('colour on a terminal only, unless told', async () => {
  const saved = process.env.NO_COLOR;
  delete process.env.NO_COLOR;
  try {
    assert.match((await demo([], true)).out, /\x1b\[32mACCEPT\x1b\[0m/);
    assert.doesNotMatch((await demo(['--no-color'], true)).out, /\x1b\[/);
    assert.match((await demo(['--color'], false)).out, /\x1b\[31m/);
  } finally {
    if (saved !== undefined) process.env.NO_COLOR = saved;
  }
});

test('--full shows each packet\'s whole trace', async () => {
  const r = await demo(['--full']);
  assert.equal(r.code, 0);
  assert.match(r.out, /conntrack before: no entry/);
  assert.match(r.out, /✓ +1 +-A PREROUTING -i ppp0 -p tcp -m tcp --dport 80 .*-j DNAT --to-destination 192\.168\.0\.10/);
});

test('--save DIR keeps the result for the other commands, and refuses a non-empty DIR', async () => {
  const dir = path.join(tmp(), 'kept');
  const r = await demo(['--save', dir]);
  assert.equal(r.code, 0, r.err);
  const host = loadHost(dir);
  const ct = loadConntrackState(dir, host, loadClock(dir));
  assert.equal(conntrackList(ct).stdout, block(r.out, '# conntrack -L').slice(0, -1).join('\n') + '\n');
  // The counters too: `netsieve iptables -t nat -nvL` on DIR prints what the demo showed.
  const nat = runIptables(loadRuleset(dir, 4), ['-t', 'nat', '-n', '-v', '-L']).stdout;
  assert.equal(nat.trimEnd(), r.out.split('# iptables -t nat -nvL\n')[1].split('\n\n# iptables -nvL')[0]);
  assert.match(nat, /^ +[1-9][0-9]* +[0-9]+ MASQUERADE /m);
  const again = await demo([`--save=${dir}`]);
  assert.equal(again.code, 1);
  assert.equal(again.out, '', 'the show ran before the refusal');
  assert.match(again.err, /is not empty/);
});

test('usage', async () => {
  const bad = await demo(['--bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown option `--bogus'/);
  assert.equal((await demo(['--save'])).code, 2);
  const help = await demo(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: netsieve demo/);
});
