/**
 * Seed 002, "Firewall for a single machine": the TCP and UDP chains, the
 * INVALID drop, pings, REJECT with tcp-reset / icmp-port-unreachable /
 * icmp-proto-unreachable, then the port-scan traps and the SSH brute-force
 * chain with the recent match. The host is a single machine on eth0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW } from '../../conntrack/constants';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../wire/tcp';
import {
  buildHost, buildRules, counters, ctList, engine, icmp, icmpError, only, pkts, rawIp4, stepAt, steps, TcpConv, tcp, udp,
} from './testkit';

const ME = '192.168.1.5';
const REMOTE = '198.51.100.7';

const HOST = [
  'ip link set lo up',
  'ip link add eth0 type dummy',
  'ip link set eth0 up',
  `ip addr add ${ME}/24 dev eth0`,
  'ip route add default via 192.168.1.1',
  'listen tcp 0.0.0.0:22',
  'listen tcp 0.0.0.0:80',
  'listen udp 0.0.0.0:53',
];

/** The article's rules in its order, with SSH, HTTP and DNS opened in the TCP/UDP chains. */
const BASE = [
  'iptables -N TCP',
  'iptables -N UDP',
  'iptables -P FORWARD DROP',
  'iptables -P OUTPUT ACCEPT',
  'iptables -P INPUT DROP',
  'iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  'iptables -A INPUT -i lo -j ACCEPT',
  'iptables -A INPUT -m conntrack --ctstate INVALID -j DROP',
  'iptables -A INPUT -p icmp --icmp-type 8 -m conntrack --ctstate NEW -j ACCEPT',
  'iptables -A INPUT -p udp -m conntrack --ctstate NEW -j UDP',
  'iptables -A INPUT -p tcp --syn -m conntrack --ctstate NEW -j TCP',
  'iptables -A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable',
  'iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset',
  'iptables -A INPUT -j REJECT --reject-with icmp-proto-unreachable',
  'iptables -A TCP -p tcp --dport 22 -j ACCEPT',
  'iptables -A TCP -p tcp --dport 80 -j ACCEPT',
  'iptables -A UDP -p udp --dport 53 -j ACCEPT',
];

/** "Tricking port scanners", then "Restore the Final Rule". */
const PORTSCAN = [
  'iptables -I TCP -p tcp -m recent --update --seconds 60 --name TCP-PORTSCAN -j REJECT --reject-with tcp-reset',
  'iptables -D INPUT -p tcp -j REJECT --reject-with tcp-reset',
  'iptables -A INPUT -p tcp -m recent --set --name TCP-PORTSCAN -j REJECT --reject-with tcp-reset',
  'iptables -I UDP -p udp -m recent --update --seconds 60 --name UDP-PORTSCAN -j REJECT --reject-with icmp-port-unreachable',
  'iptables -D INPUT -p udp -j REJECT --reject-with icmp-port-unreachable',
  'iptables -A INPUT -p udp -m recent --set --name UDP-PORTSCAN -j REJECT --reject-with icmp-port-unreachable',
  'iptables -D INPUT -j REJECT --reject-with icmp-proto-unreachable',
  'iptables -A INPUT -j REJECT --reject-with icmp-proto-unreachable',
];

/** "Bruteforce attacks", with the jump placed after the ping rule as the article shows. */
const SSHBF = [
  'iptables -N IN_SSH',
  'iptables -I INPUT 5 -p tcp --dport ssh -m conntrack --ctstate NEW -j IN_SSH',
  'iptables -A IN_SSH -m recent --name sshbf --rttl --rcheck --hitcount 3 --seconds 10 -j DROP',
  'iptables -A IN_SSH -m recent --name sshbf --rttl --rcheck --hitcount 4 --seconds 1800 -j DROP',
  'iptables -A IN_SSH -m recent --name sshbf --set -j ACCEPT',
];

const syn = (sport: number, dport: number, o: { ttl?: number; src?: string } = {}): Uint8Array =>
  tcp({ src: o.src ?? REMOTE, dst: ME, sport, dport, flags: TCP_SYN, seq: 5000, ttl: o.ttl });

