import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

/** Lines good or bad in both families. */
const COMMON = [
  '-A INPUT -j REJECT',
  '-A FORWARD -p tcp -j REJECT --reject-with tcp-reset',
  '-A OUTPUT -p 6 -j REJECT --reject-with TCP-RESET',
  '-A INPUT -j REJECT --reject-with tcp-reset',
  '-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset',
  '-A INPUT -p udp -j REJECT --reject-with tcp-reset',
  '-A INPUT -j REJECT --reject-with bogus',
  '-A INPUT -j REJECT --reject-with echo-reply',
  '-A INPUT -j REJECT --reject-with echo',
  '-A INPUT -j REJECT ! --reject-with port-unreach',
  '-A INPUT -j REJECT --reject-with port-unreach --reject-with port-unreach',
  '-A INPUT -j REJECT --reject-with',
  '-A INPUT -j REJECT --reject',
  '-A INPUT -j REJECT --reject-with=port-unreach',
  // An empty word is a prefix of every name: the first table entry.
  '-A INPUT -j REJECT --reject-with ""',
  '-A INPUT -p tcp --dport 22 -j REJECT --reject-with Port-Unreach',
  // The kernel registers REJECT for filter INPUT/FORWARD/OUTPUT only.
  '-t mangle -A INPUT -j REJECT',
  '-t mangle -A PREROUTING -j REJECT',
  '-t nat -A OUTPUT -j REJECT',
  '-t raw -A OUTPUT -j REJECT',
  '-t security -A INPUT -j REJECT',
  '-t mangle -N M',
  '-t mangle -A M -j REJECT',
  '-N X',
  '-A X -j REJECT',
  '-A X -p tcp -j REJECT --reject-with tcp-reset',
  '-A INPUT -j X',
  '-D X -j REJECT',
  '-C X -p tcp -j REJECT --reject-with tcp-reset',
  '-A X -j REJECT --reject-with tcp-reset',
];

const V4 = [
  '-A INPUT -j REJECT --reject-with icmp-net-unreachable',
  '-A INPUT -j REJECT --reject-with net-unreach',
  '-A INPUT -j REJECT --reject-with icmp-host-unreachable',
  '-A INPUT -j REJECT --reject-with host-unreach',
  '-A INPUT -j REJECT --reject-with icmp-port-unreachable',
  '-A INPUT -j REJECT --reject-with icmp-proto-unreachable',
  '-A INPUT -j REJECT --reject-with proto-unreach',
  '-A INPUT -j REJECT --reject-with icmp-net-prohibited',
  '-A INPUT -j REJECT --reject-with net-prohib',
  '-A INPUT -j REJECT --reject-with icmp-host-prohibited',
  '-A INPUT -j REJECT --reject-with host-prohib',
  '-A INPUT -j REJECT --reject-with icmp-admin-prohibited',
  '-A INPUT -j REJECT --reject-with admin-prohib',
  '-A INPUT -p tcp -j REJECT --reject-with tcp-rst',
  // Prefixes pick the first entry of the table that fits.
  '-A INPUT -j REJECT --reject-with icmp-',
  '-A INPUT -j REJECT --reject-with icmp-host',
  '-A INPUT -j REJECT --reject-with icmp-p',
  '-A INPUT -j REJECT --reject-with icmp-port-unreachablex',
  '-A INPUT -j REJECT --reject-with echoreply',
  '-A INPUT -j REJECT --reject-with icmp6-no-route',
];

const V6 = [
  '-A INPUT -j REJECT --reject-with icmp6-no-route',
  '-A INPUT -j REJECT --reject-with no-route',
  '-A INPUT -j REJECT --reject-with icmp6-adm-prohibited',
  '-A INPUT -j REJECT --reject-with adm-prohibited',
  '-A INPUT -j REJECT --reject-with icmp6-addr-unreachable',
  '-A INPUT -j REJECT --reject-with addr-unreach',
  '-A INPUT -j REJECT --reject-with icmp6-port-unreachable',
  '-A INPUT -j REJECT --reject-with icmp6-policy-fail',
  '-A INPUT -j REJECT --reject-with policy-fail',
  '-A INPUT -j REJECT --reject-with icmp6-reject-route',
  '-A INPUT -j REJECT --reject-with reject-route',
  '-A INPUT -j REJECT --reject-with icmp6',
  '-A INPUT -j REJECT --reject-with icmp6-a',
  '-A INPUT -p tcp -j REJECT --reject-with tcp-rst',
  '-A INPUT -j REJECT --reject-with icmp-port-unreachable',
  '-A INPUT -j REJECT --reject-with echoreply',
];

test('REJECT target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [COMMON, V4]);
});

test('REJECT target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [COMMON, V6]);
});
