/**
 * `netsieve trace --flow`: a whole exchange through the host, both ways.
 * The client's packets enter where the described packet enters (-i, or a
 * local process with --local); the server's answers come back the way the
 * client's packet left: in on the interface it went out of, addressed to
 * it as it looked there (after NAT), or, when the server is this host,
 * sent by a local process. Each step tells how conntrack sees the packet
 * and which rule let it through.
 *
 *   TCP:  SYN, SYN/ACK, ACK, request data, answer data, FIN, FIN, ACK
 *   FTP (TCP to port 21): handshake, banner, USER, 331, PORT, 200, then the
 *         server's data connection from port 20 to the address and port the
 *         PORT command announced as it reached the server (rewritten by NAT
 *         when the control connection is translated): SYN, SYN/ACK, ACK
 *   UDP:  request, reply
 *   ICMP: echo request, echo reply (the host's own stack answers a ping to itself)
 *
 * The exchange stops at the first packet that does not get through, as a
 * real client would be left waiting.
 */
import { addListener, delListener } from '../../host/listeners';
import type { Listener } from '../../host/model';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../wire/tcp';
import { buildPacket, viewOf, type Injection, type PacketDesc } from './packet';
import type { PacketReport, Session } from './session';

export interface FlowStep {
  report: PacketReport;
  why: string[];
}

const SERVER_ISN = 3_000_000;
const REQUEST = new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n');
const RESPONSE = new TextEncoder().encode('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n');

interface Side { inj: Injection; desc: PacketDesc; }

function tcpState(entry: string | null): string | undefined {
  const m = entry ? /^tcp +6 +[0-9]+ ([A-Z_0-9]+) /.exec(entry) : null;
  return m ? m[1] : undefined;
}

/** Why the packet got through (or not): its conntrack state and the filter rule that decided. */
export function explain(r: PacketReport, reply: boolean): string[] {
  const why: string[] = [];
  const before = tcpState(r.ctBefore), after = tcpState(r.ctAfter);
  if (r.ctstate.startsWith('ESTABLISHED') && reply) why.push(`conntrack finds the entry's reply tuple: the packet is ${r.ctstate}`);
  else if (r.ctstate === 'NEW') why.push('conntrack has no entry for it: the packet is NEW and a new entry is made');
  else why.push(`conntrack: ${r.ctstate}`);
  if (before !== after && after) why.push(`the TCP state moves ${before ?? 'NONE'} → ${after}`);
  for (const v of r.visits) {
    if (v.table !== 'filter' || v.added) continue;
    const decided = v.rules.find((x) => x.matched && x.num === v.rulenum && x.chain === v.chain);
    if (v.rulenum > 0 && decided) why.push(`${v.table}/${v.hook}: ${v.verdict} by rule ${v.rulenum} \`${decided.rule}'`);
    else why.push(`${v.table}/${v.hook}: ${v.verdict} by the policy`);
  }
  for (const w of r.rewrites) why.push(`${w.by} rewrites ${w.from} → ${w.to}`);
  if (r.fate === 'dropped') why.push(`the exchange stops here (${r.reason}); the sender would retransmit`);
  return why;
}

function leftPacket(r: PacketReport): { dev: string; bytes: Uint8Array } | undefined {
  const s = r.sent.find((x) => x.origin === 'forward' || x.origin === 'output' || x.origin === 'deliver');
  return s ? { dev: s.dev, bytes: Uint8Array.from(Buffer.from(s.hex, 'hex')) } : undefined;
}

/** The server's side, from the client's first packet as it left the host or reached the local socket. */
function serverSide(first: PacketReport, client: Side): Side | undefined {
  const left = leftPacket(first);
  if (!left) return undefined;
  const v = viewOf(left.bytes);
  const src = v.buf.slice(v.dstOff, v.dstOff + v.addrLen);
  const dst = v.buf.slice(v.srcOff, v.srcOff + v.addrLen);
  const local = left.dev === 'local' || left.dev === 'lo';
  const inj: Injection = local
    ? { local: true, indev: '', macSource: undefined, uid: undefined, gid: undefined }
    : { local: false, indev: left.dev, macSource: undefined, uid: undefined, gid: undefined };
  const desc: PacketDesc = {
    ...client.desc, src, dst, sport: v.hasPorts ? v.dport : client.desc.dport, dport: v.hasPorts ? v.sport : client.desc.sport,
    seq: SERVER_ISN, ack: 0, ttl: 64, mss: client.desc.mss === undefined ? undefined : client.desc.mss, id: 0x2000, payload: new Uint8Array(0),
  };
  return { inj, desc };
}

type Play = (label: string, side: Side, p: Partial<PacketDesc>, reply: boolean) => PacketReport | undefined;

const enc = (t: string): Uint8Array => new TextEncoder().encode(t);

