/**
 * `netsieve trace` on state directories built with netsieve's own ip,
 * sysctl, listen and iptables programs: the journey of one packet (rules
 * met, NAT, routing, conntrack, answers), the kernel's TRACE lines, JSON,
 * whole exchanges with --flow, and what persists between invocations
 * (conntrack and clock, counters, recent lists, kern.log).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runIp, runListen, runSysctl } from './host-commands';
import { runIptables } from './iptables';
import { runTrace } from './trace';
import { newHost } from '../host/model';
import { storeHost } from '../host/store';
import { newRuleset, type Family } from '../rules/model';
import { loadRuleset, storeRuleset } from '../state/store';
import { loadClock, loadConntrackState } from '../state/conntrack-store';
import { loadHost } from '../host/store';
import { conntrackList } from '../conntrack/print';

const words = (l: string): string[] => (l.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"|"$/g, ''));

const GATEWAY_HOST = [
  'ip link set lo up', 'ip link add eth0 type veth peer name p0', 'ip link set eth0 up', 'ip link set p0 up',
  'ip link add ppp0 type veth peer name p1', 'ip link set ppp0 up', 'ip link set p1 up',
  'ip addr add 192.168.0.1/24 dev eth0', 'ip addr add 203.0.113.1/24 dev ppp0', 'ip route add default via 203.0.113.254',
  'ip addr add 2001:db8:1::1/64 dev eth0',
  'sysctl -w net.ipv4.ip_forward=1', 'listen tcp 0.0.0.0:22',
];

const GATEWAY_RULES = [
  '-P FORWARD DROP',
  '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A FORWARD -i eth0 -o ppp0 -j ACCEPT',
  '-A FORWARD -i ppp0 -d 192.168.0.10 -p tcp --dport 80 -j ACCEPT',
  '-t nat -A POSTROUTING -o ppp0 -j MASQUERADE',
  '-t nat -A PREROUTING -i ppp0 -p tcp --dport 80 -j DNAT --to-destination 192.168.0.10',
  '-N TCP',
  '-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT',
  '-A INPUT -p tcp --syn -j TCP',
  '-A INPUT -p udp -j REJECT',
  '-A TCP -p tcp --dport 22 -j LOG --log-prefix "ssh "',
  '-A TCP -p tcp --dport 22 -j ACCEPT',
];

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function mkState(hostLines: string[], rules: string[], rules6: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-trace-'));
  dirs.push(dir);
  let h = newHost();
  for (const line of hostLines) {
    const [prog, ...args] = words(line);
    const r = prog === 'ip' ? runIp(args, h) : prog === 'sysctl' ? runSysctl(args, h) : runListen(args, h);
    assert.equal(r.code, 0, `${line}: ${r.stderr}`);
    h = r.host;
  }
  storeHost(dir, h);
  for (const [fam, lines] of [[4, rules], [6, rules6]] as [Family, string[]][]) {
    if (lines.length === 0) continue;
    let rs = newRuleset(fam);
    for (const l of lines) {
      const r = runIptables(rs, words(l));
      assert.equal(r.code, 0, `${l}: ${r.stderr}`);
      rs = r.rs;
    }
    storeRuleset(dir, rs);
  }
  return dir;
}

async function trace(dir: string, args: string): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runTrace(words(args), dir, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

function save(dir: string, args: string[] = []): string {
  const r = runIptables(loadRuleset(dir, 4), ['-S', '-v', ...args]);
  return r.stdout;
}

test('a port-forwarded SYN: every rule met, the DNAT rewrite, routing, conntrack and counters', async () => {
  const dir = mkState(GATEWAY_HOST, GATEWAY_RULES);
  const r = await trace(dir, '-i ppp0 -s 198.51.100.7 -d 203.0.113.1 -p tcp --dport 80');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  const idx = (re: RegExp): number => lines.findIndex((l) => re.test(l));
  assert.ok(idx(/✓ +1 +-A PREROUTING -i ppp0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192\.168\.0\.10/) > 0, r.out);
  assert.ok(idx(/⇒ 198\.51\.100\.7:40000 > 203\.0\.113\.1:80 +→ +198\.51\.100\.7:40000 > 192\.168\.0\.10:80 +\(nat\/PREROUTING rule 1\)/) > 0, r.out);
  // Rules 1 and 2 of FORWARD were tried and did not match, rule 3 decided.
  const f1 = idx(/✗ +1 +-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT$/);
  const f2 = idx(/✗ +2 +-A FORWARD -i eth0 -o ppp0 -j ACCEPT$/);
  const f3 = idx(/✓ +3 +-A FORWARD -d 192\.168\.0\.10\/32 -i ppp0 -p tcp -m tcp --dport 80 -j ACCEPT +→ ACCEPT/);
  assert.ok(f1 > 0 && f1 < f2 && f2 < f3, r.out);
  assert.match(r.out, /routing: forward: out eth0/);
  assert.match(r.out, /conntrack before: no entry/);
  assert.match(r.out, /conntrack after: tcp +6 120 SYN_SENT src=198\.51\.100\.7 dst=203\.0\.113\.1 sport=40000 dport=80 \[UNREPLIED\] src=192\.168\.0\.10/);
  assert.match(r.out, /sent out eth0: TCP 198\.51\.100\.7:40000 > 192\.168\.0\.10:80 \[SYN\] seq=1000000 ttl=63/);

  // Counters: the deciding rule, the nat rule and the POSTROUTING policy counted one 40-byte packet;
  // nothing of trace's own rules (TRACE, observers, raw, mangle) reached the saved ruleset.
  const s = save(dir);
  assert.match(s, /-A FORWARD -d 192\.168\.0\.10\/32 -i ppp0 -p tcp -m tcp --dport 80 -c 1 40 -j ACCEPT/);
  assert.match(s, /-A FORWARD -i eth0 -o ppp0 -c 0 0 -j ACCEPT/);
  assert.match(save(dir, ['-t', 'nat']), /-P POSTROUTING ACCEPT -c 1 40/);
  const text = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8');
  assert.doesNotMatch(text, /TRACE|\*raw|\*mangle|NETSIEVE/);
  // Conntrack persisted: netsieve conntrack -L sees it.
  const host = loadHost(dir);
  assert.match(conntrackList(loadConntrackState(dir, host, loadClock(dir))).stdout, /SYN_SENT src=198\.51\.100\.7/);
});

test('--kernel prints the TRACE lines as the kernel does with TRACE inserted first in raw', async () => {
  const dir = mkState(GATEWAY_HOST, GATEWAY_RULES);
  const r = await trace(dir, '-i ppp0 -s 198.51.100.7 -d 203.0.113.1 -p tcp --dport 80 --kernel');
  assert.equal(r.code, 0, r.err);
  const heads = r.out.trim().split('\n').map((l) => l.split(' IN=')[0]);
  // raw has only the TRACE rule (rule 1), so its policy is rule 2; then one line per matched rule or policy.
  assert.deepEqual(heads, ['TRACE: raw:PREROUTING:policy:2', 'TRACE: nat:PREROUTING:rule:1', 'TRACE: filter:FORWARD:rule:3', 'TRACE: nat:POSTROUTING:policy:2']);
  assert.match(r.out, /^TRACE: filter:FORWARD:rule:3 IN=ppp0 OUT=eth0 MAC= SRC=198\.51\.100\.7 DST=192\.168\.0\.10 LEN=40 .*TTL=63 .*PROTO=TCP SPT=40000 DPT=80 SEQ=1000000 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 $/m);
  // The same tuple again: a retransmitted SYN of a known connection meets no nat rule (NAT only sees NEW).
  const again = await trace(dir, '-i ppp0 -s 198.51.100.7 -d 203.0.113.1 -p tcp --dport 80 --kernel');
  assert.deepEqual(again.out.trim().split('\n').map((l) => l.split(' IN=')[0]), ['TRACE: raw:PREROUTING:policy:2', 'TRACE: filter:FORWARD:rule:3']);
});

test('jumps, LOG and the local stack: a SYN to sshd; kern.log gets the LOG line', async () => {
  const dir = mkState(GATEWAY_HOST, GATEWAY_RULES);
  const r = await trace(dir, '-i eth0 -s 192.168.0.50 -p tcp --dport 22 --at 100');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /filter\/INPUT: ACCEPT \(rule 2 of TCP\)/);
  assert.match(r.out, /✓ +2 +-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCP +→ jump to TCP/);
  assert.match(r.out, /✓ TCP 1 +-A TCP -p tcp -m tcp --dport 22 -j LOG --log-prefix "ssh " +→ LOG/);
  assert.match(r.out, /delivered to a local socket: TCP 192\.168\.0\.50:40000 > 192\.168\.0\.1:22/);
  const log = fs.readFileSync(path.join(dir, 'kern.log'), 'utf8');
  assert.match(log, /^1970-01-01T00:01:40\.000000\+00:00 netsieve kernel: warning: ssh IN=eth0 OUT= MAC= SRC=192\.168\.0\.50 DST=192\.168\.0\.1 .*DPT=22 /m);
  const k = await trace(dir, '-i eth0 -s 192.168.0.51 -p tcp --dport 22 --kernel');
  assert.deepEqual(k.out.trim().split('\n').map((l) => l.split(' IN=')[0]),
    ['TRACE: raw:PREROUTING:policy:2', 'TRACE: nat:PREROUTING:policy:2', 'TRACE: filter:INPUT:rule:2', 'TRACE: filter:TCP:rule:1', 'TRACE: filter:TCP:rule:2', 'TRACE: nat:INPUT:policy:1']);
});

test('REJECT: the answer is shown with its own path out, and the verdict names the rule', async () => {
  const dir = mkState(GATEWAY_HOST, GATEWAY_RULES);
  const r = await trace(dir, '-i eth0 -s 192.168.0.50 -p udp --dport 53 --json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as {
    fate: string; reason: string; conntrack: { after: string | null };
    answers: { origin: string; packet: string; fate: string; visits: { hook: string; table: string }[] }[];
    visits: { table: string; hook: string; rules: { num: number; matched: boolean }[] }[];
  };
  assert.equal(j.fate, 'dropped');
  assert.equal(j.reason, 'filter/INPUT rule 3');
  assert.equal(j.conntrack.after, null, 'a dropped packet leaves no entry');
  const input = j.visits.find((v) => v.table === 'filter' && v.hook === 'INPUT');
  assert.deepEqual(input?.rules.map((x) => [x.num, x.matched]), [[1, false], [2, false], [3, true]]);
  assert.equal(j.answers.length, 1);
  assert.equal(j.answers[0].origin, 'reject');
  assert.match(j.answers[0].packet, /^ICMP 192\.168\.0\.1 > 192\.168\.0\.50 type=3 code=3 \(quoting UDP 192\.168\.0\.50:40000 > 192\.168\.0\.1:53/);
  assert.equal(j.answers[0].fate, 'sent out eth0');
  assert.ok(j.answers[0].visits.some((v) => v.hook === 'OUTPUT' && v.table === 'filter'));
});

test('--flow tcp through DNAT: eight packets, replies ESTABLISHED through the RELATED,ESTABLISHED rule', async () => {
  const dir = mkState(GATEWAY_HOST, GATEWAY_RULES);
  const r = await trace(dir, '-i ppp0 -s 198.51.100.8 -d 203.0.113.1 -p tcp --dport 80 --flow --gap 10ms --json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { flow: { label: string; fate: string; from: string; conntrack: { state: string; after: string }; sent: { dev: string; packet?: string; summary: string }[]; why: string[] }[] };
  assert.equal(j.flow.length, 8);
  assert.deepEqual(j.flow.map((s) => s.fate), new Array(8).fill('forwarded'));
  assert.deepEqual(j.flow.map((s) => s.from), ['IN=ppp0', 'IN=eth0', 'IN=ppp0', 'IN=ppp0', 'IN=eth0', 'IN=ppp0', 'IN=eth0', 'IN=ppp0']);
  assert.equal(j.flow[0].conntrack.state, 'NEW');
  assert.equal(j.flow[1].conntrack.state, 'ESTABLISHED (reply direction)');
  assert.ok(j.flow[1].why.some((w) => w.includes("ACCEPT by rule 1 `-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'")), j.flow[1].why.join('\n'));
  // The server's answers leave translated back to the address the client asked for.
  assert.match(j.flow[1].sent[0].summary, /^TCP 203\.0\.113\.1:80 > 198\.51\.100\.8:40000 \[SYN,ACK\]/);
  const states = j.flow.map((s) => /^tcp +6 +[0-9]+ ([A-Z_]+)/.exec(s.conntrack.after)?.[1]);
  assert.deepEqual(states, ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'FIN_WAIT', 'LAST_ACK', 'TIME_WAIT']);
  assert.equal(loadClock(dir).ms, 70, 'seven gaps of 10 ms');
});

test('--flow from a local process (OUTPUT, MASQUERADE) and udp and ping flows', async () => {
  const dir = mkState(GATEWAY_HOST, GATEWAY_RULES);
  const t = await trace(dir, '--local -d 198.51.100.99 -p tcp --dport 443 --flow --json');
  const tj = JSON.parse(t.out) as { flow: { fate: string; answers: unknown[] }[] };
  assert.deepEqual(tj.flow.map((s) => s.fate), ['sent', 'delivered', 'sent', 'sent', 'delivered', 'sent', 'delivered', 'sent']);
  assert.ok(tj.flow.every((s) => s.answers.length === 0), 'no RST: the client socket takes the answers');
  const u = await trace(dir, '-i eth0 -s 192.168.0.60 -d 198.51.100.53 -p udp --dport 53 --flow');
  assert.equal(u.code, 0, u.err);
  assert.match(u.out, /1\. client → server: request\n[^]*sent out ppp0: UDP 203\.0\.113\.1:40000 > 198\.51\.100\.53:53/);
  assert.match(u.out, /2\. server → client: reply\npacket: UDP 198\.51\.100\.53:53 > 203\.0\.113\.1:40000[^]*sent out eth0: UDP 198\.51\.100\.53:53 > 192\.168\.0\.60:40000/);
  const p = await trace(dir, '-i eth0 -s 192.168.0.60 -d 198.51.100.1 -p icmp --flow');
  assert.match(p.out, /2\. server → client: echo reply[^]*conntrack: ESTABLISHED \(reply direction\)[^]*sent out eth0: ICMP 198\.51\.100\.1 > 192\.168\.0\.60 type=0/);
});

test('state persists between invocations and time moves with --after/--at', async () => {
  const dir = mkState(GATEWAY_HOST, [
    '-A INPUT -p tcp --dport 23 -m recent --set --name trap -j DROP',
    '-A INPUT -m recent --rcheck --name trap --seconds 60 -j DROP',
    // A rule that needs conntrack, so that connections are tracked at all (nf_ct_netns_get).
    '-A INPUT -m conntrack --ctstate INVALID -j DROP',
  ]);
  const a = await trace(dir, '-i eth0 -s 192.168.0.70 -p tcp --dport 23 --json');
  assert.equal((JSON.parse(a.out) as { reason: string }).reason, 'filter/INPUT rule 1');
  // Another invocation: the recent list remembers the address.
  const b = await trace(dir, '-i eth0 -s 192.168.0.70 -p tcp --dport 22 --after 30s --json');
  assert.equal((JSON.parse(b.out) as { reason: string }).reason, 'filter/INPUT rule 2');
  const c = await trace(dir, '-i eth0 -s 192.168.0.70 -p tcp --dport 22 --after 31s --json');
  assert.equal((JSON.parse(c.out) as { fate: string }).fate, 'delivered');
  assert.equal(loadClock(dir).ms, 61_000);
  // The SYN_SENT entry of the last packet is there 100 s later, gone after its 120 s.
  const d = await trace(dir, '-i eth0 -s 192.168.0.70 -p tcp --dport 22 --after 100s');
  assert.match(d.out, /conntrack before: tcp +6 20 SYN_SENT/);
  const e = await trace(dir, '-i eth0 -s 192.168.0.70 -p tcp --dport 22 --at 400');
  assert.match(e.out, /conntrack before: no entry/);
  const back = await trace(dir, '-i eth0 -p tcp --at 10');
  assert.equal(back.code, 2);
  assert.match(back.err, /does not go back/);
  assert.match(save(dir), /-P INPUT ACCEPT -c 3 120/);
});

test('IPv6, --hex and usage errors', async () => {
  const dir = mkState(GATEWAY_HOST, [], ['-A INPUT -p icmpv6 --icmpv6-type echo-request -j ACCEPT']);
  const r = await trace(dir, '-i eth0 -s 2001:db8:1::50 -d 2001:db8:1::1 -p icmpv6 --icmp-type echo-request --json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { fate: string; hex: string; answers: { origin: string; packet: string }[] };
  assert.equal(j.fate, 'delivered');
  assert.equal(j.answers[0].origin, 'stack');
  assert.match(j.answers[0].packet, /^ICMPv6 2001:db8:1::1 > 2001:db8:1::50 type=129/);
  assert.match(fs.readFileSync(path.join(dir, 'rules.v6'), 'utf8'), /^\[1:48\] -A INPUT -p ipv6-icmp/m);
  // The same bytes given with --hex take the same way.
  const h = await trace(dir, `-i eth0 --hex ${j.hex} --json`);
  assert.equal((JSON.parse(h.out) as { fate: string }).fate, 'delivered');
  assert.match(fs.readFileSync(path.join(dir, 'rules.v6'), 'utf8'), /^\[2:96\] -A INPUT -p ipv6-icmp/m);

  for (const [args, re] of [
    ['-i eth9 -p tcp', /no interface `eth9'/],
    ['-i eth0 --frobnicate', /unknown option `--frobnicate'/],
    ['-i eth0 -p udp --syn', /TCP options need -p tcp/],
    ['-i eth0 -s 10.0.0.1 -d 2001:db8::1', /is not an IPv4 address/],
    ['-i eth0 -p icmp --icmp-type bogus', /Unknown ICMP type `bogus'/],
    ['--local -i eth0', /no -i/],
  ] as const) {
    const e = await trace(dir, args);
    assert.equal(e.code, 2, args);
    assert.match(e.err, re, args);
  }
  const help = await trace(dir, '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: netsieve trace/);
});

test('goto and RETURN: rules after a RETURN are not met, a goto chain falls to the policy', async () => {
  const dir = mkState(GATEWAY_HOST, [
    '-N A', '-N B',
    '-A INPUT -p tcp -j A',
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    '-A A -p tcp --dport 22 -j RETURN',
    '-A A -j DROP',
    '-A OUTPUT -p tcp -g B',
    '-A OUTPUT -j DROP',
    '-A B -p tcp --dport 9 -j DROP',
  ]);
  const r = await trace(dir, '-i eth0 -s 192.168.0.9 -p tcp --dport 22 --json');
  const j = JSON.parse(r.out) as { visits: { table: string; hook: string; rulenum: number; chain: string; rules: { chain: string; num: number; matched: boolean }[] }[] };
  const input = j.visits.find((v) => v.table === 'filter' && v.hook === 'INPUT')!;
  assert.deepEqual(input.rules.map((x) => `${x.chain}:${x.num}:${x.matched}`), ['INPUT:1:true', 'A:1:true', 'INPUT:2:true']);
  assert.equal(input.rulenum, 2);
  const o = await trace(dir, '--local -d 192.168.0.9 -p tcp --dport 80 --json');
  const oj = JSON.parse(o.out) as typeof j & { fate: string };
  const out = oj.visits.find((v) => v.table === 'filter' && v.hook === 'OUTPUT')!;
  assert.deepEqual(out.rules.map((x) => `${x.chain}:${x.num}:${x.matched}`), ['OUTPUT:1:true', 'B:1:false']);
  assert.equal(out.rulenum, 0, 'the end of a goto chain is the policy of the builtin chain');
  assert.equal(oj.fate, 'sent');
});

test('--flow to port 21 plays an active FTP session: PORT rewritten under MASQUERADE, the data connection RELATED', async () => {
  const dir = mkState(GATEWAY_HOST, [...GATEWAY_RULES, '-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp']);
  const r = await trace(dir, '--flow -i eth0 -p tcp -s 192.168.0.50 -d 198.51.100.21 --dport 21');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /7\. client → server: PORT/);
  assert.match(r.out, /9\. server → client: data connection SYN \(from port 20\)\n(?:.*\n)*?\s+conntrack: RELATED/);
  assert.match(r.out, /11\. server → client: data ACK/);
  const j = await trace(dir, '--flow -i eth0 -p tcp -s 192.168.0.51 -d 198.51.100.21 --dport 21 --json');
  const flow = (JSON.parse(j.out) as { flow: { label: string; fate: string; sent: { dev: string; hex: string }[] }[] }).flow;
  assert.equal(flow.length, 11);
  assert.ok(flow.every((s) => s.fate === 'forwarded'));
  // What reached the server: the PORT command carries the public address 203.0.113.1 instead of 192.168.0.51.
  const port = Buffer.from(flow[6].sent[0].hex, 'hex').toString('latin1');
  assert.match(port, /PORT 203,0,113,1,\d+,\d+\r\n$/);
  // The data SYN left towards the client on eth0.
  assert.equal(flow[8].sent[0].dev, 'eth0');
});
