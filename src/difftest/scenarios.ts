/**
 * Hand-written cases: the seed setups mapped onto the difftest router
 * (LAN eth0, WAN eth1, DMZ eth2), and the basic behaviours of the path.
 * Each packet is built with the scenario test kit; TCP conversations keep
 * their sequence numbers straight in both directions.
 */
import { icmp, rawIp4, tcp, TcpConv, udp } from '../scenarios/engine/testkit';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../wire/tcp';
import { ipv6ToString } from '../util/addr';
import { devFor, type CasePacket, type DiffCase } from './case';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const srcOf = (b: Uint8Array): string => (b[0] >> 4 === 6 ? ipv6ToString(b.subarray(8, 24)) : [...b.subarray(12, 16)].join('.'));

/** A packet injected by the peer behind its source address. */
export function pkt(b: Uint8Array, what?: string, dev?: string): CasePacket {
  return { dev: dev ?? devFor(srcOf(b)), hex: hex(b), what };
}

const FWD = 'sysctl -w net.ipv4.ip_forward=1';
const STATEFUL_FORWARD = '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT';

export function handshake(conv: TcpConv, label: string, data = true): CasePacket[] {
  const out = [pkt(conv.c(TCP_SYN, { mss: 1460 }), `${label} SYN`), pkt(conv.s(TCP_SYN | TCP_ACK, { mss: 1460 }), `${label} SYN-ACK`), pkt(conv.c(TCP_ACK), `${label} ACK`)];
  if (data) out.push(pkt(conv.c(TCP_ACK | TCP_PSH, { len: 100 }), `${label} data`), pkt(conv.s(TCP_ACK), `${label} data ACK`));
  return out;
}