/** The payload of the packet that left the host for the server, as text. */
function leftPayload(r: PacketReport): string {
  const left = leftPacket(r);
  if (!left) return '';
  const v = viewOf(left.bytes);
  return Buffer.from(v.buf.subarray(v.payloadOff, v.ipEnd)).toString('latin1');
}

/**
 * Active FTP: the control connection, a PORT command, and the server's data
 * connection back. Sequence numbers on the server's side follow what the
 * server received, so a PORT rewritten by NAT (and the sequence adjustment
 * that follows) is played as a real server would see it.
 */
function ftpExchange(s: Session, client: Side, first: (label: string, p: Partial<PacketDesc>) => boolean, play: Play, server: () => Side | undefined): void {
  const d = client.desc;
  const c = d.seq >>> 0, sv = SERVER_ISN;
  const none = new Uint8Array(0);
  if (!first('1. client → server: SYN', { flags: TCP_SYN, seq: c, ack: 0, mss: d.mss ?? 1460, payload: none })) return;
  const srv = server()!;
  let cs = (c + 1) >>> 0; // the client's next sequence number, in its own numbering
  let delta = 0; // how much longer the server sees the client's byte stream (NAT rewrites)
  let ss = (sv + 1) >>> 0; // the server's next sequence number
  if (!play('2. server → client: SYN/ACK', srv, { flags: TCP_SYN | TCP_ACK, seq: sv, ack: cs, mss: d.mss ?? 1460, payload: none }, true)) return;
  if (!play('3. client → server: ACK (handshake done)', client, { flags: TCP_ACK, seq: cs, ack: ss, mss: undefined, payload: none }, false)) return;
  const server1 = (label: string, text: string): boolean => {
    const p = enc(text);
    const ok = play(label, srv, { flags: TCP_PSH | TCP_ACK, seq: ss, ack: (cs + delta) >>> 0, mss: undefined, payload: p }, true);
    ss = (ss + p.length) >>> 0;
    return ok !== undefined;
  };
  const client1 = (label: string, text: string): PacketReport | undefined => {
    const p = enc(text);
    const r = play(label, client, { flags: TCP_PSH | TCP_ACK, seq: cs, ack: ss, mss: undefined, payload: p }, false);
    if (r) delta += leftPayload(r).length - p.length;
    cs = (cs + p.length) >>> 0;
    return r;
  };
  if (!server1('4. server → client: banner', '220 netsieve FTP\r\n')) return;
  if (!client1('5. client → server: USER', 'USER anonymous\r\n')) return;
  if (!server1('6. server → client: 331', '331 Password not needed\r\n')) return;
  // The client announces its own address and the port after its control port for the data connection.
  const dataPort = (d.sport + 1) & 0xffff;
  const a = d.family === 4 ? Array.from(d.src).join(',') : '';
  const cmd = d.family === 4 ? `PORT ${a},${dataPort >> 8},${dataPort & 0xff}\r\n` : `EPRT |2|${Buffer.from(d.src).toString('hex').replace(/(....)(?!$)/g, '$1:')}|${dataPort}|\r\n`;
  const portReport = client1('7. client → server: ' + (d.family === 4 ? 'PORT' : 'EPRT'), cmd);
  if (!portReport) return;
  const seen = leftPayload(portReport);
  if (!server1('8. server → client: 200', '200 Command okay\r\n')) return;
  // Where the server will connect: the announcement as it reached the server.
  let to: Uint8Array | undefined;
  let toPort = 0;
  const m4 = /PORT (\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(seen);
  if (m4) { to = Uint8Array.from(m4.slice(1, 5).map(Number)); toPort = Number(m4[5]) * 256 + Number(m4[6]); }
  const m6 = /EPRT \|2\|([0-9a-fA-F:]+)\|(\d+)\|/.exec(seen);
  if (m6) { to = viewAddr6(m6[1]); toPort = Number(m6[2]); }
  if (!to) return;
  const dataSrv: Side = { inj: srv.inj, desc: { ...srv.desc, dst: to, sport: 20, dport: toPort } };
  const dataCli: Side = { inj: client.inj, desc: { ...client.desc, src: d.src, dst: d.dst, sport: dataPort, dport: 20 } };
  const dsv = 7_000_000, dc = 9_000_000;
  if (!play('9. server → client: data connection SYN (from port 20)', dataSrv, { flags: TCP_SYN, seq: dsv, ack: 0, mss: 1460, payload: none }, false)) return;
  if (!play('10. client → server: data SYN/ACK', dataCli, { flags: TCP_SYN | TCP_ACK, seq: dc, ack: dsv + 1, mss: 1460, payload: none }, true)) return;
  play('11. server → client: data ACK', dataSrv, { flags: TCP_ACK, seq: dsv + 1, ack: dc + 1, mss: undefined, payload: none }, false);
}

function viewAddr6(text: string): Uint8Array | undefined {
  const parts = text.split('::');
  const words = (x: string): number[] => (x === '' ? [] : x.split(':').map((w) => parseInt(w, 16)));
  const head = words(parts[0]), tail = parts.length > 1 ? words(parts[1]) : [];
  const all = [...head, ...new Array<number>(Math.max(0, 8 - head.length - tail.length)).fill(0), ...tail];
  if (all.length !== 8 || all.some((w) => Number.isNaN(w))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((w, i) => { out[i * 2] = w >> 8; out[i * 2 + 1] = w & 0xff; });
  return out;
}

export function playFlow(s: Session, client: Side, gapMs: number): FlowStep[] {
  // A local client has a connected socket the answers go to; the host model only knows listening
  // sockets, so one stands in for it during the exchange (the host is not saved by trace).
  const d0 = client.desc;
  const stand: Listener | undefined = client.inj.local && (d0.proto === 6 || d0.proto === 17)
    ? { proto: d0.proto === 6 ? 'tcp' : 'udp', family: d0.family, addr: d0.src, port: d0.sport } : undefined;
  const added = stand ? addListener(s.host, stand) : false;
  try {
    return exchange(s, client, gapMs);
  } finally {
    if (stand && added) delListener(s.host, stand);
  }
}

function exchange(s: Session, client: Side, gapMs: number): FlowStep[] {
  const steps: FlowStep[] = [];
  const d = client.desc;
  let server: Side | undefined;
  const play = (label: string, side: Side, p: Partial<PacketDesc>, reply: boolean): PacketReport | undefined => {
    if (steps.length > 0) s.clock.ms += gapMs;
    const desc = { ...side.desc, ...p };
    const r = s.play(label, side.inj, buildPacket(desc));
    steps.push({ report: r, why: explain(r, reply) });
    return r.fate === 'dropped' ? undefined : r;
  };
  const first = (label: string, p: Partial<PacketDesc>): boolean => {
    const r = play(label, client, p, false);
    if (!r) return false;
    server = serverSide(r, client);
    if (!server) {
      const w = steps[steps.length - 1].why;
      w.push(r.answers.length ? `no local socket takes it: the host answers itself (${r.answers.map((a) => a.origin).join(', ')})` : 'nothing answers it');
      return false;
    }
    return true;
  };
  const c = (d.seq >>> 0), sv = SERVER_ISN;
  if (d.proto === 6 && d.dport === 21) {
    ftpExchange(s, client, first, play, () => server);
  } else if (d.proto === 6) {
    const req = d.payload.length ? d.payload : REQUEST;
    const mss = d.mss ?? 1460;
    if (!first('1. client → server: SYN', { flags: TCP_SYN, seq: c, ack: 0, mss, payload: new Uint8Array(0) })) return steps;
    const srv = server!;
    const seqs: [string, Side, Partial<PacketDesc>, boolean][] = [
      ['2. server → client: SYN/ACK', srv, { flags: TCP_SYN | TCP_ACK, seq: sv, ack: c + 1, mss }, true],
      ['3. client → server: ACK (handshake done)', client, { flags: TCP_ACK, seq: c + 1, ack: sv + 1, mss: undefined, payload: new Uint8Array(0) }, false],
      ['4. client → server: data', client, { flags: TCP_PSH | TCP_ACK, seq: c + 1, ack: sv + 1, mss: undefined, payload: req }, false],
      ['5. server → client: data', srv, { flags: TCP_PSH | TCP_ACK, seq: sv + 1, ack: c + 1 + req.length, mss: undefined, payload: RESPONSE }, true],
      ['6. client → server: FIN', client, { flags: TCP_FIN | TCP_ACK, seq: c + 1 + req.length, ack: sv + 1 + RESPONSE.length, mss: undefined, payload: new Uint8Array(0) }, false],
      ['7. server → client: FIN', srv, { flags: TCP_FIN | TCP_ACK, seq: sv + 1 + RESPONSE.length, ack: c + 2 + req.length, mss: undefined }, true],
      ['8. client → server: last ACK', client, { flags: TCP_ACK, seq: c + 2 + req.length, ack: sv + 2 + RESPONSE.length, mss: undefined, payload: new Uint8Array(0) }, false],
    ];
    for (const [label, side, p, reply] of seqs) if (!play(label, side, p, reply)) break;
  } else if (d.proto === 17) {
    const req = d.payload.length ? d.payload : new TextEncoder().encode('request');
    if (!first('1. client → server: request', { payload: req })) return steps;
    play('2. server → client: reply', server!, { payload: new TextEncoder().encode('reply to the request') }, true);
  } else {
    const v6 = d.family === 6;
    const r = play('1. client → server: echo request', client, { icmpType: v6 ? 128 : 8, icmpCode: 0 }, false);
    if (!r) return steps;
    const echo = r.answers.find((a) => a.origin === 'stack');
    if (echo) { steps[0].why.push('the host itself answers the ping: its echo reply is shown as the answer'); return steps; }
    server = serverSide(r, client);
    if (!server) return steps;
    play('2. server → client: echo reply', server, { icmpType: v6 ? 129 : 0, icmpCode: 0 }, true);
  }
  return steps;
}
