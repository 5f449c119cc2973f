/**
 * NAT core (nf_nat_core.c, nf_nat_proto.c) driven through natHook with a
 * real host, conntrack table and nat table: what is rewritten, in which
 * direction, when the table runs, and how clashes are resolved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../conntrack/constants';
import { newTuple } from '../conntrack/tuple';
import { NF_ACCEPT, NF_DROP } from '../engine/verdict';
import { TCP_ACK, TCP_SYN } from '../wire/tcp';
import { mkHost, NatBench, TWO_LINKS } from './bench';
import { dstOf, icmp4, icmp6, n4, parsed, srcOf, tcp4, tcp6, udp4, udp6 } from './pkt';

/** A router: eth0 192.168.0.1/24 (LAN), eth1 203.0.113.1/24 (WAN), default via 203.0.113.254. */
function router(): ReturnType<typeof mkHost> {
  return mkHost([
    ...TWO_LINKS,
    ['ip', 'addr', 'add', '192.168.0.1/24', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'eth1'],
    ['ip', 'route', 'add', 'default', 'via', '203.0.113.254'],
  ]);
}

const SNAT = [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'SNAT', '--to-source', '203.0.113.1']];

/**
 * Observed on Linux 6.18 (/tmp script: a namespace with veth d0 10.9.0.254/24 and
 * 2001:db8:9::254/64, the rules below, UDP 5000 -> 9/10 sent through a raw socket,
 * then `conntrack -L`): the reply tuple's destination is the address NAT chose.
 * The choice is the kernel's jhash (find_best_ips_proto), except for 10.1.0.1's second
 * connection, which reuses the mapping of its first (find_appropriate_src).
 */
const KERNEL_V4: [string, string, number, string][] = [
  ['10.1.0.1', '10.9.0.5', 9, '192.0.2.100'],
  ['10.1.0.2', '10.9.0.5', 9, '192.0.2.45'],
  ['10.1.0.3', '10.9.0.77', 9, '192.0.2.77'],
  ['172.16.5.9', '8.8.8.8', 9, '192.0.2.65'],
  ['10.1.0.1', '10.9.0.6', 10, '192.0.2.100'],
  ['10.200.3.4', '1.2.3.4', 10, '192.0.2.100'],
];
const KERNEL_V6: [string, string, string][] = [
  ['2001:db8:1::1', '2001:db8:9::5', '2001:db8::d8d7'],
  ['2001:db8:1::2', '2001:db8:9::5', '2001:db8::9e83'],
  ['fd00::7', '2001:db8:9::99', '2001:db8::fc59'],
];

function kernelHost(): ReturnType<typeof mkHost> {
  return mkHost([
    ['ip', 'link', 'set', 'lo', 'up'],
    ['ip', 'link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd0p'],
    ['ip', 'link', 'set', 'd0p', 'up'], ['ip', 'link', 'set', 'd0', 'up'],
    ['ip', 'addr', 'add', '10.9.0.254/24', 'dev', 'd0'],
    ['ip', 'route', 'add', 'default', 'via', '10.9.0.1'],
    ['ip', 'addr', 'add', '2001:db8:9::254/64', 'dev', 'd0'],
  ]);
}

test('SNAT address ranges choose the address the kernel chooses (IPv4, --persistent, IPv6)', () => {
  const b = new NatBench(kernelHost(), 4, [
    ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'd0', '-p', 'udp', '--dport', '9', '-j', 'SNAT', '--to-source', '192.0.2.1-192.0.2.100'],
    ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'd0', '-p', 'udp', '--dport', '10', '-j', 'SNAT', '--to-source', '192.0.2.1-192.0.2.100', '--persistent'],
  ]);
  for (const [s, d, dport, want] of KERNEL_V4) {
    const p = b.output(udp4(s, d, 5000, dport), 'd0');
    assert.equal(srcOf(parsed(p.bytes)), want, `${s} -> ${d}:${dport}`);
  }
  const b6 = new NatBench(kernelHost(), 6, [
    ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'd0', '-p', 'udp', '--dport', '9', '-j', 'SNAT', '--to-source', '2001:db8::1-2001:db8::1:5'],
  ]);
  for (const [s, d, want] of KERNEL_V6) {
    const p = b6.output(udp6(s, d, 5000, 9), 'd0');
    assert.equal(srcOf(parsed(p.bytes)), want, `${s} -> ${d}`);
  }
});

