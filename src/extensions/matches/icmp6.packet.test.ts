/** icmp6 match packet function, after net/ipv6/netfilter/ip6_tables.c icmp6_match. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt6, skbOf } from './packet-testkit';

const net = makeNet();

test('types and codes, inversion; 255 is a plain type here, not "any"', () => {
  const echo = skbOf(pkt6('icmp', { icmpType: 128 }), net);
  const unreach = skbOf(pkt6('icmp', { icmpType: 1, icmpCode: 4 }), net);
  assert.equal(check(6, ['-p', 'icmpv6', '--icmpv6-type', 'echo-request'], echo)[0], true);
  assert.equal(check(6, ['-p', 'icmpv6', '--icmpv6-type', 'port-unreachable'], unreach)[0], true);
  assert.equal(check(6, ['-p', 'icmpv6', '--icmpv6-type', 'no-route'], unreach)[0], false);
  assert.equal(check(6, ['-p', 'icmpv6', '!', '--icmpv6-type', '128'], unreach)[0], true);
  assert.equal(check(6, ['-p', 'icmpv6', '--icmpv6-type', '255'], echo)[0], false);
});
