/**
 * Engine benchmark: packets per second through a router host running the
 * seeds' NAT-gateway ruleset, for an established TCP flow (the fast path),
 * for new connections, and through a 10,000-rule chain. Run with
 * `npm run bench:engine`. The engine runs in its allocation-free mode
 * (onEmit callback, no trace); the heap growth per packet is printed too.
 */
import { runIp, runSysctl } from '../cli/host-commands';
import { runIptables } from '../cli/iptables';
import { Engine } from '../engine/engine';
import { newHost, type Host } from '../host/model';
import { newRuleset, type Ruleset } from '../rules/model';
import { buildTcp4 } from '../wire/build';
import { rewrite16, rewrite32 } from '../wire/checksum';
import { TCP_ACK, TCP_SYN } from '../wire/tcp';

function host(): Host {
  let h = newHost();
  const cmds = [
    'link set lo up', 'link add eth0 type veth peer name p0', 'link add ppp0 type veth peer name p1',
    'link set eth0 up', 'link set p0 up', 'link set ppp0 up', 'link set p1 up',
    'addr add 192.168.0.1/24 dev eth0', 'addr add 203.0.113.1/24 dev ppp0', 'route add default via 203.0.113.254',
  ];
  for (const c of cmds) h = runIp(c.split(' '), h).host;
  return runSysctl(['-w', 'net.ipv4.ip_forward=1'], h).host;
}

function rules(extra: string[][] = []): Ruleset {
  let rs = newRuleset(4);
  const lines = [
    '-P FORWARD DROP', '-N fw-interfaces', '-N fw-open',
    ...extra.map((l) => l.join(' ')),
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -j fw-interfaces', '-A FORWARD -j fw-open',
    '-A fw-interfaces -i eth0 -j ACCEPT',
    '-A fw-open -d 192.168.0.5 -p tcp --dport 22 -j ACCEPT',
  ];
  for (const l of lines) {
    const r = runIptables(rs, l.split(' '));
    if (r.code !== 0) throw new Error(`${l}: ${r.stderr}`);
    rs = r.rs;
  }
  return rs;
}

const n4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);

function packet(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number, payload: number): Uint8Array {
  const b = new Uint8Array(40 + payload);
  buildTcp4(b, 0, { tos: 0, id: 1, fragWord: 0, ttl: 64, protocol: 6, saddr: n4(src), daddr: n4(dst), options: null },
    { sport, dport, seq, ack, flags, window: 65535, urgPtr: 0, options: null }, { data: new Uint8Array(payload), off: 0, len: payload });
  return b;
}

function engine(rs: Ruleset, count: { n: number }): Engine {
  return new Engine({ host: host(), rules4: rs, rules6: newRuleset(6), onEmit: () => { count.n++; } });
}

function measure(label: string, n: number, fn: (i: number) => void): string {
  for (let i = 0; i < Math.min(n, 20000); i++) fn(i); // warm up the JIT
  if (global.gc) global.gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  const heap1 = process.memoryUsage().heapUsed;
  const pps = (n / ns) * 1e9;
  return `| ${label} | ${(pps / 1e6).toFixed(3)} M/s | ${(ns / n).toFixed(0)} ns | ${((heap1 - heap0) / n).toFixed(2)} B |`;
}

function established(rs: Ruleset, label: string, n: number): string {
  const emitted = { n: 0 };
  const e = engine(rs, emitted);
  const c = '192.168.0.10', s = '198.51.100.20';
  e.receive('eth0', packet(c, s, 40000, 443, TCP_SYN, 1000, 0, 0));
  e.receive('ppp0', packet(s, c, 443, 40000, TCP_SYN | TCP_ACK, 5000, 1001, 0));
  e.receive('eth0', packet(c, s, 40000, 443, TCP_ACK, 1001, 5001, 0));
  const data = packet(c, s, 40000, 443, TCP_ACK, 1001, 5001, 1000);
  const ackp = packet(s, c, 443, 40000, TCP_ACK, 5001, 1001, 0);
  let seq = 1001;
  const out = measure(label, n, (i) => {
    if (i & 1) {
      rewrite32(ackp, 28, seq, 36); // the server acknowledges what was sent
      e.receive('ppp0', ackp);
    } else {
      rewrite32(data, 24, seq, 36);
      e.receive('eth0', data);
      seq = (seq + 1000) >>> 0;
    }
  });
  if (emitted.n < n) throw new Error(`only ${emitted.n} of ${n} packets were forwarded: the flow is not established`);
  return out;
}

function newConnections(n: number): string {
  const emitted = { n: 0 };
  const e = engine(rules(), emitted);
  const syn = packet('192.168.0.10', '198.51.100.20', 1024, 443, TCP_SYN, 1000, 0, 0);
  const out = measure('new TCP connections (SYN, NEW, conntrack entry created)', n, (i) => {
    rewrite16(syn, 20, 1024 + (i % 60000), 36);
    rewrite16(syn, 22, 443 + Math.floor(i / 60000), 36);
    e.receive('eth0', syn);
  });
  return out;
}

function main(): void {
  if (process.argv[2] === 'established') {
    console.log(established(rules(), 'established TCP flow through the NAT-gateway FORWARD rules', 3_000_000));
    return;
  }
  const rows = [
    '| case | packets/s | per packet | heap growth per packet |',
    '|---|---|---|---|',
    established(rules(), 'established TCP flow through the NAT-gateway FORWARD rules', 2_000_000),
    newConnections(200_000),
  ];
  const big: string[][] = [];
  for (let i = 0; i < 10000; i++) big.push(['-A', 'FORWARD', '-s', `10.${(i >> 8) & 255}.${i & 255}.0/24`, '-p', 'udp', '-j', 'DROP']);
  rows.push(established(rules(big), 'established TCP flow after a 10,000-rule FORWARD chain', 20_000));
  console.log(rows.join('\n'));
  console.log(`node ${process.version}; one core; median of one run after warm-up`);
}

main();
