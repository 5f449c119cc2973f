import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const COMMON = [
  '-A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT',
  '-A INPUT -m conntrack ! --ctstate INVALID,SNAT,DNAT,UNTRACKED,RELATED',
  '-A INPUT -m conntrack --ctstate n,d,s -j ACCEPT',
  '-A INPUT -m conntrack --ctproto tcp --ctorigsrcport 22 ! --ctorigdstport 1:2 --ctreplsrcport ssh --ctrepldstport 5:',
  '-A INPUT -m conntrack ! --ctproto 0',
  '-A INPUT -m conntrack --ctproto UDP',
  '-A INPUT -m conntrack --ctorigsrcport 5:1',
  '-A INPUT -m conntrack --ctorigsrcport :5 --ctorigdstport 5:0',
  '-A INPUT -m conntrack --ctorigsrcport 70000',
  '-A INPUT -m conntrack --ctorigdstport bootps',
  '-A INPUT -m conntrack --ctstatus n,e,s,a,c',
  '-A INPUT -m conntrack ! --ctstatus NONE',
  '-A INPUT -m conntrack --ctstatus ASSURED,EXPECTED',
  '-A INPUT -m conntrack --ctexpire 5',
  '-A INPUT -m conntrack ! --ctexpire 5:10',
  '-A INPUT -m conntrack --ctexpire 10:5',
  '-A INPUT -m conntrack --ctexpire :5',
  '-A INPUT -m conntrack --ctexpire 5:',
  '-A INPUT -m conntrack --ctexpire 0x10:010',
  '-A INPUT -m conntrack --ctexpire :',
  '-A INPUT -m conntrack --ctdir reply',
  '-A INPUT -m conntrack --ctdir ORIGINAL',
  // printed in conntrack_dump order, not the given order
  '-A INPUT -m conntrack --ctdir REPLY --ctexpire 1:2 ! --ctstatus ASSURED --ctrepldstport 1 --ctproto udp --ctstate SNAT -j DROP',
  '-A INPUT -m conntrack --ctstatus NONE ! --ctproto 0',
  // failures
  '-A INPUT -m conntrack',
  '-A INPUT -m conntrack --ctstate NEW --ctstate ESTABLISHED',
  '-A INPUT -m conntrack --ctstate NEW,,x',
  '-A INPUT -m conntrack --ctstate NEW,',
  '-A INPUT -m conntrack --ctstate foo',
  '-A INPUT -m conntrack --ctstatus x',
  '-A INPUT -m conntrack --ctstatus NONE,',
  '-A INPUT -m conntrack --ctdir x',
  '-A INPUT -m conntrack ! --ctdir REPLY',
  '-A INPUT -m conntrack --ctdir ORIGINAL --ctdir REPLY',
  '-A INPUT -m conntrack --ctproto foo',
  '-A INPUT -m conntrack --ctproto 300',
  '-A INPUT -m conntrack ! --ctstatus NONE --ctproto 0',
  '-A INPUT -m conntrack --ctorigsrcport foo',
  '-A INPUT -m conntrack --ctorigsrcport 0x10',
  '-A INPUT -m conntrack --ctorigsrcport 1:2:3',
  '-A INPUT -m conntrack --ctexpire x',
  '-A INPUT -m conntrack --ctexpire 5:x',
  '-A INPUT -m conntrack --ctexpire 5x',
  '-A INPUT -m conntrack --ctexpire -1',
  '-A INPUT -m conntrack --ctexpire 4294967296',
  '-A INPUT -m conntrack --ctexpire 1:2:3',
  '-A INPUT -m conntrack --ctorigsrc',
  '-t raw -A PREROUTING -m conntrack --ctstate UNTRACKED',
  '-D INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT',
];

const V4 = [
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/24 ! --ctorigdst 10.0.0.1 --ctreplsrc 0.0.0.0/0 --ctrepldst 1.2.3.4/255.0.255.0',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/33',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/99',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/0',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/255.255.0.0',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/0x10',
  '-A INPUT -m conntrack --ctorigsrc 1.2',
  '-A INPUT -m conntrack --ctorigsrc 0.0.0.0/8',
  '-A INPUT -m conntrack --ctorigdst 0.0.0.1/0',
  '-A INPUT -m conntrack --ctorigsrc localhost',
  '-A INPUT -m conntrack --ctorigsrc 127.0.0.1/8',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.4/-1',
  '-A INPUT -m conntrack --ctorigsrc 1.2.3.256',
];

const V6 = [
  '-A INPUT -m conntrack --ctorigsrc 2001:db8::1/64 ! --ctorigdst ::1 --ctreplsrc ::/0 --ctrepldst fe80::1/ffff:ffff::',
  '-A INPUT -m conntrack --ctorigsrc 2001:db8::1/129',
  '-A INPUT -m conntrack --ctorigsrc 2001:db8::1/ffff::ff',
  '-A INPUT -m conntrack --ctorigsrc ::/8',
  '-A INPUT -m conntrack --ctorigsrc ip6-localhost',
  '-A INPUT -m conntrack --ctorigsrc ::ffff:1.2.3.4/96',
  '-A INPUT -m conntrack --ctorigsrc 2001:db8::1/',
  '-A INPUT -m conntrack --ctorigsrc 2001:db8::g',
];

test('conntrack match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [[...COMMON, ...V4]]);
});

test('conntrack match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [[...COMMON, ...V6]]);
});
