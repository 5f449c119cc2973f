/** iprange match packet function (xt_iprange.c iprange_mt4/iprange_mt6). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, skbOf } from './packet-testkit';

const net = makeNet();

test('IPv4 source and destination ranges, bounds included, inversion', () => {
  const s = skbOf(pkt4('udp', { src: '192.168.1.10', dst: '10.0.0.1' }), net);
  assert.equal(check(4, ['-m', 'iprange', '--src-range', '192.168.1.10-192.168.1.20'], s)[0], true);
  assert.equal(check(4, ['-m', 'iprange', '--src-range', '192.168.1.11-192.168.1.20'], s)[0], false);
  assert.equal(check(4, ['-m', 'iprange', '!', '--src-range', '192.168.1.11-192.168.1.20'], s)[0], true);
  assert.equal(check(4, ['-m', 'iprange', '--src-range', '192.168.0.0-192.168.255.255', '--dst-range', '10.0.0.1'], s)[0], true);
  assert.equal(check(4, ['-m', 'iprange', '--dst-range', '9.255.255.255-10.0.0.0'], s)[0], false);
});

test('IPv6 ranges compare all 128 bits', () => {
  const s = skbOf(pkt6('udp', { src: '2001:db8::1:5' }), net);
  assert.equal(check(6, ['-m', 'iprange', '--src-range', '2001:db8::1:0-2001:db8::1:ffff'], s)[0], true);
  assert.equal(check(6, ['-m', 'iprange', '--src-range', '2001:db8::2:0-2001:db8::2:ffff'], s)[0], false);
});
