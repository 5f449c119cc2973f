/**
 * TCP flows that push conntrack's state machine and window tracking
 * (nf_conntrack_proto_tcp.c) to its edges, through a stateful FORWARD
 * chain that drops INVALID: invalid flag combinations, segments outside
 * the window, RST and FIN races, retransmissions, half-open connections.
 * The kernel decides what is INVALID; the packets out, the conntrack
 * entries (state, timeout, [ASSURED]) and the INVALID rule's counter must
 * agree.
 */
import { tcp, TcpConv } from '../scenarios/engine/testkit';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../wire/tcp';
import type { DiffCase } from './case';
import { handshake, pkt } from './scenarios';

const TCP_URG = 0x20;
const FWD = 'sysctl -w net.ipv4.ip_forward=1';
const RULES = [
  '-A FORWARD -m conntrack --ctstate INVALID -j DROP',
  '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A FORWARD -p tcp --syn -m conntrack --ctstate NEW -j ACCEPT',
];

let port = 41000;
function conv(): TcpConv {
  return new TcpConv({ src: '192.168.0.10', dst: '198.51.100.7', sport: port++, dport: 80 });
}

/** A raw segment of a conversation, with explicit seq/ack and flags, not advancing it. */
function raw(c: TcpConv, fromClient: boolean, flags: number, seq: number, ack: number, len = 0, window?: number): Uint8Array {
  const e = fromClient ? c.out : c.back;
  return tcp({ ...e, flags, seq: seq >>> 0, ack: ack >>> 0, len, window });
}