test('002: the ruleset saves as the article prints it', () => {
  const rs = buildRules(4, BASE);
  const keys = [...counters(rs).keys()];
  for (const l of [
    '-A INPUT -p icmp -m icmp --icmp-type 8 -m conntrack --ctstate NEW -j ACCEPT',
    '-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j TCP',
    '-A INPUT -p tcp -j REJECT --reject-with tcp-reset',
    '-A INPUT -j REJECT --reject-with icmp-proto-unreachable',
  ]) assert.ok(keys.includes(l), `${l} not in ${keys.join('\n')}`);
});

test('002: SSH opened in the TCP chain: handshake, data and FIN close, replies ESTABLISHED', () => {
  const rs = buildRules(4, BASE);
  const e = engine(buildHost(HOST), rs);
  const c = new TcpConv({ src: REMOTE, dst: ME, sport: 40000, dport: 22 });

  const r1 = e.receive('eth0', c.c(TCP_SYN, { mss: 1460 }));
  assert.equal(r1.fate, 'delivered');
  assert.equal(r1.ctinfo, IP_CT_NEW);
  assert.deepEqual(steps(r1), ['INPUT:filter:TCP:1:ACCEPT']);
  assert.deepEqual(r1.emitted.map((x) => `${x.dev}:${x.origin}`), ['local:deliver']);

  // The server's SYN/ACK from the local socket: OUTPUT, out eth0, a reply of the connection.
  const r2 = e.send(c.s(TCP_SYN | TCP_ACK, { mss: 1460 }));
  assert.equal(r2.fate, 'sent');
  assert.equal(r2.outdev, 'eth0');
  assert.equal(r2.ctinfo, IP_CT_ESTABLISHED_REPLY);
  assert.deepEqual(steps(r2), ['OUTPUT:filter:OUTPUT:0:ACCEPT']);

  for (const [bytes, who] of [[c.c(TCP_ACK), 'c'], [c.c(TCP_ACK | TCP_PSH, { len: 40 }), 'c'], [c.s(TCP_ACK | TCP_PSH, { len: 100 }), 's'], [c.c(TCP_ACK), 'c']] as const) {
    const r = who === 'c' ? e.receive('eth0', bytes) : e.send(bytes);
    if (who === 'c') {
      assert.equal(r.fate, 'delivered');
      assert.equal(r.ctinfo, IP_CT_ESTABLISHED);
      assert.deepEqual(steps(r), ['INPUT:filter:INPUT:1:ACCEPT']);
    } else {
      assert.equal(r.fate, 'sent');
      assert.equal(r.ctinfo, IP_CT_ESTABLISHED_REPLY);
    }
  }
  const est = ctList(e);
  assert.equal(est.length, 1);
  assert.match(est[0], new RegExp(`^tcp +6 \\d+ ESTABLISHED src=${REMOTE} dst=${ME} sport=40000 dport=22 src=${ME} dst=${REMOTE} sport=22 dport=40000 \\[ASSURED\\] mark=0 use=1$`));

  // Client closes: FIN, the server's FIN/ACK, the last ACK.
  assert.equal(e.receive('eth0', c.c(TCP_FIN | TCP_ACK)).fate, 'delivered');
  assert.equal(e.send(c.s(TCP_FIN | TCP_ACK)).fate, 'sent');
  const last = e.receive('eth0', c.c(TCP_ACK));
  assert.equal(last.fate, 'delivered');
  assert.deepEqual(steps(last), ['INPUT:filter:INPUT:1:ACCEPT']);
  assert.match(ctList(e)[0], /^tcp +6 120 TIME_WAIT src=198\.51\.100\.7 .* \[ASSURED\]/);

  // Counters: 1 SYN through TCP, 6 more client segments ESTABLISHED, nothing fell to the policy.
  assert.equal(pkts(rs, '-A TCP -p tcp -m tcp --dport 22 -j ACCEPT'), 1);
  assert.equal(pkts(rs, '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'), 5);
  assert.equal(pkts(rs, '-P INPUT DROP'), 0);
  assert.equal(pkts(rs, '-P OUTPUT ACCEPT'), 3);
});

