/** icmp match packet function, after net/ipv4/netfilter/ip_tables.c icmp_match. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, skbOf } from './packet-testkit';

const net = makeNet();

test('type, code ranges, names, any, inversion', () => {
  const echo = skbOf(pkt4('icmp', { icmpType: 8 }), net);
  const unreach = skbOf(pkt4('icmp', { icmpType: 3, icmpCode: 3 }), net);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', 'echo-request'], echo)[0], true);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', 'echo-reply'], echo)[0], false);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', 'destination-unreachable'], unreach)[0], true);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', 'port-unreachable'], unreach)[0], true);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', 'host-unreachable'], unreach)[0], false);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', '3/3'], unreach)[0], true);
  assert.equal(check(4, ['-p', 'icmp', '--icmp-type', 'any'], unreach)[0], true);
  assert.equal(check(4, ['-p', 'icmp', '!', '--icmp-type', 'any'], unreach)[0], false);
  assert.equal(check(4, ['-p', 'icmp', '!', '--icmp-type', '8'], unreach)[0], true);
});

test('fewer than 8 ICMP header bytes hotdrops; later fragments do not match', () => {
  const cut = pkt4('icmp').slice(0, 26);
  cut[2] = 0; cut[3] = 26;
  assert.deepEqual(check(4, ['-p', 'icmp', '--icmp-type', 'any'], skbOf(cut, net)), [false, true]);
  assert.deepEqual(check(4, ['-p', 'icmp', '--icmp-type', 'any'], skbOf(pkt4('icmp', { fragWord: 3 }), net)), [false, false]);
});