export function tcpScenarios(): DiffCase[] {
  const cases: DiffCase[] = [];

  {
    // Flag combinations no stack sends (tcp_valid_flags): each one is INVALID on its own.
    const pkts = [];
    for (const [f, what] of [
      [TCP_SYN | TCP_FIN, 'SYN+FIN'], [TCP_SYN | TCP_RST, 'SYN+RST'], [0, 'NULL'], [TCP_FIN | TCP_PSH | TCP_URG, 'XMAS'],
      [TCP_FIN, 'FIN without ACK'], [TCP_SYN | TCP_FIN | TCP_PSH | TCP_URG | TCP_ACK | TCP_RST, 'all flags'],
    ] as const) {
      pkts.push(pkt(raw(conv(), true, f, 5000, f & TCP_ACK ? 1 : 0), `${what} (new)`));
    }
    cases.push({ name: 'tcp: invalid flag combinations on new connections', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // The same combinations inside an established connection.
    const c = conv();
    const pkts = handshake(c, 'conn');
    pkts.push(pkt(raw(c, true, TCP_SYN | TCP_FIN | TCP_ACK, c.cseq, c.sseq), 'SYN+FIN+ACK in the connection'));
    pkts.push(pkt(raw(c, false, 0, c.sseq, 0), 'NULL from the server'));
    pkts.push(pkt(raw(c, true, TCP_ACK | TCP_PSH, c.cseq, c.sseq, 10), 'data still flows'));
    cases.push({ name: 'tcp: invalid flag combinations inside a connection', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // tcp_in_window: sequence beyond the receiver's window, ACK beyond what was sent, old retransmissions.
    const c = conv();
    const pkts = handshake(c, 'conn');
    pkts.push(pkt(raw(c, true, TCP_ACK | TCP_PSH, c.cseq + 10_000_000, c.sseq, 100), 'data far beyond the window'));
    pkts.push(pkt(raw(c, true, TCP_ACK, c.cseq, c.sseq + 5_000_000), 'ACK for data never sent'));
    pkts.push(pkt(raw(c, true, TCP_ACK | TCP_PSH, c.cseq - 100, c.sseq, 100), 'retransmission of data already acknowledged'));
    pkts.push(pkt(raw(c, false, TCP_ACK, c.sseq, c.cseq - 200_000), 'an ACK far in the past'));
    pkts.push(pkt(c.c(TCP_ACK | TCP_PSH, { len: 50 }), 'in-window data'));
    pkts.push(pkt(c.s(TCP_ACK), 'its ACK'));
    cases.push({ name: 'tcp: segments outside the window', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // RST: exactly at the expected sequence, in the window but not exact, and outside it.
    const a = conv(), b = conv(), d = conv();
    const pkts = [
      ...handshake(a, 'a'), pkt(raw(a, false, TCP_RST, a.sseq, 0), 'a: server RST at the exact sequence'),
      pkt(raw(a, true, TCP_ACK | TCP_PSH, a.cseq, a.sseq, 10), 'a: data after the RST'),
      ...handshake(b, 'b'), pkt(raw(b, false, TCP_RST | TCP_ACK, b.sseq + 1000, b.cseq), 'b: server RST in the window, not exact'),
      pkt(raw(b, true, TCP_ACK | TCP_PSH, b.cseq, b.sseq, 10), 'b: data after it'),
      ...handshake(d, 'd'), pkt(raw(d, true, TCP_RST, d.cseq + 50_000_000, 0), 'd: client RST far outside the window'),
      pkt(raw(d, true, TCP_ACK | TCP_PSH, d.cseq, d.sseq, 10), 'd: data after it'),
    ];
    cases.push({ name: 'tcp: RST at, near and far from the expected sequence', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // Both ends close at once (FIN crossing FIN), then the last ACKs: TIME_WAIT.
    const c = conv();
    const pkts = handshake(c, 'conn');
    const cf = raw(c, true, TCP_FIN | TCP_ACK, c.cseq, c.sseq);
    const sf = raw(c, false, TCP_FIN | TCP_ACK, c.sseq, c.cseq);
    c.cseq++; c.sseq++;
    pkts.push(pkt(cf, 'client FIN'), pkt(sf, 'server FIN crossing it'));
    pkts.push(pkt(raw(c, true, TCP_ACK, c.cseq, c.sseq), 'client ACK'), pkt(raw(c, false, TCP_ACK, c.sseq, c.cseq), 'server ACK'));
    pkts.push(pkt(raw(c, true, TCP_ACK | TCP_PSH, c.cseq, c.sseq, 10), 'data after both FINs'));
    cases.push({ name: 'tcp: simultaneous close', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // FIN, then RST racing the FIN's ACK; and a half-open connection the server resets.
    const c = conv(), h = conv();
    const pkts = handshake(c, 'conn');
    pkts.push(pkt(c.c(TCP_FIN | TCP_ACK), 'client FIN'));
    pkts.push(pkt(raw(c, false, TCP_RST, c.sseq, 0), 'server RST instead of ACK'));
    pkts.push(pkt(raw(c, false, TCP_ACK, c.sseq, c.cseq), 'a late ACK'));
    pkts.push(pkt(h.c(TCP_SYN, { mss: 1460 }), 'half-open SYN'));
    pkts.push(pkt(raw(h, false, TCP_RST | TCP_ACK, 0, h.cseq), 'server refuses with RST'));
    pkts.push(pkt(raw(h, true, TCP_SYN, h.cseq - 1, 0), 'SYN again on the same ports'));
    cases.push({ name: 'tcp: FIN/RST races and a refused connection', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // Retransmitted SYN and SYN-ACK, a SYN-ACK with the wrong ACK, duplicate ACKs.
    const c = conv(), w = conv();
    const syn = c.c(TCP_SYN, { mss: 1460 });
    const synack = c.s(TCP_SYN | TCP_ACK, { mss: 1460 });
    const pkts = [
      pkt(syn, 'SYN'), pkt(syn, 'SYN retransmitted'), pkt(synack, 'SYN-ACK'), pkt(synack, 'SYN-ACK retransmitted'),
      pkt(c.c(TCP_ACK), 'ACK'), pkt(raw(c, true, TCP_ACK, c.cseq, c.sseq), 'duplicate ACK'),
      pkt(w.c(TCP_SYN, { mss: 1460 }), 'other SYN'), pkt(raw(w, false, TCP_SYN | TCP_ACK, 777, w.cseq + 5000), 'SYN-ACK acknowledging the wrong sequence'),
      pkt(raw(w, false, TCP_SYN | TCP_ACK, 777, w.cseq), 'then the right SYN-ACK'),
    ];
    cases.push({ name: 'tcp: retransmitted and wrong handshake segments', host: [FWD], rules: RULES, packets: pkts });
  }

  {
    // Without the INVALID rule and with be_liberal off, what the kernel lets through unchanged
    // (an out-of-window segment is INVALID but still forwarded by an accepting chain).
    const c = conv();
    const pkts = handshake(c, 'conn');
    pkts.push(pkt(raw(c, true, TCP_ACK | TCP_PSH, c.cseq + 10_000_000, c.sseq, 100), 'out of window, forwarded as INVALID'));
    pkts.push(pkt(raw(c, true, TCP_SYN | TCP_FIN, c.cseq, 0), 'SYN+FIN, forwarded as INVALID'));
    cases.push({ name: 'tcp: INVALID segments counted by an accepting chain', host: [FWD], rules: ['-A FORWARD -m conntrack --ctstate INVALID -j ACCEPT', '-A FORWARD -j ACCEPT'], packets: pkts });
  }

  return cases;
}