test('SNAT: the first packet is translated, the reply reverse-translated, later packets follow the binding', () => {
  const b = new NatBench(router(), 4, SNAT);
  const syn = b.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  assert.equal(syn.verdict, NF_ACCEPT);
  let v = parsed(syn.bytes);
  assert.equal(srcOf(v), '203.0.113.1');
  assert.equal(v.sport, 40000, 'a free source port is kept');
  assert.equal(dstOf(v), '198.51.100.7');
  // The table ran once per NAT hook of the first packet: PREROUTING (DNAT, no rule) and POSTROUTING.
  assert.equal(b.tableRuns, 2);
  const st = b.ct.status(syn.ct);
  assert.ok(st & C.IPS_SRC_NAT);
  assert.ok(!(st & C.IPS_DST_NAT));
  assert.ok(st & C.IPS_SRC_NAT_DONE && st & C.IPS_DST_NAT_DONE);
  const rep = newTuple();
  b.ct.tuple(syn.ct, C.IP_CT_DIR_REPLY, rep);
  assert.deepEqual([rep[2], rep[6], rep[10], rep[11]], [n4('198.51.100.7'), n4('203.0.113.1'), 80, 40000]);

  const synack = b.forward(tcp4('198.51.100.7', '203.0.113.1', 80, 40000, TCP_SYN | TCP_ACK, 5000, 1001), 'eth1', 'eth0');
  assert.equal(synack.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
  v = parsed(synack.bytes);
  assert.equal(dstOf(v), '192.168.0.10');
  assert.equal(v.dport, 40000);
  assert.equal(srcOf(v), '198.51.100.7');

  const ack = b.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_ACK, 1001, 5001), 'eth0', 'eth1');
  assert.equal(ack.ctinfo, C.IP_CT_ESTABLISHED);
  assert.equal(srcOf(parsed(ack.bytes)), '203.0.113.1');
  assert.equal(b.tableRuns, 2, 'established packets never traverse the nat table');
});

