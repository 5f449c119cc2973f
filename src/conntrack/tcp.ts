// TCP connection tracking: the state table and window tracking of net/netfilter/nf_conntrack_proto_tcp.c
// (Linux 6.18): tcp_conntracks[][][], tcp_new(), tcp_in_window(), nf_tcp_handle_invalid() and
// nf_conntrack_tcp_packet(). Per-connection state lives in the table's t8/t32/lastWin arrays.
import * as C from './constants';
import type { CtPacket } from './packet';
import {
  type CtTable, T8_SIZE, T8_STATE, T8_RETRANS, T8_LAST_INDEX, T8_LAST_DIR, T8_LAST_FLAGS, T8_LAST_WSCALE, T8_SCALE,
  T8_FLAGS, T32_SIZE, T32_LAST_SEQ, T32_LAST_ACK, T32_LAST_END, T32_END, T32_MAXEND, T32_MAXWIN, T32_MAXACK,
} from './table';
import type { Timeouts } from './timeouts';

/** Result codes of tcpPacket, mirroring the kernel's return values. */
export const TCP_ACCEPT = 1; //  NF_ACCEPT
export const TCP_INVALID = -1; // -NF_ACCEPT: packet goes on without a conntrack (INVALID)
export const TCP_REPEAT = -2; //  -NF_REPEAT: entry killed, look up again (reopen from TIME_WAIT/CLOSE)
export const TCP_DROP = 0; //     NF_DROP

/** What the TCP tracker needs from the conntrack instance. */
export interface TcpHost {
  readonly tab: CtTable;
  readonly timeouts: Timeouts;
  tcpLoose: boolean;
  tcpBeLiberal: boolean;
  tcpIgnoreInvalidRst: boolean;
  tcpMaxRetrans: number;
  refresh(e: number, ms: number): void;
  /** Remaining lifetime in ms of a confirmed entry (nf_ct_expires). */
  expires(e: number): number;
  kill(e: number): boolean;
  /** nf_ct_seq_offset(): NAT's sequence offset of direction dir at seq (0 when no helper changed lengths). */
  seqOffset(e: number, dir: number, seq: number): number;
}

// enum tcp_bit_set
const SYN_SET = 0, SYNACK_SET = 1, FIN_SET = 2, ACK_SET = 3, RST_SET = 4, NONE_SET = 5;

const sNO = C.TCP_CONNTRACK_NONE, sSS = C.TCP_CONNTRACK_SYN_SENT, sSR = C.TCP_CONNTRACK_SYN_RECV,
  sES = C.TCP_CONNTRACK_ESTABLISHED, sFW = C.TCP_CONNTRACK_FIN_WAIT, sCW = C.TCP_CONNTRACK_CLOSE_WAIT,
  sLA = C.TCP_CONNTRACK_LAST_ACK, sTW = C.TCP_CONNTRACK_TIME_WAIT, sCL = C.TCP_CONNTRACK_CLOSE,
  sS2 = C.TCP_CONNTRACK_SYN_SENT2, sIV = C.TCP_CONNTRACK_MAX, sIG = C.TCP_CONNTRACK_IGNORE;

// The transition table, [dir][index][old state] -> new state. Columns: sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
// Values are the kernel's (6.18); the reasons are documented beside tcp_conntracks in the kernel source.
const TABLE = new Uint8Array([
  // ORIGINAL
  /* syn    */ sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2,
  /* synack */ sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR,
  /* fin    */ sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /* ack    */ sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV,
  /* rst    */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /* none   */ sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
  // REPLY
  /* syn    */ sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2,
  /* synack */ sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR,
  /* fin    */ sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV,
  /* ack    */ sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG,
  /* rst    */ sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL,
  /* none   */ sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV,
]);

export function tcpTransition(dir: number, index: number, state: number): number {
  return TABLE[dir * 60 + index * 10 + state];
}

/** get_conntrack_index(): RST wins, then SYN(/ACK), FIN, ACK. */
export function tcpIndex(flags: number): number {
  if (flags & C.TH_RST) return RST_SET;
  if (flags & C.TH_SYN) return flags & C.TH_ACK ? SYNACK_SET : SYN_SET;
  if (flags & C.TH_FIN) return FIN_SET;
  if (flags & C.TH_ACK) return ACK_SET;
  return NONE_SET;
}

