/** rpfilter packet function (net/ipv4/netfilter/ipt_rpfilter.c, net/ipv6/netfilter/ip6t_rpfilter.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, routedHost, skbOf } from './packet-testkit';

function chk(family: 4 | 6, args: string[], s: ReturnType<typeof skbOf>): boolean {
  return check(family, args, s)[0];
}

test('strict: the route back must leave through the input device', () => {
  const net = makeNet(routedHost());
  // 8.8.8.8 routes back via eth0 (default route).
  const good = skbOf(pkt4('udp', { src: '8.8.8.8' }), net, 'PREROUTING', 'eth0');
  const bad = skbOf(pkt4('udp', { src: '8.8.8.8' }), net, 'PREROUTING', 'eth1');
  assert.equal(chk(4, ['-m', 'rpfilter'], good), true);
  assert.equal(chk(4, ['-m', 'rpfilter'], bad), false);
  assert.equal(chk(4, ['-m', 'rpfilter', '--loose'], bad), true);
  assert.equal(chk(4, ['-m', 'rpfilter', '--invert'], bad), true);
  assert.equal(chk(4, ['-m', 'rpfilter'], skbOf(pkt4('udp', { src: '192.168.1.5' }), net, 'PREROUTING', 'eth1')), true);
});

test('local sources need --accept-local; loopback input and DHCP-style sources pass', () => {
  const net = makeNet(routedHost());
  const own = skbOf(pkt4('udp', { src: '10.0.0.1' }), net, 'PREROUTING', 'eth0');
  assert.equal(chk(4, ['-m', 'rpfilter'], own), false);
  assert.equal(chk(4, ['-m', 'rpfilter', '--accept-local'], own), true);
  assert.equal(chk(4, ['-m', 'rpfilter'], skbOf(pkt4('udp', { src: '10.0.0.1' }), net, 'PREROUTING', 'lo')), true);
  assert.equal(chk(4, ['-m', 'rpfilter'], skbOf(pkt4('udp', { src: '0.0.0.0', dst: '255.255.255.255' }), net, 'PREROUTING', 'eth1')), true);
});

test('IPv6: no route back fails, the connected prefix on the right device passes', () => {
  const net = makeNet(routedHost());
  assert.equal(chk(6, ['-m', 'rpfilter'], skbOf(pkt6('udp', { src: '2001:db8::9' }), net, 'PREROUTING', 'eth0')), true);
  assert.equal(chk(6, ['-m', 'rpfilter'], skbOf(pkt6('udp', { src: '2001:db8::9' }), net, 'PREROUTING', 'eth1')), false);
  assert.equal(chk(6, ['-m', 'rpfilter'], skbOf(pkt6('udp', { src: '2001:db9::9' }), net, 'PREROUTING', 'eth0')), false);
});
