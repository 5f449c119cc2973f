/** ipv6header match: option parsing, messages, listings and save against ip6tables-legacy. */
import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const V6 = [
  '-A INPUT -m ipv6header --header hop,dst,route,frag,auth,esp,none,prot -j ACCEPT',
  '-A INPUT -m ipv6header ! --header 0,60 --soft',
  '-A INPUT -m ipv6header --header hop-by-hop,ipv6-opts,ipv6-route,ipv6-frag,ah,ipv6-nonxt,protocol,255',
  '-A INPUT -m ipv6header --header 43,44,51,50,59',
  '-A INPUT -m ipv6header --header ,,frag,,',
  '-A INPUT -m ipv6header --header hopopt,HOPOPT,IPv6-Route,IPSEC-ESP',
  '-A INPUT -m ipv6header --header ip',
  '-A INPUT -m ipv6header --header none --soft',
  '-A INPUT -m ipv6header ! --header prot',
  '-A INPUT -m ipv6header --soft --header frag,frag',
  '-A OUTPUT -p tcp -m ipv6header --header hop,prot -m tcp --dport 22',
  '-A INPUT -m ipv6header --h auth --s',
  '-v -A INPUT -m rt --rt-type 0 --rt-0-addrs ::1 -m frag --fragres -m hbh --hbh-opts 1 -m dst ! --dst-len 8 -m ipv6header --header hop --soft',
  '-A INPUT -m ipv6header --header ! hop',
  // parameter problems
  '-A INPUT -m ipv6header',
  '-A INPUT -m ipv6header --soft',
  '-A INPUT -m ipv6header --header tcp',
  '-A INPUT -m ipv6header --header 6',
  '-A INPUT -m ipv6header --header ipv6-icmp',
  '-A INPUT -m ipv6header --header mptcp',
  '-A INPUT -m ipv6header --header 0x2c',
  '-A INPUT -m ipv6header --header foo',
  '-A INPUT -m ipv6header --header hop,foo',
  '-A INPUT -m ipv6header --header ,',
  '-A INPUT -m ipv6header --header ""',
  '-A INPUT -m ipv6header --header Hop',
  '-A INPUT -m ipv6header --header hop --header dst',
  '-A INPUT -m ipv6header --header hop ! --soft',
  '-A INPUT -m ipv6header --header hop --soft --soft',
  '-D INPUT -m ipv6header --header ipv6-frag',
  '-D INPUT -m ipv6header --header ipv6-frag --soft',
];

test('ipv6header match: same as ip6tables-legacy', (t) => {
  assertSameAsKernel(t, 6, [V6]);
});

test('ipv6header match: restore and save round trip', (t) => {
  const restore = '*filter\n-A INPUT -m ipv6header ! --header hop-by-hop,ipv6-frag --soft -j DROP\n-A INPUT -m ipv6header --header protocol\nCOMMIT\n';
  assertSameAsKernel(t, 6, [[{ restore }, { restore: '*filter\n-A INPUT -m ipv6header --soft\nCOMMIT\n' }]]);
});

test('ipv6header match: IPv6 only, iptables cannot load it', (t) => {
  assertSameAsKernel(t, 4, [['-A INPUT -m ipv6header --header hop', '-A INPUT -m ipv6header']]);
});
