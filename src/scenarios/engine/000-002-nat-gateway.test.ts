/**
 * Seeds 000 and 002, "Setting up a NAT gateway": eth0 is the LAN
 * 192.168.0.0/24, ppp0 the PPPoE uplink with MTU 1492. INPUT DROP with lo,
 * the LAN and ESTABLISHED,RELATED accepted; FORWARD through the
 * fw-interfaces and fw-open chains; MASQUERADE from the LAN out of ppp0; DNAT
 * port forwards; TCPMSS --clamp-mss-to-pmtu in mangle FORWARD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_CT_ESTABLISHED, IP_CT_ESTABLISHED_REPLY, IP_CT_NEW, IP_CT_RELATED_REPLY } from '../../conntrack/constants';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../../wire/tcp';
import {
  buildHost, buildRules, ctList, dstOf, engine, icmp, icmpError, mssOf, only, pkts, srcOf, stepAt, steps, TcpConv, tcp, udp,
} from './testkit';

const WAN_IP = '203.0.113.2';
const CLIENT = '192.168.0.10';
const WEB = '93.184.216.34';
const OUTSIDER = '198.51.100.20';

const HOST = [
  'ip link set lo up',
  'ip link add eth0 type dummy',
  'ip link set eth0 up',
  'ip addr add 192.168.0.1/24 dev eth0',
  'ip link add ppp0 type dummy',
  'ip link set ppp0 mtu 1492',
  'ip link set ppp0 up',
  `ip addr add ${WAN_IP}/32 dev ppp0`,
  'ip route add default dev ppp0',
  // 000: echo 1 > /proc/sys/net/ipv4/ip_forward
  'sysctl -w net.ipv4.ip_forward=1',
];

const RULES = [
  // 000: basic configuration and stateful filtering of the router itself.
  'iptables -P INPUT DROP',
  'iptables -A INPUT -i lo -j ACCEPT',
  'iptables -A INPUT -i eth0 -s 192.168.0.0/24 -j ACCEPT',
  'iptables -A INPUT -i ppp0 -m state --state ESTABLISHED,RELATED -j ACCEPT',
  // 002: the FORWARD chain with fw-interfaces and fw-open.
  'iptables -N fw-interfaces',
  'iptables -N fw-open',
  'iptables -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  'iptables -A FORWARD -j fw-interfaces',
  'iptables -A FORWARD -j fw-open',
  'iptables -A FORWARD -j REJECT --reject-with icmp-host-unreachable',
  'iptables -P FORWARD DROP',
  'iptables -A fw-interfaces -i eth0 -j ACCEPT',
  'iptables -t nat -A POSTROUTING -s 192.168.0.0/24 -o ppp0 -j MASQUERADE',
  // 000: the web server on the LAN; 002: port 8000 to another host's port 80.
  'iptables -t nat -A PREROUTING -i ppp0 -p tcp --dport 80 -j DNAT --to 192.168.0.10',
  'iptables -A fw-open -d 192.168.0.10 -p tcp --dport 80 -j ACCEPT',
  'iptables -t nat -A PREROUTING -i ppp0 -p tcp --dport 8000 -j DNAT --to 192.168.0.6:80',
  'iptables -A fw-open -d 192.168.0.6 -p tcp --dport 80 -j ACCEPT',
  // 000: MSS clamping for PPPoE.
  'iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
];

const setup = () => {
  const rs = buildRules(4, RULES);
  return { rs, e: engine(buildHost(HOST), rs) };
};

test('000/002: a LAN client\'s TCP connection is masqueraded out of ppp0 and its MSS clamped to 1452', () => {
  const { rs, e } = setup();
  const c = new TcpConv({ src: CLIENT, dst: WEB, sport: 50000, dport: 443 });
  const syn = e.receive('eth0', c.c(TCP_SYN, { mss: 1460 }));
  assert.equal(syn.fate, 'forwarded');
  assert.equal(syn.ctinfo, IP_CT_NEW);
  // Every table of every hook on the way, in the kernel's priority order.
  assert.deepEqual(steps(syn), [
    'PREROUTING:mangle:PREROUTING:0:ACCEPT',
    'PREROUTING:nat:PREROUTING:0:ACCEPT',
    'FORWARD:mangle:FORWARD:0:ACCEPT',
    'FORWARD:filter:fw-interfaces:1:ACCEPT',
    'POSTROUTING:mangle:POSTROUTING:0:ACCEPT',
    'POSTROUTING:nat:POSTROUTING:1:ACCEPT',
  ]);
  const { e: out, v } = only(syn, 'forward');
  assert.equal(out.dev, 'ppp0');
  assert.equal(srcOf(v), WAN_IP);
  assert.equal(dstOf(v), WEB);
  assert.equal(v.dport, 443);
  assert.equal(v.ttl, 63);
  assert.equal(mssOf(v), 1452, 'ppp0 MTU 1492 - 40');
  // No clash: the source port is kept.
  assert.equal(v.sport, 50000);

  assert.deepEqual(ctList(e), [
    `tcp      6 120 SYN_SENT src=${CLIENT} dst=${WEB} sport=50000 dport=443 [UNREPLIED] src=${WEB} dst=${WAN_IP} sport=443 dport=50000 mark=0 use=1`,
  ]);

  // The SYN/ACK comes back to the ppp0 address and is translated back to the client.
  c.back = { src: WEB, dst: WAN_IP, sport: 443, dport: v.sport };
  const sa = e.receive('ppp0', c.s(TCP_SYN | TCP_ACK, { mss: 1460 }));
  assert.equal(sa.fate, 'forwarded');
  assert.equal(sa.ctinfo, IP_CT_ESTABLISHED_REPLY);
  assert.equal(stepAt(sa, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:1:ACCEPT');
  const { e: back, v: bv } = only(sa, 'forward');
  assert.equal(back.dev, 'eth0');
  assert.deepEqual([srcOf(bv), dstOf(bv), bv.sport, bv.dport, bv.ttl], [WEB, CLIENT, 443, 50000, 63]);
  // The SYN/ACK is clamped too: the way back to its source (ppp0) has MTU 1492 (xt_TCPMSS tcpmss_reverse_mtu).
  assert.equal(mssOf(bv), 1452);

  // Handshake completes, data both ways.
  const ack = e.receive('eth0', c.c(TCP_ACK));
  assert.equal(ack.ctinfo, IP_CT_ESTABLISHED);
  assert.equal(srcOf(only(ack, 'forward').v), WAN_IP);
  const data = e.receive('ppp0', c.s(TCP_ACK | TCP_PSH, { len: 1000 }));
  assert.equal(dstOf(only(data, 'forward').v), CLIENT);
  assert.match(ctList(e)[0], new RegExp(`^tcp +6 \\d+ ESTABLISHED src=${CLIENT} dst=${WEB} sport=50000 dport=443 src=${WEB} dst=${WAN_IP} sport=443 dport=50000 \\[ASSURED\\] mark=0 use=1$`));

  // The nat table saw only the first packet; the mangle rule only the two SYNs.
  assert.equal(pkts(rs, '-A POSTROUTING -s 192.168.0.0/24 -o ppp0 -j MASQUERADE', 'nat'), 1);
  assert.equal(pkts(rs, '-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu', 'mangle'), 2);
  assert.equal(pkts(rs, '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'), 3);
  assert.equal(pkts(rs, '-A fw-interfaces -i eth0 -j ACCEPT'), 1);
});

test('000/002: a second client using the same source port to the same server gets another port', () => {
  const { e } = setup();
  const a = e.receive('eth0', tcp({ src: CLIENT, dst: WEB, sport: 50000, dport: 443, flags: TCP_SYN }));
  const b = e.receive('eth0', tcp({ src: '192.168.0.11', dst: WEB, sport: 50000, dport: 443, flags: TCP_SYN }));
  const va = only(a, 'forward').v, vb = only(b, 'forward').v;
  assert.equal(srcOf(vb), WAN_IP);
  assert.equal(va.sport, 50000);
  assert.notEqual(vb.sport, 50000, 'the reply tuple would clash: NAT picks another source port');
  assert.equal(ctList(e).length, 2);
});

test('000/002: ping and UDP from the LAN are masqueraded; an ICMP error about the flow comes back RELATED', () => {
  const { e } = setup();
  const p = e.receive('eth0', icmp({ src: CLIENT, dst: '8.8.8.8', type: 8, id: 300, seq: 1 }));
  const pv = only(p, 'forward').v;
  assert.deepEqual([srcOf(pv), pv.icmpType], [WAN_IP, 8]);
  const reply = e.receive('ppp0', icmp({ src: '8.8.8.8', dst: WAN_IP, type: 0, id: pv.icmpId, seq: 1 }));
  const rv = only(reply, 'forward').v;
  assert.deepEqual([dstOf(rv), rv.icmpId, rv.icmpType], [CLIENT, 300, 0]);

  const q = e.receive('eth0', udp({ src: CLIENT, dst: '8.8.8.8', sport: 5000, dport: 53 }));
  const qv = only(q, 'forward').v;
  assert.equal(srcOf(qv), WAN_IP);
  // The resolver's host answers port unreachable, quoting the translated datagram.
  const quoted = new Uint8Array(qv.buf.subarray(qv.l3, qv.ipEnd));
  const err = e.receive('ppp0', icmpError({ src: '8.8.8.8', dst: WAN_IP, type: 3, code: 3 }, quoted));
  assert.equal(err.fate, 'forwarded');
  assert.equal(err.ctinfo, IP_CT_RELATED_REPLY);
  assert.equal(stepAt(err, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:1:ACCEPT');
  const { e: eo, v: ev } = only(err, 'forward');
  assert.equal(eo.dev, 'eth0');
  assert.equal(dstOf(ev), CLIENT);
  const inner = ev.parseInner();
  assert.ok(inner);
  assert.deepEqual([srcOf(inner), inner.sport, dstOf(inner), inner.dport], [CLIENT, 5000, '8.8.8.8', 53]);
});

test('000/002: DNAT port forwards: ppp0:80 to 192.168.0.10, ppp0:8000 to 192.168.0.6:80, and the replies', () => {
  const { rs, e } = setup();
  const c = new TcpConv({ src: OUTSIDER, dst: WAN_IP, sport: 33000, dport: 80 });
  const syn = e.receive('ppp0', c.c(TCP_SYN, { mss: 1460 }));
  assert.equal(syn.fate, 'forwarded');
  assert.deepEqual(steps(syn), [
    'PREROUTING:mangle:PREROUTING:0:ACCEPT',
    'PREROUTING:nat:PREROUTING:1:ACCEPT',
    'FORWARD:mangle:FORWARD:0:ACCEPT',
    'FORWARD:filter:fw-open:1:ACCEPT',
    'POSTROUTING:mangle:POSTROUTING:0:ACCEPT',
    // The first packet of a DNATed connection still gets its (null) SRC binding at POSTROUTING.
    'POSTROUTING:nat:POSTROUTING:0:ACCEPT',
  ]);
  const { e: o, v } = only(syn, 'forward');
  assert.equal(o.dev, 'eth0');
  assert.deepEqual([srcOf(v), dstOf(v), v.sport, v.dport, v.ttl], [OUTSIDER, CLIENT, 33000, 80, 63]);
  // Out of eth0 (1500) but the way back to the outsider is ppp0: clamped to 1452.
  assert.equal(mssOf(v), 1452);
  c.back = { src: CLIENT, dst: OUTSIDER, sport: 80, dport: 33000 };
  const sa = e.receive('eth0', c.s(TCP_SYN | TCP_ACK, { mss: 1460 }));
  const { e: so, v: sv } = only(sa, 'forward');
  assert.equal(so.dev, 'ppp0');
  assert.deepEqual([srcOf(sv), sv.sport, dstOf(sv), sv.dport], [WAN_IP, 80, OUTSIDER, 33000]);
  assert.equal(mssOf(sv), 1452);
  assert.equal(stepAt(sa, 'FORWARD', 'filter'), 'FORWARD:filter:FORWARD:1:ACCEPT');
  assert.ok(!steps(sa).some((s) => s.startsWith('POSTROUTING:nat')), 'nat is not consulted for replies');

  const s8 = e.receive('ppp0', tcp({ src: OUTSIDER, dst: WAN_IP, sport: 33001, dport: 8000, flags: TCP_SYN }));
  const v8 = only(s8, 'forward').v;
  assert.deepEqual([dstOf(v8), v8.dport], ['192.168.0.6', 80]);
  assert.equal(stepAt(s8, 'FORWARD', 'filter'), 'FORWARD:filter:fw-open:2:ACCEPT');
  const r8 = e.receive('eth0', tcp({ src: '192.168.0.6', dst: OUTSIDER, sport: 80, dport: 33001, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }));
  const rv8 = only(r8, 'forward').v;
  assert.deepEqual([srcOf(rv8), rv8.sport], [WAN_IP, 8000]);

  const cts = ctList(e);
  assert.ok(cts.includes(`tcp      6 60 SYN_RECV src=${OUTSIDER} dst=${WAN_IP} sport=33000 dport=80 src=${CLIENT} dst=${OUTSIDER} sport=80 dport=33000 mark=0 use=1`), cts.join('\n'));
  assert.ok(cts.some((l) => l.includes(`sport=33001 dport=8000 src=192.168.0.6 dst=${OUTSIDER} sport=80 dport=33001`)), cts.join('\n'));
  assert.equal(pkts(rs, '-A PREROUTING -i ppp0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.0.10', 'nat'), 1);
  assert.equal(pkts(rs, '-A PREROUTING -i ppp0 -p tcp -m tcp --dport 8000 -j DNAT --to-destination 192.168.0.6:80', 'nat'), 1);
});

test('000/002: the router itself: WAN to its ports dropped by policy, LAN accepted, replies to its own traffic accepted', () => {
  const { rs, e } = setup();
  const ssh = e.receive('ppp0', tcp({ src: OUTSIDER, dst: WAN_IP, sport: 33002, dport: 22, flags: TCP_SYN }));
  assert.equal(ssh.fate, 'dropped');
  assert.equal(ssh.reason, 'filter/INPUT policy');
  assert.equal(ssh.emitted.length, 0);

  const dns = e.receive('eth0', udp({ src: CLIENT, dst: '192.168.0.1', sport: 5001, dport: 53 }));
  assert.equal(dns.fate, 'delivered');
  assert.equal(stepAt(dns, 'INPUT', 'filter'), 'INPUT:filter:INPUT:2:ACCEPT');
  // No DNS server listens: the stack's port unreachable goes back on eth0.
  const pu = only(dns, 'icmp');
  assert.equal(pu.e.dev, 'eth0');
  assert.deepEqual([pu.v.icmpType, pu.v.icmpCode, srcOf(pu.v)], [3, 3, '192.168.0.1']);

  // The router's own query to the ISP's resolver and its answer.
  const q = e.send(udp({ src: WAN_IP, dst: '192.0.2.53', sport: 40000, dport: 53 }));
  assert.equal(q.fate, 'sent');
  assert.equal(q.outdev, 'ppp0');
  const a = e.receive('ppp0', udp({ src: '192.0.2.53', dst: WAN_IP, sport: 53, dport: 40000 }));
  assert.equal(a.ctinfo, IP_CT_ESTABLISHED_REPLY);
  assert.equal(stepAt(a, 'INPUT', 'filter'), 'INPUT:filter:INPUT:3:ACCEPT');
  assert.equal(pkts(rs, '-P INPUT DROP'), 1);
});

test('000/002: NEW from the WAN to a LAN host is rejected with host unreachable; DF too big gets frag needed 1492', () => {
  const { rs, e } = setup();
  const r = e.receive('ppp0', tcp({ src: OUTSIDER, dst: CLIENT, sport: 33003, dport: 22, flags: TCP_SYN }));
  assert.equal(r.fate, 'dropped');
  assert.equal(r.reason, 'filter/FORWARD rule 4');
  const { e: o, v } = only(r, 'reject');
  assert.equal(o.dev, 'ppp0');
  assert.deepEqual([v.icmpType, v.icmpCode, srcOf(v), dstOf(v), v.ttl], [3, 1, WAN_IP, OUTSIDER, 64]);
  assert.equal(pkts(rs, '-A FORWARD -j REJECT --reject-with icmp-host-unreachable'), 1);

  const big = e.receive('eth0', tcp({ src: CLIENT, dst: WEB, sport: 50001, dport: 443, flags: TCP_ACK, len: 1460, df: true }));
  assert.equal(big.fate, 'dropped');
  const fn = only(big, 'icmp');
  assert.equal(fn.e.dev, 'eth0');
  assert.deepEqual([fn.v.icmpType, fn.v.icmpCode, (fn.v.buf[fn.v.l4 + 6] << 8) | fn.v.buf[fn.v.l4 + 7]], [3, 4, 1492]);
  assert.equal(srcOf(fn.v), '192.168.0.1');
});
