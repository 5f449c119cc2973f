import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400',
  '-t mangle -A POSTROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t mangle -A OUTPUT -p tcp -m tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 0',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 65475',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 65495',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 65496',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 65515',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 65535',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 0x10',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss x',
  // The last of --set-mss / --clamp-mss-to-pmtu wins.
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS --set-mss 1 --clamp-mss-to-pmtu',
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu --set-mss 1',
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS --set-mss 1 --set-mss 2',
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu --clamp-mss-to-pmtu',
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS',
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS ! --set-mss 5',
  '-t mangle -A FORWARD -p tcp --syn -j TCPMSS --clamp',
  // Without a tcp match comparing SYN the kernel refuses the rule.
  '-t mangle -A FORWARD -p tcp -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp ! --syn -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN SYN -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN NONE -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp --tcp-flags ALL ACK -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp --tcp-flags NONE SYN -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp --tcp-flags SYN,ACK SYN,ACK -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp --dport 22 -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p tcp -m tcp --dport 22 -m tcp --syn -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -p udp -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD -j TCPMSS --set-mss 100',
  '-t mangle -A FORWARD ! -p tcp -j TCPMSS --set-mss 100',
  // Clamping only from FORWARD, OUTPUT and POSTROUTING; any table.
  '-t mangle -A PREROUTING -p tcp --syn -j TCPMSS --set-mss 100',
  '-t mangle -A PREROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t mangle -A INPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t filter -A FORWARD -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t filter -A INPUT -p tcp --syn -j TCPMSS --set-mss 5',
  '-t filter -A INPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t nat -A POSTROUTING -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t nat -A PREROUTING -p tcp --syn -j TCPMSS --set-mss 5',
  '-t raw -A PREROUTING -p tcp --syn -j TCPMSS --set-mss 5',
  '-t raw -A OUTPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t security -A OUTPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t mangle -N C',
  '-t mangle -A C -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu',
  '-t mangle -A INPUT -j C',
  '-t mangle -A FORWARD -j C',
  '-t mangle -A C -p tcp -j TCPMSS --set-mss 5',
  '-t mangle -D FORWARD -p tcp --syn -j TCPMSS --set-mss 1',
];

test('TCPMSS target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('TCPMSS target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
