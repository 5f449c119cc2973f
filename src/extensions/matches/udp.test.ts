import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p udp --dport 53 -j ACCEPT',
  '-A INPUT -p udp --sport domain --dport 1024:65535 -j ACCEPT',
  '-A INPUT -p udp ! --sport 53 -j DROP',
  '-A INPUT -p udp ! --dport 0:65535 -j DROP',
  '-A INPUT -p udp --sport 0:65535 -j DROP',
  '-A INPUT -p udp --dport :100 -j DROP',
  '-A INPUT -p udp --dport 100: -j DROP',
  '-A INPUT -p udp --dport 53:53 -j DROP',
  '-A INPUT -p udp --dport 5:4 -j DROP',
  '-A INPUT -p udp --dport 70000 -j DROP',
  '-A INPUT -p udp --dport 99999999999 -j DROP',
  '-A INPUT -p udp --dport 3000000000 -j DROP',
  '-A INPUT -p udp --dport +53 -j DROP',
  '-A INPUT -p udp --dport -5 -j DROP',
  '-A INPUT -p udp --dport 053 -j DROP',
  '-A INPUT -p udp --dport 0x35 -j DROP',
  '-A INPUT -p udp --dport ssh: -j DROP',
  '-A INPUT -p udp --dport http:https -j DROP',
  '-A INPUT -p udp --dport amqp -j DROP',
  '-A INPUT -p udp --dport "" -j DROP',
  '-A INPUT -p udp --dport " " -j DROP',
  '-A INPUT -p udp --dport 1:2:3 -j DROP',
  '-A INPUT -p udp --dport 1:: -j DROP',
  '-A INPUT -p udp --dport nosuch -j DROP',
  '-A INPUT -p udp --dport SSH -j DROP',
  '-A INPUT -p udp --dport 1 --dport 2 -j DROP',
  '-A INPUT -p udp --sport 1 --source-port 2 -j DROP',
  '-A INPUT -p udp --syn -j DROP',
  '-A INPUT -m udp --dport 53 -j DROP',
  '-A INPUT ! -p udp --dport 53 -j DROP',
  '-A INPUT -p 17 --dport 53 -j ACCEPT',
  '-A INPUT -p UDP -m udp --sport 67 --dport 68 -j ACCEPT',
  '-A OUTPUT -p udp --dpo 123 -j ACCEPT',
  '-A OUTPUT -p udp --sport=ntp -j ACCEPT',
  '-D INPUT -p udp --dport 53 -j ACCEPT',
];

test('udp match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('udp match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