test('002: ping accepted as NEW by --icmp-type 8, answered, the next one ESTABLISHED', () => {
  const rs = buildRules(4, BASE);
  const e = engine(buildHost(HOST), rs);
  const r = e.receive('eth0', icmp({ src: REMOTE, dst: ME, type: 8, id: 77, seq: 1 }));
  assert.equal(r.fate, 'delivered');
  assert.equal(stepAt(r, 'INPUT', 'filter'), 'INPUT:filter:INPUT:4:ACCEPT');
  const { e: out, v } = only(r, 'stack');
  assert.equal(out.dev, 'eth0');
  assert.deepEqual([v.icmpType, v.icmpId, v.icmpSeq, v.ttl], [0, 77, 1, 64]);
  assert.match(ctList(e)[0], new RegExp(`^icmp +1 30 src=${REMOTE} dst=${ME} type=8 code=0 id=77 src=${ME} dst=${REMOTE} type=0 code=0 id=77 mark=0 use=1$`));
  const r2 = e.receive('eth0', icmp({ src: REMOTE, dst: ME, type: 8, id: 77, seq: 2 }));
  assert.equal(r2.ctinfo, IP_CT_ESTABLISHED);
  assert.equal(stepAt(r2, 'INPUT', 'filter'), 'INPUT:filter:INPUT:1:ACCEPT');
  // A timestamp request is NEW ICMP that no rule accepts: protocol unreachable.
  const r3 = e.receive('eth0', icmp({ src: REMOTE, dst: ME, type: 13, id: 5 }));
  assert.equal(r3.fate, 'dropped');
  assert.equal(r3.reason, 'filter/INPUT rule 9');
  const { v: pu } = only(r3, 'reject');
  assert.deepEqual([pu.icmpType, pu.icmpCode], [3, 2]);
});

test('002: REJECT answers: tcp-reset, icmp-port-unreachable, icmp-proto-unreachable', () => {
  const rs = buildRules(4, BASE);
  const e = engine(buildHost(HOST), rs);

  // A SYN to a closed port leaves the TCP chain and hits the tcp-reset rule.
  const t = e.receive('eth0', syn(40001, 23));
  assert.equal(t.fate, 'dropped');
  assert.equal(t.reason, 'filter/INPUT rule 8');
  // The RST crosses OUTPUT (the engine records that step while INPUT's REJECT runs, so compare as a set).
  assert.deepEqual(steps(t).sort(), ['INPUT:filter:INPUT:8:DROP', 'OUTPUT:filter:OUTPUT:0:ACCEPT']);
  const { e: rst, v: rv } = only(t, 'reject');
  assert.equal(rst.dev, 'eth0');
  assert.deepEqual([rv.sport, rv.dport, rv.tcpFlags, rv.seq, rv.ack, rv.ttl], [23, 40001, TCP_RST | TCP_ACK, 0, 5001, 64]);
  assert.equal(rv.dontFragment, true);
  assert.deepEqual([[...rv.buf.subarray(rv.srcOff, rv.srcOff + 4)].join('.'), [...rv.buf.subarray(rv.dstOff, rv.dstOff + 4)].join('.')], [ME, REMOTE]);
  // Rejected before confirmation: no conntrack entry stays.
  assert.deepEqual(ctList(e), []);

  // An ACK scan packet is NEW but not a SYN: reset with seq = its ack, no ACK flag.
  const a = e.receive('eth0', tcp({ src: REMOTE, dst: ME, sport: 40002, dport: 80, flags: TCP_ACK, seq: 1, ack: 777 }));
  assert.equal(a.reason, 'filter/INPUT rule 8');
  const { v: av } = only(a, 'reject');
  assert.deepEqual([av.tcpFlags, av.seq], [TCP_RST, 777]);

  // UDP to a closed port: port unreachable quoting the datagram, from the address it was sent to.
  const u = e.receive('eth0', udp({ src: REMOTE, dst: ME, sport: 5353, dport: 9999 }));
  assert.equal(u.reason, 'filter/INPUT rule 7');
  const { e: pe, v: pv } = only(u, 'reject');
  assert.equal(pe.dev, 'eth0');
  assert.deepEqual([pv.icmpType, pv.icmpCode, pv.ttl, pv.tos], [3, 3, 64, 0xc0]);
  const inner = pv.parseInner();
  assert.ok(inner);
  assert.deepEqual([inner.sport, inner.dport], [5353, 9999]);

  // GRE: neither TCP nor UDP, rejected with protocol unreachable.
  const g = e.receive('eth0', rawIp4({ src: REMOTE, dst: ME, proto: 47, len: 24 }));
  assert.equal(g.reason, 'filter/INPUT rule 9');
  const { v: gv } = only(g, 'reject');
  assert.deepEqual([gv.icmpType, gv.icmpCode], [3, 2]);
  assert.equal(gv.parseInner()?.proto, 47);

  // The DNS port is open in the UDP chain.
  const d = e.receive('eth0', udp({ src: REMOTE, dst: ME, sport: 5354, dport: 53 }));
  assert.equal(d.fate, 'delivered');
  assert.equal(stepAt(d, 'INPUT', 'filter'), 'INPUT:filter:UDP:1:ACCEPT');

  assert.equal(pkts(rs, '-A INPUT -p tcp -j REJECT --reject-with tcp-reset'), 2);
  assert.equal(pkts(rs, '-A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable'), 1);
  assert.equal(pkts(rs, '-A INPUT -j REJECT --reject-with icmp-proto-unreachable'), 1);
  assert.equal(pkts(rs, '-P INPUT DROP'), 0);
});

