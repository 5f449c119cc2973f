/**
 * Hand-written IPv6 cases on the same router (LAN 2001:db8::/64 on eth0,
 * WAN 2001:db8:1::/64 on eth1 with the default route via 2001:db8:1::fe,
 * DMZ 2001:db8:2::/64 on eth2): forwarding, REJECT's IPv6 answers, hop
 * limit and packet too big, the local answers, NAT for IPv6 and packets
 * with extension headers, also through the ip6tables matches that read them
 * (ipv6header, frag, hbh, dst, rt).
 */
import { parseIp } from '../host/prefix';
import { icmp, tcp, TcpConv, udp } from '../scenarios/engine/testkit';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../wire/tcp';
import type { DiffCase } from './case';
import { DSTOPTS_PAD, HBH_ROUTER_ALERT, frag6, padOptions, rt0, withExt6, IPV6_HOPOPTS, type Ext6 } from './craft';
import { handshake, pkt } from './scenarios';

export const FWD6 = 'sysctl -w net.ipv6.conf.all.forwarding=1';
export const STATEFUL_FORWARD6 = '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT';

export function ipv6Scenarios(): DiffCase[] {
  const cases: DiffCase[] = [];
  {
    const ok = new TcpConv({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 40000, dport: 80 });
    cases.push({
      name: 'IPv6 forward accept and drop',
      host: [FWD6],
      rules: [],
      rules6: [STATEFUL_FORWARD6, '-A FORWARD -p tcp --dport 23 -j DROP', '-A FORWARD -s 2001:db8:2::11 -j DROP'],
      packets: [
        ...handshake(ok, 'web6'),
        pkt(ok.c(TCP_FIN | TCP_ACK), 'web6 FIN'), pkt(ok.s(TCP_FIN | TCP_ACK), 'web6 FIN back'), pkt(ok.c(TCP_ACK), 'web6 last ACK'),
        pkt(tcp({ src: '2001:db8::11', dst: '2001:db8:100::8', sport: 40001, dport: 23, flags: TCP_SYN }), 'telnet SYN (dropped)'),
        pkt(udp({ src: '2001:db8:2::10', dst: '2001:db8:100::8', sport: 5353, dport: 53 }), 'dmz DNS query'),
        pkt(udp({ src: '2001:db8:100::8', dst: '2001:db8:2::10', sport: 53, dport: 5353 }), 'DNS reply'),
        pkt(udp({ src: '2001:db8:2::11', dst: '2001:db8:100::8', sport: 5353, dport: 53 }), 'dropped source'),
      ],
    });
  }

  cases.push({
    name: 'IPv6 REJECT variants',
    host: [FWD6],
    rules: [],
    rules6: [
      STATEFUL_FORWARD6,
      '-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset',
      '-A FORWARD -p udp --dport 69 -j REJECT',
      '-A FORWARD -d 2001:db8:2::11 -j REJECT --reject-with icmp6-addr-unreachable',
      '-A FORWARD -p tcp --dport 113 -j REJECT --reject-with icmp6-no-route',
      '-A FORWARD -p tcp --dport 139 -j REJECT --reject-with icmp6-adm-prohibited',
      '-A FORWARD -p udp --dport 161 -j REJECT --reject-with icmp6-port-unreachable',
    ],
    packets: [
      pkt(tcp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 41000, dport: 25, flags: TCP_SYN, seq: 5000 }), 'smtp SYN'),
      pkt(tcp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 41001, dport: 25, flags: TCP_ACK | TCP_PSH, seq: 7000, ack: 9000, len: 20 }), 'smtp data'),
      pkt(udp({ src: '2001:db8::11', dst: '2001:db8:100::7', sport: 41002, dport: 69 }), 'tftp'),
      pkt(tcp({ src: '2001:db8:100::7', dst: '2001:db8:2::11', sport: 41003, dport: 80, flags: TCP_SYN }), 'to rejected host'),
      pkt(tcp({ src: '2001:db8::12', dst: '2001:db8:100::8', sport: 41004, dport: 113, flags: TCP_SYN }), 'ident'),
      pkt(tcp({ src: '2001:db8::12', dst: '2001:db8:100::8', sport: 41005, dport: 139, flags: TCP_SYN }), 'netbios'),
      pkt(udp({ src: '2001:db8:2::10', dst: '2001:db8:100::8', sport: 41006, dport: 161 }), 'snmp'),
    ],
  });

  cases.push({
    name: 'IPv6 hop limit exceeded and packet too big (MTU 1280)',
    host: [FWD6, 'ip link set eth1 mtu 1280'],
    rules: [],
    rules6: [STATEFUL_FORWARD6],
    packets: [
      pkt(udp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 42000, dport: 9, ttl: 1 }), 'hop limit 1'),
      pkt(udp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 42001, dport: 9, data: new Uint8Array(1300).fill(7) }), 'too big'),
      pkt(tcp({ src: '2001:db8::11', dst: '2001:db8:100::7', sport: 42002, dport: 80, flags: TCP_ACK, len: 1240, seq: 1, ack: 1 }), 'TCP exactly 1280'),
      pkt(icmp({ src: '2001:db8::12', dst: '2001:db8:100::8', type: 128, len: 1400 }), 'big echo'),
    ],
  });

  cases.push({
    name: 'IPv6 local answers: echo reply, RST, port unreachable',
    host: [],
    rules: [],
    rules6: ['-A INPUT -p udp --dport 7 -j DROP'],
    packets: [
      pkt(icmp({ src: '2001:db8::10', dst: '2001:db8::1', type: 128, id: 9, seq: 3 }), 'ping router'),
      pkt(tcp({ src: '2001:db8::10', dst: '2001:db8::1', sport: 43000, dport: 22, flags: TCP_SYN, seq: 77 }), 'SYN closed port'),
      pkt(tcp({ src: '2001:db8::10', dst: '2001:db8::1', sport: 43001, dport: 22, flags: TCP_ACK, seq: 77, ack: 99 }), 'ACK closed port'),
      pkt(udp({ src: '2001:db8::11', dst: '2001:db8::1', sport: 43002, dport: 9 }), 'UDP closed port'),
      pkt(udp({ src: '2001:db8::11', dst: '2001:db8::1', sport: 43003, dport: 7 }), 'UDP dropped by INPUT'),
      pkt(icmp({ src: '2001:db8:100::7', dst: '2001:db8:2::1', type: 128 }), 'WAN pings the DMZ address'),
      pkt(udp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 43004, dport: 9 }), 'forwarding off: dropped'),
    ],
  });

  {
    const web = new TcpConv({ src: '2001:db8::10', dst: '2001:db8:200::34', sport: 44000, dport: 443 }, { back: { src: '2001:db8:200::34', dst: '2001:db8:1::1', sport: 443, dport: 44000 } });
    cases.push({
      name: 'IPv6 MASQUERADE and replies',
      host: [FWD6],
      rules: [],
      rules6: [STATEFUL_FORWARD6, '-A FORWARD -i eth1 -j DROP', '-t nat -A POSTROUTING -o eth1 -j MASQUERADE'],
      packets: [
        ...handshake(web, 'https6'),
        pkt(udp({ src: '2001:db8::11', dst: '2001:db8:100::7', sport: 44001, dport: 123 }), 'ntp out'),
        pkt(udp({ src: '2001:db8:100::7', dst: '2001:db8:1::1', sport: 123, dport: 44001 }), 'ntp reply'),
        pkt(icmp({ src: '2001:db8::12', dst: '2001:db8:100::8', type: 128, id: 0x77, seq: 1 }), 'ping out'),
        pkt(icmp({ src: '2001:db8:100::8', dst: '2001:db8:1::1', type: 129, id: 0x77, seq: 1 }), 'ping reply'),
      ],
    });
  }

  {
    const c = new TcpConv({ src: '2001:db8:2::10', dst: '2001:db8:100::7', sport: 45000, dport: 80 }, { back: { src: '2001:db8:100::7', dst: '2001:db8:1::1', sport: 80, dport: 45000 } });
    const pf = new TcpConv({ src: '2001:db8:100::8', dst: '2001:db8:1::1', sport: 45001, dport: 8080 }, { back: { src: '2001:db8::10', dst: '2001:db8:100::8', sport: 80, dport: 45001 } });
    cases.push({
      name: 'IPv6 SNAT and DNAT port forward',
      host: [FWD6],
      rules: [],
      rules6: [
        STATEFUL_FORWARD6,
        '-t nat -A POSTROUTING -o eth1 -s 2001:db8:2::/64 -j SNAT --to-source 2001:db8:1::1',
        '-t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination [2001:db8::10]:80',
      ],
      packets: [...handshake(c, 'snat6'), ...handshake(pf, 'dnat6')],
    });
  }

  {
    const dst = parseIp(6, '2001:db8:100::7')!;
    const base = (sport: number): Uint8Array => udp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport, dport: 53 });
    const local = (sport: number): Uint8Array => udp({ src: '2001:db8::10', dst: '2001:db8::1', sport, dport: 9 });
    const syn = tcp({ src: '2001:db8::11', dst: '2001:db8:100::7', sport: 46010, dport: 25, flags: TCP_SYN });
    cases.push({
      name: 'IPv6 extension headers: hop-by-hop, routing type 0, destination options',
      host: [FWD6],
      rules: [],
      rules6: [
        STATEFUL_FORWARD6,
        '-A FORWARD -p udp --dport 53 -j ACCEPT',
        '-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset',
        '-A FORWARD -p 60 -j DROP',
        '-A INPUT -p udp -j ACCEPT',
      ],
      packets: [
        pkt(withExt6(base(46000), [{ type: IPV6_HOPOPTS, body: padOptions() }]), 'hop-by-hop padding'),
        pkt(withExt6(base(46001), [HBH_ROUTER_ALERT]), 'hop-by-hop router alert'),
        pkt(withExt6(base(46002), [rt0(dst)]), 'routing type 0, segments left 0'),
        pkt(withExt6(base(46003), [DSTOPTS_PAD]), 'destination options'),
        pkt(withExt6(base(46004), [{ type: IPV6_HOPOPTS, body: padOptions() }, DSTOPTS_PAD]), 'hop-by-hop then destination options'),
        pkt(withExt6(syn, [DSTOPTS_PAD]), 'SYN behind destination options (RST)'),
        pkt(withExt6(local(46005), [DSTOPTS_PAD]), 'local UDP behind destination options'),
        pkt(withExt6(local(46006), [rt0(parseIp(6, '2001:db8::1')!)]), 'local UDP with routing type 0'),
      ],
    });
    // The same kinds of packets counted by the extension-header matches (no conntrack, so
    // fragments cross FORWARD one by one, as they came, and -m frag sees each).
    const big = udp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 46030, dport: 53, data: new Uint8Array(64).fill(0x61) });
    cases.push({
      name: 'IPv6 extension-header matches: ipv6header, hbh, dst, rt, frag',
      host: [FWD6],
      rules: [],
      rules6: [
        '-A FORWARD -m ipv6header --header hop --soft',
        '-A FORWARD -m ipv6header --header hop,dst --soft',
        '-A FORWARD -m ipv6header --header ipv6-route,prot',
        '-A FORWARD -m ipv6header ! --header frag --soft',
        '-A FORWARD -m hbh --hbh-opts 5',
        '-A FORWARD -m hbh --hbh-len 8',
        '-A FORWARD -m dst --dst-opts 1',
        '-A FORWARD -m rt --rt-type 0 --rt-segsleft 0',
        '-A FORWARD -m frag --fragfirst',
        '-A FORWARD -m frag --fraglast',
        '-A FORWARD -m frag --fragid 7000:7100 --fragmore',
        '-A FORWARD -m rt --rt-type 0 -j DROP',
        '-A FORWARD -p udp -j ACCEPT',
        '-A FORWARD -m frag -j ACCEPT',
      ],
      packets: [
        pkt(withExt6(base(46020), [{ type: IPV6_HOPOPTS, body: padOptions() }]), 'hop-by-hop padding'),
        pkt(withExt6(base(46021), [HBH_ROUTER_ALERT]), 'hop-by-hop router alert'),
        pkt(withExt6(base(46022), [rt0(dst)]), 'routing type 0, segments left 0 (dropped)'),
        pkt(withExt6(base(46023), [DSTOPTS_PAD]), 'destination options'),
        pkt(withExt6(base(46024), [{ type: IPV6_HOPOPTS, body: padOptions() }, DSTOPTS_PAD]), 'hop-by-hop then destination options'),
        pkt(base(46025), 'no extension header'),
        ...frag6(big, [{ off: 0, len: 32 }, { off: 32, len: 40 }], 7050).map((f, i) => pkt(f, `fragment ${i + 1} of 2`)),
      ],
    });

    const hbh = (opts: number[]): Ext6[] => [{ type: IPV6_HOPOPTS, body: padOptions(opts) }];
    cases.push({
      name: 'IPv6 hop-by-hop option processing (ip6_parse_tlv)',
      host: [FWD6],
      rules: [],
      rules6: [STATEFUL_FORWARD6],
      packets: [
        pkt(withExt6(base(46100), hbh([0x03, 2, 0, 0])), 'unknown option, action skip'),
        pkt(withExt6(base(46101), hbh([0x43, 2, 0, 0])), 'unknown option, action discard'),
        pkt(withExt6(base(46102), hbh([0x83, 2, 0, 0])), 'unknown option, discard + parameter problem'),
        pkt(withExt6(base(46103), hbh([0xc3, 2, 0, 0])), 'unknown option, discard + parameter problem unless multicast'),
        pkt(withExt6(base(46104), hbh([1, 2, 0, 1])), 'PadN with a non-zero byte'),
        pkt(withExt6(local(46105), hbh([0x83, 2, 0, 0])), 'local: discard + parameter problem'),
      ],
    });
  }

  cases.push({
    name: 'IPv6 conntrack INVALID and state',
    host: [FWD6],
    rules: [],
    rules6: [STATEFUL_FORWARD6, '-A FORWARD -m conntrack --ctstate INVALID -j DROP', '-A FORWARD -m conntrack --ctstate NEW -p tcp --syn -j ACCEPT', '-P FORWARD DROP'],
    packets: [
      pkt(tcp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 47000, dport: 80, flags: TCP_ACK, seq: 1, ack: 1 }), 'ACK without connection'),
      pkt(tcp({ src: '2001:db8::10', dst: '2001:db8:100::7', sport: 47001, dport: 80, flags: TCP_SYN }), 'SYN'),
      pkt(tcp({ src: '2001:db8:100::7', dst: '2001:db8::10', sport: 80, dport: 47001, flags: TCP_SYN | TCP_ACK, seq: 5, ack: 1001 }), 'SYN-ACK'),
      pkt(icmp({ src: '2001:db8::10', dst: '2001:db8:100::7', type: 128 }), 'ping (policy drop)'),
    ],
  });
  return cases;
}
