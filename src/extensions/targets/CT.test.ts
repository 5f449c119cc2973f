import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const COMMON = [
  '-t raw -A PREROUTING -j CT --notrack',
  '-t raw -A PREROUTING -j CT',
  '-t raw -A OUTPUT -p tcp --dport 21 -j CT --helper ftp',
  '-t raw -A OUTPUT -p udp -j CT --helper tftp',
  '-t raw -A OUTPUT -p tcp -j CT --helper sip',
  '-t raw -A OUTPUT -p udp -j CT --helper RAS',
  '-t raw -A OUTPUT -p tcp -j CT --helper Q.931',
  // The kernel needs a helper for this family and -p protocol.
  '-t raw -A PREROUTING -j CT --helper ftp',
  '-t raw -A PREROUTING -p udp -j CT --helper ftp',
  '-t raw -A PREROUTING ! -p tcp -j CT --helper ftp',
  '-t raw -A PREROUTING -p tcp -j CT --helper FTP',
  '-t raw -A PREROUTING -p tcp -j CT --helper nosuchhelper',
  '-t raw -A PREROUTING -p tcp -j CT --helper ""',
  // --notrack skips every other kernel check.
  '-t raw -A PREROUTING -j CT --notrack --helper nosuch',
  '-t raw -A PREROUTING -j CT --notrack --helper abcdefghijklmnopqrstuvwxyz',
  '-t raw -A PREROUTING -j CT --notrack --timeout abcdefgh',
  '-t raw -A PREROUTING -j CT --timeout foo',
  '-t raw -A PREROUTING -j CT --zone 5',
  '-t raw -A PREROUTING -j CT --zone 0',
  '-t raw -A PREROUTING -j CT --zone 0x10',
  '-t raw -A PREROUTING -j CT --zone 65535',
  '-t raw -A PREROUTING -j CT --zone 65536',
  '-t raw -A PREROUTING -j CT --zone 0x',
  '-t raw -A PREROUTING -j CT --zone mark',
  '-t raw -A PREROUTING -j CT --zone MARK',
  '-t raw -A PREROUTING -j CT --zone-orig 7',
  '-t raw -A PREROUTING -j CT --zone-orig 0',
  '-t raw -A PREROUTING -j CT --zone-reply mark',
  '-t raw -A PREROUTING -j CT --zone-orig 1 --zone-reply 2',
  '-t raw -A PREROUTING -j CT --zone 1 --zone-orig 2',
  '-t raw -A PREROUTING -j CT --zone-orig 2 --zone 1',
  '-t raw -A PREROUTING -j CT --zone-orig mark --zone-reply 5',
  '-t raw -A PREROUTING -j CT --zone 1 --zone 2',
  '-t raw -A PREROUTING -j CT --zo 1',
  '-t raw -A PREROUTING -j CT --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark,natseqinfo,secmark',
  '-t raw -A PREROUTING -j CT --ctevents mark,new,mark',
  '-t raw -A PREROUTING -j CT --ctevents label',
  '-t raw -A PREROUTING -j CT --ctevents new,',
  '-t raw -A PREROUTING -j CT --ctevents New',
  '-t raw -A PREROUTING -j CT --expevents new',
  '-t raw -A PREROUTING -j CT --expevents destroy',
  '-t raw -A PREROUTING -j CT --notrack --zone 3',
  '-t raw -A OUTPUT -p tcp -j CT --zone 4 --expevents new --ctevents assured --helper ftp',
  '-t raw -A PREROUTING -j CT --notrack --notrack',
  '-t raw -A PREROUTING -j CT ! --notrack',
  '-t raw -A PREROUTING -j CT ! --zone 1',
  '-t raw -A PREROUTING -j CT --helper ftp --helper ftp',
  '-t raw -A PREROUTING -j CT --helper',
  // raw table, PREROUTING and OUTPUT only.
  '-t mangle -A PREROUTING -j CT --notrack',
  '-t filter -A OUTPUT -j CT --notrack',
  '-t nat -A OUTPUT -j CT --notrack',
  '-t raw -N X',
  '-t raw -A X -j CT --notrack',
  '-t raw -A OUTPUT -j X',
  '-t raw -D PREROUTING -j CT --zone-orig 7',
  '-t raw -C PREROUTING -j CT --notrack',
];

const V4 = [
  '-t raw -A OUTPUT -p tcp -j CT --helper irc',
  '-t raw -A OUTPUT -p tcp -j CT --helper pptp',
  '-t raw -A OUTPUT -p udp -j CT --helper netbios-ns',
  '-t raw -A OUTPUT -p udp -j CT --helper snmp',
];

const V6 = [
  '-t raw -A OUTPUT -p tcp -j CT --helper irc',
  '-t raw -A OUTPUT -p tcp -j CT --helper pptp',
  '-t raw -A OUTPUT -p udp -j CT --helper amanda',
  '-t raw -A OUTPUT -p tcp -j CT --helper sane',
];

test('CT target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [COMMON, V4]);
});

test('CT target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [COMMON, V6]);
});
