import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p icmp --icmp-type any -j ACCEPT',
  '-A INPUT -p icmp ! --icmp-type any -j ACCEPT',
  '-A INPUT -p icmp --icmp-type echo-request -j ACCEPT',
  '-A INPUT -p icmp --icmp-type ping -j ACCEPT',
  '-A INPUT -p icmp ! --icmp-type 8 -j DROP',
  '-A INPUT -p icmp --icmp-type 3/4 -j DROP',
  '-A INPUT -p icmp --icmp-type 3 -j DROP',
  '-A INPUT -p icmp --icmp-type 3/255 -j DROP',
  '-A INPUT -p icmp --icmp-type 0/0 -j DROP',
  '-A INPUT -p icmp --icmp-type 200/7 -j DROP',
  '-A INPUT -p icmp --icmp-type 3/1:2 -j DROP',
  '-A INPUT -p icmp --icmp-type 255 -j DROP',
  '-A INPUT -p icmp --icmp-type 255/0 -j DROP',
  '-A INPUT -p icmp --icmp-type ECHO-REQ -j DROP',
  '-A INPUT -p icmp --icmp-type ttl-zero-during-reassembly -j DROP',
  '-A INPUT -p icmp --icmp-type tos-host-redirect -j DROP',
  '-A INPUT -p icmp --icmp-type 0x3/0x4 -j DROP',
  '-A INPUT -p icmp --icmp-type " 3" -j DROP',
  '-A INPUT -p icmp --icmp-type +3 -j DROP',
  '-A INPUT -p icmp --icmp-type 11/0 -j DROP',
  '-A INPUT -p icmp --icmp-type echo -j DROP',
  '-A INPUT -p icmp --icmp-type net -j DROP',
  '-A INPUT -p icmp --icmp-type "" -j DROP',
  '-A INPUT -p icmp --icmp-type 256 -j DROP',
  '-A INPUT -p icmp --icmp-type 3/256 -j DROP',
  '-A INPUT -p icmp --icmp-type 3/ -j DROP',
  '-A INPUT -p icmp --icmp-type /3 -j DROP',
  '-A INPUT -p icmp --icmp-type 3x -j DROP',
  '-A INPUT -p icmp --icmp-type 3/4/5 -j DROP',
  '-A INPUT -p icmp --icmp-type 3/0x -j DROP',
  '-A INPUT -p icmp --icmp-type 3:5 -j DROP',
  '-A INPUT -p icmp --icmp-type -1 -j DROP',
  '-A INPUT -p icmp --icmp-type bogus -j DROP',
  '-A INPUT -p icmp --icmp-type 1 --icmp-type 2 -j DROP',
  '-A INPUT -p icmp -m icmp -j DROP',
  '-A INPUT -m icmp --icmp-type 8 -j DROP',
  '-A INPUT ! -p icmp --icmp-type 8 -j DROP',
  '-A INPUT -p 1 --icmp-type 8 -j DROP',
  '-A OUTPUT -p ICMP --icmp-t host-unreachable -j DROP',
];

const LINES6 = [
  '-A INPUT -p icmp --icmp-type 8 -j DROP',
  '-A INPUT -m icmp --icmp-type 8 -j DROP',
  '-A INPUT -p icmpv6 --icmp-type 8 -j DROP',
];

test('icmp match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('icmp match: absent from ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES6]);
});
