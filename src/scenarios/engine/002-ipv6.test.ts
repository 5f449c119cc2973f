/**
 * Seed 002, the IPv6 part: the single-host firewall copied to ip6tables with
 * ICMPv6 codes, echo requests (type 128) accepted as NEW, link-local ICMPv6
 * (neighbour discovery) accepted from fe80::/10, and the reverse path filter
 * in raw PREROUTING: rpfilter ACCEPT, then DROP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_CT_ESTABLISHED, IP_CT_NEW, IP_CT_UNTRACKED } from '../../conntrack/constants';
import { newRuleset } from '../../rules/model';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../wire/tcp';
import { buildHost, buildRules, ctList, dstOf, engine, icmp, only, pkts, srcOf, stepAt, steps, tcp, udp } from './testkit';

const ME = '2001:db8:1::5';
const REMOTE = '2001:db8:ffff::7';

const HOST = [
  'ip link set lo up',
  'ip link add eth0 type dummy', 'ip link set eth0 up', `ip -6 addr add ${ME}/64 dev eth0`,
  'ip link add eth1 type dummy', 'ip link set eth1 up', 'ip -6 addr add 2001:db8:2::5/64 dev eth1',
  'ip -6 route add default via 2001:db8:1::1 dev eth0',
  'listen tcp [::]:22',
];

const RULES6 = [
  'ip6tables -N TCP',
  'ip6tables -N UDP',
  'ip6tables -P FORWARD DROP',
  'ip6tables -P OUTPUT ACCEPT',
  'ip6tables -P INPUT DROP',
  'ip6tables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  'ip6tables -A INPUT -i lo -j ACCEPT',
  'ip6tables -A INPUT -m conntrack --ctstate INVALID -j DROP',
  'ip6tables -A INPUT -s fe80::/10 -p icmpv6 -j ACCEPT',
  'ip6tables -A INPUT -p icmpv6 --icmpv6-type 128 -m conntrack --ctstate NEW -j ACCEPT',
  'ip6tables -A INPUT -p udp -m conntrack --ctstate NEW -j UDP',
  'ip6tables -A INPUT -p tcp --syn -m conntrack --ctstate NEW -j TCP',
  'ip6tables -A INPUT -p udp -j REJECT --reject-with icmp6-adm-prohibited',
  'ip6tables -A INPUT -p tcp -j REJECT --reject-with tcp-reset',
  'ip6tables -A INPUT -j REJECT --reject-with icmp6-adm-prohibited',
  'ip6tables -A TCP -p tcp --dport 22 -j ACCEPT',
  'ip6tables -t raw -A PREROUTING -m rpfilter -j ACCEPT',
  'ip6tables -t raw -A PREROUTING -j DROP',
];

const setup = () => {
  const rs = buildRules(6, RULES6);
  return { rs, e: engine(buildHost(HOST), newRuleset(4), rs) };
};

test('002 IPv6: echo request 128 accepted as NEW and answered; the next one ESTABLISHED', () => {
  const { rs, e } = setup();
  const r = e.receive('eth0', icmp({ src: REMOTE, dst: ME, type: 128, id: 5, seq: 1 }));
  assert.equal(r.fate, 'delivered');
  assert.equal(r.ctinfo, IP_CT_NEW);
  assert.deepEqual(steps(r).slice(0, 2), ['PREROUTING:raw:PREROUTING:1:ACCEPT', 'INPUT:filter:INPUT:5:ACCEPT']);
  const { e: o, v } = only(r, 'stack');
  assert.equal(o.dev, 'eth0');
  assert.deepEqual([v.icmpType, v.icmpId, srcOf(v), dstOf(v), v.ttl], [129, 5, ME, REMOTE, 64]);
  assert.deepEqual(ctList(e, ['-f', 'ipv6']), [
    `icmpv6   58 30 src=${REMOTE} dst=${ME} type=128 code=0 id=5 src=${ME} dst=${REMOTE} type=129 code=0 id=5 mark=0 use=1`,
  ]);
  const r2 = e.receive('eth0', icmp({ src: REMOTE, dst: ME, type: 128, id: 5, seq: 2 }));
  assert.equal(r2.ctinfo, IP_CT_ESTABLISHED);
  assert.equal(stepAt(r2, 'INPUT', 'filter'), 'INPUT:filter:INPUT:1:ACCEPT');
  assert.equal(pkts(rs, '-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -m conntrack --ctstate NEW -j ACCEPT'), 1);
});

// Checked on Linux 6.x (two namespaces, a veth pair): the NS a UDP send triggers counts on
// `-p icmpv6 --icmpv6-type 135 -m conntrack --ctstate UNTRACKED` and not on INVALID
// (nf_conntrack_proto_icmpv6.c: neighbour discovery and MLD are set untracked in the error callback).
test('002 IPv6: neighbour solicitation from fe80:: is untracked (not INVALID) and accepted by -s fe80::/10', () => {
  const { rs, e } = setup();
  // NS for our address, from a neighbour's link-local address to the solicited-node group; hop limit 255.
  const ns = icmp({ src: 'fe80::1', dst: 'ff02::1:ff00:5', type: 135, id: 0, seq: 0, ttl: 255, len: 16 });
  const r = e.receive('eth0', ns);
  assert.equal(r.ctinfo, IP_CT_UNTRACKED);
  assert.equal(stepAt(r, 'INPUT', 'filter'), 'INPUT:filter:INPUT:4:ACCEPT');
  assert.equal(r.fate, 'delivered');
  assert.equal(pkts(rs, '-A INPUT -s fe80::/10 -p ipv6-icmp -j ACCEPT'), 1);
  assert.equal(pkts(rs, '-A INPUT -m conntrack --ctstate INVALID -j DROP'), 0);
  assert.deepEqual(ctList(e, ['-f', 'ipv6']), []);
});

test('002 IPv6: rpfilter lets link-local sources and duplicate address detection (from ::) by', () => {
  const { rs, e } = setup();
  const ll = e.receive('eth0', icmp({ src: 'fe80::1', dst: 'ff02::1:ff00:5', type: 135, id: 0, seq: 0, ttl: 255, len: 16 }));
  assert.equal(stepAt(ll, 'PREROUTING', 'raw'), 'PREROUTING:raw:PREROUTING:1:ACCEPT');
  const dad = e.receive('eth0', icmp({ src: '::', dst: 'ff02::1:ff00:5', type: 135, id: 0, seq: 0, ttl: 255, len: 16 }));
  assert.equal(stepAt(dad, 'PREROUTING', 'raw'), 'PREROUTING:raw:PREROUTING:1:ACCEPT');
  // A link-local ping from a neighbour is tracked normally and accepted by the fe80::/10 rule.
  const p = e.receive('eth0', icmp({ src: 'fe80::1', dst: ME, type: 128, id: 8 }));
  assert.equal(p.ctinfo, IP_CT_NEW);
  assert.equal(stepAt(p, 'INPUT', 'filter'), 'INPUT:filter:INPUT:4:ACCEPT');
  assert.equal(pkts(rs, '-A PREROUTING -m rpfilter -j ACCEPT', 'raw'), 3);
});

test('002 IPv6: rpfilter in raw: a source routed back via another interface is dropped before conntrack', () => {
  const { rs, e } = setup();
  // 2001:db8:2::/64 is on eth1: arriving on eth0 it is spoofed.
  const spoofed = e.receive('eth0', tcp({ src: '2001:db8:2::99', dst: ME, sport: 40000, dport: 22, flags: TCP_SYN }));
  assert.equal(spoofed.fate, 'dropped');
  assert.equal(spoofed.reason, 'raw/PREROUTING rule 2');
  assert.deepEqual(steps(spoofed), ['PREROUTING:raw:PREROUTING:2:DROP']);
  assert.equal(spoofed.emitted.length, 0);
  assert.deepEqual(ctList(e, ['-f', 'ipv6']), []);
  // The same source on eth1 is fine, and so is the internet on eth0 (default route).
  const ok1 = e.receive('eth1', tcp({ src: '2001:db8:2::99', dst: ME, sport: 40000, dport: 22, flags: TCP_SYN }));
  assert.equal(ok1.fate, 'delivered');
  assert.equal(stepAt(ok1, 'INPUT', 'filter'), 'INPUT:filter:TCP:1:ACCEPT');
  const ok2 = e.receive('eth0', tcp({ src: REMOTE, dst: ME, sport: 40001, dport: 22, flags: TCP_SYN }));
  assert.equal(ok2.fate, 'delivered');
  // A source only reachable through eth0's default route, received on eth1: dropped.
  const wrong = e.receive('eth1', tcp({ src: REMOTE, dst: ME, sport: 40002, dport: 22, flags: TCP_SYN }));
  assert.equal(wrong.reason, 'raw/PREROUTING rule 2');
  assert.equal(pkts(rs, '-A PREROUTING -j DROP', 'raw'), 2);
  assert.equal(pkts(rs, '-A PREROUTING -m rpfilter -j ACCEPT', 'raw'), 2);
});

test('002 IPv6: REJECT with tcp-reset and icmp6-adm-prohibited', () => {
  const { e } = setup();
  const t = e.receive('eth0', tcp({ src: REMOTE, dst: ME, sport: 40003, dport: 23, flags: TCP_SYN, seq: 9 }));
  assert.equal(t.reason, 'filter/INPUT rule 9');
  const { e: o, v } = only(t, 'reject');
  assert.equal(o.dev, 'eth0');
  assert.deepEqual([v.tcpFlags, v.ack, v.sport, v.dport, srcOf(v), dstOf(v)], [TCP_RST | TCP_ACK, 10, 23, 40003, ME, REMOTE]);
  const u = e.receive('eth0', udp({ src: REMOTE, dst: ME, sport: 5000, dport: 9999 }));
  assert.equal(u.reason, 'filter/INPUT rule 8');
  const { v: uv } = only(u, 'reject');
  assert.deepEqual([uv.icmpType, uv.icmpCode, srcOf(uv)], [1, 1, ME]);
  assert.equal(uv.parseInner()?.dport, 9999);
});
