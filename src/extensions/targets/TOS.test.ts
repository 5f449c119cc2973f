import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A PREROUTING -j TOS --set-tos 0x10',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x10/0x3f',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x10/0xff',
  '-t mangle -A PREROUTING -j TOS --set-tos 16/63',
  '-t mangle -A PREROUTING -j TOS --set-tos Minimize-Delay',
  '-t mangle -A PREROUTING -j TOS --set-tos normal-service',
  '-t mangle -A PREROUTING -j TOS --set-tos Maximize-Throughput',
  '-t mangle -A PREROUTING -j TOS --set-tos MAXIMIZE-RELIABILITY',
  '-t mangle -A PREROUTING -j TOS --set-tos Minimize-Cost',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x20/0x3f',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x05/0x0f',
  '-t mangle -A PREROUTING -j TOS --and-tos 0x0f',
  '-t mangle -A PREROUTING -j TOS --and-tos 0xff',
  '-t mangle -A PREROUTING -j TOS --or-tos 0x02',
  '-t mangle -A PREROUTING -j TOS --or-tos 0',
  '-t mangle -A PREROUTING -j TOS --xor-tos 0x04',
  '-t mangle -A PREROUTING -j TOS --set-tos 0',
  '-t mangle -A PREROUTING -j TOS --set-tos 0/0',
  '-t mangle -A POSTROUTING -j TOS --set-tos 0x3f/0x3f',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x100',
  '-t mangle -A PREROUTING -j TOS --set-tos bogus',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x1/',
  '-t mangle -A PREROUTING -j TOS --set-tos 0x1x',
  '-t mangle -A PREROUTING -j TOS --set-tos 1/0x100',
  '-t mangle -A PREROUTING -j TOS --and-tos 256',
  '-t mangle -A PREROUTING -j TOS --set-tos 1 --and-tos 2',
  '-t mangle -A PREROUTING -j TOS --xor-tos 1 --or-tos 2',
  '-t mangle -A PREROUTING -j TOS --set-tos 1 --set-tos 2',
  '-t mangle -A PREROUTING -j TOS ! --set-tos 1',
  '-t mangle -A PREROUTING -j TOS',
  '-t filter -A INPUT -j TOS --set-tos 1',
  '-t raw -A OUTPUT -j TOS --set-tos 1',
  '-t mangle -D PREROUTING -j TOS --set-tos 0x10/0x3f',
  '-t mangle -D PREROUTING -j TOS --and-tos 0x0f',
];

test('TOS target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('TOS target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
