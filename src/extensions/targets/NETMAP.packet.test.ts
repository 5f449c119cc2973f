/** NETMAP's packet function (xt_NETMAP.c): prefix mapping, destination or source by hook. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TCP_SYN, TCP_ACK } from '../../wire/tcp';
import { mkHost, NatBench, TWO_LINKS } from '../../nat/bench';
import { dstOf, parsed, srcOf, tcp4, tcp6 } from '../../nat/pkt';

function host(): ReturnType<typeof mkHost> {
  return mkHost([
    ...TWO_LINKS,
    ['ip', 'addr', 'add', '10.5.0.1/16', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '172.16.0.1/16', 'dev', 'eth1'],
  ]);
}

test('NETMAP in PREROUTING maps the destination network, keeping the host part', () => {
  const b = new NatBench(host(), 4, [['-t', 'nat', '-A', 'PREROUTING', '-i', 'eth1', '-d', '172.16.0.0/16', '-j', 'NETMAP', '--to', '10.5.0.0/16']]);
  const p = b.forward(tcp4('172.17.9.9', '172.16.3.4', 40000, 22, TCP_SYN), 'eth1', 'eth0');
  const v = parsed(p.bytes);
  assert.equal(dstOf(v), '10.5.3.4');
  assert.equal(v.dport, 22);
  const r = b.forward(tcp4('10.5.3.4', '172.17.9.9', 22, 40000, TCP_SYN | TCP_ACK, 5, 1001), 'eth0', 'eth1');
  assert.equal(srcOf(parsed(r.bytes)), '172.16.3.4');
});

test('NETMAP in POSTROUTING maps the source network (IPv4 and IPv6)', () => {
  const b = new NatBench(host(), 4, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-s', '10.5.0.0/16', '-j', 'NETMAP', '--to', '192.0.2.0/24']]);
  assert.equal(srcOf(parsed(b.forward(tcp4('10.5.7.200', '172.16.0.9', 40000, 22, TCP_SYN), 'eth0', 'eth1').bytes)), '192.0.2.200');
  const b6 = new NatBench(host(), 6, [['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'NETMAP', '--to', '2001:db8:aaaa::/48']]);
  const v6 = parsed(b6.forward(tcp6('fd00:1:2:3::42', '2001:db8:1::9', 40000, 22, TCP_SYN), 'eth0', 'eth1').bytes);
  assert.equal(srcOf(v6), '2001:db8:aaaa:3::42');
});
