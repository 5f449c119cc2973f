/**
 * Seed 004, "IP Masquerading using iptables": SNAT --to vs MASQUERADE, the
 * wrong way to masquerade, DNS faking with DNAT, and the full firewall
 * script with DROP policies ending in -Z. The article's addresses were lost;
 * these stand in: LAN 192.168.1.0/24 on eth0 (router .1, the Windows
 * computer .2), the ADSL modem 10.0.0.138 on eth1 (router 10.0.0.140), the
 * PPP address 203.0.113.2 on ppp0 and the ISP's resolver 203.0.113.53.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_CT_ESTABLISHED_REPLY } from '../../conntrack/constants';
import { runIptables } from '../../cli/iptables';
import { TCP_ACK, TCP_SYN } from '../../wire/tcp';
import {
  buildHost, buildRules, counters, ctList, dstOf, engine, icmp, only, pkts, rawIp4, srcOf, stepAt, tcp, udp,
} from './testkit';

const PPPIP = '203.0.113.2';
const WIN = '192.168.1.2';
const NS1 = '203.0.113.53';
const MODEM = '10.0.0.138';
const ETH1IP = '10.0.0.140';

const HOST = [
  'ip link set lo up',
  'ip link add eth0 type dummy', 'ip link set eth0 up', 'ip addr add 192.168.1.1/24 dev eth0',
  'ip link add eth1 type dummy', 'ip link set eth1 up', `ip addr add ${ETH1IP}/24 dev eth1`,
  'ip link add ppp0 type dummy', 'ip link set ppp0 mtu 1492', 'ip link set ppp0 up', `ip addr add ${PPPIP}/32 dev ppp0`,
  'ip route add default dev ppp0',
  'sysctl -w net.ipv4.ip_forward=1',
  'listen tcp 0.0.0.0:22',
];

const DNS_FAKE = [
  // Slide 16/17: the LAN's fixed DNS addresses are translated to the ISP's servers.
  `iptables -t nat -A PREROUTING -d 10.2.0.1 -j DNAT --to-destination ${NS1}`,
  'iptables -t nat -A PREROUTING -d 10.2.0.2 -j DNAT --to-destination 203.0.113.54',
];

test('004: SNAT --to $PPPIP and MASQUERADE translate a LAN connection the same way', () => {
  for (const target of [`SNAT --to ${PPPIP}`, 'MASQUERADE']) {
    const rs = buildRules(4, [`iptables -t nat -A POSTROUTING -o ppp0 -j ${target}`]);
    const e = engine(buildHost(HOST), rs);
    const r = e.receive('eth0', tcp({ src: WIN, dst: '198.51.100.80', sport: 1025, dport: 80, flags: TCP_SYN }));
    const { e: o, v } = only(r, 'forward');
    assert.equal(o.dev, 'ppp0', target);
    assert.deepEqual([srcOf(v), v.sport, dstOf(v)], [PPPIP, 1025, '198.51.100.80'], target);
    const back = e.receive('ppp0', tcp({ src: '198.51.100.80', dst: PPPIP, sport: 80, dport: 1025, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }));
    assert.deepEqual([dstOf(only(back, 'forward').v), only(back, 'forward').v.dport], [WIN, 1025], target);
    assert.deepEqual(ctList(e), [
      `tcp      6 60 SYN_RECV src=${WIN} dst=198.51.100.80 sport=1025 dport=80 src=198.51.100.80 dst=${PPPIP} sport=80 dport=1025 mark=0 use=1`,
    ], target);

    // "Will include OUTPUT packets by accident, but who cares?": the router's own packets keep their address.
    const own = e.send(udp({ src: PPPIP, dst: '198.51.100.80', sport: 40000, dport: 123 }));
    assert.equal(own.fate, 'sent');
    assert.equal(srcOf(only(own, 'output').v), PPPIP);
    assert.equal(stepAt(own, 'POSTROUTING', 'nat'), 'POSTROUTING:nat:POSTROUTING:1:ACCEPT');
  }
});

test('004: the wrong way to masquerade: without -o, forwarded packets to the LAN seem to come from the router', () => {
  const right = buildRules(4, ['iptables -t nat -A POSTROUTING -o ppp0 -j MASQUERADE', 'iptables -t nat -A PREROUTING -i ppp0 -p tcp --dport 25 -j DNAT --to 192.168.1.2']);
  const wrong = buildRules(4, ['iptables -t nat -A POSTROUTING -j MASQUERADE', 'iptables -t nat -A PREROUTING -i ppp0 -p tcp --dport 25 -j DNAT --to 192.168.1.2']);
  const mail = () => tcp({ src: '198.51.100.25', dst: PPPIP, sport: 41000, dport: 25, flags: TCP_SYN });
  const a = only(engine(buildHost(HOST), right).receive('ppp0', mail()), 'forward').v;
  assert.deepEqual([srcOf(a), dstOf(a)], ['198.51.100.25', WIN]);
  const b = only(engine(buildHost(HOST), wrong).receive('ppp0', mail()), 'forward').v;
  assert.deepEqual([srcOf(b), dstOf(b)], ['192.168.1.1', WIN], 'masqueraded with the eth0 address');
});

test('004: DNS faking: a query to 10.2.0.1 goes to the ISP\'s server and the answer comes from 10.2.0.1', () => {
  const rs = buildRules(4, [...DNS_FAKE, 'iptables -t nat -A POSTROUTING -o ppp0 -j MASQUERADE']);
  const e = engine(buildHost(HOST), rs);
  const q = e.receive('eth0', udp({ src: WIN, dst: '10.2.0.1', sport: 1030, dport: 53 }));
  assert.equal(q.fate, 'forwarded');
  assert.equal(stepAt(q, 'PREROUTING', 'nat'), 'PREROUTING:nat:PREROUTING:1:ACCEPT');
  assert.equal(stepAt(q, 'POSTROUTING', 'nat'), 'POSTROUTING:nat:POSTROUTING:1:ACCEPT');
  const { e: o, v } = only(q, 'forward');
  assert.equal(o.dev, 'ppp0');
  assert.deepEqual([srcOf(v), v.sport, dstOf(v), v.dport, v.ttl], [PPPIP, 1030, NS1, 53, 63]);

  const a = e.receive('ppp0', udp({ src: NS1, dst: PPPIP, sport: 53, dport: 1030 }));
  assert.equal(a.ctinfo, IP_CT_ESTABLISHED_REPLY);
  const { e: ao, v: av } = only(a, 'forward');
  assert.equal(ao.dev, 'eth0');
  assert.deepEqual([srcOf(av), av.sport, dstOf(av), av.dport], ['10.2.0.1', 53, WIN, 1030]);
  assert.deepEqual(ctList(e), [
    `udp      17 30 src=${WIN} dst=10.2.0.1 sport=1030 dport=53 src=${NS1} dst=${PPPIP} sport=53 dport=1030 mark=0 use=1`,
  ]);
  // The second fake address goes to the second server.
  const q2 = only(e.receive('eth0', udp({ src: WIN, dst: '10.2.0.2', sport: 1031, dport: 53 })), 'forward').v;
  assert.equal(dstOf(q2), '203.0.113.54');
  assert.equal(pkts(rs, `-A PREROUTING -d 10.2.0.1/32 -j DNAT --to-destination ${NS1}`, 'nat'), 1);
});

/** Slides 21-27: the firewall script, addresses filled in. */
const SCRIPT = [
  'iptables -P INPUT DROP',
  'iptables -P OUTPUT DROP',
  'iptables -P FORWARD DROP',
  'iptables -F -t nat',
  'iptables -F -t filter',
  'iptables -X',
  'iptables -A INPUT -i lo -j ACCEPT',
  'iptables -A OUTPUT -o lo -j ACCEPT',
  `iptables -A INPUT -i eth1 -s ${MODEM} -d ${ETH1IP} -p tcp --sport 1723 -m state --state ESTABLISHED,RELATED -j ACCEPT`,
  `iptables -A INPUT -i eth1 -s ${MODEM} -d ${ETH1IP} -p gre -j ACCEPT`,
  'iptables -A INPUT -i eth1 -j DROP',
  `iptables -A OUTPUT -o eth1 -s ${ETH1IP} -d ${MODEM} -p tcp --dport 1723 -j ACCEPT`,
  `iptables -A OUTPUT -o eth1 -s ${ETH1IP} -d ${MODEM} -p gre -j ACCEPT`,
  'iptables -A OUTPUT -o eth1 -j DROP',
  `iptables -A OUTPUT -o ppp0 -s ${PPPIP} -j ACCEPT`,
  'iptables -A INPUT ! -s 192.168.1.0/24 -p tcp --dport 0:1023 -j DROP',
  `iptables -A INPUT -i ppp0 -d ${PPPIP} -m state --state ESTABLISHED,RELATED -j ACCEPT`,
  'iptables -A INPUT -s 192.168.1.0/24 -d 192.168.1.0/24 -j ACCEPT',
  'iptables -A OUTPUT -s 192.168.1.0/24 -d 192.168.1.0/24 -j ACCEPT',
  'iptables -A FORWARD -i ppp0 -o eth0 -m state --state ESTABLISHED,RELATED -j ACCEPT',
  'iptables -A FORWARD -i eth0 -o ppp0 -j ACCEPT',
  'iptables -A FORWARD -j DROP',
  'iptables -A INPUT -j DROP',
  'iptables -A OUTPUT -j DROP',
  'iptables -A FORWARD -j DROP',
  'iptables -t nat -A POSTROUTING -o ppp0 -j MASQUERADE',
  ...DNS_FAKE,
];