export function fixedScenarios(): DiffCase[] {
  const cases: DiffCase[] = [];

  {
    const ok = new TcpConv({ src: '192.168.0.10', dst: '198.51.100.7', sport: 40000, dport: 80 });
    cases.push({
      name: 'forward accept and drop',
      host: [FWD],
      rules: [STATEFUL_FORWARD, '-A FORWARD -p tcp --dport 23 -j DROP', '-A FORWARD -s 10.0.0.11 -j DROP'],
      packets: [
        ...handshake(ok, 'web'),
        pkt(ok.c(TCP_FIN | TCP_ACK), 'web FIN'), pkt(ok.s(TCP_FIN | TCP_ACK), 'web FIN back'), pkt(ok.c(TCP_ACK), 'web last ACK'),
        pkt(tcp({ src: '192.168.0.11', dst: '198.51.100.8', sport: 40001, dport: 23, flags: TCP_SYN }), 'telnet SYN (dropped)'),
        pkt(udp({ src: '10.0.0.10', dst: '198.51.100.8', sport: 5353, dport: 53 }), 'dmz DNS query'),
        pkt(udp({ src: '198.51.100.8', dst: '10.0.0.10', sport: 53, dport: 5353 }), 'DNS reply'),
        pkt(udp({ src: '10.0.0.11', dst: '198.51.100.8', sport: 5353, dport: 53 }), 'dropped source'),
      ],
    });
  }

  cases.push({
    name: 'REJECT tcp-reset and icmp variants',
    host: [FWD],
    rules: [
      STATEFUL_FORWARD,
      '-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset',
      '-A FORWARD -p udp --dport 69 -j REJECT',
      '-A FORWARD -d 10.0.0.11 -j REJECT --reject-with icmp-host-unreachable',
      '-A FORWARD -p tcp --dport 113 -j REJECT --reject-with icmp-net-prohibited',
      '-A FORWARD -p tcp --dport 139 -j REJECT --reject-with icmp-admin-prohibited',
      '-A FORWARD -p udp --dport 161 -j REJECT --reject-with icmp-net-unreachable',
      '-A FORWARD -p 47 -j REJECT --reject-with icmp-proto-unreachable',
    ],
    packets: [
      pkt(tcp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 41000, dport: 25, flags: TCP_SYN, seq: 5000 }), 'smtp SYN'),
      pkt(tcp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 41001, dport: 25, flags: TCP_ACK | TCP_PSH, seq: 7000, ack: 9000, len: 20 }), 'smtp data (loose pickup)'),
      pkt(udp({ src: '192.168.0.11', dst: '198.51.100.7', sport: 41002, dport: 69 }), 'tftp'),
      pkt(tcp({ src: '198.51.100.7', dst: '10.0.0.11', sport: 41003, dport: 80, flags: TCP_SYN }), 'to rejected host'),
      pkt(tcp({ src: '192.168.0.12', dst: '198.51.100.8', sport: 41004, dport: 113, flags: TCP_SYN }), 'ident'),
      pkt(tcp({ src: '192.168.0.12', dst: '198.51.100.8', sport: 41005, dport: 139, flags: TCP_SYN, df: true }), 'netbios DF'),
      pkt(udp({ src: '10.0.0.10', dst: '198.51.100.8', sport: 41006, dport: 161 }), 'snmp'),
      pkt(rawIp4({ src: '10.0.0.10', dst: '198.51.100.8', proto: 47, len: 24 }), 'GRE'),
    ],
  });

  {
    const web = new TcpConv({ src: '192.168.0.10', dst: '93.184.216.34', sport: 42000, dport: 443 }, { back: { src: '93.184.216.34', dst: '203.0.113.1', sport: 443, dport: 42000 } });
    cases.push({
      name: 'MASQUERADE and replies',
      host: [FWD],
      rules: [STATEFUL_FORWARD, '-A FORWARD -i eth1 -j DROP', '-t nat -A POSTROUTING -o eth1 -j MASQUERADE'],
      packets: [
        ...handshake(web, 'https'),
        pkt(web.s(TCP_RST), 'https RST back'),
        pkt(udp({ src: '192.168.0.11', dst: '198.51.100.7', sport: 42001, dport: 123 }), 'ntp out'),
        pkt(udp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 123, dport: 42001 }), 'ntp reply'),
        pkt(icmp({ src: '192.168.0.12', dst: '198.51.100.8', type: 8, id: 0x77, seq: 1 }), 'ping out'),
        pkt(icmp({ src: '198.51.100.8', dst: '203.0.113.1', type: 0, id: 0x77, seq: 1 }), 'ping reply'),
        pkt(udp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 123, dport: 42999 }), 'unsolicited udp to the router'),
      ],
    });
  }

  {
    const pf = new TcpConv({ src: '198.51.100.7', dst: '203.0.113.1', sport: 43000, dport: 8080 }, { back: { src: '192.168.0.10', dst: '198.51.100.7', sport: 80, dport: 43000 } });
    cases.push({
      name: 'DNAT port forward and DNS faking',
      host: [FWD],
      rules: [
        STATEFUL_FORWARD,
        '-t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination 192.168.0.10:80',
        '-t nat -A PREROUTING -i eth0 -p udp --dport 53 -j DNAT --to-destination 10.0.0.10',
        '-A FORWARD -i eth1 -d 192.168.0.10 -p tcp --dport 80 -j ACCEPT',
        '-A FORWARD -i eth0 -j ACCEPT',
        '-P FORWARD DROP',
      ],
      packets: [
        ...handshake(pf, 'forwarded web'),
        pkt(udp({ src: '192.168.0.11', dst: '8.8.8.8', sport: 44000, dport: 53 }), 'DNS to 8.8.8.8 (faked)'),
        pkt(udp({ src: '10.0.0.10', dst: '192.168.0.11', sport: 53, dport: 44000 }), 'DNS reply from the fake'),
        pkt(tcp({ src: '198.51.100.8', dst: '192.168.0.10', sport: 43001, dport: 80, flags: TCP_SYN }), 'direct to LAN (dropped)'),
      ],
    });
  }

  cases.push({
    name: 'TTL exceeded',
    host: [FWD],
    rules: [STATEFUL_FORWARD],
    packets: [
      pkt(tcp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 45000, dport: 80, flags: TCP_SYN, ttl: 1 }), 'ttl 1 SYN'),
      pkt(udp({ src: '198.51.100.7', dst: '10.0.0.10', sport: 45001, dport: 33434, ttl: 1 }), 'traceroute probe'),
      pkt(icmp({ src: '10.0.0.10', dst: '198.51.100.8', type: 8, ttl: 1 }), 'ping ttl 1'),
      pkt(udp({ src: '198.51.100.7', dst: '10.0.0.10', sport: 45002, dport: 33435, ttl: 2 }), 'ttl 2 passes'),
      pkt(icmp({ src: '192.168.0.10', dst: '192.168.0.1', type: 8, ttl: 1 }), 'ttl 1 to the router itself'),
    ],
  });

  cases.push({
    name: 'local answers: echo reply, RST, port unreachable',
    host: [],
    rules: ['-A INPUT -m conntrack --ctstate INVALID -j DROP'],
    packets: [
      pkt(icmp({ src: '192.168.0.10', dst: '192.168.0.1', type: 8, id: 1, seq: 1, len: 56 }), 'ping router'),
      pkt(icmp({ src: '198.51.100.7', dst: '203.0.113.1', type: 8, id: 2, seq: 7 }), 'ping WAN address'),
      pkt(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 46000, dport: 22, flags: TCP_SYN, seq: 1234 }), 'SYN closed port'),
      pkt(tcp({ src: '10.0.0.10', dst: '10.0.0.1', sport: 46001, dport: 80, flags: TCP_ACK, seq: 1, ack: 777 }), 'stray ACK'),
      pkt(udp({ src: '192.168.0.11', dst: '192.168.0.1', sport: 46002, dport: 9 }), 'udp closed port'),
      pkt(icmp({ src: '192.168.0.10', dst: '203.0.113.1', type: 8, id: 3, seq: 1 }), 'ping other interface address'),
    ],
  });

  cases.push({
    name: 'stateful single host (INPUT)',
    host: [],
    rules: [
      '-N TCP', '-N UDP', '-P INPUT DROP',
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A INPUT -i lo -j ACCEPT',
      '-A INPUT -m conntrack --ctstate INVALID -j DROP',
      '-A INPUT -p icmp --icmp-type 8 -m conntrack --ctstate NEW -j ACCEPT',
      '-A INPUT -p udp -m conntrack --ctstate NEW -j UDP',
      '-A INPUT -p tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j TCP',
      '-A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable',
      '-A INPUT -p tcp -j REJECT --reject-with tcp-reset',
      '-A INPUT -j REJECT --reject-with icmp-proto-unreachable',
      '-A TCP -p tcp --dport 22 -j ACCEPT',
      '-A UDP -p udp --dport 53 -j ACCEPT',
    ],
    packets: [
      pkt(icmp({ src: '198.51.100.7', dst: '203.0.113.1', type: 8 }), 'ping'),
      pkt(tcp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 47000, dport: 22, flags: TCP_SYN }), 'ssh SYN (accepted, no listener)'),
      pkt(tcp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 47001, dport: 80, flags: TCP_SYN }), 'http SYN (rejected)'),
      pkt(udp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 47002, dport: 53 }), 'dns (accepted, no listener)'),
      pkt(udp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 47003, dport: 123 }), 'ntp (rejected)'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 47004, dport: 80, flags: TCP_ACK, seq: 5, ack: 6 }), 'stray ACK'),
      pkt(rawIp4({ src: '198.51.100.8', dst: '203.0.113.1', proto: 47, len: 24 }), 'GRE'),
    ],
  });

  // Seed 002's port-scan trap and SSH brute-force chain: the recent lists decide.
  cases.push({
    name: 'port-scan trap and SSH brute-force chain (recent)',
    host: [],
    rules: [
      '-N TCP', '-N IN_SSH', '-P INPUT DROP',
      '-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j IN_SSH',
      '-A INPUT -p tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j TCP',
      '-A INPUT -p tcp -m recent --set --name TCP-PORTSCAN -j REJECT --reject-with tcp-reset',
      '-A TCP -p tcp --dport 80 -j ACCEPT',
      '-I TCP -p tcp -m recent --update --seconds 60 --name TCP-PORTSCAN -j REJECT --reject-with tcp-reset',
      '-A IN_SSH -m recent --name sshbf --rttl --rcheck --hitcount 3 --seconds 10 -j DROP',
      '-A IN_SSH -m recent --name sshbf --set -j ACCEPT',
    ],
    packets: [
      pkt(tcp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 46000, dport: 23, flags: TCP_SYN }), 'scan of a closed port (trapped, reset)'),
      pkt(tcp({ src: '198.51.100.7', dst: '203.0.113.1', sport: 46001, dport: 80, flags: TCP_SYN }), 'the scanner on an open port (reset by the trap)'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 46002, dport: 80, flags: TCP_SYN }), 'another host on the open port (accepted, no listener)'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 46010, dport: 22, flags: TCP_SYN }), 'ssh 1'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 46011, dport: 22, flags: TCP_SYN }), 'ssh 2'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 46012, dport: 22, flags: TCP_SYN }), 'ssh 3'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 46013, dport: 22, flags: TCP_SYN }), 'ssh 4 (dropped)'),
      pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 46014, dport: 22, flags: TCP_SYN, ttl: 50 }), 'ssh 5, other TTL (--rttl: not counted)'),
    ],
  });

  {
    const out = new TcpConv({ src: '192.168.0.10', dst: '93.184.216.34', sport: 48000, dport: 80 }, { back: { src: '93.184.216.34', dst: '203.0.113.1', sport: 80, dport: 48000 } });
    const fwd = new TcpConv({ src: '198.51.100.7', dst: '203.0.113.1', sport: 48001, dport: 80 }, { back: { src: '192.168.0.10', dst: '198.51.100.7', sport: 80, dport: 48001 } });
    cases.push({
      name: 'NAT gateway (seeds 000/002): fw-interfaces, fw-open, MASQUERADE, DNAT, TCPMSS',
      host: [FWD, 'ip link set eth1 mtu 1492'],
      rules: [
        '-P INPUT DROP', '-A INPUT -i lo -j ACCEPT', '-A INPUT -i eth0 -s 192.168.0.0/24 -j ACCEPT',
        '-A INPUT -i eth1 -m state --state ESTABLISHED,RELATED -j ACCEPT',
        '-N fw-interfaces', '-N fw-open',
        STATEFUL_FORWARD, '-A FORWARD -j fw-interfaces', '-A FORWARD -j fw-open',
        '-A FORWARD -j REJECT --reject-with icmp-host-unreachable', '-P FORWARD DROP',
        '-A fw-interfaces -i eth0 -j ACCEPT',
        '-t nat -A POSTROUTING -s 192.168.0.0/24 -o eth1 -j MASQUERADE',
        '-t nat -A PREROUTING -i eth1 -p tcp --dport 80 -j DNAT --to 192.168.0.10',
        '-A fw-open -d 192.168.0.10 -p tcp --dport 80 -j ACCEPT',
        '-t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
      ],
      packets: [
        ...handshake(out, 'browse'),
        ...handshake(fwd, 'port forward'),
        pkt(tcp({ src: '198.51.100.8', dst: '203.0.113.1', sport: 48002, dport: 22, flags: TCP_SYN }), 'scan ssh (dropped)'),
        pkt(tcp({ src: '198.51.100.8', dst: '10.0.0.10', sport: 48003, dport: 22, flags: TCP_SYN }), 'to the DMZ (host unreachable)'),
        pkt(icmp({ src: '192.168.0.11', dst: '192.168.0.1', type: 8 }), 'LAN ping router'),
        pkt(icmp({ src: '198.51.100.8', dst: '203.0.113.1', type: 8 }), 'WAN ping router (dropped)'),
      ],
    });
  }

  {
    const c = new TcpConv({ src: '192.168.0.10', dst: '198.51.100.7', sport: 49000, dport: 80 }, { back: { src: '198.51.100.7', dst: '203.0.113.1', sport: 80, dport: 49000 } });
    cases.push({
      name: 'SNAT to the WAN address (seed 004)',
      host: [FWD],
      rules: [STATEFUL_FORWARD, '-t nat -A POSTROUTING -o eth1 -j SNAT --to-source 203.0.113.1'],
      packets: [...handshake(c, 'snat')],
    });
  }

  cases.push({
    name: 'forwarding disabled',
    host: [],
    rules: [STATEFUL_FORWARD],
    packets: [
      pkt(tcp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 50000, dport: 80, flags: TCP_SYN }), 'SYN out'),
      pkt(icmp({ src: '192.168.0.10', dst: '192.168.0.1', type: 8 }), 'ping router'),
    ],
  });

  cases.push({
    name: 'unreachable, prohibit and blackhole routes',
    host: [FWD, 'ip route add unreachable 198.51.100.8', 'ip route add prohibit 93.184.216.34', 'ip route add blackhole 198.51.100.7'],
    rules: [STATEFUL_FORWARD],
    packets: [
      pkt(tcp({ src: '192.168.0.10', dst: '198.51.100.8', sport: 51000, dport: 80, flags: TCP_SYN }), 'to unreachable'),
      pkt(udp({ src: '192.168.0.10', dst: '93.184.216.34', sport: 51001, dport: 53 }), 'to prohibit'),
      pkt(icmp({ src: '10.0.0.10', dst: '198.51.100.7', type: 8 }), 'to blackhole'),
    ],
  });

  cases.push({
    name: 'MTU: fragmentation needed and fragmenting',
    host: [FWD, 'ip link set eth1 mtu 1400'],
    rules: [STATEFUL_FORWARD],
    packets: [
      pkt(udp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 52000, dport: 9, df: true, data: new Uint8Array(1430).fill(7) }), 'DF too big'),
      pkt(udp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 52001, dport: 9, data: new Uint8Array(1430).fill(8) }), 'no DF: fragmented'),
      pkt(tcp({ src: '192.168.0.11', dst: '198.51.100.7', sport: 52002, dport: 80, flags: TCP_ACK, df: true, len: 1400, seq: 1, ack: 1 }), 'DF TCP too big'),
    ],
  });

  cases.push({
    name: 'rp_filter strict and loose',
    host: [FWD, 'sysctl -w net.ipv4.conf.eth1.rp_filter=1', 'sysctl -w net.ipv4.conf.eth2.rp_filter=2'],
    rules: [STATEFUL_FORWARD],
    packets: [
      pkt(udp({ src: '192.168.0.10', dst: '10.0.0.10', sport: 53000, dport: 9 }), 'LAN source spoofed on eth1 (strict)', 'eth1'),
      pkt(udp({ src: '198.51.100.7', dst: '10.0.0.10', sport: 53001, dport: 9 }), 'genuine on eth1'),
      pkt(udp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 53002, dport: 9 }), 'LAN source on eth2 (loose passes)', 'eth2'),
    ],
  });

  cases.push({
    name: 'port clash under MASQUERADE',
    host: [FWD],
    rules: [STATEFUL_FORWARD, '-t nat -A POSTROUTING -o eth1 -j MASQUERADE'],
    packets: [
      pkt(tcp({ src: '192.168.0.10', dst: '198.51.100.7', sport: 54000, dport: 80, flags: TCP_SYN, seq: 1 }), 'first'),
      pkt(tcp({ src: '192.168.0.11', dst: '198.51.100.7', sport: 54000, dport: 80, flags: TCP_SYN, seq: 2 }), 'same port from another host'),
    ],
  });

  cases.push({
    name: 'forwarded back out of the same LAN interface (redirect)',
    known: 'ICMP redirect: the kernel builds one (counted in raw and mangle OUTPUT, never seen on the link); netsieve builds none',
    host: [FWD],
    rules: [STATEFUL_FORWARD],
    packets: [
      pkt(udp({ src: '192.168.0.10', dst: '192.168.0.11', sport: 55000, dport: 9 }), 'LAN to LAN via the router'),
    ],
  });

  return cases;
}
