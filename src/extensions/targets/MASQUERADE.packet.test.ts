/**
 * MASQUERADE's packet function (xt_MASQUERADE.c, nf_nat_masquerade.c):
 * the out interface's address for the next hop, --to-ports, the cleanup
 * when the interface goes down or loses the address, and the drop when a
 * masqueraded connection's packets change interface.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../../conntrack/constants';
import { NF_ACCEPT, NF_DROP } from '../../engine/verdict';
import { TCP_ACK, TCP_SYN } from '../../wire/tcp';
import { mkHost, NatBench } from '../../nat/bench';
import { natMasqueradeAddrEvent, natMasqueradeDeviceEvent } from '../../nat/masquerade';
import { parsed, srcOf, tcp4, tcp6 } from '../../nat/pkt';
import { parseIp } from '../../host/prefix';

/** eth1 has two primaries in different subnets; the default route's gateway is in the second. */
function host(): ReturnType<typeof mkHost> {
  return mkHost([
    ['ip', 'link', 'set', 'lo', 'up'],
    ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0'],
    ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'peer1'],
    ['ip', 'link', 'add', 'eth2', 'type', 'veth', 'peer', 'name', 'peer2'],
    ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'link', 'set', 'peer0', 'up'],
    ['ip', 'link', 'set', 'eth1', 'up'], ['ip', 'link', 'set', 'peer1', 'up'],
    ['ip', 'link', 'set', 'eth2', 'up'], ['ip', 'link', 'set', 'peer2', 'up'],
    ['ip', 'addr', 'add', '192.168.0.1/24', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'eth1'],
    ['ip', 'addr', 'add', '198.18.0.1/24', 'dev', 'eth1'],
    ['ip', 'addr', 'add', '100.64.0.1/24', 'dev', 'eth2'],
    ['ip', 'route', 'add', 'default', 'via', '198.18.0.254'],
    ['ip', 'route', 'add', '198.51.100.0/24', 'via', '203.0.113.254'],
    ['ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'eth1'],
  ]);
}

const MASQ = [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'MASQUERADE']];

test('MASQUERADE takes the primary address in the next hop\'s subnet (inet_select_addr)', () => {
  const b = new NatBench(host(), 4, MASQ);
  const viaDefault = b.forward(tcp4('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN), 'eth0', 'eth1');
  assert.equal(srcOf(parsed(viaDefault.bytes)), '198.18.0.1');
  const viaOther = b.forward(tcp4('192.168.0.10', '198.51.100.7', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  assert.equal(srcOf(parsed(viaOther.bytes)), '203.0.113.1');
});

test('MASQUERADE --to-ports maps the source port into the range', () => {
  const b = new NatBench(host(), 4, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-p', 'tcp', '-j', 'MASQUERADE', '--to-ports', '30000-30009']]);
  const v = parsed(b.forward(tcp4('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN), 'eth0', 'eth1').bytes);
  assert.ok(v.sport >= 30000 && v.sport <= 30009, String(v.sport));
});

test('MASQUERADE: connections die with the interface or its address', () => {
  const b = new NatBench(host(), 4, MASQ);
  const p1 = b.forward(tcp4('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN), 'eth0', 'eth1');
  b.forward(tcp4('192.168.0.10', '198.51.100.7', 40001, 80, TCP_SYN), 'eth0', 'eth1');
  // A connection SNATed by another rule or not NATed stays.
  b.forward(tcp4('192.168.0.10', '100.64.0.9', 40002, 80, TCP_SYN), 'eth0', 'eth2');
  assert.equal(b.ct.count, 3);
  assert.equal(natMasqueradeAddrEvent(b.net, 'eth1', parseIp(4, '198.18.0.1')!), 1, 'only the one replying to the removed address');
  assert.ok(b.ct.status(p1.ct) & C.IPS_DYING);
  assert.equal(natMasqueradeDeviceEvent(b.net, 'eth1'), 1);
  assert.equal(natMasqueradeDeviceEvent(b.net, 'eth2'), 0);
  b.ct.gc();
  let live = 0;
  b.ct.forEach(() => { live++; });
  assert.equal(live, 1);
});

test('MASQUERADE: a connection whose packets leave by another interface is killed (nf_nat_oif_changed)', () => {
  const b = new NatBench(host(), 4, MASQ);
  const syn = b.forward(tcp4('192.168.0.10', '8.8.8.8', 40000, 443, TCP_SYN), 'eth0', 'eth1');
  assert.equal(syn.verdict, NF_ACCEPT);
  const src = parsed(syn.bytes);
  b.forward(tcp4('8.8.8.8', srcOf(src), 443, src.sport, TCP_SYN | TCP_ACK, 0, 1001), 'eth1', 'eth0');
  const moved = b.forward(tcp4('192.168.0.10', '8.8.8.8', 40000, 443, TCP_ACK, 1001, 1), 'eth0', 'eth2');
  assert.equal(moved.ctinfo, C.IP_CT_ESTABLISHED);
  assert.equal(moved.verdict, NF_DROP);
  assert.ok(b.ct.status(syn.ct) & C.IPS_DYING);
});

test('MASQUERADE for IPv6 uses the source address selection of the out interface', () => {
  const b = new NatBench(host(), 6, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'MASQUERADE']]);
  const p = b.forward(tcp6('fd00::10', '2001:db8:1::99', 40000, 80, TCP_SYN), 'eth0', 'eth1');
  const v = parsed(p.bytes);
  assert.equal(srcOf(v), '2001:db8:1::1');
  assert.equal(v.sport, 40000);
});
