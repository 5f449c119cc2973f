import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -m pkttype --pkt-type unicast -j ACCEPT',
  '-A INPUT -m pkttype ! --pkt-type broadcast -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type MULTICAST -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type host -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type otherhost -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type bcast -j ACCEPT',
  '-A INPUT -m pkttype ! --pkt-type mcast -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type 3 -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type uni -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type outgoing -j ACCEPT',
  '-A INPUT -m pkttype -j ACCEPT',
  '-A INPUT -m pkttype --pkt-type unicast --pkt-type unicast -j ACCEPT',
];

test('pkttype match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('pkttype match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
