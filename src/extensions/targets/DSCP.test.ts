import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A PREROUTING -j DSCP --set-dscp 10',
  '-t mangle -A PREROUTING -j DSCP --set-dscp 0x3f',
  '-t mangle -A PREROUTING -j DSCP --set-dscp 0',
  '-t mangle -A PREROUTING -j DSCP --set-dscp 64',
  '-t mangle -A PREROUTING -j DSCP --set-dscp x',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class EF',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class af41',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class cs7',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class CS0',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class be',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class AF13',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class xx',
  '-t mangle -A PREROUTING -j DSCP --set-dscp 1 --set-dscp-class EF',
  '-t mangle -A PREROUTING -j DSCP --set-dscp-class EF --set-dscp 1',
  '-t mangle -A PREROUTING -j DSCP --set-dscp 1 --set-dscp 2',
  '-t mangle -A PREROUTING -j DSCP ! --set-dscp 1',
  '-t mangle -A PREROUTING -j DSCP',
  '-t filter -A INPUT -j DSCP --set-dscp 1',
  '-t raw -A OUTPUT -j DSCP --set-dscp 1',
  '-t mangle -D PREROUTING -j DSCP --set-dscp 0x2e',
];

test('DSCP target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('DSCP target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
