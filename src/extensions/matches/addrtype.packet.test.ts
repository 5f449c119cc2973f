/** addrtype and pkttype packet functions (net/netfilter/xt_addrtype.c, xt_pkttype.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, routedHost, skbOf, withEth } from './packet-testkit';

test('IPv4 address types from the local table (merged with main)', () => {
  const net = makeNet(routedHost());
  const c = (args: string[], src: string, dst: string, indev = 'eth0'): boolean => check(4, ['-m', 'addrtype', ...args], skbOf(pkt4('udp', { src, dst }), net, 'INPUT', indev))[0];
  assert.equal(c(['--dst-type', 'LOCAL'], '8.8.8.8', '10.0.0.1'), true);
  assert.equal(c(['--dst-type', 'LOCAL'], '8.8.8.8', '10.0.0.9'), false);
  assert.equal(c(['--dst-type', 'UNICAST'], '8.8.8.8', '10.0.0.9'), true);
  assert.equal(c(['--dst-type', 'BROADCAST'], '8.8.8.8', '10.0.0.255'), true);
  assert.equal(c(['--dst-type', 'BROADCAST'], '8.8.8.8', '255.255.255.255'), true);
  assert.equal(c(['--dst-type', 'MULTICAST'], '8.8.8.8', '224.0.0.1'), true);
  assert.equal(c(['--src-type', 'BROADCAST'], '0.0.0.0', '10.0.0.1'), true);
  assert.equal(c(['!', '--src-type', 'LOCAL'], '8.8.8.8', '10.0.0.1'), true);
  // --limit-iface-in: 192.168.1.1 is local, but on eth1.
  assert.equal(c(['--dst-type', 'LOCAL', '--limit-iface-in'], '8.8.8.8', '192.168.1.1', 'eth0'), false);
  assert.equal(c(['--dst-type', 'LOCAL', '--limit-iface-in'], '8.8.8.8', '192.168.1.1', 'eth1'), true);
});

test('IPv6 address types', () => {
  const net = makeNet(routedHost());
  const c = (args: string[], dst: string): boolean => check(6, ['-m', 'addrtype', ...args], skbOf(pkt6('udp', { dst }), net))[0];
  assert.equal(c(['--dst-type', 'LOCAL'], '2001:db8::1'), true);
  assert.equal(c(['--dst-type', 'LOCAL'], '2001:db8::2'), false);
  assert.equal(c(['--dst-type', 'MULTICAST'], 'ff02::1'), true);
  assert.equal(c(['--dst-type', 'UNICAST'], 'ff02::1'), false);
  assert.equal(c(['--dst-type', 'UNREACHABLE'], '2001:db9::1'), true);
  assert.equal(c(['--dst-type', 'ANYCAST'], '2001:db8::'), true);
});

test('pkttype from the Ethernet destination, or from the IP destination without one', () => {
  const net = makeNet(routedHost());
  const f = (dmac: number[]): ReturnType<typeof skbOf> => skbOf(withEth(pkt4('udp'), dmac, [2, 9, 9, 9, 9, 9]), net, 'INPUT', 'eth0', '', true);
  const c = (t: string, s: ReturnType<typeof skbOf>): boolean => check(4, ['-m', 'pkttype', '--pkt-type', t], s)[0];
  assert.equal(c('unicast', f([2, 0, 0, 0, 0, 1])), true);
  assert.equal(c('otherhost', f([2, 0, 0, 0, 0, 7])), true);
  assert.equal(c('broadcast', f([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), true);
  assert.equal(c('multicast', f([0x01, 0, 0x5e, 0, 0, 1])), true);
  assert.equal(c('unicast', skbOf(pkt4('udp', { dst: '10.0.0.1' }), net)), true);
  assert.equal(c('broadcast', skbOf(pkt4('udp', { dst: '10.0.0.255' }), net)), true);
  assert.equal(c('multicast', skbOf(pkt4('udp', { dst: '239.1.1.1' }), net)), true);
  assert.equal(check(6, ['-m', 'pkttype', '!', '--pkt-type', 'multicast'], skbOf(pkt6('udp', { dst: 'ff02::1' }), net))[0], false);
});
