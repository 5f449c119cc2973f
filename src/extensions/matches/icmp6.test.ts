import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p icmpv6 --icmpv6-type echo-request -j ACCEPT',
  '-A INPUT -p ipv6-icmp ! --icmpv6-type 1/3 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type 1/1:3 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type 255 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type 4/9 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type 128/0:255 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type 128/0 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type neighbor-solicitation -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type NEIGHBOUR-ADV -j ACCEPT',
  '-A INPUT -p icmpv6 ! --icmpv6-type pong -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type ttl-zero-during-transit -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type unknown-option -j ACCEPT',
  '-A INPUT -p 58 -m icmp6 --icmpv6-type 2 -j ACCEPT',
  '-A INPUT -p icmpv6 -m icmpv6 --icmpv6-type 2 -j ACCEPT',
  '-A INPUT -p ipv6-icmp -m ipv6-icmp --icmpv6-type 1 -j ACCEPT',
  '-A INPUT -p icmpv6 --icmpv6-type 3:5 -j DROP',
  '-A INPUT -p icmpv6 --icmpv6-type neigh -j DROP',
  '-A INPUT -p icmpv6 --icmpv6-type 300 -j DROP',
  '-A INPUT -p icmpv6 --icmpv6-type 1/x -j DROP',
  '-A INPUT -p icmpv6 --icmpv6-type 1x -j DROP',
  '-A INPUT -p icmpv6 --icmpv6-type any -j DROP',
  '-A INPUT -p icmpv6 -m icmp6 -j DROP',
  '-A INPUT -m icmp6 --icmpv6-type 1 -j DROP',
  '-A INPUT ! -p icmpv6 --icmpv6-type 1 -j DROP',
  '-A INPUT -p icmpv6 --icmpv6-type 1 --icmpv6-type 2 -j DROP',
  '-A INPUT -p icmpv6 --icmp-type 1 -j DROP',
];

test('icmp6 match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});

test('icmp6 match: absent from iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [['-A INPUT -m icmp6 --icmpv6-type 1 -j DROP', '-A INPUT -p icmp --icmpv6-type 1 -j DROP']]);
});
