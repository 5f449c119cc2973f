import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p sctp --dport 5672 -j ACCEPT',
  '-A INPUT -p sctp --sport 1:1024 ! --dport amqp',
  '-A INPUT -p sctp --sport 0:65535',
  '-A INPUT -p sctp ! --dport :100',
  '-A INPUT -p sctp --source-port 100: --destination-port 22',
  '-A INPUT -p sctp --chunk-types any DATA,INIT',
  '-A INPUT -p sctp ! --chunk-types all INIT_ACK,SACK,heartbeat',
  '-A INPUT -p sctp --chunk-types only ALL',
  '-A INPUT -p sctp --chunk-types ANY none',
  '-A INPUT -p sctp --chunk-types any DATA:IuBe,ABORT:T,SHUTDOWN_COMPLETE:t',
  '-A INPUT -p sctp --chunk-types all DATA:Ii,,COOKIE_ECHO',
  '-A INPUT -p sctp --chunk-types any ASCONF,ASCONF_ACK,FORWARD_TSN,ECN_ECNE,ECN_CWR,ERROR',
  '-A INPUT -p sctp --chunk-types only SHUTDOWN,SHUTDOWN_ACK,COOKIE_ACK,HEARTBEAT_ACK --dport 9',
  '-A INPUT -p sctp --chunk-types any DATA:',
  '-A INPUT -p 132 --dport 7',
  '-A INPUT -p sctp -m sctp',
  // kernel: needs -p sctp
  '-A INPUT -m sctp --dport 5',
  '-A INPUT ! -p sctp -m sctp --dport 5',
  // parameter problems
  '-A INPUT -p sctp --dport 1 --dport 2',
  '-A INPUT -p sctp --sport 1 --source-port 2',
  '-A INPUT -p sctp --chunk-types any DATA --chunk-types all INIT',
  '-A INPUT -p sctp --chunk-types any',
  '-A INPUT -p sctp --chunk-types any --dport 5',
  '-A INPUT -p sctp --chunk-types some DATA',
  '-A INPUT -p sctp --chunk-types any FOO',
  '-A INPUT -p sctp --chunk-types any DATA,ALL',
  '-A INPUT -p sctp --chunk-types any INIT:x',
  '-A INPUT -p sctp --chunk-types any DATA:X',
  '-A INPUT -p sctp --dport 5:4',
  '-A INPUT -p sctp --dport 70000',
  '-A INPUT -p sctp --dport nosuchport',
  '-D INPUT -p sctp --dport 5672 -j ACCEPT',
];

test('sctp match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('sctp match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