test('002: INVALID is dropped silently (bad flags, orphan ICMP error, bad checksum)', () => {
  const rs = buildRules(4, BASE);
  const e = engine(buildHost(HOST), rs);
  const synfin = e.receive('eth0', tcp({ src: REMOTE, dst: ME, sport: 40003, dport: 22, flags: TCP_SYN | TCP_FIN }));
  assert.equal(synfin.fate, 'dropped');
  assert.equal(synfin.reason, 'filter/INPUT rule 3');
  assert.equal(synfin.emitted.length, 0);

  // A port unreachable about a datagram this host never sent.
  const quoted = udp({ src: ME, dst: REMOTE, sport: 33000, dport: 53 });
  const err = icmpError({ src: REMOTE, dst: ME, type: 3, code: 3 }, quoted);
  const o = e.receive('eth0', err);
  assert.equal(o.fate, 'dropped');
  assert.equal(o.reason, 'filter/INPUT rule 3');

  const bad = tcp({ src: REMOTE, dst: ME, sport: 40004, dport: 22, flags: TCP_SYN });
  bad[bad.length - 1] ^= 0xff; // flip the urgent pointer's low byte: the TCP checksum no longer adds up
  const b = e.receive('eth0', bad);
  assert.equal(b.fate, 'dropped');
  assert.equal(b.reason, 'filter/INPUT rule 3');
  assert.equal(pkts(rs, '-A INPUT -m conntrack --ctstate INVALID -j DROP'), 3);
  assert.deepEqual(ctList(e), []);
});

// Checked on Linux 6.x: connect() to a closed 127.0.0.1 port in a namespace with these two rules
// counts the SYN on `-i lo` and the RST on RELATED,ESTABLISHED, and leaves no conntrack entry.
test('002: loopback traffic is accepted by -i lo; the RST answer is ESTABLISHED', () => {
  const rs = buildRules(4, BASE);
  const e = engine(buildHost(HOST), rs);
  const r = e.send(tcp({ src: '127.0.0.1', dst: '127.0.0.1', sport: 41000, dport: 631, flags: TCP_SYN }));
  assert.equal(r.fate, 'delivered');
  assert.ok(steps(r).includes('INPUT:filter:INPUT:2:ACCEPT'), steps(r).join(', '));
  // The SYN is NEW on lo; the stack's RST from the closed port 631 is a reply: ESTABLISHED.
  assert.equal(pkts(rs, '-A INPUT -i lo -j ACCEPT'), 1);
  assert.equal(pkts(rs, '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'), 1);
  assert.deepEqual(ctList(e), []);
});