// tcp_valid_flags[]: allowed combinations of FIN/SYN/RST/ACK/URG (PSH, ECE and CWR are ignored).
const VALID_FLAGS = new Uint8Array(0x40);
for (const f of [C.TH_SYN, C.TH_SYN | C.TH_URG, C.TH_SYN | C.TH_ACK, C.TH_RST, C.TH_RST | C.TH_ACK,
  C.TH_FIN | C.TH_ACK, C.TH_FIN | C.TH_ACK | C.TH_URG, C.TH_ACK, C.TH_ACK | C.TH_URG]) VALID_FLAGS[f] = 1;

/** tcp_error() flag check: true if the flag combination is one the kernel accepts. */
export function tcpFlagsValid(flags: number): boolean {
  return VALID_FLAGS[flags & ~(C.TH_ECE | C.TH_CWR | C.TH_PUSH) & 0x3f] === 1;
}

// Sequence-number comparisons modulo 2^32 (include/net/tcp.h before()/after()).
function before(a: number, b: number): boolean { return ((a - b) | 0) < 0; }
function after(a: number, b: number): boolean { return ((b - a) | 0) < 0; }

/** segment_seq_plus_len(): sequence number after this segment (SYN and FIN count as one). */
function segEnd(p: CtPacket): number {
  return (p.seq + p.payloadLen + (p.tcpFlags & C.TH_SYN ? 1 : 0) + (p.tcpFlags & C.TH_FIN ? 1 : 0)) >>> 0;
}

const MAXACKWINCONST = 66000;
const TCP_MAX_WSCALE = 14;

/** tcp_options(): window scale and SACK-permitted into the direction's state (untouched if no options). */
function tcpOptions(t8: Uint8Array, b8: number, dir: number, p: CtPacket): void {
  if (p.tcpOptLen === 0) return;
  t8[b8 + T8_SCALE + dir] = 0;
  let f = t8[b8 + T8_FLAGS + dir] & C.IP_CT_TCP_FLAG_BE_LIBERAL;
  if (p.sackPerm) f |= C.IP_CT_TCP_FLAG_SACK_PERM;
  if (p.wscale >= 0) {
    t8[b8 + T8_SCALE + dir] = p.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : p.wscale;
    f |= C.IP_CT_TCP_FLAG_WINDOW_SCALE;
  }
  t8[b8 + T8_FLAGS + dir] = f;
}

/** tcp_init_sender(): (re)initialise the sender from a SYN or SYN/ACK. */
function initSender(tab: CtTable, e: number, dir: number, p: CtPacket, end: number, win: number): void {
  const t8 = tab.t8, t32 = tab.t32, b8 = e * T8_SIZE, b32 = e * T32_SIZE;
  t32[b32 + T32_END + dir] = end;
  t32[b32 + T32_MAXEND + dir] = end;
  t32[b32 + T32_MAXWIN + dir] = win === 0 ? 1 : win;
  tcpOptions(t8, b8, dir, p);
  // RFC 1323: window scaling only if both sides sent the option.
  if (dir === C.IP_CT_DIR_REPLY &&
      !((t8[b8 + T8_FLAGS + dir] & C.IP_CT_TCP_FLAG_WINDOW_SCALE) &&
        (t8[b8 + T8_FLAGS + (dir ^ 1)] & C.IP_CT_TCP_FLAG_WINDOW_SCALE))) {
    t8[b8 + T8_SCALE + dir] = 0;
    t8[b8 + T8_SCALE + (dir ^ 1)] = 0;
  }
}

const W_IGNORE = 0, W_INVALID = 1, W_ACCEPT = 2;

/** nf_tcp_log_invalid(): a liberal sender turns any window verdict into accept. */
function windowVerdict(h: TcpHost, e: number, dir: number, ret: number): number {
  if (h.tcpBeLiberal || (h.tab.t8[e * T8_SIZE + T8_FLAGS + dir] & C.IP_CT_TCP_FLAG_BE_LIBERAL)) return W_ACCEPT;
  return ret;
}

