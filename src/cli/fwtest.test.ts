/**
 * `netsieve test`: every file of examples/ passes; a wrong expectation
 * fails with what actually happened; a wrong file is exit 2 at its line;
 * TAP and JUnit output; `continue:` carries state and its absence does not.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runFwtest, testFile } from './fwtest';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-fwtest-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function write(text: string, name = `t${++n}.yaml`): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runFwtest(argv, tmp, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

const HOST = `host:
  - ip link set lo up
  - ip link add eth0 type dummy
  - ip link set eth0 up
  - ip addr add 198.51.100.2/24 dev eth0
  - ip route add default via 198.51.100.1
  - listen tcp 0.0.0.0:22
`;

const RULES = `rules:
  iptables: |
    iptables -P INPUT DROP
    iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    iptables -A INPUT -p tcp --dport 22 -j LOG --log-prefix "ssh: "
    iptables -A INPUT -p tcp --dport 22 -j ACCEPT
    iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset
`;

// ---- the examples ------------------------------------------------------------------------------

const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

test('examples/ has a test file for each seed setup', () => {
  for (const f of ['stateful-host.yaml', 'stateful-host-portscan.yaml', 'stateful-host-ssh-bruteforce.yaml', 'stateful-host-ipv6.yaml',
    'nat-gateway.yaml', 'home-router.yaml', 'init-router.yaml', 'init-standalone.yaml', 'outgoing-web-ping.yaml',
    'passing-ports.yaml', 'masquerading-dns-faking.yaml', 'masquerading-wrong-way.yaml', 'firewall-script.yaml']) {
    assert.ok(examples.includes(f), `examples/${f} is missing`);
  }
});

for (const f of examples) {
  test(`examples/${f} passes`, () => {
    const r = testFile(path.join(EXAMPLES, f));
    assert.equal(r.error, undefined, r.error && `${r.error.where}: ${r.error.message}`);
    assert.ok(r.cases.length > 0);
    const failed = r.cases.filter((c) => !c.ok);
    assert.deepEqual(failed.map((c) => `${c.name}: ${c.failures.map((x) => `${x.key}: expected ${x.want}, got ${x.got}`).join('; ')}`), []);
  });
}

test('the whole examples directory: exit 0 and a summary', async () => {
  const r = await run(EXAMPLES);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, new RegExp(`^[0-9]+ passed, 0 failed \\(${examples.length} files\\)$`, 'm'));
  assert.doesNotMatch(r.out, /✗/);
});

// ---- failures ----------------------------------------------------------------------------------

test('a wrong expectation: exit 1, expected and actual, and the trace of what happened', async () => {
  const f = write(`${HOST}${RULES}cases:
  - name: ssh is accepted
    packet: -i eth0 -s 203.0.113.9 -p tcp --dport 22
    expect:
      verdict: ACCEPT
      decided_by: filter/INPUT rule 3
  - name: telnet is said to be accepted (it is not)
    packet: -i eth0 -s 203.0.113.9 -p tcp --dport 23
    expect:
      verdict: ACCEPT
      decided_by: filter/INPUT rule 3
      answers: none
`);
  const r = await run(f);
  assert.equal(r.code, 1);
  assert.match(r.out, /✓ ssh is accepted/);
  assert.match(r.out, /✗ telnet is said to be accepted \(it is not\)/);
  assert.match(r.out, /verdict: expected ACCEPT, got REJECT {2}\(line 24\)/);
  assert.match(r.out, /decided_by: expected filter\/INPUT rule 3, got filter\/INPUT rule 4 {2}\(line 25\)/);
  assert.match(r.out, /answers: expected none, got tcp-reset \(sent out eth0\)/);
  // What happened: the outcome line and trace's tree with the rule that decided.
  assert.match(r.out, /TCP 203\.0\.113\.9:40000 > 198\.51\.100\.2:23 \[SYN\].* → REJECT \(filter\/INPUT rule 4\), dropped/);
  assert.match(r.out, /✓ {3}4 {2}-A INPUT -p tcp -j REJECT --reject-with tcp-reset/);
  assert.match(r.out, /1 passed, 1 failed/);
});

test('expectations on NAT, conntrack, hits and LOG lines, and -o in the packet', async () => {
  const f = write(`host:
  - ip link add eth0 type dummy
  - ip link add ppp0 type dummy
  - ip link set eth0 up
  - ip link set ppp0 up
  - ip addr add 192.168.0.1/24 dev eth0
  - ip addr add 203.0.113.2/24 dev ppp0
  - ip route add default via 203.0.113.1
  - sysctl -w net.ipv4.ip_forward=1
rules:
  restore: |
    *nat
    -A POSTROUTING -o ppp0 -j MASQUERADE
    COMMIT
    *filter
    -A FORWARD -j LOG --log-prefix "fwd: "
    COMMIT
cases:
  - packet: -i eth0 -s 192.168.0.7 -d 198.51.100.1 -p udp --sport 5000 --dport 53 -o ppp0
    expect:
      src: 203.0.113.2
      sport: 5000
      ttl: 63
      ctstate: NEW
      conntrack: [udp, "src=198.51.100.1 dst=203.0.113.2 sport=53 dport=5000"]
      hits: [nat/POSTROUTING rule 1, filter/FORWARD rule 1]
      log: ["fwd: IN=eth0 OUT=ppp0"]
      decided_by: filter/FORWARD policy
  - name: the same with every expectation wrong
    packet: -i eth0 -s 192.168.0.7 -d 198.51.100.1 -p udp --dport 53 -o eth0
    expect:
      src: 192.168.0.7
      ctstate: ESTABLISHED
      conntrack: none
      log: none
`);
  const r = await run(f);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /✓ case 1/);
  assert.match(r.out, /out \(-o\): expected eth0, got ppp0/);
  assert.match(r.out, /src: expected 192\.168\.0\.7, got 203\.0\.113\.2/);
  assert.match(r.out, /ctstate: expected ESTABLISHED, got NEW/);
  assert.match(r.out, /conntrack: expected no entry, got udp +17 /);
  assert.match(r.out, /log: expected no LOG line, got .*fwd: IN=eth0 OUT=ppp0/);
});

test('continue: true carries the recent lists; without it each case starts afresh', async () => {
  const rules = `rules:
  iptables: |
    iptables -A INPUT -p tcp -m recent --name seen --rcheck -j DROP
    iptables -A INPUT -p tcp --dport 23 -m recent --name seen --set -j DROP
`;
  const pk = 'packet: -i eth0 -s 203.0.113.9 -p tcp --sport 40001 --dport 22';
  const carried = write(`${HOST}${rules}cases:
  - packet: -i eth0 -s 203.0.113.9 -p tcp --dport 23
    expect: { decided_by: filter/INPUT rule 2 }
  - continue: true
    ${pk}
    expect: { verdict: DROP, decided_by: filter/INPUT rule 1 }
`);
  assert.equal((await run(carried)).code, 0);
  const fresh = write(`${HOST}${rules}cases:
  - packet: -i eth0 -s 203.0.113.9 -p tcp --dport 23
    expect: { decided_by: filter/INPUT rule 2 }
  - ${pk}
    expect: { verdict: ACCEPT, fate: delivered }
`);
  const r = await run(fresh);
  assert.equal(r.code, 0, r.out);
});

test('flows: completes, stops_at and steps', async () => {
  const f = write(`${HOST}${RULES}cases:
  - flow: -i eth0 -s 203.0.113.9 -p tcp --dport 22
    expect: { completes: true, conntrack: TIME_WAIT, steps: { 3: { ctstate: ESTABLISHED, decided_by: filter/INPUT rule 1 } } }
  - flow: -i eth0 -s 203.0.113.9 -p tcp --dport 80
    expect: { stops_at: 1, steps: { 1: { answers: [tcp-reset] } } }
  - name: wrong
    flow: -i eth0 -s 203.0.113.9 -p tcp --dport 80
    expect: { completes: true }
`);
  const r = await run(f);
  assert.equal(r.code, 1);
  assert.match(r.out, /✓ case 1\n {2}✓ case 2\n {2}✗ wrong/);
  assert.match(r.out, /completes: expected the exchange completes, got the exchange stops at step 1 \(1\. client → server: SYN: dropped, filter\/INPUT rule 4\)/);
  assert.match(r.out, /why: filter\/INPUT: DROP by rule 4/);
});

// ---- mistakes in the file ------------------------------------------------------------------------

async function fileError(text: string): Promise<string> {
  const f = write(text);
  const r = await run(f);
  assert.equal(r.code, 2, r.out + r.err);
  const base = path.basename(f);
  const line = r.err.split('\n')[0];
  assert.ok(line.startsWith(f + ':'), line);
  return line.slice(f.length - base.length);
}

test('mistakes in the file: exit 2 with FILE:LINE: message', async () => {
  const ok = `cases:\n  - packet: -i eth0 -p tcp --dport 22\n    expect: { verdict: ACCEPT }\n`;
  assert.match(await fileError(`${HOST}rules:\n  iptables: |\n    iptables -P INPUT DROP\n\n    iptables -A INPUT -p tcp -j ACCPT\n${ok}`),
    /^t[0-9]+\.yaml:12: iptables -A INPUT -p tcp -j ACCPT: iptables v1\.8\.9 \(legacy\): Couldn't load target `ACCPT'/);
  assert.match(await fileError(`${HOST}rules:\n  restore: |\n    *filter\n    :INPUT DROP [0:0]\n    -A INPUT -m nosuch -j ACCEPT\n    COMMIT\n${ok}`),
    /:12: iptables-restore: Couldn't load match `nosuch'/);
  assert.match(await fileError(`${HOST}${ok}  - packet: -i eth0\n    expcet: { verdict: ACCEPT }\n`), /:12: unknown key `expcet' in a case/);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth9 -p tcp\n    expect: { verdict: ACCEPT }\n`), /:9: packet: no interface `eth9' on the host/);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth0 -p tcp --flow\n    expect: { verdict: ACCEPT }\n`), /:9: --flow is not a packet option here: use the case's flow: key/);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth0\n    expect:\n      answers: [icmp port-unreachabel]\n`), /:11: answers: `icmp port-unreachabel': unknown ICMP type/);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth0\n    expect: { verdict: PASS }\n`), /:10: verdict: `PASS' is not one of ACCEPT, DROP, REJECT/);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth0\n    expect: { decided_by: filter/INPUT }\n`), /:10: decided_by: `filter\/INPUT' should read/);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth0 -s $SRC\n    expect: { verdict: ACCEPT }\n`), /:9: \$SRC is not defined/);
  assert.match(await fileError(`${HOST}cases:\n  - continue: true\n    packet: -i eth0\n    expect: { verdict: ACCEPT }\n`), /:9: continue: true on the first case/);
  assert.match(await fileError(`${HOST}  - ip addr add 10.0.0.1/33 dev eth0\n${ok}`), /:8: ip addr add 10\.0\.0\.1\/33 dev eth0: /);
  assert.match(await fileError(`${HOST}cases:\n  - packet: -i eth0\n    expect: { verdict: ACCEPT\n`), /^t[0-9]+\.yaml:1[01]: YAML: /);
  assert.match(await fileError(`init: router --lan eth0\n${ok}`), /:1: init: /);
  assert.match(await fileError(`${HOST}rules:\n  file: no-such.rules\n${ok}`), /:9: cannot read no-such.rules: ENOENT/);
});

test('rules from a file: saved text or a script, its own lines in messages', async () => {
  fs.writeFileSync(path.join(tmp, 'fw.sh'), '#!/bin/sh\niptables -P INPUT DROP\niptables -A INPUT -p tcp --dport 22 \\\n  -j ACCEPT\n');
  const f = write(`${HOST}rules:\n  file: fw.sh\ncases:\n  - packet: -i eth0 -p tcp --dport 22\n    expect: { decided_by: filter/INPUT rule 1 }\n`);
  assert.equal((await run(f)).code, 0);
  fs.writeFileSync(path.join(tmp, 'bad.sh'), 'iptables -P INPUT DROP\n\niptables -A INPUT --bogus\n');
  const r = await run(write(`${HOST}rules:\n  file: bad.sh\ncases:\n  - packet: -i eth0\n    expect: { verdict: DROP }\n`));
  assert.equal(r.code, 2);
  assert.equal(r.err.split('\n')[0], `${path.join(tmp, 'bad.sh')}:3: iptables -A INPUT --bogus: iptables v1.8.9 (legacy): unknown option "--bogus"`);
});

// ---- TAP and JUnit -------------------------------------------------------------------------------

test('--tap: plan, ok / not ok, and a YAML block with the failure and its line', async () => {
  const f = write(`${HOST}${RULES}cases:
  - name: ssh
    packet: -i eth0 -p tcp --dport 22
    expect: { verdict: ACCEPT }
  - name: "telnet # not really"
    packet: -i eth0 -p tcp --dport 23
    expect: { verdict: DROP }
`);
  const r = await run('--tap', f);
  assert.equal(r.code, 1);
  const lines = r.out.split('\n');
  assert.equal(lines[0], 'TAP version 13');
  assert.equal(lines[1], '1..2');
  assert.match(lines[2], /^ok 1 - .*t[0-9]+\.yaml: ssh$/);
  assert.match(lines[3], /^not ok 2 - .*: telnet \\# not really$/);
  assert.equal(lines[4], '  ---');
  assert.match(r.out, /^ {2}message: "verdict: expected DROP, got REJECT"$/m);
  assert.match(r.out, /^ {2}line: 19$/m);
  assert.match(r.out, /^ {4}line 21: verdict: expected DROP, got REJECT$/m);
  assert.match(r.out, /^ {2}happened: \|\n {4}TCP /m);
  assert.match(r.out, /^ {2}\.\.\.$/m);

  const bad = write(`${HOST}cases: []\n`);
  const b = await run('--tap', bad, f);
  assert.equal(b.code, 2);
  assert.match(b.out, /^1\.\.3$/m);
  assert.match(b.out, /^not ok 1 - .*: the file itself is wrong$/m);
  assert.match(b.out, /^ {2}line: 8$/m);
});

test('--junit FILE: a testsuite per file, failures and errors, escaped', async () => {
  const f = write(`${HOST}${RULES}cases:
  - name: ssh <ok>
    packet: -i eth0 -p tcp --dport 22
    expect: { verdict: ACCEPT }
  - name: telnet & co
    packet: -i eth0 -p tcp --dport 23
    expect: { verdict: DROP }
`);
  const bad = write(`${HOST}rules:\n  iptables: iptables -A INPUT -j NOPE\ncases:\n  - packet: -i eth0\n    expect: { verdict: DROP }\n`);
  const out = path.join(tmp, 'junit.xml');
  const r = await run('--junit', out, f, bad);
  assert.equal(r.code, 2);
  const x = fs.readFileSync(out, 'utf8');
  assert.match(x, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="netsieve test" tests="3" failures="1" errors="1">/);
  assert.match(x, /<testsuite name="[^"]*t[0-9]+\.yaml" tests="2" failures="1" errors="0" time="[0-9.]+">/);
  assert.match(x, /<testcase name="ssh &lt;ok&gt;" classname="[^"]+" file="[^"]+" line="16" time="[0-9.]+"\/>/);
  assert.match(x, /<testcase name="telnet &amp; co"[^>]*>\n {6}<failure message="verdict: expected DROP, got REJECT" type="expectation">[^<]*:21: verdict: expected DROP, got REJECT/);
  assert.match(x, /<error message="[^"]*:9: iptables -A INPUT -j NOPE: [^"]*" type="file"\/>/);
  assert.match(x, /<\/testsuites>\n$/);
});

test('usage: no file, unknown option, --help', async () => {
  assert.equal((await run()).code, 2);
  assert.match((await run('--frobnicate', 'x.yaml')).err, /unknown option `--frobnicate'/);
  const h = await run('--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /^Usage: netsieve test/);
  const missing = await run(path.join(tmp, 'nope.yaml'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.yaml: cannot read the file: ENOENT/);
});
