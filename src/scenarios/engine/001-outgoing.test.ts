/**
 * Seed 001: stateful outgoing web browsing and pings on OUTPUT/INPUT (with
 * the DROP policies the article suggests), the local packets sent with
 * engine.send() and the replies arriving on eth0; and "passing ports" into a
 * NATed network with DNAT plus the FORWARD rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW } from '../../conntrack/constants';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../wire/tcp';
import { buildHost, buildRules, counters, ctList, dstOf, engine, icmp, only, pkts, srcOf, stepAt, TcpConv, tcp } from './testkit';

const ME = '192.168.1.50';
const WEB = '93.184.216.34';

const HOST = [
  'ip link set lo up',
  'ip link add eth0 type dummy', 'ip link set eth0 up', `ip addr add ${ME}/24 dev eth0`,
  'ip route add default via 192.168.1.1',
  // The browser's connected socket (netsieve has no processes: a declared socket stands for it).
  'listen tcp 0.0.0.0:45000',
];

const RULES = [
  'iptables -P INPUT DROP',
  'iptables -P OUTPUT DROP',
  'iptables -A OUTPUT -o eth0 -p TCP --dport 80 -j ACCEPT',
  'iptables -A INPUT -i eth0 -p TCP -m state --state ESTABLISHED,RELATED --sport 80 -j ACCEPT',
  'iptables -A OUTPUT -o eth0 -p icmp --icmp-type echo-request -j ACCEPT',
  'iptables -A INPUT -i eth0 -p icmp --icmp-type echo-reply -j ACCEPT',
];

const IN_WEB = '-A INPUT -i eth0 -p tcp -m state --state RELATED,ESTABLISHED -m tcp --sport 80 -j ACCEPT';
const OUT_WEB = '-A OUTPUT -o eth0 -p tcp -m tcp --dport 80 -j ACCEPT';

test('001: outgoing web browsing: the host\'s connection out, the server\'s segments back ESTABLISHED', () => {
  const rs = buildRules(4, RULES);
  assert.ok(counters(rs).has(IN_WEB), [...counters(rs).keys()].join('\n'));
  const e = engine(buildHost(HOST), rs);
  const c = new TcpConv({ src: ME, dst: WEB, sport: 45000, dport: 80 });

  const syn = e.send(c.c(TCP_SYN, { mss: 1460 }));
  assert.equal(syn.fate, 'sent');
  assert.equal(syn.ctinfo, IP_CT_NEW);
  assert.equal(stepAt(syn, 'OUTPUT', 'filter'), 'OUTPUT:filter:OUTPUT:1:ACCEPT');
  const { e: o, v } = only(syn, 'output');
  assert.equal(o.dev, 'eth0');
  assert.deepEqual([srcOf(v), dstOf(v), v.ttl], [ME, WEB, 64], 'a local packet is not decremented');

  const sa = e.receive('eth0', c.s(TCP_SYN | TCP_ACK, { mss: 1400 }));
  assert.equal(sa.fate, 'delivered');
  assert.equal(sa.ctinfo, IP_CT_ESTABLISHED_REPLY);
  assert.equal(stepAt(sa, 'INPUT', 'filter'), 'INPUT:filter:INPUT:1:ACCEPT');
  assert.deepEqual(sa.emitted.map((x) => `${x.dev}:${x.origin}`), ['local:deliver']);
  // The browser's ACK and request.
  const ack = e.send(c.c(TCP_ACK));
  assert.equal(ack.ctinfo, IP_CT_ESTABLISHED);
  const req = e.send(c.c(TCP_ACK | TCP_PSH, { len: 300 }));
  assert.equal(req.fate, 'sent');
  const page = e.receive('eth0', c.s(TCP_ACK | TCP_PSH, { len: 1400 }));
  assert.equal(page.fate, 'delivered');
  assert.equal(stepAt(page, 'INPUT', 'filter'), 'INPUT:filter:INPUT:1:ACCEPT');
  assert.equal(e.send(c.c(TCP_FIN | TCP_ACK)).fate, 'sent');
  assert.equal(e.receive('eth0', c.s(TCP_FIN | TCP_ACK)).fate, 'delivered');

  // A NEW segment from port 80 is not let in: the state match wants ESTABLISHED,RELATED.
  const unsolicited = e.receive('eth0', tcp({ src: WEB, dst: ME, sport: 80, dport: 45001, flags: TCP_SYN }));
  assert.equal(unsolicited.fate, 'dropped');
  assert.equal(unsolicited.reason, 'filter/INPUT policy');
  // HTTPS is not allowed out.
  const tls = e.send(tcp({ src: ME, dst: WEB, sport: 45002, dport: 443, flags: TCP_SYN }));
  assert.equal(tls.fate, 'dropped');
  assert.equal(tls.reason, 'filter/OUTPUT policy');
  assert.equal(tls.emitted.length, 0);

  assert.equal(pkts(rs, OUT_WEB), 4, 'SYN, ACK, request, FIN');
  assert.equal(pkts(rs, IN_WEB), 3);
  assert.equal(pkts(rs, '-P INPUT DROP'), 1);
  assert.equal(pkts(rs, '-P OUTPUT DROP'), 1);
});

test('001: outgoing pings: echo request out, echo reply in; incoming echo requests dropped', () => {
  const rs = buildRules(4, RULES);
  const e = engine(buildHost(HOST), rs);
  const req = e.send(icmp({ src: ME, dst: '9.9.9.9', type: 8, id: 4242, seq: 1 }));
  assert.equal(req.fate, 'sent');
  assert.equal(stepAt(req, 'OUTPUT', 'filter'), 'OUTPUT:filter:OUTPUT:2:ACCEPT');
  assert.deepEqual(ctList(e), [
    `icmp     1 30 src=${ME} dst=9.9.9.9 type=8 code=0 id=4242 [UNREPLIED] src=9.9.9.9 dst=${ME} type=0 code=0 id=4242 mark=0 use=1`,
  ]);
  const rep = e.receive('eth0', icmp({ src: '9.9.9.9', dst: ME, type: 0, id: 4242, seq: 1 }));
  assert.equal(rep.fate, 'delivered');
  assert.equal(rep.ctinfo, IP_CT_ESTABLISHED_REPLY);
  assert.equal(stepAt(rep, 'INPUT', 'filter'), 'INPUT:filter:INPUT:2:ACCEPT');
  // The rule is stateless: a stray echo reply, which conntrack cannot track (INVALID), is let in too.
  const stray = e.receive('eth0', icmp({ src: '9.9.9.8', dst: ME, type: 0, id: 1 }));
  assert.equal(stray.fate, 'delivered');
  assert.equal(stray.ctinfo, -1);
  const inReq = e.receive('eth0', icmp({ src: '9.9.9.9', dst: ME, type: 8, id: 77 }));
  assert.equal(inReq.fate, 'dropped');
  assert.equal(inReq.reason, 'filter/INPUT policy');
  assert.equal(inReq.emitted.length, 0);
  assert.equal(pkts(rs, '-A INPUT -i eth0 -p icmp -m icmp --icmp-type 0 -j ACCEPT'), 2);
  assert.equal(pkts(rs, '-A OUTPUT -o eth0 -p icmp -m icmp --icmp-type 8 -j ACCEPT'), 1);
});

test('001: passing ports into a NATed network: DNAT plus the FORWARD rule', () => {
  const host = buildHost([
    'ip link set lo up',
    'ip link add eth0 type dummy', 'ip link set eth0 up', 'ip addr add 198.51.100.1/24 dev eth0',
    'ip link add eth1 type dummy', 'ip link set eth1 up', 'ip addr add 10.0.0.1/24 dev eth1',
    'ip route add default via 198.51.100.254',
    'sysctl -w net.ipv4.ip_forward=1',
  ]);
  const rs = buildRules(4, [
    'iptables -P FORWARD DROP',
    'iptables -t nat -A PREROUTING -i eth0 -p tcp -d 198.51.100.1 --dport 25 -j DNAT --to 10.0.0.25:25',
    'iptables -A FORWARD -i eth0 -o eth1 -p tcp --dport 25 -d 10.0.0.25 -j ACCEPT',
    // The return path, which the article leaves to the reader.
    'iptables -A FORWARD -i eth1 -o eth0 -m state --state ESTABLISHED,RELATED -j ACCEPT',
  ]);
  const e = engine(host, rs);
  const syn = e.receive('eth0', tcp({ src: '203.0.113.9', dst: '198.51.100.1', sport: 50025, dport: 25, flags: TCP_SYN }));
  assert.equal(syn.fate, 'forwarded');
  assert.equal(stepAt(syn, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:1:ACCEPT');
  const { e: o, v } = only(syn, 'forward');
  assert.deepEqual([o.dev, dstOf(v), v.dport], ['eth1', '10.0.0.25', 25]);
  const back = e.receive('eth1', tcp({ src: '10.0.0.25', dst: '203.0.113.9', sport: 25, dport: 50025, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }));
  assert.equal(stepAt(back, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:2:ACCEPT');
  const bv = only(back, 'forward').v;
  assert.deepEqual([srcOf(bv), bv.sport], ['198.51.100.1', 25]);
  // "If you just NAT the traffic, it's not ever going to make it through": another port is DNATed nowhere and dropped.
  const other = e.receive('eth0', tcp({ src: '203.0.113.9', dst: '10.0.0.25', sport: 50026, dport: 22, flags: TCP_SYN }));
  assert.equal(other.reason, 'filter/FORWARD policy');
});