/** tcp_in_window(). */
function inWindow(h: TcpHost, e: number, dir: number, index: number, p: CtPacket): number {
  const tab = h.tab, t8 = tab.t8, t32 = tab.t32, b8 = e * T8_SIZE, b32 = e * T32_SIZE;
  const s = dir, r = dir ^ 1;
  const state = t8[b8 + T8_STATE];
  let seq = p.seq >>> 0;
  let ack = p.ack >>> 0;
  let sack = ack;
  const winRaw = p.window & 0xffff;
  let win = winRaw;
  let end = segEnd(p);
  const syn = (p.tcpFlags & C.TH_SYN) !== 0;
  const hasAck = (p.tcpFlags & C.TH_ACK) !== 0;

  if (t8[b8 + T8_FLAGS + r] & C.IP_CT_TCP_FLAG_SACK_PERM) {
    for (let i = 0; i < p.sackCount; i++) if (after(p.sackEdges[i], sack)) sack = p.sackEdges[i];
  }
  // Take NAT sequence number mangling into account: the ACK is in the numbering the receiver's packets
  // have after a helper changed their length (nf_ct_seq_offset of the other direction).
  const receiverOffset = h.seqOffset(e, r, (ack - 1) >>> 0);
  ack = (ack - receiverOffset) >>> 0;
  sack = (sack - receiverOffset) >>> 0;

  if (t32[b32 + T32_MAXWIN + s] === 0) {
    if (syn) {
      initSender(tab, e, s, p, end, win);
      if (!hasAck) return W_ACCEPT; // simultaneous open
    } else {
      // Picked up mid-stream: take what the packet tells.
      t32[b32 + T32_END + s] = end;
      const swin = (win << t8[b8 + T8_SCALE + s]) >>> 0;
      t32[b32 + T32_MAXWIN + s] = swin === 0 ? 1 : swin;
      t32[b32 + T32_MAXEND + s] = (end + t32[b32 + T32_MAXWIN + s]) >>> 0;
      if (t32[b32 + T32_MAXWIN + r] === 0) {
        t32[b32 + T32_END + r] = sack;
        t32[b32 + T32_MAXEND + r] = sack;
      } else if (sack === ((t32[b32 + T32_END + r] + 1) >>> 0)) {
        t32[b32 + T32_END + r] = sack; // likely a reply to a keepalive
      }
    }
  } else if (syn && after(end, t32[b32 + T32_END + s]) && (state === sSS || state === sSR)) {
    // RFC 793: a reinitialised TCP may reuse the connection with larger sequence numbers.
    initSender(tab, e, s, p, end, win);
    if (dir === C.IP_CT_DIR_REPLY && !hasAck) return W_ACCEPT;
  }

  if (!hasAck) {
    ack = sack = t32[b32 + T32_END + r];
  } else if ((p.tcpFlags & C.TH_RST) && ack === 0) {
    ack = sack = t32[b32 + T32_END + r]; // broken stacks: RST+ACK with ack 0
  }

  if ((p.tcpFlags & C.TH_RST) && seq === 0 && state === sSS) {
    seq = end = t32[b32 + T32_END + s]; // RST answering a SYN
  }

  const sEnd = t32[b32 + T32_END + s], sMaxend = t32[b32 + T32_MAXEND + s], sMaxwin = t32[b32 + T32_MAXWIN + s];
  const rEnd = t32[b32 + T32_END + r], rMaxwin = t32[b32 + T32_MAXWIN + r];
  const maxAckWindow = sMaxwin > MAXACKWINCONST ? sMaxwin : MAXACKWINCONST;

  if (!before(seq, (sMaxend + 1) >>> 0)) {
    const overshot = (end - sMaxend + 1) >>> 0;
    const ackOk = after(sack, (rEnd - maxAckWindow - 1) >>> 0);
    const inRecvWin = rMaxwin !== 0 && after(end, (sEnd - rMaxwin - 1) >>> 0);
    if (inRecvWin && ackOk && overshot <= rMaxwin && before(sack, (rEnd + 1) >>> 0)) {
      // Peer sent more than the window allowed: remember the data so that its ACK is not over bound later.
      t32[b32 + T32_END + s] = end;
      t8[b8 + T8_FLAGS + s] |= C.IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
      return windowVerdict(h, e, s, W_IGNORE);
    }
    return windowVerdict(h, e, s, W_INVALID); // SEQ over upper bound
  }
  if (!before(sack, (rEnd + 1) >>> 0)) return windowVerdict(h, e, s, W_INVALID); // ACK over upper bound
  if (!(rMaxwin === 0 || after(end, (sEnd - rMaxwin - 1) >>> 0))) {
    return windowVerdict(h, e, s, W_IGNORE); // SEQ under lower bound (already ACKed data retransmitted)
  }
  if (!after(sack, (rEnd - maxAckWindow - 1) >>> 0)) return windowVerdict(h, e, s, W_IGNORE); // ACK too old

  if (!syn) win = (win << t8[b8 + T8_SCALE + s]) >>> 0;

  // Update sender data.
  const swin = (win + (sack - ack)) >>> 0;
  if (t32[b32 + T32_MAXWIN + s] < swin) t32[b32 + T32_MAXWIN + s] = swin;
  if (after(end, t32[b32 + T32_END + s])) {
    t32[b32 + T32_END + s] = end;
    t8[b8 + T8_FLAGS + s] |= C.IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;
  }
  if (hasAck) {
    if (!(t8[b8 + T8_FLAGS + s] & C.IP_CT_TCP_FLAG_MAXACK_SET)) {
      t32[b32 + T32_MAXACK + s] = ack;
      t8[b8 + T8_FLAGS + s] |= C.IP_CT_TCP_FLAG_MAXACK_SET;
    } else if (after(ack, t32[b32 + T32_MAXACK + s])) {
      t32[b32 + T32_MAXACK + s] = ack;
    }
  }

  // Update receiver data.
  if (t32[b32 + T32_MAXWIN + r] !== 0 && after(end, t32[b32 + T32_MAXEND + s])) {
    t32[b32 + T32_MAXWIN + r] = (t32[b32 + T32_MAXWIN + r] + end - t32[b32 + T32_MAXEND + s]) >>> 0;
  }
  if (after((sack + win) >>> 0, (t32[b32 + T32_MAXEND + r] - 1) >>> 0)) {
    t32[b32 + T32_MAXEND + r] = (sack + win + (win === 0 ? 1 : 0)) >>> 0;
  }
  if (ack === t32[b32 + T32_END + r]) t8[b8 + T8_FLAGS + r] &= ~C.IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED;

  // Retransmission counter: the same ACK segment seen again in the same direction.
  if (index === ACK_SET) {
    if (t8[b8 + T8_LAST_DIR] === dir && t32[b32 + T32_LAST_SEQ] === seq && t32[b32 + T32_LAST_ACK] === ack &&
        t32[b32 + T32_LAST_END] === end && tab.lastWin[e] === winRaw) {
      if (t8[b8 + T8_RETRANS] < 255) t8[b8 + T8_RETRANS]++;
    } else {
      t8[b8 + T8_LAST_DIR] = dir;
      t32[b32 + T32_LAST_SEQ] = seq;
      t32[b32 + T32_LAST_ACK] = ack;
      t32[b32 + T32_LAST_END] = end;
      tab.lastWin[e] = winRaw;
      t8[b8 + T8_RETRANS] = 0;
    }
  }
  return W_ACCEPT;
}

