/**
 * Local processes on the router (the OUTPUT path): sockets bound on the
 * router (DiffCase.listen, started in the kernel's namespace by
 * listeners.ts, declared to netsieve with `listen`), and rules in INPUT
 * and OUTPUT over what reaches them and what the router answers.
 *
 * netsieve's local stack has no TCP endpoint: a SYN to a listening port is
 * delivered and nothing answers it, where the kernel sends a SYN-ACK
 * (tcp_conn_request) and its conntrack entry moves to SYN_RECV. Those cases
 * are marked known.
 */
import { icmp, tcp, udp } from '../scenarios/engine/testkit';
import { TCP_SYN } from '../wire/tcp';
import type { DiffCase } from './case';
import { packet6 } from './family6';
import { pkt } from './scenarios';

export const NO_TCP_ENDPOINT = 'netsieve models no TCP endpoint: a SYN to a listening port is delivered without a SYN-ACK (the kernel answers from tcp_conn_request, and its conntrack entry becomes SYN_RECV)';

function local4(): DiffCase {
  return {
    name: 'local processes: UDP to a listening port, INPUT REJECT, answers through OUTPUT rules',
    host: [],
    listen: ['udp *:53', 'tcp *:22', 'udp 10.0.0.1:123'],
    rules: [
      '-A INPUT -m conntrack --ctstate INVALID -j DROP',
      '-A INPUT -p tcp --dport 22 -s 192.168.0.12 -j REJECT --reject-with tcp-reset',
      '-A INPUT -p udp --dport 123 -i eth0 -j REJECT --reject-with icmp-admin-prohibited',
      '-A OUTPUT -p icmp --icmp-type echo-reply -d 192.168.0.11 -j DROP',
      '-A OUTPUT -p tcp --tcp-flags RST RST -d 10.0.0.11 -j DROP',
      '-t mangle -A OUTPUT -p icmp -j DSCP --set-dscp 8',
      '-t mangle -A OUTPUT -p udp -j MARK --set-mark 0x5',
      '-A OUTPUT -m mark --mark 0x5 -j ACCEPT',
    ],
    packets: [
      pkt(udp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 40053, dport: 53 }), 'udp to the listening port 53 (delivered, nothing back)'),
      pkt(udp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 40053, dport: 53 }), 'the same flow again'),
      pkt(udp({ src: '10.0.0.10', dst: '10.0.0.1', sport: 40123, dport: 123 }), 'udp to the port bound on 10.0.0.1'),
      pkt(udp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 40124, dport: 123 }), 'udp 123 on another address (REJECT admin-prohibited)'),
      pkt(udp({ src: '192.168.0.11', dst: '192.168.0.1', sport: 40054, dport: 54 }), 'udp to a closed port (unreachable, marked in OUTPUT)'),
      pkt(tcp({ src: '192.168.0.12', dst: '192.168.0.1', sport: 40022, dport: 22, flags: TCP_SYN, seq: 100, mss: 1460 }), 'SYN to the listening port from a rejected host'),
      pkt(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 40023, dport: 23, flags: TCP_SYN, seq: 200 }), 'SYN to a closed port (RST)'),
      pkt(tcp({ src: '10.0.0.11', dst: '10.0.0.1', sport: 40024, dport: 24, flags: TCP_SYN, seq: 300 }), 'SYN to a closed port, the RST dropped in OUTPUT'),
      pkt(icmp({ src: '192.168.0.10', dst: '192.168.0.1', type: 8, id: 5, seq: 1 }), 'ping (reply with DSCP 8)'),
      pkt(icmp({ src: '192.168.0.11', dst: '192.168.0.1', type: 8, id: 6, seq: 1 }), 'ping, reply dropped in OUTPUT'),
    ],
  };
}

function local6(): DiffCase {
  return {
    name: 'local processes (IPv6): UDP to a listening port, INPUT REJECT, answers through OUTPUT rules',
    host: [],
    listen: ['udp [::]:53', 'tcp [::]:22'],
    rules: [],
    rules6: [
      '-A INPUT -m conntrack --ctstate INVALID -j DROP',
      '-A INPUT -p tcp --dport 22 -s 2001:db8::12 -j REJECT --reject-with tcp-reset',
      '-A OUTPUT -p ipv6-icmp --icmpv6-type echo-reply -d 2001:db8::11 -j DROP',
      '-t mangle -A OUTPUT -p ipv6-icmp -j DSCP --set-dscp 8',
      '-A OUTPUT -p ipv6-icmp --icmpv6-type port-unreachable -j ACCEPT',
    ],
    packets: [
      pkt(udp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 40053, dport: 53 }), 'udp to the listening port 53'),
      pkt(udp({ src: '192.168.0.11', dst: '192.168.0.1', sport: 40054, dport: 54 }), 'udp to a closed port'),
      pkt(tcp({ src: '192.168.0.12', dst: '192.168.0.1', sport: 40022, dport: 22, flags: TCP_SYN, seq: 100, mss: 1460 }), 'SYN to the listening port from a rejected host'),
      pkt(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 40023, dport: 23, flags: TCP_SYN, seq: 200 }), 'SYN to a closed port'),
      pkt(icmp({ src: '192.168.0.10', dst: '192.168.0.1', type: 8, id: 5, seq: 1 }), 'ping'),
      pkt(icmp({ src: '192.168.0.11', dst: '192.168.0.1', type: 8, id: 6, seq: 1 }), 'ping, reply dropped in OUTPUT'),
    ].map(packet6),
  };
}

export function localScenarios(): DiffCase[] {
  const syn = pkt(tcp({ src: '192.168.0.10', dst: '192.168.0.1', sport: 41022, dport: 22, flags: TCP_SYN, seq: 1000, mss: 1460 }), 'SYN to the listening port 22');
  return [
    local4(),
    local6(),
    {
      name: 'local processes: a SYN to a listening TCP port (SYN-ACK)',
      known: NO_TCP_ENDPOINT,
      host: [], listen: ['tcp *:22'],
      rules: ['-A INPUT -m conntrack --ctstate INVALID -j DROP'],
      packets: [syn],
    },
    {
      name: 'local processes: OUTPUT drops the SYN-ACK of a listening port',
      known: NO_TCP_ENDPOINT,
      host: [], listen: ['tcp *:22'],
      rules: ['-A INPUT -m conntrack --ctstate INVALID -j DROP', '-A OUTPUT -p tcp --sport 22 --tcp-flags SYN,ACK SYN,ACK -j DROP'],
      packets: [syn],
    },
    {
      name: 'local processes (IPv6): a SYN to a listening TCP port (SYN-ACK)',
      known: NO_TCP_ENDPOINT,
      host: [], listen: ['tcp [::]:22'],
      rules: [], rules6: ['-A INPUT -m conntrack --ctstate INVALID -j DROP'],
      packets: [packet6(syn)],
    },
  ];
}
