import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p tcp --dport 22 -j ACCEPT',
  '-A INPUT -p tcp --sport 1024:65535 --dport ssh -j ACCEPT',
  '-A INPUT -p tcp ! --dport 80:90 -j DROP',
  '-A INPUT -p tcp --dport :1023 -j DROP',
  '-A INPUT -p tcp --sport 1000: -j DROP',
  '-A INPUT -p tcp --syn -j ACCEPT',
  '-A INPUT -p tcp ! --syn -j ACCEPT',
  '-A INPUT -p tcp --tcp-flags ALL NONE -j DROP',
  '-A INPUT -p tcp --tcp-flags SYN,ACK SYN,ACK -j DROP',
  '-A INPUT -p tcp ! --tcp-flags FIN,SYN FIN -j DROP',
  '-A INPUT -p tcp --tcp-flags syn,rst RST -j DROP',
  '-A INPUT -p tcp --tcp-option 2 -j ACCEPT',
  '-A INPUT -p tcp ! --tcp-option 8 -j ACCEPT',
  '-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT',
  '-A INPUT -p 6 --dport 25 -j ACCEPT',
  '-A INPUT -p TCP --dport 80 -j ACCEPT',
  '-A INPUT -p tcp --destination-port 8080 --source-port 1:2 -j ACCEPT',
  '-A INPUT -p tcp --dport 5:4 -j ACCEPT',
  '-A INPUT -p tcp --dport 70000 -j ACCEPT',
  '-A INPUT -p tcp --dport nosuchservice -j ACCEPT',
  '-A INPUT -p tcp --dport 1 --dport 2 -j ACCEPT',
  '-A INPUT -p tcp --syn --tcp-flags ALL SYN -j ACCEPT',
  '-A INPUT -p tcp --tcp-flags BOGUS SYN -j ACCEPT',
  '-A INPUT -p tcp --tcp-flags SYN -j ACCEPT',
  '-A INPUT -p tcp --tcp-option 0 -j ACCEPT',
  '-A INPUT -p udp --syn -j ACCEPT',
  '-A INPUT -m tcp --dport 22 -j ACCEPT',
  '-A INPUT ! -p tcp --dport 22 -j ACCEPT',
  '-A INPUT -p tcp --dport 0x16 -j ACCEPT',
  '-A INPUT -p tcp --dport 022 -j ACCEPT',
  '-A INPUT -p tcp --dport=http -j ACCEPT',
  '-A INPUT -p tcp --dp 99 -j ACCEPT',
];

test('tcp match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('tcp match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