/** nf_tcp_handle_invalid(): an out-of-window FIN/RST answering one from the other side shortens the timeout. */
function handleInvalid(h: TcpHost, e: number, dir: number, index: number): void {
  const tab = h.tab, b8 = e * T8_SIZE;
  const st = tab.status[e];
  if (!(st & C.IPS_ASSURED) || (st & C.IPS_FIXED_TIMEOUT)) return;
  if (index !== RST_SET && index !== FIN_SET) return;
  const li = tab.t8[b8 + T8_LAST_INDEX];
  if (tab.t8[b8 + T8_LAST_DIR] !== dir && (li === FIN_SET || li === RST_SET)) {
    const expires = h.expires(e);
    if (expires < 120000) return;
    const unack = h.timeouts.tcp[C.TCP_CONNTRACK_UNACK];
    if (expires > unack) h.refresh(e, unack);
  } else {
    tab.t8[b8 + T8_LAST_INDEX] = index;
    tab.t8[b8 + T8_LAST_DIR] = dir;
  }
}

/** tcp_new(): set up a new (unconfirmed) entry from its first packet; false if it cannot start one. */
function tcpNew(h: TcpHost, e: number, p: CtPacket): boolean {
  const tab = h.tab, t8 = tab.t8, t32 = tab.t32, b8 = e * T8_SIZE, b32 = e * T32_SIZE;
  const ns = tcpTransition(C.IP_CT_DIR_ORIGINAL, tcpIndex(p.tcpFlags), sNO);
  if (ns >= sIV) return false;
  if (ns !== sSS && !h.tcpLoose) return false; // nf_conntrack_tcp_loose=0: no mid-stream pickup
  t8.fill(0, b8, b8 + T8_SIZE);
  t32.fill(0, b32, b32 + T32_SIZE);
  tab.lastWin[e] = 0;
  const end = segEnd(p);
  const win = p.window & 0xffff;
  t32[b32 + T32_END] = end;
  t32[b32 + T32_MAXWIN] = win === 0 ? 1 : win;
  if (ns === sSS) {
    t32[b32 + T32_MAXEND] = end;
    tcpOptions(t8, b8, 0, p);
  } else {
    // Mid-stream pickup: assume SACK and be liberal, since the window scale was never seen.
    t32[b32 + T32_MAXEND] = (end + t32[b32 + T32_MAXWIN]) >>> 0;
    t8[b8 + T8_FLAGS] = t8[b8 + T8_FLAGS + 1] = C.IP_CT_TCP_FLAG_SACK_PERM | C.IP_CT_TCP_FLAG_BE_LIBERAL;
  }
  t8[b8 + T8_LAST_INDEX] = NONE_SET;
  return true;
}

