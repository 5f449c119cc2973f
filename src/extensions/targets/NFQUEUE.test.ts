import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -j NFQUEUE',
  '-A INPUT -j NFQUEUE --queue-num 5',
  '-A INPUT -j NFQUEUE --queue-num 65535',
  '-A INPUT -j NFQUEUE --queue-num 65536',
  '-A INPUT -j NFQUEUE --queue-balance 2:5',
  '-A INPUT -j NFQUEUE --queue-balance 0x1:0x3',
  '-A INPUT -j NFQUEUE --queue-balance :5',
  '-A INPUT -j NFQUEUE --queue-balance 2:',
  '-A INPUT -j NFQUEUE --queue-balance 5:2',
  '-A INPUT -j NFQUEUE --queue-balance 5:5',
  '-A INPUT -j NFQUEUE --queue-balance 5',
  '-A INPUT -j NFQUEUE --queue-balance ""',
  '-A INPUT -j NFQUEUE --queue-balance 1:2:3',
  '-A INPUT -j NFQUEUE --queue-balance 1x:2',
  '-A INPUT -j NFQUEUE --queue-balance 1:2x',
  '-A INPUT -j NFQUEUE --queue-balance a:b',
  '-A INPUT -j NFQUEUE --queue-balance 0:65536',
  '-A INPUT -j NFQUEUE --queue-balance 65535:',
  // 65536 queues wrap the kernel's 16-bit count to 0: refused.
  '-A INPUT -j NFQUEUE --queue-balance 0:65535',
  '-A INPUT -j NFQUEUE --queue-balance :',
  '-A INPUT -j NFQUEUE --queue-balance 1:65535',
  '-A INPUT -j NFQUEUE --queue-balance 2:5 --queue-num 1',
  '-A INPUT -j NFQUEUE --queue-num 1 --queue-balance 2:5',
  '-A INPUT -j NFQUEUE --queue-num 3 --queue-bypass',
  '-A INPUT -j NFQUEUE --queue-bypass',
  '-A INPUT -j NFQUEUE --queue-cpu-fanout',
  '-A INPUT -j NFQUEUE --queue-cpu-fanout --queue-num 2',
  '-A INPUT -j NFQUEUE --queue-balance 0:3 --queue-cpu-fanout',
  '-A INPUT -j NFQUEUE --queue-cpu-fanout --queue-bypass --queue-balance 0:3',
  '-A INPUT -j NFQUEUE --fail-open',
  '-A INPUT -j NFQUEUE ! --queue-num 1',
  '-A INPUT -j NFQUEUE --queue-bypass --queue-bypass',
  '-A INPUT -j NFQUEUE --queue-num 1 --queue-num 2',
  '-A INPUT -j NFQUEUE --queue-balance 1:2 --queue-balance 3:4',
  '-t mangle -A OUTPUT -j NFQUEUE --queue-num 1',
  '-t raw -A PREROUTING -j NFQUEUE --queue-balance 4:7',
  '-t nat -A OUTPUT -j NFQUEUE',
  '-D INPUT -j NFQUEUE --queue-num 0',
  '-D INPUT -j NFQUEUE --queue-balance 2:0x5',
];

test('NFQUEUE target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('NFQUEUE target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
