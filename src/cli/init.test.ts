/**
 * `netsieve init`: the state directory it writes (exact iptables-save text
 * and host listings), packets through an Engine built from that directory,
 * the refusals, and the printed command lines replaying to the same state.
 * The rules are also run through the real iptables-legacy in a throwaway
 * namespace, and its iptables-save must equal ours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../engine/engine';
import { hostToJson, loadHost } from '../host/store';
import { newHost } from '../host/model';
import { loadRuleset } from '../state/store';
import { newRuleset } from '../rules/model';
import { kernelUnavailable, withKernel } from '../testing/kernel';
import { TCP_ACK, TCP_SYN } from '../wire/tcp';
import { dstOf, icmp, mssOf, only, srcOf, stepAt, tcp, TcpConv, udp } from '../scenarios/engine/testkit';
import { runIp, runSysctl } from './host-commands';
import { runIptables, runSave } from './iptables';
import { buildInitState, initPlan, parseInitArgs, runInit } from './init';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-init-test-'));
}

async function init(argv: string[], dir: string): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runInit(argv, dir, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

/** iptables-save of the written rules.v4 without the "# Generated/Completed" lines (they carry the time). */
function saved(dir: string): string {
  const r = runSave(loadRuleset(dir, 4), []);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => !l.startsWith('# ')).join('\n');
}

