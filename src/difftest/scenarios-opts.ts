/**
 * IPv4 options on forwarded and local packets (record route, timestamp,
 * router alert, NOP/EOL, malformed options answered with a parameter
 * problem by ip_options_compile), and wrong checksums: a bad IPv4 header
 * checksum (ip_rcv drops it before PREROUTING), and bad TCP/UDP/ICMP
 * checksums, which conntrack marks INVALID (nf_conntrack_checksum=1, the
 * default, at PREROUTING) while the packet goes on.
 */
import { icmp, tcp, udp } from '../scenarios/engine/testkit';
import { TCP_SYN } from '../wire/tcp';
import type { DiffCase } from './case';
import { badIpChecksum, badL4Checksum, OPT_ROUTER_ALERT, optRecordRoute, optTimestamp, withOpts4 } from './craft';
import { pkt } from './scenarios';
import { FWD6 } from './scenarios6';

const FWD = 'sysctl -w net.ipv4.ip_forward=1';

export function optionScenarios(): DiffCase[] {
  const fwd = (sport: number): Uint8Array => udp({ src: '192.168.0.10', dst: '198.51.100.7', sport, dport: 9 });
  const local = (sport: number): Uint8Array => udp({ src: '192.168.0.10', dst: '192.168.0.1', sport, dport: 9 });
  const ping = icmp({ src: '192.168.0.11', dst: '192.168.0.1', type: 8, id: 5, seq: 1 });
  return [
    {
      name: 'IPv4 options: forwarded',
      known: 'IPv4 options are not processed: no ip_options_compile after PREROUTING (malformed options get no parameter problem and are forwarded), no record route entry on the way out (ip_forward_options)',
      host: [FWD],
      rules: ['-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
      packets: [
        pkt(withOpts4(fwd(62000), [1, 1, 1, 0]), 'NOPs and EOL'),
        pkt(withOpts4(fwd(62001), OPT_ROUTER_ALERT), 'router alert'),
        pkt(withOpts4(fwd(62002), optRecordRoute(2)), 'record route (2 slots)'),
        pkt(withOpts4(fwd(62003), [7, 3, 4]), 'record route, no room'),
        pkt(withOpts4(fwd(62004), [7, 7, 3, 0, 0, 0, 0]), 'record route, bad pointer (parameter problem)'),
        pkt(withOpts4(fwd(62005), [0x99, 1]), 'option length below 2 (parameter problem)'),
        pkt(withOpts4(fwd(62006), [0x99, 9, 0, 0]), 'option longer than the header (parameter problem)'),
      ],
    },
    {
      name: 'IPv4 options: to the router',
      known: 'IPv4 options are not processed: an echo reply does not carry the request\'s record route back (ip_options_echo), malformed options get no parameter problem',
      host: [],
      rules: [],
      packets: [
        pkt(withOpts4(ping, [1, 1, 1, 0]), 'ping with NOPs'),
        pkt(withOpts4(ping, optRecordRoute(2)), 'ping with record route'),
        pkt(withOpts4(local(62010), OPT_ROUTER_ALERT), 'UDP with router alert'),
        pkt(withOpts4(local(62011), [7, 7, 3, 0, 0, 0, 0]), 'record route, bad pointer'),
        pkt(withOpts4(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 62012, dport: 22, flags: TCP_SYN }), [1, 1, 1, 1]), 'SYN with NOPs (RST)'),
      ],
    },
    {
      name: 'IPv4 timestamp option (forwarded and local)',
      known: 'the timestamp option carries the router\'s clock (ms since midnight UTC, inet_current_timestamp): comparable only with a normalisation not written yet',
      host: [FWD],
      rules: [],
      packets: [
        pkt(withOpts4(fwd(62020), optTimestamp(2)), 'timestamp (2 slots)'),
        pkt(withOpts4(ping, optTimestamp(2)), 'ping with timestamp'),
      ],
    },
    {
      name: 'bad checksums: IPv4 header, TCP, UDP, ICMP, with conntrack',
      host: [FWD],
      rules: ['-A FORWARD -m conntrack --ctstate INVALID -j DROP', '-A INPUT -m conntrack --ctstate INVALID -j DROP'],
      packets: [
        pkt(badIpChecksum(fwd(62030)), 'bad IPv4 header checksum'),
        pkt(badL4Checksum(fwd(62031)), 'bad UDP checksum (forwarded: INVALID)'),
        pkt(badL4Checksum(tcp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 62032, dport: 80, flags: TCP_SYN })), 'bad TCP checksum'),
        pkt(badL4Checksum(icmp({ src: '192.168.0.10', dst: '198.51.100.7', type: 8 })), 'bad ICMP checksum'),
        pkt(badL4Checksum(local(62033)), 'bad UDP checksum to the router'),
        pkt(badL4Checksum(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 62034, dport: 22, flags: TCP_SYN })), 'bad TCP checksum to the router'),
      ],
    },
    {
      name: 'bad checksums without a rule dropping INVALID',
      host: [FWD],
      rules: ['-A FORWARD -m conntrack --ctstate NEW -j ACCEPT'],
      packets: [
        pkt(badL4Checksum(fwd(62040)), 'bad UDP checksum, forwarded untracked'),
        pkt(badL4Checksum(local(62041)), 'bad UDP checksum to the router (the stack drops it)'),
        pkt(badL4Checksum(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 62042, dport: 22, flags: TCP_SYN })), 'bad TCP checksum to the router (no RST)'),
        pkt(badL4Checksum(icmp({ src: '192.168.0.10', dst: '192.168.0.1', type: 8 })), 'bad ICMP checksum to the router (no reply)'),
      ],
    },
    {
      name: 'IPv6 bad checksums with conntrack',
      host: [FWD6],
      rules: [],
      rules6: ['-A FORWARD -m conntrack --ctstate INVALID -j DROP'],
      packets: [
        pkt(badL4Checksum(udp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 62050, dport: 9 })), 'bad UDP checksum'),
        pkt(badL4Checksum(tcp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 62051, dport: 80, flags: TCP_SYN })), 'bad TCP checksum'),
        pkt(badL4Checksum(icmp({ src: '2001:db8::10', dst: '2001:db8:100::7', type: 128 })), 'bad ICMPv6 checksum'),
        pkt(badL4Checksum(udp({ src: '2001:db8::10', dst: '2001:db8::1', sport: 62052, dport: 9 })), 'bad UDP checksum to the router'),
      ],
    },
  ];
}
