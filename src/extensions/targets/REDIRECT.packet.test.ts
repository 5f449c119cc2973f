/** REDIRECT's packet function (xt_REDIRECT.c, nf_nat_redirect.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NF_DROP } from '../../engine/verdict';
import { TCP_SYN, TCP_ACK } from '../../wire/tcp';
import { mkHost, NatBench } from '../../nat/bench';
import { dstOf, parsed, srcOf, tcp4, tcp6 } from '../../nat/pkt';

function host(): ReturnType<typeof mkHost> {
  return mkHost([
    ['ip', 'link', 'set', 'lo', 'up'],
    ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0'],
    ['ip', 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'peer9'],
    ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'link', 'set', 'peer0', 'up'],
    ['ip', 'link', 'set', 'eth9', 'up'], ['ip', 'link', 'set', 'peer9', 'up'],
    ['ip', 'addr', 'add', '192.168.0.1/24', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '10.0.0.1/8', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '2001:db8::1/64', 'dev', 'eth0'],
  ]);
}

test('REDIRECT in PREROUTING: the incoming interface\'s first address and --to-ports; replies come back from the original', () => {
  const b = new NatBench(host(), 4, [['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '80', '-j', 'REDIRECT', '--to-ports', '3128']]);
  const p = b.input(tcp4('192.168.0.10', '93.184.216.34', 40000, 80, TCP_SYN), 'eth0');
  const v = parsed(p.bytes);
  assert.equal(dstOf(v), '192.168.0.1');
  assert.equal(v.dport, 3128);
  // The proxy's answer leaves looking like the web server's.
  const r = b.output(tcp4('192.168.0.1', '192.168.0.10', 3128, 40000, TCP_SYN | TCP_ACK, 77, 1001), 'eth0');
  const rv = parsed(r.bytes);
  assert.equal(srcOf(rv), '93.184.216.34');
  assert.equal(rv.sport, 80);
  // No address on the incoming interface: dropped.
  assert.equal(b.input(tcp4('172.16.0.2', '93.184.216.34', 40000, 80, TCP_SYN), 'eth9').verdict, NF_DROP);
});

test('REDIRECT in OUTPUT goes to the loopback address; IPv6 picks an address of the destination\'s scope', () => {
  const b = new NatBench(host(), 4, [['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '--dport', '80', '-j', 'REDIRECT', '--to-ports', '8080']]);
  const v = parsed(b.output(tcp4('192.168.0.1', '93.184.216.34', 40000, 80, TCP_SYN), 'lo').bytes);
  assert.equal(dstOf(v), '127.0.0.1');
  assert.equal(v.dport, 8080);
  const b6 = new NatBench(host(), 6, [['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', 'REDIRECT']]);
  const v6 = parsed(b6.input(tcp6('2001:db8::10', '2001:db8:ffff::1', 40000, 443, TCP_SYN), 'eth0').bytes);
  assert.equal(dstOf(v6), '2001:db8::1');
  assert.equal(v6.dport, 443);
});
