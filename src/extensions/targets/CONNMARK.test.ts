import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 1',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 0x10/0xff',
  '-t mangle -A PREROUTING -j CONNMARK --set-xmark 5',
  '-t mangle -A PREROUTING -j CONNMARK --set-xmark 5/0xf',
  '-t mangle -A PREROUTING -j CONNMARK --and-mark 0xf0',
  '-t mangle -A PREROUTING -j CONNMARK --or-mark 3',
  '-t mangle -A PREROUTING -j CONNMARK --xor-mark 7',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 0',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 0xffffffff',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 0/0',
  '-t mangle -A PREROUTING -j CONNMARK --xor-mark 0',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 0xff',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0xff',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0xf --ctmask 0xf0',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf --ctmask 0xf0',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --ctmask 0xf',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --ctmask 1 --nfmask 1',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --mask 0xffffffff',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --ctmask 0xffffffff --nfmask 0',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 2',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --right-shift-mark 3',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 1 --left-shift-mark 2',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 2 --right-shift-mark 3',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --right-shift-mark 0',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 31',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 32',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 1 --right-shift-mark 32',
  '-t mangle -A PREROUTING -j CONNMARK --set-xmark 5 --ctmask 7',
  '-t mangle -A PREROUTING -j CONNMARK --ctmask 7 --set-xmark 5',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 3 --mask 1',
  '-t mangle -A PREROUTING -j CONNMARK',
  '-t mangle -A PREROUTING -j CONNMARK --mask 5',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --left-shift-mark 33',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --mask abc',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --nfmask 0x100000000',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 1/x',
  '-t mangle -A PREROUTING -j CONNMARK --set-mark 1 --save-mark',
  '-t mangle -A PREROUTING -j CONNMARK --restore-mark --set-xmark 1',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --restore-mark',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 0xff --nfmask 1',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --ctmask 1 --mask 2',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --save-mark',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark --mask 1 --mask 2',
  '-t mangle -A PREROUTING -j CONNMARK ! --save-mark',
  '-t mangle -A PREROUTING -j CONNMARK --save-mark ! --mask 1',
  '-A INPUT -j CONNMARK --restore-mark',
  '-t nat -A PREROUTING -j CONNMARK --save-mark',
  '-t raw -A OUTPUT -j CONNMARK --set-mark 4',
  '-t mangle -D PREROUTING -j CONNMARK --save-mark --nfmask 0xffffffff --ctmask 0xffffffff',
  '-t mangle -C PREROUTING -j CONNMARK --restore-mark --mask 0xff',
];

test('CONNMARK target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('CONNMARK target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