const ip = (dir: string, ...argv: string[]): string => {
  const r = runIp(argv, loadHost(dir));
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

function engineFrom(dir: string): Engine {
  return new Engine({ host: loadHost(dir), rules4: loadRuleset(dir, 4), rules6: loadRuleset(dir, 6), trace: true });
}

const ROUTER_ARGS = ['router', '--lan', 'eth0', '--wan', 'ppp0', '--lan-net', '192.168.0.0/24', '--forward', 'tcp/80=192.168.0.10', '--forward', 'tcp/8000=192.168.0.6:80', '--forward', 'udp/5060=192.168.0.20'];

const ROUTER_SAVE = `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "PPPoE MTU 1492 on ppp0: lower the MSS of TCP SYNs to the path MTU" -j TCPMSS --clamp-mss-to-pmtu
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i ppp0 -p tcp -m tcp --dport 80 -m comment --comment "port forward: tcp/80 arriving on ppp0 goes to 192.168.0.10" -j DNAT --to-destination 192.168.0.10
-A PREROUTING -i ppp0 -p tcp -m tcp --dport 8000 -m comment --comment "port forward: tcp/8000 arriving on ppp0 goes to 192.168.0.6:80" -j DNAT --to-destination 192.168.0.6:80
-A PREROUTING -i ppp0 -p udp -m udp --dport 5060 -m comment --comment "port forward: udp/5060 arriving on ppp0 goes to 192.168.0.20" -j DNAT --to-destination 192.168.0.20
-A POSTROUTING -s 192.168.0.0/24 -o ppp0 -m comment --comment "hide the LAN behind the address of ppp0 (replies are translated back)" -j MASQUERADE
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies to connections already accepted, and their ICMP errors" -j ACCEPT
-A INPUT -i lo -m comment --comment "loopback: local programs talking to each other" -j ACCEPT
-A INPUT -s 192.168.0.0/24 -i eth0 -m comment --comment "the trusted LAN (eth0, 192.168.0.0/24) may reach the router" -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 8 -m conntrack --ctstate NEW -m comment --comment "answer pings (ICMP echo request) from anywhere" -j ACCEPT
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "forward replies of accepted connections, and their ICMP errors" -j ACCEPT
-A FORWARD -s 192.168.0.0/24 -i eth0 -o ppp0 -m comment --comment "the LAN may open connections to the internet through ppp0" -j ACCEPT
-A FORWARD -d 192.168.0.10/32 -i ppp0 -o eth0 -p tcp -m tcp --dport 80 -m comment --comment "port forward tcp/80 on ppp0: let the translated packets through to 192.168.0.10" -j ACCEPT
-A FORWARD -d 192.168.0.6/32 -i ppp0 -o eth0 -p tcp -m tcp --dport 80 -m comment --comment "port forward tcp/8000 on ppp0: let the translated packets through to 192.168.0.6:80" -j ACCEPT
-A FORWARD -d 192.168.0.20/32 -i ppp0 -o eth0 -p udp -m udp --dport 5060 -m comment --comment "port forward udp/5060 on ppp0: let the translated packets through to 192.168.0.20" -j ACCEPT
COMMIT
`;

test('init router: the exact iptables-save text, host listing and sysctl', async () => {
  const dir = tmpDir();
  try {
    const r = await init(ROUTER_ARGS, dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.equal(saved(dir), ROUTER_SAVE);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['host.json', 'rules.v4']);
    assert.equal(ip(dir, 'addr'), `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host 
       valid_lft forever preferred_lft forever
2: eth0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000
    link/ether 02:4e:53:00:00:01 brd ff:ff:ff:ff:ff:ff
    inet 192.168.0.1/24 scope global eth0
       valid_lft forever preferred_lft forever
    inet6 fe80::4e:53ff:fe00:1/64 scope link 
       valid_lft forever preferred_lft forever
3: ppp0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1492 qdisc noqueue state UNKNOWN group default qlen 1000
    link/ether 02:4e:53:00:00:02 brd ff:ff:ff:ff:ff:ff
    inet 203.0.113.2/32 scope global ppp0
       valid_lft forever preferred_lft forever
    inet6 fe80::4e:53ff:fe00:2/64 scope link 
       valid_lft forever preferred_lft forever
`);
    assert.equal(ip(dir, 'route'), 'default dev ppp0 scope link \n192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.1 \n');
    assert.equal(runSysctl(['net.ipv4.ip_forward'], loadHost(dir)).stdout, 'net.ipv4.ip_forward = 1\n');
    // The printed script names every command, starting with the interfaces.
    assert.match(r.out, /^netsieve ip link add ppp0 address 02:4e:53:00:00:02 mtu 1492 type dummy$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('init router: an Ethernet WAN gets the placeholder address and gateway, and no MSS clamping', async () => {
  const dir = tmpDir();
  try {
    const r = await init(['router', '--lan', 'lan0', '--wan', 'eth1', '--lan-net', '10.1.0.0/16', '-q'], dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(ip(dir, 'route'), 'default via 203.0.113.1 dev eth1 \n10.1.0.0/16 dev lan0 proto kernel scope link src 10.1.0.1 \n203.0.113.0/24 dev eth1 proto kernel scope link src 203.0.113.2 \n');
    assert.match(ip(dir, 'link', 'show', 'eth1'), / mtu 1500 /);
    const s = saved(dir);
    assert.doesNotMatch(s, /TCPMSS/);
    assert.match(s, /^-A POSTROUTING -s 10\.1\.0\.0\/16 -o eth1 -m comment --comment "[^"]+" -j MASQUERADE$/m);
    // --wan-addr and --wan-gw replace the placeholders.
    const d2 = tmpDir();
    try {
      const r2 = await init(['router', '--lan=lan0', '--wan=eth1', '--wan-addr=100.64.5.9/22', '--wan-gw=100.64.4.1', '-q'], d2);
      assert.equal(r2.code, 0, r2.err);
      assert.equal(ip(d2, 'route'), 'default via 100.64.4.1 dev eth1 \n100.64.4.0/22 dev eth1 proto kernel scope link src 100.64.5.9 \n192.168.0.0/24 dev lan0 proto kernel scope link src 192.168.0.1 \n');
    } finally {
      fs.rmSync(d2, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('init router: packets through an Engine built from the written state', async () => {
  const dir = tmpDir();
  try {
    assert.equal((await init(ROUTER_ARGS, dir)).code, 0);
    const e = engineFrom(dir);
    const WAN = '203.0.113.2', WEB = '93.184.216.34', OUTSIDER = '198.51.100.20';

    // A LAN client reaches the internet, masqueraded behind ppp0's address, its MSS clamped to 1492 - 40.
    const c = new TcpConv({ src: '192.168.0.50', dst: WEB, sport: 40000, dport: 443 });
    const syn = e.receive('eth0', c.c(TCP_SYN, { mss: 1460 }));
    assert.equal(syn.fate, 'forwarded', syn.reason);
    assert.equal(stepAt(syn, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:2:ACCEPT');
    assert.equal(stepAt(syn, 'POSTROUTING', 'nat'), 'POSTROUTING:nat:POSTROUTING:1:ACCEPT');
    const out = only(syn, 'forward');
    assert.equal(out.e.dev, 'ppp0');
    assert.deepEqual([srcOf(out.v), dstOf(out.v), out.v.dport, mssOf(out.v)], [WAN, WEB, 443, 1452]);
    // The reply is translated back to the client and let through as ESTABLISHED.
    c.back = { src: WEB, dst: WAN, sport: 443, dport: out.v.sport };
    const sa = e.receive('ppp0', c.s(TCP_SYN | TCP_ACK, { mss: 1460 }));
    assert.equal(sa.fate, 'forwarded', sa.reason);
    assert.equal(stepAt(sa, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:1:ACCEPT');
    const back = only(sa, 'forward');
    assert.deepEqual([back.e.dev, srcOf(back.v), dstOf(back.v), back.v.dport], ['eth0', WEB, '192.168.0.50', 40000]);

    // The port forward 8000 -> 192.168.0.6:80 reaches the server, and its answer goes back from port 8000.
    const pf = new TcpConv({ src: OUTSIDER, dst: WAN, sport: 51000, dport: 8000 });
    const psyn = e.receive('ppp0', pf.c(TCP_SYN, { mss: 1452 }));
    assert.equal(psyn.fate, 'forwarded', psyn.reason);
    assert.equal(stepAt(psyn, 'PREROUTING', 'nat'), 'PREROUTING:nat:PREROUTING:2:ACCEPT');
    assert.equal(stepAt(psyn, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:4:ACCEPT');
    const fwd = only(psyn, 'forward');
    assert.deepEqual([fwd.e.dev, srcOf(fwd.v), dstOf(fwd.v), fwd.v.dport], ['eth0', OUTSIDER, '192.168.0.6', 80]);
    pf.back = { src: '192.168.0.6', dst: OUTSIDER, sport: 80, dport: 51000 };
    const psa = e.receive('eth0', pf.s(TCP_SYN | TCP_ACK, { mss: 1460 }));
    const pback = only(psa, 'forward');
    assert.deepEqual([pback.e.dev, srcOf(pback.v), pback.v.sport, mssOf(pback.v)], ['ppp0', WAN, 8000, 1452]);

    // The UDP forward too.
    const sip = e.receive('ppp0', udp({ src: OUTSIDER, dst: WAN, sport: 5060, dport: 5060 }));
    assert.equal(sip.fate, 'forwarded', sip.reason);
    assert.equal(dstOf(only(sip, 'forward').v), '192.168.0.20');

    // Unsolicited from the WAN: to the router itself (INPUT policy), and straight at a LAN host (FORWARD policy).
    const ssh = e.receive('ppp0', tcp({ src: OUTSIDER, dst: WAN, sport: 52000, dport: 22, flags: TCP_SYN }));
    assert.equal(ssh.fate, 'dropped');
    assert.equal(stepAt(ssh, 'INPUT', 'filter'), 'INPUT:filter:INPUT:0:DROP');
    assert.equal(ssh.emitted.length, 0);
    const direct = e.receive('ppp0', tcp({ src: OUTSIDER, dst: '192.168.0.10', sport: 52001, dport: 22, flags: TCP_SYN }));
    assert.equal(direct.fate, 'dropped');
    assert.equal(stepAt(direct, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:0:DROP');
    // A bare ACK (no connection) from the WAN is not ESTABLISHED either.
    const ack = e.receive('ppp0', tcp({ src: OUTSIDER, dst: WAN, sport: 52002, dport: 443, flags: TCP_ACK, ack: 5 }));
    assert.equal(ack.fate, 'dropped');

    // Pings from the WAN are answered (the ICMP echo rule).
    const ping = e.receive('ppp0', icmp({ src: OUTSIDER, dst: WAN, type: 8 }));
    assert.equal(ping.fate, 'delivered', ping.reason);
    assert.equal(stepAt(ping, 'INPUT', 'filter'), 'INPUT:filter:INPUT:4:ACCEPT');
    const reply = ping.emitted.map((x) => x.bytes).find((b) => b[20] === 0);
    assert.ok(reply, 'an echo reply is emitted');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('init standalone: rules, host and packets', async () => {
  const dir = tmpDir();
  try {
    const r = await init(['standalone', '--trusted', 'eth0', '--untrusted', 'wlan0', '--no-ping'], dir);
    assert.equal(r.code, 0, r.err);
    assert.equal(saved(dir), `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies to connections this host opened, and their ICMP errors" -j ACCEPT
-A INPUT -i lo -m comment --comment "loopback: local programs talking to each other" -j ACCEPT
-A INPUT -s 192.168.0.0/24 -i eth0 -m comment --comment "the trusted network (eth0, 192.168.0.0/24) may reach this host" -j ACCEPT
COMMIT
`);
    assert.equal(ip(dir, 'route'), 'default via 198.51.100.1 dev wlan0 \n192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.2 \n198.51.100.0/24 dev wlan0 proto kernel scope link src 198.51.100.2 \n');
    assert.equal(runSysctl(['net.ipv4.ip_forward'], loadHost(dir)).stdout, 'net.ipv4.ip_forward = 0\n');

    const e = engineFrom(dir);
    // From the trusted network: accepted (no listener, so the local stack answers with a RST).
    const t = e.receive('eth0', tcp({ src: '192.168.0.7', dst: '192.168.0.2', sport: 40000, dport: 22, flags: TCP_SYN }));
    assert.equal(stepAt(t, 'INPUT', 'filter'), 'INPUT:filter:INPUT:3:ACCEPT');
    // From the wireless network: dropped, even a ping (--no-ping).
    const u = e.receive('wlan0', tcp({ src: '198.51.100.9', dst: '198.51.100.2', sport: 40000, dport: 22, flags: TCP_SYN }));
    assert.equal(u.fate, 'dropped');
    assert.equal(stepAt(u, 'INPUT', 'filter'), 'INPUT:filter:INPUT:0:DROP');
    assert.equal(e.receive('wlan0', icmp({ src: '198.51.100.9', dst: '198.51.100.2', type: 8 })).fate, 'dropped');
    // But the replies to what the host opened itself come in.
    const c = new TcpConv({ src: '198.51.100.2', dst: '93.184.216.34', sport: 45000, dport: 443 });
    assert.equal(e.send(c.c(TCP_SYN)).fate, 'sent');
    const sa = e.receive('wlan0', c.s(TCP_SYN | TCP_ACK));
    assert.equal(stepAt(sa, 'INPUT', 'filter'), 'INPUT:filter:INPUT:1:ACCEPT');
    // Not a router: nothing is forwarded between the two.
    const f = e.receive('eth0', tcp({ src: '192.168.0.7', dst: '198.51.100.9', sport: 40000, dport: 22, flags: TCP_SYN }));
    assert.equal(f.fate, 'dropped');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('init: a non-empty state directory is refused unless --force, which replaces only the state files', async () => {
  const dir = tmpDir();
  try {
    fs.writeFileSync(path.join(dir, 'rules.v4'), '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -j DROP\nCOMMIT\n');
    fs.writeFileSync(path.join(dir, 'conntrack.bin'), 'old');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const before = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8');
    const r = await init(['standalone', '--trusted', 'eth0', '--untrusted', 'wlan0'], dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /is not empty \(conntrack\.bin, notes\.txt, rules\.v4\); use --force/);
    assert.equal(fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8'), before);
    assert.ok(!fs.existsSync(path.join(dir, 'host.json')));

    const f = await init(['standalone', '--trusted', 'eth0', '--untrusted', 'wlan0', '--force'], dir);
    assert.equal(f.code, 0, f.err);
    assert.match(f.err, /left in place \(not netsieve state files\): notes\.txt/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['host.json', 'notes.txt', 'rules.v4']);
    assert.doesNotMatch(saved(dir), /-A INPUT -j DROP/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('init: usage errors (exit 2) and a failing command (exit 1) write nothing', async () => {
  const dir = tmpDir();
  const sub = path.join(dir, 'state');
  try {
    const bad: [string[], RegExp][] = [
      [['router', '--wan', 'ppp0'], /needs --lan IF/],
      [['router', '--lan', 'eth0', '--wan', 'eth0'], /must be different/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/80'], /not PROTO\/PORT/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/80=10.0.0.5'], /not in the LAN 192\.168\.0\.0\/24/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/80=192.168.0.1'], /the router itself/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/80=192.168.0.5', '--forward', 'tcp/80=192.168.0.6'], /forwarded twice/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--forward', 'tcp/6000:6010=192.168.0.5:80'], /port range/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--lan-net', '192.168.0.1/24'], /host bits set; the network is 192\.168\.0\.0\/24/],
      [['router', '--lan', 'eth0', '--wan', 'ppp0', '--bogus'], /unknown option/],
      [['router', '--lan', 'this-name-is-too-long', '--wan', 'ppp0'], /not a valid interface name/],
      [['standalone', '--trusted', 'eth0', '--untrusted', 'wlan0', '--trusted-addr', '198.51.100.7/24'], /overlap/],
      [['bridge'], /unknown setup/],
    ];
    for (const [argv, msg] of bad) {
      const r = await init(argv, sub);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, msg, argv.join(' '));
      assert.ok(!fs.existsSync(sub), `${argv.join(' ')} wrote the state directory`);
    }
    // The gateway is not on a connected subnet: ip's own refusal, nothing written.
    const r = await init(['router', '--lan', 'eth0', '--wan', 'eth1', '--wan-addr', '100.64.0.2/24', '--wan-gw', '10.9.9.9'], sub);
    assert.equal(r.code, 1);
    assert.match(r.err, /ip route add default via 10\.9\.9\.9 dev eth1\n/);
    assert.ok(!fs.existsSync(sub));
    assert.equal((await init([], sub)).code, 2);
    const h = await init(['--help'], sub);
    assert.equal(h.code, 0);
    assert.match(h.out, /^Usage:/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Splits a printed command line as sh would for the quoting init prints (bare words and '...'). */
function shWords(line: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  return out;
}

test('init: the printed command lines, typed one by one, give the same state', async () => {
  const dir = tmpDir();
  try {
    const r = await init(ROUTER_ARGS, dir);
    assert.equal(r.code, 0, r.err);
    let host = newHost();
    let rs = newRuleset(4);
    let n = 0;
    for (const line of r.out.split('\n')) {
      if (!line.startsWith('netsieve ')) continue;
      const [, prog, ...args] = shWords(line);
      n++;
      if (prog === 'iptables') { const x = runIptables(rs, args); assert.equal(x.code, 0, line); rs = x.rs; }
      else { const x = prog === 'ip' ? runIp(args, host) : runSysctl(args, host); assert.equal(x.code, 0, line); host = x.host; }
    }
    assert.equal(n, initPlan(parseInitArgs(ROUTER_ARGS).opts).length);
    assert.equal(hostToJson(host), hostToJson(loadHost(dir)));
    assert.equal(runSave(rs, ['-c']).stdout.replace(/^# .*\n/gm, ''), runSave(loadRuleset(dir, 4), ['-c']).stdout.replace(/^# .*\n/gm, ''));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('init: the same iptables commands on the kernel (iptables-legacy in a namespace) save the same text', (t) => {
  const why = kernelUnavailable();
  if (why) { t.skip(why); return; }
  for (const argv of [ROUTER_ARGS, ['standalone', '--trusted', 'eth0', '--untrusted', 'wlan0']]) {
    const plan = initPlan(parseInitArgs(argv).opts).filter((c) => c.prog === 'iptables');
    const ours = runSave(buildInitState(initPlan(parseInitArgs(argv).opts)).rules4, []).stdout;
    withKernel('init', (k) => {
      const outs = k.batch([...plan.map((c) => ({ argv: ['iptables', ...c.argv] })), { argv: ['iptables-save'] }]);
      outs.slice(0, -1).forEach((o, i) => assert.equal(o.code, 0, `${plan[i].argv.join(' ')}: ${o.stderr}`));
      const strip = (s: string): string => s.replace(/^# .*\n/gm, '');
      assert.equal(strip(outs[outs.length - 1].stdout), strip(ours));
    });
  }
});
