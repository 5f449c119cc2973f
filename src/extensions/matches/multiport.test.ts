import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT',
  '-A INPUT -p tcp -m multiport --sports ssh,http,1000:2000 -j ACCEPT',
  '-A INPUT -p udp -m multiport ! --ports 53,67:68 -j DROP',
  '-A INPUT -p tcp -m multiport ! --destination-ports 1,2,3 -j DROP',
  '-A INPUT -p tcp -m multiport --source-ports 0x10,010 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:20 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13:20 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 10:10 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 10:5 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 80, -j DROP',
  '-A INPUT -p tcp -m multiport --dports 70000 -j DROP',
  '-A INPUT -p tcp -m multiport --dports domain,nosuch -j DROP',
  '-A INPUT -p udp -m multiport --dports ssh -j DROP',
  '-A INPUT -p sctp -m multiport --dports amqp,80 -j DROP',
  '-A INPUT -p udplite -m multiport --dports 80 -j DROP',
  '-A INPUT -p dccp -m multiport --sports 80:90 -j DROP',
  '-A INPUT -m multiport --dports 80 -j DROP',
  '-A INPUT -p icmp -m multiport --dports 80 -j DROP',
  '-A INPUT ! -p tcp -m multiport --dports 80 -j DROP',
  '-A INPUT -m multiport --dports 80 -p tcp -j DROP',
  '-A INPUT -p tcp -m multiport -j DROP',
  '-A INPUT -p tcp -m multiport --dports 80 --dports 81 -j DROP',
  '-A INPUT -p tcp -m multiport --sports 80 --dports 81 -j DROP',
  '-A INPUT -p tcp -m multiport --ports 80 --dports 81 -j DROP',
  '-A INPUT -p tcp -m multiport --ports 80 --sports 81 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 80 --dports 81:x -j DROP',
  '-A INPUT -p tcp -m multiport --dport 80 -j DROP',
  '-A INPUT -p tcp --dport 22 -m multiport --dports 80,81 -j DROP',
  '-A INPUT -p tcp -m multiport --dports 22 -m multiport --sports 80 -j DROP',
  '-A INPUT -p 6 -m multiport --ports 1024:65535 -j DROP',
];

test('multiport match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('multiport match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