test('SNAT: a source port already used towards the same destination is reassigned from 1024-65535', () => {
  const b = new NatBench(router(), 4, SNAT, 7);
  const a = b.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  const c = b.forward(tcp4('192.168.0.11', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  assert.equal(parsed(a.bytes).sport, 40000);
  const vc = parsed(c.bytes);
  assert.equal(srcOf(vc), '203.0.113.1');
  assert.notEqual(vc.sport, 40000);
  assert.ok(vc.sport >= 1024 && vc.sport <= 65535);
  // The replies reach their own client.
  const r = b.forward(tcp4('198.51.100.7', '203.0.113.1', 80, vc.sport, TCP_SYN | TCP_ACK, 9000, 1001), 'eth1', 'eth0');
  assert.equal(dstOf(parsed(r.bytes)), '192.168.0.11');
  assert.equal(parsed(r.bytes).dport, 40000);
  // The same seed gives the same choice (net.random drives the search offset).
  const b2 = new NatBench(router(), 4, SNAT, 7);
  b2.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  assert.equal(parsed(b2.forward(tcp4('192.168.0.11', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1').bytes).sport, vc.sport);
});

test('SNAT: a clashing privileged port stays in its class (1-511, 600-1023)', () => {
  const b = new NatBench(router(), 4, SNAT, 3);
  for (const [port, lo, hi] of [[700, 600, 1023], [100, 1, 511]]) {
    b.forward(udp4('192.168.0.10', '198.51.100.7', port, 53), 'eth0', 'eth1');
    const p = parsed(b.forward(udp4('192.168.0.11', '198.51.100.7', port, 53), 'eth0', 'eth1').bytes).sport;
    assert.ok(p >= lo && p <= hi && p !== port, `${port} -> ${p}`);
  }
});

test('null binding: a local connection clashing with a SNATed one gets a new source port', () => {
  const b = new NatBench(router(), 4, SNAT, 5);
  b.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  const runs = b.tableRuns;
  const own = b.output(tcp4('203.0.113.1', '198.51.100.7', 40000, 80, TCP_SYN), 'eth1');
  assert.equal(own.verdict, NF_ACCEPT);
  const v = parsed(own.bytes);
  assert.equal(srcOf(v), '203.0.113.1');
  assert.notEqual(v.sport, 40000);
  assert.equal(b.tableRuns, runs + 2);
  // Without a clash the null binding changes nothing and sets no NAT bit.
  const free = b.output(tcp4('203.0.113.1', '198.51.100.7', 40001, 80, TCP_SYN), 'eth1');
  assert.equal(parsed(free.bytes).sport, 40001);
  assert.equal(b.ct.status(free.ct) & C.IPS_NAT_MASK, 0);
  assert.ok(b.ct.status(free.ct) & C.IPS_SRC_NAT_DONE);
});

test('SNAT --to-source range: an earlier mapping of the same source is reused (find_appropriate_src)', () => {
  const b = new NatBench(router(), 4, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-p', 'udp', '-j', 'SNAT', '--to-source', '203.0.113.1:2000-2100']]);
  const first = parsed(b.forward(udp4('192.168.0.10', '198.51.100.7', 5000, 53), 'eth0', 'eth1').bytes);
  assert.ok(first.sport >= 2000 && first.sport <= 2100);
  const second = parsed(b.forward(udp4('192.168.0.10', '198.51.100.8', 5000, 53), 'eth0', 'eth1').bytes);
  assert.equal(second.sport, first.sport, 'same source, other destination: same mapping');
  // A port inside the range is kept (in_range), unless a single port is forced.
  const inside = parsed(b.forward(udp4('192.168.0.12', '198.51.100.7', 2050, 53), 'eth0', 'eth1').bytes);
  assert.equal(inside.sport, 2050);
});

test('SNAT --random changes a free port; --persistent and ranges pick addresses by the kernel hash', () => {
  const b = new NatBench(router(), 4, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'SNAT', '--to-source', '203.0.113.1', '--random']]);
  const p = parsed(b.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1').bytes).sport;
  assert.ok(p >= 1024 && p !== 40000);
  const r = new NatBench(router(), 4, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'SNAT', '--to-source', '203.0.113.10-203.0.113.20', '--persistent']]);
  const a1 = srcOf(parsed(r.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1').bytes));
  const a2 = srcOf(parsed(r.forward(tcp4('192.168.0.10', '198.51.100.99', 40001, 80, TCP_SYN), 'eth0', 'eth1').bytes));
  assert.equal(a1, a2, '--persistent: the address depends on the source only');
  const last = Number(a1.split('.')[3]);
  assert.ok(last >= 10 && last <= 20);
});

test('DNAT port forward: destination rewritten, replies come back from the public address', () => {
  const b = new NatBench(router(), 4, [['-t', 'nat', '-A', 'PREROUTING', '-i', 'eth1', '-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '192.168.0.10:80']]);
  const syn = b.forward(tcp4('198.51.100.7', '203.0.113.1', 5555, 8080, TCP_SYN), 'eth1', 'eth0');
  let v = parsed(syn.bytes);
  assert.equal(dstOf(v), '192.168.0.10');
  assert.equal(v.dport, 80);
  assert.equal(srcOf(v), '198.51.100.7');
  assert.ok(b.ct.status(syn.ct) & C.IPS_DST_NAT);
  const rep = b.forward(tcp4('192.168.0.10', '198.51.100.7', 80, 5555, TCP_SYN | TCP_ACK, 7000, 1001), 'eth0', 'eth1');
  v = parsed(rep.bytes);
  assert.equal(srcOf(v), '203.0.113.1');
  assert.equal(v.sport, 8080);
});

test('ICMP error about a SNATed connection: quoted packet and outer destination rewritten back', () => {
  const b = new NatBench(router(), 4, SNAT);
  const out = b.forward(udp4('192.168.0.10', '198.51.100.7', 40000, 53), 'eth0', 'eth1');
  const sent = out.bytes;
  // The server answers "port unreachable" quoting what it received (after SNAT).
  const err = b.forward(icmp4('198.51.100.7', '203.0.113.1', 3, 3, 0, sent), 'eth1', 'eth0');
  assert.equal(err.ctinfo, C.IP_CT_RELATED_REPLY);
  assert.equal(err.verdict, NF_ACCEPT);
  const v = parsed(err.bytes);
  assert.equal(dstOf(v), '192.168.0.10');
  const inner = v.parseInner();
  assert.ok(inner);
  assert.equal(srcOf(inner), '192.168.0.10');
  assert.equal(inner.sport, 40000);
  assert.ok(inner.ipv4ChecksumOk(), 'quoted IPv4 header checksum');
  // The quoted UDP datagram is complete here, so its checksum must verify too.
  assert.ok(inner.l4ChecksumOk(), 'quoted UDP checksum');
  // A corrupted error is dropped by NAT (nf_ip_checksum).
  const bad = icmp4('198.51.100.7', '203.0.113.1', 3, 3, 0, sent);
  bad[bad.length - 1] ^= 0xff;
  assert.equal(b.forward(bad, 'eth1', 'eth0').verdict, NF_DROP);
});

test('ICMP echo: a clashing id is reassigned and restored in the reply', () => {
  const b = new NatBench(router(), 4, SNAT, 9);
  b.forward(icmp4('192.168.0.10', '198.51.100.7', 8, 0, (77 << 16) | 1, null), 'eth0', 'eth1');
  const second = parsed(b.forward(icmp4('192.168.0.11', '198.51.100.7', 8, 0, (77 << 16) | 1, null), 'eth0', 'eth1').bytes);
  assert.notEqual(second.icmpId, 77);
  const reply = parsed(b.forward(icmp4('198.51.100.7', '203.0.113.1', 0, 0, (second.icmpId << 16) | 1, null), 'eth1', 'eth0').bytes);
  assert.equal(dstOf(reply), '192.168.0.11');
  assert.equal(reply.icmpId, 77);
});

test('UDP without checksum stays without one after NAT', () => {
  const b = new NatBench(router(), 4, SNAT);
  const p = b.forward(udp4('192.168.0.10', '198.51.100.7', 40000, 53, false), 'eth0', 'eth1');
  const v = parsed(p.bytes);
  assert.equal(srcOf(v), '203.0.113.1');
  assert.equal((v.buf[v.l4 + 6] << 8) | v.buf[v.l4 + 7], 0);
});

test('IPv6 SNAT: TCP rewritten with a valid checksum, ICMPv6 error translated back', () => {
  const h = mkHost([
    ...TWO_LINKS,
    ['ip', '-6', 'addr', 'add', 'fd00::1/64', 'dev', 'eth0'],
    ['ip', '-6', 'addr', 'add', '2001:db8::1/64', 'dev', 'eth1'],
  ]);
  const b = new NatBench(h, 6, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'SNAT', '--to-source', '2001:db8::1']]);
  const syn = b.forward(tcp6('fd00::10', '2001:db8::99', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  const v = parsed(syn.bytes);
  assert.equal(srcOf(v), '2001:db8::1');
  assert.equal(v.sport, 40000);
  const err = b.forward(icmp6('2001:db8::99', '2001:db8::1', 1, 4, 0, syn.bytes), 'eth1', 'eth0');
  assert.equal(err.ctinfo, C.IP_CT_RELATED_REPLY);
  const ev = parsed(err.bytes);
  assert.equal(dstOf(ev), 'fd00::10');
  const inner = ev.parseInner();
  assert.ok(inner);
  assert.equal(srcOf(inner), 'fd00::10');
  assert.equal(inner.sport, 40000);
  assert.ok(inner.l4ChecksumOk(), 'quoted TCP checksum');
});
