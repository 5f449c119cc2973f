import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

// Ids are chosen absent from /etc/passwd and /etc/group (netsieve knows only root).
const LINES = [
  '-A OUTPUT -m owner --uid-owner 0 -j ACCEPT',
  '-A OUTPUT -m owner --uid-owner root --gid-owner 0 --suppl-groups --socket-exists',
  '-A OUTPUT -m owner ! --uid-owner 12000-12999 ! --gid-owner 23456:23457 ! --socket-exists',
  '-A OUTPUT -m owner --gid-owner root',
  '-A OUTPUT -m owner --uid-owner 4294967294',
  '-A OUTPUT -m owner --uid-owner 0x3039',
  '-A OUTPUT -m owner --gid-owner 12345 --uid-owner 12345 -j DROP',
  '-A OUTPUT -m owner --uid-owner 12345-12345',
  '-A OUTPUT -m owner --socket-exists',
  '-t nat -A POSTROUTING -m owner --uid-owner 0',
  '-t mangle -A POSTROUTING -m owner ! --socket-exists',
  '-t nat -A OUTPUT -m owner --gid-owner 23456',
  // user chain reachable from OUTPUT only is fine, from INPUT is not
  '-N OWN',
  '-A OWN -m owner --uid-owner 0',
  '-A OUTPUT -j OWN',
  '-A INPUT -j OWN',
  // kernel refusals
  '-A INPUT -m owner --uid-owner 0',
  '-A FORWARD -m owner --socket-exists',
  '-t mangle -A PREROUTING -m owner --gid-owner 0',
  '-A OUTPUT -m owner --uid-owner 12346-12345',
  '-A OUTPUT -m owner --gid-owner 12346:12345',
  // parameter problems
  '-A OUTPUT -m owner',
  '-A OUTPUT -m owner --suppl-groups',
  '-A OUTPUT -m owner --suppl-groups --gid-owner 3',
  '-A OUTPUT -m owner ! --suppl-groups --gid-owner 3',
  '-A OUTPUT -m owner --gid-owner 3 --suppl-groups --suppl-groups',
  '-A OUTPUT -m owner --uid-owner 4294967295',
  '-A OUTPUT -m owner --uid-owner 5-x',
  '-A OUTPUT -m owner --uid-owner 5-',
  '-A OUTPUT -m owner --uid-owner :5',
  '-A OUTPUT -m owner --uid-owner -5',
  '-A OUTPUT -m owner --uid-owner nosuchuser12',
  '-A OUTPUT -m owner --uid-owner 1 --uid-owner 2',
  '-D OUTPUT -m owner --uid-owner 0 -j ACCEPT',
];

test('owner match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('owner match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
