import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t nat -A PREROUTING -j REDIRECT',
  '-t nat -A PREROUTING -j REDIRECT --random',
  '-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 3128',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 8080-8090 --random',
  '-t nat -A OUTPUT -p udp -j REDIRECT --to-ports domain',
  '-t nat -A OUTPUT -p udp -j REDIRECT --to-ports 0',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to 8081',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 8080-8090/10',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 8080-8090/0',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 1.2.3.4',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 1:2',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 65536',
  '-t nat -A OUTPUT -j REDIRECT --to-ports 1',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --to-ports 1 --to-ports 2',
  '-t nat -A OUTPUT -p tcp -j REDIRECT ! --to-ports 1',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --random --random',
  '-t nat -A OUTPUT -p tcp -j REDIRECT --random-fully',
  '-t nat -A INPUT -j REDIRECT',
  '-t nat -A POSTROUTING -j REDIRECT',
  '-t mangle -A PREROUTING -j REDIRECT',
  '-t nat -N R1',
  '-t nat -A R1 -p tcp -j REDIRECT --to-ports 1',
  '-t nat -A PREROUTING -j R1',
  '-t nat -A OUTPUT -j R1',
  '-t nat -A POSTROUTING -j R1',
  '-t nat -D OUTPUT -p udp -j REDIRECT --to-ports 0',
];

test('REDIRECT target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('REDIRECT target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