test('004: the DROP-policy firewall script: -Z zeroes, then every packet is counted where it is decided', () => {
  // Traffic before -Z counts in the ruleset it ran against.
  const before = buildRules(4, SCRIPT);
  const e0 = engine(buildHost(HOST), before);
  e0.receive('eth0', udp({ src: WIN, dst: '10.2.0.1', sport: 1100, dport: 53 }));
  assert.equal(pkts(before, '-A FORWARD -i eth0 -o ppp0 -j ACCEPT'), 1);
  const z = runIptables(before, ['-Z']);
  assert.equal(z.code, 0);
  const rs = z.rs;
  for (const c of counters(rs).values()) assert.equal(c.pkts + c.bytes, 0, `${c.rule} not zeroed`);
  assert.equal(pkts(rs, '-A POSTROUTING -o ppp0 -j MASQUERADE', 'nat'), 1, '-Z only zeroes the filter table');

  const e = engine(buildHost(HOST), rs);
  // The Windows computer's DNS query and its answer.
  const q = e.receive('eth0', udp({ src: WIN, dst: '10.2.0.1', sport: 1101, dport: 53 }));
  assert.equal(q.fate, 'forwarded');
  assert.equal(stepAt(q, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:2:ACCEPT');
  const a = e.receive('ppp0', udp({ src: NS1, dst: PPPIP, sport: 53, dport: 1101 }));
  assert.equal(a.fate, 'forwarded');
  assert.equal(stepAt(a, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:1:ACCEPT');
  // Unsolicited from the internet to the LAN: the first -j DROP of FORWARD.
  const u = e.receive('ppp0', udp({ src: '198.51.100.9', dst: WIN, sport: 53, dport: 1101 }));
  assert.equal(u.reason, 'filter/FORWARD rule 3');
  // Privileged ports of the router from outside, and the modem net.
  assert.equal(e.receive('ppp0', tcp({ src: '198.51.100.9', dst: PPPIP, sport: 40000, dport: 22, flags: TCP_SYN })).reason, 'filter/INPUT rule 5');
  assert.equal(e.receive('eth1', tcp({ src: MODEM, dst: ETH1IP, sport: 80, dport: 40000, flags: TCP_SYN })).reason, 'filter/INPUT rule 4');
  // PPTP to the modem: control connection out eth1, the SYN/ACK back, GRE both ways.
  const pptp = e.send(tcp({ src: ETH1IP, dst: MODEM, sport: 40001, dport: 1723, flags: TCP_SYN }));
  assert.equal(pptp.fate, 'sent');
  assert.equal(stepAt(pptp, 'OUTPUT', 'filter'), 'OUTPUT:filter:OUTPUT:2:ACCEPT');
  const sa = e.receive('eth1', tcp({ src: MODEM, dst: ETH1IP, sport: 1723, dport: 40001, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }));
  assert.equal(stepAt(sa, 'INPUT', 'filter'), 'INPUT:filter:INPUT:2:ACCEPT');
  assert.equal(e.send(rawIp4({ src: ETH1IP, dst: MODEM, proto: 47 })).fate, 'sent');
  assert.equal(stepAt(e.receive('eth1', rawIp4({ src: MODEM, dst: ETH1IP, proto: 47 })), 'INPUT', 'filter'), 'INPUT:filter:INPUT:3:ACCEPT');
  // The router pings out of ppp0 and gets its answer.
  const ping = e.send(icmp({ src: PPPIP, dst: '198.51.100.1', type: 8, id: 9 }));
  assert.equal(stepAt(ping, 'OUTPUT', 'filter'), 'OUTPUT:filter:OUTPUT:5:ACCEPT');
  const pong = e.receive('ppp0', icmp({ src: '198.51.100.1', dst: PPPIP, type: 0, id: 9 }));
  assert.equal(stepAt(pong, 'INPUT', 'filter'), 'INPUT:filter:INPUT:6:ACCEPT');
  // The LAN talks to the router (ssh) and the router answers.
  const ssh = e.receive('eth0', tcp({ src: WIN, dst: '192.168.1.1', sport: 1200, dport: 22, flags: TCP_SYN }));
  assert.equal(ssh.fate, 'delivered');
  assert.equal(stepAt(ssh, 'INPUT', 'filter'), 'INPUT:filter:INPUT:7:ACCEPT');
  const ans = e.send(tcp({ src: '192.168.1.1', dst: WIN, sport: 22, dport: 1200, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }));
  assert.equal(ans.fate, 'sent');
  assert.equal(stepAt(ans, 'OUTPUT', 'filter'), 'OUTPUT:filter:OUTPUT:6:ACCEPT');
  // A router packet to anywhere else is dropped by the last OUTPUT rule, not the policy.
  assert.equal(e.send(udp({ src: '192.168.1.1', dst: '8.8.8.8', sport: 40002, dport: 53 })).reason, 'filter/OUTPUT rule 7');

  const c = counters(rs);
  const expect: Record<string, number> = {
    '-P INPUT DROP': 0, '-P OUTPUT DROP': 0, '-P FORWARD DROP': 0,
    '-A FORWARD -i eth0 -o ppp0 -j ACCEPT': 1,
    '-A FORWARD -i ppp0 -o eth0 -m state --state RELATED,ESTABLISHED -j ACCEPT': 1,
    '-A FORWARD -j DROP': 1,
    '-A FORWARD -j DROP #2': 0,
    '-A INPUT ! -s 192.168.1.0/24 -p tcp -m tcp --dport 0:1023 -j DROP': 1,
    '-A INPUT -i eth1 -j DROP': 1,
    [`-A INPUT -s ${MODEM}/32 -d ${ETH1IP}/32 -i eth1 -p tcp -m tcp --sport 1723 -m state --state RELATED,ESTABLISHED -j ACCEPT`]: 1,
    [`-A INPUT -s ${MODEM}/32 -d ${ETH1IP}/32 -i eth1 -p gre -j ACCEPT`]: 1,
    // The SYN, and the stack's RST to the modem's SYN/ACK (no socket holds port 40001 here).
    [`-A OUTPUT -s ${ETH1IP}/32 -d ${MODEM}/32 -o eth1 -p tcp -m tcp --dport 1723 -j ACCEPT`]: 2,
    [`-A OUTPUT -s ${ETH1IP}/32 -d ${MODEM}/32 -o eth1 -p gre -j ACCEPT`]: 1,
    [`-A OUTPUT -s ${PPPIP}/32 -o ppp0 -j ACCEPT`]: 1,
    [`-A INPUT -d ${PPPIP}/32 -i ppp0 -m state --state RELATED,ESTABLISHED -j ACCEPT`]: 1,
    '-A INPUT -s 192.168.1.0/24 -d 192.168.1.0/24 -j ACCEPT': 1,
    '-A OUTPUT -s 192.168.1.0/24 -d 192.168.1.0/24 -j ACCEPT': 1,
    '-A OUTPUT -j DROP': 1,
    '-A INPUT -j DROP': 0,
  };
  for (const [rule, n] of Object.entries(expect)) {
    assert.ok(c.has(rule), `${rule} not in:\n${[...c.keys()].join('\n')}`);
    assert.equal(c.get(rule)!.pkts, n, rule);
  }
  // The stand-alone rule set still holds the counts from before -Z.
  assert.equal(pkts(before, '-A FORWARD -i eth0 -o ppp0 -j ACCEPT'), 1);
});
