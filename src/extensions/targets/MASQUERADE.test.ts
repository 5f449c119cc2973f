import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t nat -A POSTROUTING -j MASQUERADE',
  '-t nat -A POSTROUTING -o ppp0 -j MASQUERADE',
  '-t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000 --random --random-fully',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports http',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000/5',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 0',
  '-t nat -A POSTROUTING -p sctp -j MASQUERADE --to-ports 5-5',
  '-t nat -A POSTROUTING -p icmp -j MASQUERADE --to-ports 1',
  '-t nat -A POSTROUTING -j MASQUERADE --random',
  '-t nat -A POSTROUTING -j MASQUERADE --random-fully',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1:2',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 2-1',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1-x',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1.2.3.4',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports nosuchport',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1 --to-ports 2',
  '-t nat -A POSTROUTING -j MASQUERADE --to-ports 1',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE ! --to-ports 1',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE ! --random',
  '-t nat -A POSTROUTING -p udp -j MASQUERADE --random --random',
  '-t nat -A POSTROUTING -j MASQUERADE --persistent',
  '-t nat -A POSTROUTING -j MASQUERADE --to 5',
  '-t nat -A INPUT -j MASQUERADE',
  '-t nat -A OUTPUT -j MASQUERADE',
  '-t nat -A PREROUTING -j MASQUERADE',
  '-t mangle -A POSTROUTING -j MASQUERADE',
  '-t filter -A OUTPUT -j MASQUERADE',
  '-t nat -N M1',
  '-t nat -A M1 -j MASQUERADE',
  '-t nat -A POSTROUTING -j M1',
  '-t nat -A INPUT -j M1',
  '-t nat -D POSTROUTING -o ppp0 -j MASQUERADE',
  '-t nat -C POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000 --random --random-fully',
];

test('MASQUERADE target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('MASQUERADE target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
