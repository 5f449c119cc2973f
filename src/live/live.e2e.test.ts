/**
 * `netsieve run` as the seeds' home router, between real kernel TCP stacks
 * in network namespaces (testnet.ts): the LAN browses out through
 * MASQUERADE, the WAN reaches a port-forwarded LAN server through DNAT,
 * unsolicited connections are dropped, MSS is clamped on the 1492-byte WAN,
 * conntrack shows the translated ASSURED entries, and rule changes during a
 * long transfer take effect without breaking it.
 *
 * Needs root, ip netns, python3, curl and tcpdump, and the native addon.
 * Without them it is skipped with the reason, except under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNativeIo } from '../io/native';
import { LiveNet, netnsUnavailable } from './testnet';

const BIN = path.resolve(__dirname, '../../bin/netsieve.js');

function missing(): string | null {
  const n = netnsUnavailable();
  if (n) return n;
  const nat = loadNativeIo();
  if (!nat.ok) return nat.reason;
  for (const t of ['python3', 'curl', 'tcpdump', 'ping']) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
  }
  return null;
}

function ns(dir: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, '--state', dir, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (ok()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stop(p: ChildProcess | undefined): Promise<number | null> {
  if (!p || p.exitCode !== null) return Promise.resolve(p?.exitCode ?? null);
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.once('exit', (code) => { clearTimeout(t); resolve(code); });
    p.kill('SIGTERM');
  });
}

test('netsieve run routes, NATs and filters between real namespaces', { timeout: 180_000 }, async (t) => {
  const why = missing();
  if (why) {
    if (process.env.CI === 'true') assert.fail(`the live router test cannot run under CI: ${why}`);
    t.skip(why);
    return;
  }
  const net = new LiveNet({ wanMtu: 1492, ipv6: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-live-e2e-'));
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-www-'));
  const procs: ChildProcess[] = [];
  let router: ChildProcess | undefined;
  let routerErr = '';
  try {
    net.setup();
    // The pages: a small one on each server, and 6 MB for the long transfer.
    fs.writeFileSync(path.join(www, 'index.html'), 'hello from the WAN server\n');
    fs.writeFileSync(path.join(www, 'big.bin'), Buffer.alloc(6 * 1024 * 1024, 0x5a));
    const lanWww = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-www-lan-'));
    fs.writeFileSync(path.join(lanWww, 'index.html'), 'hello from the LAN server\n');
    procs.push(net.spawn(net.wan, ['python3', '-m', 'http.server', '80', '--bind', '198.51.100.20', '--directory', www]));
    procs.push(net.spawn(net.lan, ['python3', '-m', 'http.server', '80', '--bind', '192.168.0.10', '--directory', lanWww]));

    // The seeds' router, made by init: ppp0 is the 1492-byte WAN with MSS clamping.
    const init = ns(dir, ['init', 'router', '--lan', 'eth0', '--wan', 'ppp0', '--wan-addr', '203.0.113.2/24', '--wan-gw', '203.0.113.1',
      '--forward', 'tcp/8080=192.168.0.10:80', '-q']);
    assert.equal(init.code, 0, init.err);
    // IPv6 on both links, routed without NAT and without ip6tables rules.
    for (const cmd of [
      ['ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'eth0'], ['ip', '-6', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'ppp0'],
      ['sysctl', '-w', 'net.ipv6.conf.all.forwarding=1'],
    ]) {
      const r = ns(dir, cmd);
      assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.err}`);
    }
    router = net.spawn(net.rtr, [process.execPath, BIN, '--state', dir, 'run',
      '--attach', `eth0=packet:${net.rLan}`, '--attach', `ppp0=packet:${net.rWan}`, '--log', path.join(dir, 'live.log')]);
    router.stderr!.on('data', (d: Buffer) => { routerErr += d.toString(); });
    await waitFor('the router to start', () => routerErr.includes('Ctrl-C stops') || router!.exitCode !== null);
    assert.equal(router.exitCode, null, `netsieve run exited: ${routerErr}`);
    await waitFor('the HTTP servers', () => net.try(net.wan, 'python3 -c "import socket; socket.create_connection((\'198.51.100.20\', 80), 1)"').code === 0
      && net.try(net.lan, 'python3 -c "import socket; socket.create_connection((\'192.168.0.10\', 80), 1)"').code === 0);

    // The MSS the WAN server sees on the LAN client's SYN.
    const dump = net.spawn(net.wan, ['tcpdump', '-l', '-nn', '-v', '-c', '1', '-i', net.hWan, 'tcp[tcpflags] & tcp-syn != 0 and dst port 80']);
    procs.push(dump);
    let dumpOut = '';
    dump.stdout!.on('data', (d: Buffer) => { dumpOut += d.toString(); });
    dump.stderr!.on('data', (d: Buffer) => { dumpOut += d.toString(); });
    await waitFor('tcpdump', () => dumpOut.includes('listening on'));

    // 1. The LAN browses out through MASQUERADE (the kernel TCP stacks at both ends), and pings.
    const get = net.try(net.lan, 'curl -sS --max-time 10 --interface 192.168.0.50 http://198.51.100.20/index.html');
    assert.equal(get.code, 0, `curl from the LAN: ${get.err}\n${routerErr}`);
    assert.equal(get.out, 'hello from the WAN server\n');
    const ping = net.try(net.lan, 'ping -c 2 -W 2 -I 192.168.0.50 198.51.100.20');
    assert.equal(ping.code, 0, ping.out + ping.err);
    await waitFor('the SYN capture', () => /mss \d+/.test(dumpOut));
    // 2. The SYN left with its MSS clamped to the WAN's path MTU: 1492 - 40.
    assert.match(dumpOut, /203\.0\.113\.2\.\d+ > 198\.51\.100\.20\.80: Flags \[S\].*mss 1452[,>]/s);

    // The router's own answers: time exceeded for TTL 1, fragmentation needed for 1500 DF bytes on the 1492 WAN.
    const ttl = net.try(net.lan, 'ping -c 1 -W 2 -t 1 -I 192.168.0.50 198.51.100.20');
    assert.match(ttl.out, /From 192\.168\.0\.1 icmp_seq=1 Time to live exceeded/);
    const big = net.try(net.lan, 'ping -c 1 -W 2 -M do -s 1472 -I 192.168.0.50 198.51.100.20');
    assert.match(big.out + big.err, /From 192\.168\.0\.1 icmp_seq=1 Frag needed and DF set \(mtu = 1492\)|mtu=1492/);
    // IPv6 through the router: neighbour discovery answered by netsieve on both links.
    const ping6 = net.try(net.lan, 'ping -6 -c 2 -W 3 2001:db8:2::20');
    assert.equal(ping6.code, 0, ping6.out + ping6.err);

    // 3. A WAN client reaches the port-forwarded LAN server through DNAT.
    const fwd = net.try(net.wan, 'curl -sS --max-time 10 --interface 198.51.100.20 http://203.0.113.2:8080/index.html');
    assert.equal(fwd.code, 0, fwd.err);
    assert.equal(fwd.out, 'hello from the LAN server\n');

    // 4. Unsolicited inbound connections are dropped (INPUT and FORWARD policies DROP).
    const ssh = net.try(net.wan, 'curl -sS --max-time 2 http://203.0.113.2:22/');
    assert.equal(ssh.code, 28, `expected a timeout (curl 28), got ${ssh.code}: ${ssh.err}`);
    const lanDirect = net.try(net.wan, 'ip route add 192.168.0.0/24 via 203.0.113.2 && curl -sS --max-time 2 http://192.168.0.10:81/');
    assert.equal(lanDirect.code, 28, `routing straight to the LAN must be dropped: ${lanDirect.err}`);

    // 5. conntrack -L, answered by the running router: ASSURED entries with the translated tuples.
    const ct = ns(dir, ['conntrack', '-L']);
    assert.equal(ct.code, 0, ct.err);
    assert.match(ct.out, /^tcp +6 \d+ TIME_WAIT src=192\.168\.0\.50 dst=198\.51\.100\.20 sport=\d+ dport=80 src=198\.51\.100\.20 dst=203\.0\.113\.2 sport=80 dport=\d+ \[ASSURED\]/m);
    assert.match(ct.out, /src=198\.51\.100\.20 dst=203\.0\.113\.2 sport=\d+ dport=8080 src=192\.168\.0\.10 dst=198\.51\.100\.20 sport=80 dport=\d+ \[ASSURED\]/);
    assert.match(ct.out, /^icmp +1 \d+ src=192\.168\.0\.50 dst=198\.51\.100\.20 type=8 code=0 id=\d+ src=198\.51\.100\.20 dst=203\.0\.113\.2 type=0 code=0 id=\d+/m);
    // The neighbour table netsieve built by ARP.
    const neigh = ns(dir, ['ip', 'neigh']);
    assert.match(neigh.out, /^192\.168\.0\.50 dev eth0 lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY) ?$/m);
    assert.match(neigh.out, /^203\.0\.113\.1 dev ppp0 lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY) ?$/m);
    assert.match(neigh.out, /^2001:db8:2::20 dev ppp0 lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY) ?$/m);

    // 6. Rule changes during a long transfer: it goes on unbroken.
    const bigXfer = net.spawn(net.lan, ['curl', '-sS', '--max-time', '60', '--limit-rate', '2M', '-o', '/dev/null', '-w', '%{size_download}', 'http://198.51.100.20/big.bin']);
    procs.push(bigXfer);
    let bigOut = '';
    bigXfer.stdout!.on('data', (d: Buffer) => { bigOut += d.toString(); });
    const bigDone = new Promise<number | null>((r) => bigXfer.once('exit', (c) => r(c)));
    await sleep(700);
    assert.equal(ns(dir, ['iptables', '-I', 'FORWARD', '3', '-p', 'tcp', '--dport', '23', '-j', 'DROP']).code, 0);
    const saved = ns(dir, ['iptables-save']);
    const restore = spawnSync(process.execPath, [BIN, '--state', dir, 'iptables-restore'], { input: saved.out, encoding: 'utf8' });
    assert.equal(restore.status, 0, restore.stderr);
    // A rule that blocks new connections to the server, in front: the running transfer is ESTABLISHED and unaffected.
    assert.equal(ns(dir, ['iptables', '-I', 'FORWARD', '2', '-p', 'tcp', '--dport', '80', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'REJECT', '--reject-with', 'tcp-reset']).code, 0);
    const refused = net.try(net.lan, 'curl -sS --max-time 5 http://198.51.100.20/index.html');
    assert.equal(refused.code, 7, `a new connection must be refused by the REJECT now: ${refused.code} ${refused.err}`);
    assert.equal(await bigDone, 0, 'the long transfer failed');
    assert.equal(bigOut, String(6 * 1024 * 1024));
    // Live counters: the REJECT counted the refused SYN.
    const counters = ns(dir, ['iptables', '-nvxL', 'FORWARD']);
    assert.match(counters.out, /^\s+1\s+60 REJECT\s+6\s+--\s+\*\s+\*\s+0\.0\.0\.0\/0\s+0\.0\.0\.0\/0\s+tcp dpt:80 ctstate NEW reject-with tcp-reset$/m);

    // 7. SIGTERM: stopped cleanly, the counters and the table saved in the state dir.
    const code = await stop(router);
    router = undefined;
    assert.equal(code, 0, routerErr);
    assert.match(routerErr, /SIGTERM: stopped; counters, conntrack and neighbours saved/);
    assert.match(fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8'), /^\[1:60\] -A FORWARD -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -j REJECT --reject-with tcp-reset$/m);
    const after = ns(dir, ['conntrack', '-L']);
    assert.match(after.out, /\[ASSURED\]/);
    assert.ok(!fs.existsSync(path.join(dir, 'run.json')));
  } finally {
    await stop(router);
    for (const p of procs) await stop(p);
    net.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(www, { recursive: true, force: true });
  }
});

test('netsieve run with a TUN WAN (ppp0=tun:NAME): the kernel at the other end of the TUN is the ISP', { timeout: 120_000 }, async (t) => {
  const why = missing();
  if (why) {
    if (process.env.CI === 'true') assert.fail(`the live router test cannot run under CI: ${why}`);
    t.skip(why);
    return;
  }
  const net = new LiveNet();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-live-tun-'));
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-www-'));
  const tun = `nst${net.tag}`;
  const procs: ChildProcess[] = [];
  let router: ChildProcess | undefined;
  let routerErr = '';
  try {
    net.setup();
    fs.writeFileSync(path.join(www, 'index.html'), 'hello across the TUN\n');
    // The "internet" is the router namespace's own kernel, behind the TUN.
    net.sh(net.rtr, 'ip addr add 198.51.100.20/32 dev lo');
    procs.push(net.spawn(net.rtr, ['python3', '-m', 'http.server', '80', '--bind', '198.51.100.20', '--directory', www]));
    const init = ns(dir, ['init', 'router', '--lan', 'eth0', '--wan', 'ppp0', '-q']);
    assert.equal(init.code, 0, init.err);
    router = net.spawn(net.rtr, [process.execPath, BIN, '--state', dir, 'run', '--attach', `eth0=packet:${net.rLan}`, '--attach', `ppp0=tun:${tun}`]);
    router.stderr!.on('data', (d: Buffer) => { routerErr += d.toString(); });
    await waitFor('the router to start', () => routerErr.includes('Ctrl-C stops') || router!.exitCode !== null);
    assert.equal(router.exitCode, null, routerErr);
    // The TUN exists and is up; the kernel side gets the ISP's end of the point-to-point link.
    net.sh(net.rtr, `ip addr add 203.0.113.1 peer 203.0.113.2 dev ${tun}`);
    const get = net.try(net.lan, 'curl -sS --max-time 10 --interface 192.168.0.50 http://198.51.100.20/index.html');
    assert.equal(get.code, 0, `${get.err}\n${routerErr}`);
    assert.equal(get.out, 'hello across the TUN\n');
    const ct = ns(dir, ['conntrack', '-L']);
    assert.match(ct.out, /src=192\.168\.0\.50 dst=198\.51\.100\.20 sport=\d+ dport=80 src=198\.51\.100\.20 dst=203\.0\.113\.2 sport=80 dport=\d+ \[ASSURED\]/);
    const st = ns(dir, ['status']);
    assert.match(st.out, new RegExp(`ppp0 = tun:${tun} {2}rx [1-9]\\d* packets`));
    assert.equal(await stop(router), 0, routerErr);
    router = undefined;
    // The TUN device went away with the router (not persistent).
    assert.notEqual(net.try(net.rtr, `ip link show ${tun}`).code, 0);
  } finally {
    if (router) await stop(router);
    for (const p of procs) await stop(p);
    net.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(www, { recursive: true, force: true });
  }
});
