/**
 * Fragments injected by the peers, IPv4 and IPv6: in order, out of order,
 * overlapping, repeated, a tiny first fragment, datagrams conntrack's
 * defrag gathers and the router sends on in fragments again, datagrams for
 * the router itself, and incomplete datagrams left to expire (with the
 * reassembly timeouts shortened to 1 s on both sides through
 * DiffCase.tuning, and a pause before the last packet).
 */
import { tcp, udp } from '../scenarios/engine/testkit';
import { TCP_ACK } from '../wire/tcp';
import type { CasePacket, DiffCase } from './case';
import { evenPieces, frag4, frag6, type Piece } from './craft';
import { pkt } from './scenarios';
import { FWD6, STATEFUL_FORWARD6 } from './scenarios6';

const FWD = 'sysctl -w net.ipv4.ip_forward=1';
const STATEFUL = '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT';

/** A datagram cut into pieces, each a case packet (`what` numbered). */
function frags(p: Uint8Array, pieces: Piece[], what: string, id = 0x1234): CasePacket[] {
  const list = p[0] >> 4 === 6 ? frag6(p, pieces, id) : frag4(p, pieces);
  return list.map((f, i) => pkt(f, `${what} #${i} [${pieces[i].off},+${pieces[i].len}]`));
}

const rev = (a: Piece[]): Piece[] => [...a].reverse();

function datagrams(v6: boolean): { remote: (sport: number, n: number) => Uint8Array; local: (sport: number, n: number) => Uint8Array; tcpRemote: Uint8Array } {
  const [lan, far, me] = v6 ? ['2001:db8::10', '2001:db8:100::7', '2001:db8::1'] : ['192.168.0.10', '198.51.100.7', '192.168.0.1'];
  return {
    remote: (sport, n) => udp({ src: lan, dst: far, sport, dport: 9, id: sport, data: new Uint8Array(n).fill(sport & 0xff) }),
    local: (sport, n) => udp({ src: lan, dst: me, sport, dport: 9, id: sport, data: new Uint8Array(n).fill(sport & 0xff) }),
    tcpRemote: tcp({ src: lan, dst: far, sport: 61000, dport: 80, flags: TCP_ACK, seq: 1, ack: 1, len: 200, id: 61000 }),
  };
}

export function fragmentScenarios(): DiffCase[] {
  const cases: DiffCase[] = [];
  for (const v6 of [false, true]) {
    const fam = v6 ? 'IPv6' : 'IPv4';
    const d = datagrams(v6);
    const host = v6 ? [FWD6] : [FWD];
    const stateful = v6 ? { rules: [], rules6: [STATEFUL_FORWARD6] } : { rules: [STATEFUL], rules6: [] };
    const p1000 = evenPieces(1008, 400);
    cases.push({
      name: `${fam} fragments through conntrack's defrag: in order, out of order, overlapping, repeated, tiny first`,
      host, ...stateful,
      packets: [
        ...frags(d.remote(60001, 1000), p1000, 'in order', 1),
        ...frags(d.remote(60002, 1000), rev(p1000), 'reversed', 2),
        ...frags(d.remote(60003, 1000), [{ off: 0, len: 400 }, { off: 200, len: 400 }, { off: 600, len: 408 }], 'overlapping', 3),
        ...frags(d.remote(60004, 1000), [{ off: 0, len: 400 }, { off: 0, len: 400 }, { off: 400, len: 400 }, { off: 800, len: 208 }], 'repeated', 4),
        ...frags(d.local(60006, 600), [{ off: 0, len: 8 }, { off: 8, len: 8 }, { off: 16, len: 592 }], 'tiny first, to the router', 7),
        ...frags(d.local(60005, 600), evenPieces(608, 304), 'to the router (port unreachable)', 6),
      ],
    });
    cases.push({
      name: `${fam} fragments without conntrack (forwarded as they are) and for the router`,
      host, rules: [], rules6: [],
      packets: [
        ...frags(d.remote(60011, 1000), p1000, 'forwarded piecewise', 11),
        ...frags(d.local(60012, 600), rev(evenPieces(608, 304)), 'to the router, reversed', 12),
      ],
    });
    cases.push({
      name: `${fam} gathered then fragmented again on a smaller MTU`,
      host: [...host, `ip link set eth1 mtu ${v6 ? 1280 : 1400}`], ...stateful,
      packets: [
        ...frags(d.remote(60021, 2400), evenPieces(2408, 1200), 'two 1200-byte pieces', 21),
        ...frags(d.remote(60022, 1800), [{ off: 0, len: 1000 }, { off: 1000, len: 808 }], 'pieces that fit', 22),
      ],
    });
    cases.push({
      name: `${fam} tiny first fragment (TCP header split), gathered and sent on${v6 ? '' : ' (known)'}`,
      known: v6 ? undefined : 'refragmenting a gathered datagram cut unevenly: when inet_frag_reasm_finish could coalesce the pieces into the head (skb_try_coalesce: the head\'s tailroom holds them, a matter of skb memory layout), ip_do_fragment takes its slow path and cuts at frag_max_size (here 208 + 12 bytes); netsieve always keeps the original boundaries (8 + 212), the fast path',
      host, ...stateful,
      packets: frags(d.tcpRemote, [{ off: 0, len: 8 }, { off: 8, len: 224 }], 'tiny first (TCP header split)', 5),
    });
    const incomplete: CasePacket[] = [
      frags(d.remote(60031, 1000), p1000, 'forwarded, first only', 31)[0],
      // 100 ms apart: queues expiring within one timer-wheel bucket (32 ms at this range) fire in no fixed order.
      { ...frags(d.local(60032, 600), evenPieces(608, 304), 'local, first only', 32)[0], delayMs: 100 },
      frags(d.local(60033, 600), evenPieces(608, 304), 'local, last only', 33)[1],
    ];
    incomplete.push({ ...pkt(d.remote(60034, 20), 'after the timeout'), delayMs: 1300 });
    cases.push({
      name: `${fam} incomplete datagrams: reassembly time exceeded`,
      host, ...stateful,
      tuning: [v6 ? 'net.netfilter.nf_conntrack_frag6_timeout=1' : 'net.ipv4.ipfrag_time=1'],
      packets: incomplete,
    });
  }
  return cases;
}