function canEarlyDrop(state: number): boolean {
  return state === sFW || state === sLA || state === sTW || state === sCL || state === sCW;
}

/** nf_conntrack_tcp_packet(): track one TCP packet on entry e in direction dir. */
export function tcpPacket(h: TcpHost, e: number, dir: number, p: CtPacket): number {
  const tab = h.tab, t8 = tab.t8, t32 = tab.t32, b8 = e * T8_SIZE, b32 = e * T32_SIZE;
  if (p.l4Malformed || !tcpFlagsValid(p.tcpFlags)) return TCP_INVALID; // tcp_error()
  if (!(tab.status[e] & C.IPS_CONFIRMED) && !tcpNew(h, e, p)) return TCP_INVALID;

  let oldState = t8[b8 + T8_STATE];
  const index = tcpIndex(p.tcpFlags);
  let newState = tcpTransition(dir, index, oldState);
  let skipWindow = false;

  if (newState === sSS && oldState >= sTW) {
    // RFC 1122: a SYN may reopen a connection from TIME_WAIT; also a client that aborted with RST
    // and starts again. Kill the entry and let the caller look up again.
    if (((t8[b8 + T8_FLAGS + dir] | t8[b8 + T8_FLAGS + (dir ^ 1)]) & C.IP_CT_TCP_FLAG_CLOSE_INIT) ||
        (t8[b8 + T8_LAST_DIR] === dir && t8[b8 + T8_LAST_INDEX] === RST_SET)) {
      return h.kill(e) ? TCP_REPEAT : TCP_DROP;
    }
    newState = sIG; // otherwise handled exactly like an ignored packet (the kernel falls through)
  }

  switch (newState) {
    case sIG: {
      const ackSeq = p.ack >>> 0;
      if (index === SYNACK_SET && t8[b8 + T8_LAST_INDEX] === SYN_SET && t8[b8 + T8_LAST_DIR] !== dir &&
          ackSeq === t32[b32 + T32_LAST_END]) {
        // This SYN/ACK answers a SYN we ignored: both ends are in sync, only we were not.
        const ld = t8[b8 + T8_LAST_DIR];
        oldState = sSS;
        newState = sSR;
        t32[b32 + T32_END + ld] = t32[b32 + T32_LAST_END];
        t32[b32 + T32_MAXEND + ld] = t32[b32 + T32_LAST_END];
        t32[b32 + T32_MAXWIN + ld] = tab.lastWin[e] === 0 ? 1 : tab.lastWin[e];
        t8[b8 + T8_SCALE + ld] = t8[b8 + T8_LAST_WSCALE];
        t8[b8 + T8_LAST_FLAGS] &= ~C.IP_CT_EXP_CHALLENGE_ACK;
        t8[b8 + T8_FLAGS + ld] = t8[b8 + T8_LAST_FLAGS];
        // nf_ct_tcp_state_reset() of this direction
        t32[b32 + T32_END + dir] = t32[b32 + T32_MAXEND + dir] = t32[b32 + T32_MAXWIN + dir] = 0;
        t32[b32 + T32_MAXACK + dir] = 0;
        t8[b8 + T8_SCALE + dir] = 0;
        t8[b8 + T8_FLAGS + dir] &= C.IP_CT_TCP_FLAG_BE_LIBERAL;
        break;
      }
      t8[b8 + T8_LAST_INDEX] = index;
      t8[b8 + T8_LAST_DIR] = dir;
      t32[b32 + T32_LAST_SEQ] = p.seq >>> 0;
      t32[b32 + T32_LAST_END] = segEnd(p);
      tab.lastWin[e] = p.window & 0xffff;
      if (index === SYN_SET && dir === C.IP_CT_DIR_ORIGINAL) {
        // Note the SYN's options so that a SYN/ACK answering it can resynchronise us.
        let lf = 0;
        t8[b8 + T8_LAST_WSCALE] = 0;
        if (p.tcpOptLen !== 0) {
          if (p.wscale >= 0) {
            lf |= C.IP_CT_TCP_FLAG_WINDOW_SCALE;
            t8[b8 + T8_LAST_WSCALE] = p.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : p.wscale;
          }
          if (p.sackPerm) lf |= C.IP_CT_TCP_FLAG_SACK_PERM;
        }
        // RFC 5961: the peer may answer with a challenge ACK, which in LAST_ACK must not count as the last ACK.
        if (oldState === sLA) lf |= C.IP_CT_EXP_CHALLENGE_ACK;
        t8[b8 + T8_LAST_FLAGS] = lf;
      }
      if (oldState === sSS && index === ACK_SET && dir === C.IP_CT_DIR_REPLY) t32[b32 + T32_LAST_ACK] = ackSeq;
      return TCP_ACCEPT; // ignored: passes, state and timeout unchanged
    }
    case sIV:
      return TCP_INVALID;
    case sTW:
      if (oldState === sLA && index === ACK_SET && t8[b8 + T8_LAST_DIR] !== dir &&
          t8[b8 + T8_LAST_INDEX] === SYN_SET && (t8[b8 + T8_LAST_FLAGS] & C.IP_CT_EXP_CHALLENGE_ACK)) {
        t8[b8 + T8_LAST_FLAGS] &= ~C.IP_CT_EXP_CHALLENGE_ACK; // challenge ACK: do not change state
        return TCP_ACCEPT;
      }
      break;
    case sS2:
      t8[b8 + T8_LAST_FLAGS] |= C.IP_CT_TCP_SIMULTANEOUS_OPEN;
      break;
    case sSR:
      if (dir === C.IP_CT_DIR_REPLY && index === ACK_SET && (t8[b8 + T8_LAST_FLAGS] & C.IP_CT_TCP_SIMULTANEOUS_OPEN)) {
        newState = sES;
      }
      break;
    case sCL: {
      if (index !== RST_SET) break;
      if (canEarlyDrop(oldState)) { skipWindow = true; break; }
      const established = oldState === sES && (tab.status[e] & C.IPS_ASSURED) !== 0;
      if ((t8[b8 + T8_FLAGS + (dir ^ 1)] & C.IP_CT_TCP_FLAG_MAXACK_SET) && t8[b8 + T8_LAST_INDEX] !== SYN_SET) {
        const seq = p.seq >>> 0;
        const maxack = t32[b32 + T32_MAXACK + (dir ^ 1)];
        if (seq === 0 && !established) break;
        if (before(seq, maxack) && !h.tcpIgnoreInvalidRst) return TCP_INVALID; // invalid RST
        if (!established || seq === maxack) break;
        // RST following our own data segment ("RST train")
        if (t8[b8 + T8_LAST_INDEX] === ACK_SET && t8[b8 + T8_LAST_DIR] === dir && seq === t32[b32 + T32_LAST_END]) break;
        // Sequence not exact: keep the state, allowing a challenge ACK.
        newState = oldState;
      }
      const st = tab.status[e], li = t8[b8 + T8_LAST_INDEX];
      if ((((st & C.IPS_SEEN_REPLY) && li === SYN_SET) || (!(st & C.IPS_ASSURED) && li === ACK_SET)) &&
          (p.ack >>> 0) === t32[b32 + T32_LAST_END]) {
        skipWindow = true; // RST answering a SYN or ACK we let through: delete without window check
        break;
      }
      if (oldState === sSS && li === ACK_SET && t8[b8 + T8_LAST_DIR] === C.IP_CT_DIR_REPLY &&
          (p.seq >>> 0) === t32[b32 + T32_LAST_ACK]) {
        skipWindow = true; // RST answering a challenge ACK
      }
      break;
    }
    default:
      break;
  }

  if (!skipWindow) {
    const res = inWindow(h, e, dir, index, p);
    if (res === W_IGNORE) return TCP_ACCEPT;
    if (res === W_INVALID) {
      handleInvalid(h, e, dir, index);
      return TCP_INVALID;
    }
  }

  // In-window packet from here on.
  t8[b8 + T8_LAST_INDEX] = index;
  t8[b8 + T8_LAST_DIR] = dir;
  t8[b8 + T8_STATE] = newState;
  if (oldState !== newState && newState === sFW) t8[b8 + T8_FLAGS + dir] |= C.IP_CT_TCP_FLAG_CLOSE_INIT;

  const T = h.timeouts.tcp;
  let timeout: number;
  if (t8[b8 + T8_RETRANS] >= h.tcpMaxRetrans && T[newState] > T[C.TCP_CONNTRACK_RETRANS]) {
    timeout = T[C.TCP_CONNTRACK_RETRANS];
  } else if (index === RST_SET) {
    timeout = T[sCL];
  } else if (((t8[b8 + T8_FLAGS] | t8[b8 + T8_FLAGS + 1]) & C.IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED) &&
             T[newState] > T[C.TCP_CONNTRACK_UNACK]) {
    timeout = T[C.TCP_CONNTRACK_UNACK];
  } else if (tab.lastWin[e] === 0 && T[newState] > T[C.TCP_CONNTRACK_RETRANS]) {
    timeout = T[C.TCP_CONNTRACK_RETRANS];
  } else {
    timeout = T[newState];
  }

  const status = tab.status[e];
  if (!(status & C.IPS_SEEN_REPLY)) {
    // Only a RST came back: no connection was ever established, drop the entry at once.
    if (p.tcpFlags & C.TH_RST) {
      h.kill(e);
      return TCP_ACCEPT;
    }
    // A retransmitted SYN does not renew the timeout (else port reuse could keep it alive forever).
    if (index === SYN_SET && oldState === sSS) return TCP_ACCEPT;
    // Mid-stream pickup without a reply yet: no long ESTABLISHED timeout.
    if (newState === sES && timeout > T[C.TCP_CONNTRACK_UNACK]) timeout = T[C.TCP_CONNTRACK_UNACK];
  } else if (!(status & C.IPS_ASSURED) && (oldState === sSR || oldState === sES) && newState === sES) {
    tab.status[e] = status | C.IPS_ASSURED;
  }
  h.refresh(e, timeout);
  return TCP_ACCEPT;
}

/** Accessors for printing and tests. */
export function tcpState(tab: CtTable, e: number): number { return tab.t8[e * T8_SIZE + T8_STATE]; }
export function tcpRetrans(tab: CtTable, e: number): number { return tab.t8[e * T8_SIZE + T8_RETRANS]; }
export function tcpDirState(tab: CtTable, e: number, dir: number): { end: number; maxend: number; maxwin: number; maxack: number; scale: number; flags: number } {
  const b32 = e * T32_SIZE, b8 = e * T8_SIZE;
  return {
    end: tab.t32[b32 + T32_END + dir], maxend: tab.t32[b32 + T32_MAXEND + dir], maxwin: tab.t32[b32 + T32_MAXWIN + dir],
    maxack: tab.t32[b32 + T32_MAXACK + dir], scale: tab.t8[b8 + T8_SCALE + dir], flags: tab.t8[b8 + T8_FLAGS + dir],
  };
}
