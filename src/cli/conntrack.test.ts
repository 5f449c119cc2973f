/**
 * The conntrack front door: listing, deleting and flushing what the
 * engine tracked, and the table surviving a save and load unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conntrack } from '../conntrack/conntrack';
import { loadConntrack, saveConntrack } from '../conntrack/snapshot';
import { Engine } from '../engine/engine';
import { newHost } from '../host/model';
import { newRuleset } from '../rules/model';
import { buildTcp4, buildUdp4 } from '../wire/build';
import { TCP_ACK, TCP_SYN } from '../wire/tcp';
import { runConntrack } from './conntrack';
import { runIp, runSysctl } from './host-commands';
import { runIptables } from './iptables';

/** A ruleset with one rule that needs conntrack: the kernel tracks connections only then (nf_ct_netns_get). */
function tracked(): ReturnType<typeof newRuleset> {
  return runIptables(newRuleset(4), ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP']).rs;
}

const n4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);

function setup(): { e: Engine; ct: Conntrack; clock: { ms: number; now(): number; wall(): number } } {
  let h = newHost();
  for (const c of ['link set lo up', 'link add eth0 type veth peer name p0', 'link set eth0 up', 'link set p0 up',
    'link add eth1 type veth peer name p1', 'link set eth1 up', 'link set p1 up',
    'addr add 192.168.0.1/24 dev eth0', 'addr add 203.0.113.1/24 dev eth1', 'route add default via 203.0.113.254']) {
    h = runIp(c.split(' '), h).host;
  }
  h = runSysctl(['-w', 'net.ipv4.ip_forward=1'], h).host;
  const clock = { ms: 1_000_000, now(): number { return this.ms; }, wall(): number { return this.ms; } };
  const ct = new Conntrack({ clock });
  const e = new Engine({ host: h, rules4: tracked(), rules6: newRuleset(6), clock, conntrack: ct });
  return { e, ct, clock };
}

function tcp(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number): Uint8Array {
  const b = new Uint8Array(40);
  buildTcp4(b, 0, { tos: 0, id: 1, fragWord: 0, ttl: 64, protocol: 6, saddr: n4(src), daddr: n4(dst), options: null },
    { sport, dport, seq, ack, flags, window: 64240, urgPtr: 0, options: null }, null);
  return b;
}

test('conntrack -L shows what the engine tracked; -D deletes by tuple; -F empties', () => {
  const { e, ct, clock } = setup();
  e.receive('eth0', tcp('192.168.0.10', '198.51.100.20', 40000, 443, TCP_SYN, 1000, 0));
  e.receive('eth1', tcp('198.51.100.20', '192.168.0.10', 443, 40000, TCP_SYN | TCP_ACK, 5000, 1001));
  e.receive('eth0', tcp('192.168.0.10', '198.51.100.20', 40000, 443, TCP_ACK, 1001, 5001));
  const u = new Uint8Array(40);
  buildUdp4(u, 0, { tos: 0, id: 2, fragWord: 0, ttl: 64, protocol: 17, saddr: n4('192.168.0.10'), daddr: n4('198.51.100.53'), options: null }, 5353, 53, { data: new Uint8Array(12), off: 0, len: 12 });
  e.receive('eth0', u);
  clock.ms += 1000;
  const l = runConntrack(['-L'], ct);
  assert.equal(l.code, 0);
  assert.equal(l.stderr, 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n');
  assert.match(l.stdout, /^udp      17 29 src=192\.168\.0\.10 dst=198\.51\.100\.53 sport=5353 dport=53 \[UNREPLIED\] src=198\.51\.100\.53 dst=192\.168\.0\.10 sport=53 dport=5353 mark=0 use=1\n/m);
  assert.match(l.stdout, /^tcp      6 431999 ESTABLISHED src=192\.168\.0\.10 dst=198\.51\.100\.20 sport=40000 dport=443 src=198\.51\.100\.20 dst=192\.168\.0\.10 sport=443 dport=40000 \[ASSURED\] mark=0 use=1\n/m);
  assert.equal(runConntrack(['-C'], ct).stdout, '2\n');
  assert.match(runConntrack(['-L', '-o', 'extended'], ct).stdout, /^ipv4     2 tcp      6 431999 ESTABLISHED /m);
  assert.equal(runConntrack(['-L', '-f', 'ipv6'], ct).stdout, '');

  const d = runConntrack(['-D', '-p', 'udp', '--dport', '53'], ct);
  assert.equal(d.code, 0);
  assert.equal(d.stderr, 'conntrack v1.4.7 (conntrack-tools): 1 flow entries have been deleted.\n');
  assert.equal(runConntrack(['-D', '-s', '10.9.9.9'], ct).code, 1);
  assert.equal(runConntrack(['-C'], ct).stdout, '1\n');
  assert.equal(runConntrack(['-F'], ct).stderr, 'conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n');
  assert.equal(runConntrack(['-C'], ct).stdout, '0\n');
  assert.equal(runConntrack(['-X'], ct).code, 2);
});

test('a saved table loads back identical: same listing, and later packets still find their connection', () => {
  const { e, ct, clock } = setup();
  e.receive('eth0', tcp('192.168.0.10', '198.51.100.20', 40000, 443, TCP_SYN, 1000, 0));
  e.receive('eth1', tcp('198.51.100.20', '192.168.0.10', 443, 40000, TCP_SYN | TCP_ACK, 5000, 1001));
  for (let i = 0; i < 50; i++) e.receive('eth0', tcp('192.168.0.10', '198.51.100.20', 30000 + i, 80, TCP_SYN, i, 0));
  const before = runConntrack(['-L'], ct).stdout;
  let first = -1;
  ct.forEach((x) => { if (first < 0) first = x; });
  ct.setHelper(first, 1); // per-entry extensions (helper, master, seqadj) travel too
  const ct2 = new Conntrack({ clock });
  loadConntrack(ct2, saveConntrack(ct));
  assert.equal(runConntrack(['-L'], ct2).stdout, before);
  assert.equal(ct2.helper(first), 1);
  assert.equal(ct2.expect.count, ct.expect.count);
  // The third packet of the handshake, through an engine using the loaded table, makes it ESTABLISHED.
  const e2 = new Engine({ host: e.host, rules4: tracked(), rules6: newRuleset(6), clock, conntrack: ct2 });
  e2.receive('eth0', tcp('192.168.0.10', '198.51.100.20', 40000, 443, TCP_ACK, 1001, 5001));
  assert.match(runConntrack(['-L', '-p', 'tcp', '--sport', '40000'], ct2).stdout, /ESTABLISHED/);
  assert.throws(() => loadConntrack(new Conntrack({ clock }), new Uint8Array(10)), /not a netsieve conntrack snapshot/);
});