test('002: port-scan trap: a scanned source is reset on open ports for 60 s after its last try', () => {
  const rs = buildRules(4, [...BASE, ...PORTSCAN]);
  const e = engine(buildHost(HOST), rs);
  // Before any scan the web port answers.
  assert.equal(e.receive('eth0', syn(41000, 80)).fate, 'delivered');

  // The scan: SYN to closed 23 puts the source on TCP-PORTSCAN.
  const scan = e.receive('eth0', syn(41001, 23));
  assert.equal(scan.reason, 'filter/INPUT rule 7');
  assert.equal(only(scan, 'reject').v.tcpFlags, TCP_RST | TCP_ACK);

  e.advance(1000);
  const blocked = e.receive('eth0', syn(41002, 80));
  assert.equal(blocked.fate, 'dropped');
  assert.equal(blocked.reason, 'filter/TCP rule 1');
  assert.equal(only(blocked, 'reject').v.sport, 80);

  // Another source is not affected.
  assert.equal(e.receive('eth0', syn(41003, 80, { src: '198.51.100.8' })).fate, 'delivered');

  // --update refreshed the stamp at t=1 s: at t=60.5 s still inside 60 s (and refreshed again).
  e.advance(59_500);
  assert.equal(e.receive('eth0', syn(41004, 80)).reason, 'filter/TCP rule 1');
  // 61 s after that last hit the source is free again.
  e.advance(61_000);
  const ok = e.receive('eth0', syn(41005, 80));
  assert.equal(ok.fate, 'delivered');
  assert.equal(stepAt(ok, 'INPUT', 'filter'), 'INPUT:filter:TCP:3:ACCEPT');

  // UDP scan: closed port, then the DNS port is refused too.
  const us = e.receive('eth0', udp({ src: REMOTE, dst: ME, sport: 6000, dport: 9999 }));
  assert.equal(us.reason, 'filter/INPUT rule 8');
  const ub = e.receive('eth0', udp({ src: REMOTE, dst: ME, sport: 6001, dport: 53 }));
  assert.equal(ub.reason, 'filter/UDP rule 1');
  assert.deepEqual([only(ub, 'reject').v.icmpType, only(ub, 'reject').v.icmpCode], [3, 3]);

  assert.equal(pkts(rs, '-A TCP -p tcp -m recent --update --seconds 60 --name TCP-PORTSCAN --mask 255.255.255.255 --rsource -j REJECT --reject-with tcp-reset'), 2);
});

test('002: SSH brute force: the 4th NEW connection within 10 s is dropped, a 5th after 10 s passes, then 4 in 30 min drop', () => {
  const rs = buildRules(4, [...BASE, ...SSHBF]);
  const e = engine(buildHost(HOST), rs);
  for (let i = 0; i < 3; i++) {
    const r = e.receive('eth0', syn(42000 + i, 22, { ttl: 50 }));
    assert.equal(r.fate, 'delivered', `attempt ${i + 1}`);
    assert.equal(stepAt(r, 'INPUT', 'filter'), 'INPUT:filter:IN_SSH:3:ACCEPT');
    e.advance(2000);
  }
  const fourth = e.receive('eth0', syn(42003, 22, { ttl: 50 }));
  assert.equal(fourth.fate, 'dropped');
  assert.equal(fourth.reason, 'filter/IN_SSH rule 1');
  assert.equal(fourth.emitted.length, 0);

  // --rttl: the same source with another TTL is not the same attacker for rcheck.
  const otherTtl = e.receive('eth0', syn(42004, 22, { ttl: 51 }));
  assert.equal(otherTtl.fate, 'delivered');

  // After 10 s without tries, the 10 s rule lets it by but four stamps in 30 minutes drop it.
  e.advance(11_000);
  const slow = e.receive('eth0', syn(42005, 22, { ttl: 51 }));
  assert.equal(slow.fate, 'dropped');
  assert.equal(slow.reason, 'filter/IN_SSH rule 2');

  // An established connection is not counted: ESTABLISHED comes first.
  assert.equal(pkts(rs, '-A IN_SSH -m recent --rcheck --seconds 10 --hitcount 3 --rttl --name sshbf --mask 255.255.255.255 --rsource -j DROP'), 1);
  assert.equal(pkts(rs, '-A IN_SSH -m recent --set --name sshbf --mask 255.255.255.255 --rsource -j ACCEPT'), 4);
});
