import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A PREROUTING -j MARK --set-mark 1',
  '-t mangle -A PREROUTING -j MARK --set-mark 0x10/0xff',
  '-t mangle -A PREROUTING -j MARK --set-xmark 5',
  '-t mangle -A PREROUTING -j MARK --set-xmark 5/0xf',
  '-t mangle -A PREROUTING -j MARK --and-mark 0xf0',
  '-t mangle -A PREROUTING -j MARK --or-mark 3',
  '-t mangle -A PREROUTING -j MARK --xor-mark 7',
  '-t mangle -A PREROUTING -j MARK --set-mark 0',
  '-t mangle -A PREROUTING -j MARK --set-mark 0/0',
  '-t mangle -A PREROUTING -j MARK --set-mark 0xffffffff',
  '-t mangle -A PREROUTING -j MARK --set-mark 010',
  '-t mangle -A PREROUTING -j MARK --set-mark +5',
  '-t mangle -A PREROUTING -j MARK --and-mark 0xffffffff',
  '-t mangle -A PREROUTING -j MARK --or-mark 0',
  '-t mangle -A PREROUTING -j MARK --xor-mark 0',
  '-t mangle -A PREROUTING -j MARK --set-xmark 0x5/0xffffffff',
  '-t mangle -A PREROUTING -j MARK --set-xmark 0/5',
  '-t mangle -A OUTPUT -p tcp --dport 22 -j MARK --set-mark 0x2/0x2',
  '-t mangle -A PREROUTING -j MARK --set-mark 0x100000000',
  '-t mangle -A PREROUTING -j MARK --set-mark abc',
  '-t mangle -A PREROUTING -j MARK --set-mark 1/',
  '-t mangle -A PREROUTING -j MARK --set-mark /5',
  '-t mangle -A PREROUTING -j MARK --set-mark -1',
  '-t mangle -A PREROUTING -j MARK --set-mark 1/2/3',
  '-t mangle -A PREROUTING -j MARK --set-mark 0x',
  '-t mangle -A PREROUTING -j MARK --set-xmark 1x',
  '-t mangle -A PREROUTING -j MARK --and-mark abc',
  '-t mangle -A PREROUTING -j MARK --and-mark 1/2',
  '-t mangle -A PREROUTING -j MARK --or-mark 0x100000000',
  '-t mangle -A PREROUTING -j MARK --xor-mark -0',
  '-t mangle -A PREROUTING -j MARK',
  '-t mangle -A PREROUTING -j MARK --set-mark 1 --and-mark 2',
  '-t mangle -A PREROUTING -j MARK --and-mark 1 --set-mark 1',
  '-t mangle -A PREROUTING -j MARK --xor-mark 1 --or-mark 2',
  '-t mangle -A PREROUTING -j MARK --set-xmark 1 --set-mark 2',
  '-t mangle -A PREROUTING -j MARK --set-xmark 1 --xor-mark 2 --and-mark 3',
  '-t mangle -A PREROUTING -j MARK --set-mark 1 --and-mark 2 --and-mark 3',
  '-t mangle -A PREROUTING -j MARK --set-mark 1 --set-mark 2',
  '-t mangle -A PREROUTING -j MARK ! --set-mark 1',
  '-t mangle -A PREROUTING -j MARK --set 1',
  '-A INPUT -j MARK --set-mark 1',
  '-A FORWARD -j MARK --or-mark 0x80',
  '-t nat -A POSTROUTING -j MARK --set-mark 1',
  '-t raw -A PREROUTING -j MARK --xor-mark 1',
  '-t security -A OUTPUT -j MARK --and-mark 1',
  '-t mangle -D PREROUTING -j MARK --set-xmark 0x1/0xffffffff',
  '-t mangle -C PREROUTING -j MARK --or-mark 3',
];

test('MARK target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('MARK target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
