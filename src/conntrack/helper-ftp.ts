// The FTP conntrack helper (net/netfilter/nf_conntrack_ftp.c, Linux 6.18). It reads the control
// connection's payload at the confirm hook: PORT and EPRT commands from the client (original direction),
// 227 (PASV) and 229 (EPSV) replies from the server, and registers an expectation for the data connection
// so that it becomes RELATED. The parsing rules are the kernel's, quirks included:
// - a command is looked for only in a packet that starts right after a '\n' seen earlier in that direction
//   (seq_aft_nl, two remembered positions per direction), so the first data packet of each direction is
//   never parsed;
// - patterns match case-insensitively at the start of the packet; a packet too short to tell, a pattern
//   with no parsable numbers, or no free expectation makes the helper drop the packet ("partial matching");
// - numbers are not range-checked (they wrap as u32/u16 the way the kernel's arithmetic does);
// - an announced address that differs from the announcing side's address gets no expectation unless the
//   module parameter loose=1 (ftpParams.loose).
// When the connection is NATed the NAT half (src/nat/ftp.ts, nf_nat_ftp) rewrites the text and registers
// the expectation itself; it is passed in as `nat` (the kernel's nf_nat_ftp_hook pointer).
// Per-connection state (struct nf_ct_ftp_master) lives in Conntrack.ext.helpData. Allocates nothing.
import * as C from './constants';
import type { Conntrack } from './conntrack';
import { HELPER_FTP, HELP_WORDS } from './ext';
import { Expectation } from './expect';
import { seqAfter, seqBefore } from './seqadj';
import { newTuple } from './tuple';
import type { Skb } from '../engine/skb';

/** enum nf_ct_ftp_type. */
export const NF_CT_FTP_PORT = 0;
export const NF_CT_FTP_PASV = 1;
export const NF_CT_FTP_EPRT = 2;
export const NF_CT_FTP_EPSV = 3;

/** nf_ct_ftp_master.flags: set for entries injected by ctnetlink (resync on the next packet). */
export const NF_CT_FTP_SEQ_PICKUP = 1;
const NUM_SEQ_TO_REMEMBER = 2;

/** ftp_exp_policy: one expectation per master, 5 minutes. */
export const FTP_MAX_EXPECTED = 1;
export const FTP_EXPECT_TIMEOUT_MS = 5 * 60 * 1000;

/** Module parameters of nf_conntrack_ftp (global, as in the kernel). */
export const ftpParams = { loose: false };

/**
 * nf_nat_ftp_hook: called instead of registering the expectation when the connection is NATed.
 * matchoff is relative to the TCP payload. Returns a verdict.
 */
export type NatFtpHook = (skb: Skb, ctinfo: number, type: number, matchoff: number, matchlen: number, exp: Expectation) => number;

// helpData word layout (struct nf_ct_ftp_master).
const H_SEQ = 0; //   seq_aft_nl[dir][i] at H_SEQ + dir * 2 + i
const H_NUM = 4; //   seq_aft_nl_num[dir] at H_NUM + dir
const H_FLAGS = 6; // flags[dir] at H_FLAGS + dir

const PAT_PORT = bytes('PORT');
const PAT_EPRT = bytes('EPRT');
const PAT_227 = bytes('227 ');
const PAT_229 = bytes('229 ');
function bytes(s: string): Uint8Array { return Uint8Array.from(s, (c) => c.charCodeAt(0)); }

const CR = 13, SPACE = 32, LPAREN = 40, RPAREN = 41, COMMA = 44, DOT = 46;

// ---- parse results (module scratch: the engine is single-threaded) ------------------------------------
/** cmd.u3 as tuple words (initialised from the announcing side's address) and cmd.u.tcp.port. */
const cmdAddr = new Uint32Array(4);
let cmdPort = 0;
let cmdL3 = 0;
let matchOff = 0;
let matchLen = 0;
const nums = new Uint32Array(6);
const v6 = new Uint8Array(16);
const tDir = newTuple();
const tOther = newTuple();
/** The expectation being built (nf_ct_expect_alloc). */
const exp = new Expectation();

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
function lower(c: number): number { return c >= 65 && c <= 90 ? c + 32 : c; }

/**
 * try_number(): `size` numbers separated by `sep`, ended by `term` (0: any other character). Returns the
 * offset of the terminator (the length of the numbers) or 0.
 */
function tryNumber(b: Uint8Array, off: number, dlen: number, size: number, sep: number, term: number): number {
  nums.fill(0);
  let i = 0;
  for (let len = 0; len < dlen && i < size; len++) {
    const c = b[off + len];
    if (isDigit(c)) nums[i] = (Math.imul(nums[i], 10) + c - 48) >>> 0;
    else if (c === sep) i++;
    else {
      // An unexpected character is fine only as the terminator after the last number.
      if ((c === term || term === 0) && i === size - 1) return len;
      return 0;
    }
  }
  return 0;
}

/** try_rfc959(): "h1,h2,h3,h4,p1,p2". */
function tryRfc959(b: Uint8Array, off: number, dlen: number, term: number): number {
  const len = tryNumber(b, off, dlen, 6, COMMA, term);
  if (len === 0) return 0;
  cmdAddr[0] = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
  cmdPort = ((nums[4] << 8) | nums[5]) & 0xffff;
  return len;
}

/** try_rfc1123(): the 227 reply's numbers start at its first digit (RFC 1123 4.1.2.6). */
function tryRfc1123(b: Uint8Array, off: number, dlen: number): number {
  let i = 0;
  while (i < dlen && !isDigit(b[off + i])) i++;
  if (i === dlen) return 0;
  matchOff += i;
  return tryRfc959(b, off + i, dlen - i, 0);
}

/** get_port(): decimal digits up to the delimiter; returns the offset after it, 0 on error or port 0. */
function getPort(b: Uint8Array, off: number, start: number, dlen: number, delim: number): number {
  let p = 0;
  for (let i = start; i < dlen; i++) {
    const c = b[off + i];
    if (c === delim) {
      if (p === 0) break;
      cmdPort = p;
      return i + 1;
    } else if (isDigit(c)) p = (p * 10 + c - 48) & 0xffff;
    else break;
  }
  return 0;
}

/** A printable non-digit delimiter (try_eprt / try_epsv_response, with the kernel's signed char). */
function badDelim(d: number): boolean { return isDigit(d) || d < 33 || d > 126; }

/** try_eprt(): "|1|a.b.c.d|port|" or "|2|ipv6|port|". */
function tryEprt(b: Uint8Array, off: number, dlen: number): number {
  if (dlen <= 3) return 0;
  const delim = b[off];
  if (badDelim(delim) || b[off + 2] !== delim) return 0;
  const proto = b[off + 1];
  if ((cmdL3 === C.NFPROTO_IPV4 && proto !== 49) || (cmdL3 === C.NFPROTO_IPV6 && proto !== 50)) return 0;
  let length: number;
  if (proto === 49) {
    length = tryNumber(b, off + 3, dlen - 3, 4, DOT, delim);
    if (length !== 0) cmdAddr[0] = ((nums[0] << 24) | (nums[1] << 16) | (nums[2] << 8) | nums[3]) >>> 0;
  } else {
    length = in6Pton(b, off + 3, Math.min(dlen - 3, 0xffff), delim);
    if (length > 0) {
      for (let i = 0; i < 4; i++) cmdAddr[i] = ((v6[i * 4] << 24) | (v6[i * 4 + 1] << 16) | (v6[i * 4 + 2] << 8) | v6[i * 4 + 3]) >>> 0;
    }
  }
  if (length === 0) return 0;
  return getPort(b, off, 3 + length + 1, dlen, delim);
}

/** try_epsv_response(): "|||port|". */
function tryEpsv(b: Uint8Array, off: number, dlen: number): number {
  if (dlen <= 3) return 0;
  const delim = b[off];
  if (badDelim(delim) || b[off + 1] !== delim || b[off + 2] !== delim) return 0;
  return getPort(b, off, 3, dlen, delim);
}

// ---- in6_pton / in4_pton (net/core/utils.c) ------------------------------------------------------------
const X_XDIGIT = 0x00010000, X_DIGIT = 0x00020000, X_COLON_MASK = 0x00700000, X_COLON_1 = 0x00100000,
  X_COLON_2 = 0x00200000, X_COLON_1_2 = 0x00400000, X_DOT = 0x00800000, X_DELIM = 0x10000000,
  X_NULL = 0x20000000, X_UNKNOWN = 0x40000000;
const dbuf = new Uint8Array(16);

function xdigit2bin(c: number, delim: number): number {
  if (c === delim || c === 0) return X_DELIM;
  if (c === 58) return X_COLON_MASK;
  if (c === DOT) return X_DOT;
  let val = -1;
  if (isDigit(c)) val = c - 48;
  else if (lower(c) >= 97 && lower(c) <= 102) val = lower(c) - 87;
  if (val >= 0) return val | X_XDIGIT | (val < 10 ? X_DIGIT : 0);
  return X_UNKNOWN;
}

/** in4_pton() into dst[at..at+4); returns the offset where it stopped (relative to src), or -1. */
function in4Pton(b: Uint8Array, src: number, srclen: number, delim: number, dst: Uint8Array, at: number): number {
  let s = 0, i = 0, w = 0, seen = false, d = at;
  for (;;) {
    const c = xdigit2bin(srclen > 0 ? b[src + s] : 0, delim);
    if (!(c & (X_DIGIT | X_DOT | X_DELIM | X_COLON_MASK))) return -1 - s;
    if (c & (X_DOT | X_DELIM | X_COLON_MASK)) {
      if (!seen) return -1 - s; // the kernel's w carries flag bits, so it is 0 only for an empty part
      dst[d++] = w & 0xff;
      w = 0;
      seen = false;
      i++;
      if (c & (X_DELIM | X_COLON_MASK)) {
        if (i !== 4) return -1 - s;
        return s;
      }
    } else {
      w = w * 10 + (c & 0xff);
      seen = true;
      if (w > 255) return -1 - s;
    }
    if (i >= 4) return -1 - s;
    s++;
    srclen--;
  }
}

/** in6_pton() into v6; returns the length parsed (the offset of the delimiter) or 0. */
function in6Pton(b: Uint8Array, src: number, srclen: number, delim: number): number {
  dbuf.fill(0);
  let state = X_COLON_1_2 | X_XDIGIT | X_NULL;
  let w = 0, s = 0, d = 0, dc = -1, tok = -1;
  for (;;) {
    const c = xdigit2bin(srclen > 0 ? b[src + s] : 0, delim);
    if (!(c & state)) return 0;
    if (c & (X_DELIM | X_COLON_MASK)) {
      if (!(state & X_NULL)) {
        dbuf[d++] = (w >> 8) & 0xff;
        dbuf[d++] = w & 0xff;
      }
      w = 0;
      if (c & X_DELIM) break;
      switch (state & X_COLON_MASK) {
        case X_COLON_2:
          dc = d;
          state = X_XDIGIT | X_DELIM;
          if (dc >= 16) state |= X_NULL;
          break;
        case X_COLON_1 | X_COLON_1_2:
          state = X_XDIGIT | X_COLON_2;
          break;
        case X_COLON_1:
          state = X_XDIGIT;
          break;
        case X_COLON_1_2:
          state = X_COLON_2;
          break;
        default:
          state = 0;
      }
      tok = s + 1;
    } else if (c & X_DOT) {
      const start = tok >= 0 ? tok : s;
      const r = in4Pton(b, src + start, srclen + (s - start), delim, dbuf, d);
      if (r < 0) return 0;
      s = start + r;
      d += 4;
      break;
    } else {
      w = (w << 4) | (c & 0xff);
      state = X_COLON_1 | X_DELIM;
      if (!(w & 0xf000)) state |= X_XDIGIT;
      if (dc < 0 && d + 2 < 16) {
        state |= X_COLON_1_2;
        state &= ~X_DELIM;
      }
      if (d + 2 >= 16) state &= ~(X_COLON_1 | X_COLON_1_2);
    }
    // cont:
    if ((dc >= 0 && d + 4 < 16) || d + 4 === 16) state |= X_DOT;
    if (d >= 16) state &= ~(X_XDIGIT | X_COLON_MASK);
    s++;
    srclen--;
  }
  // Expand "::" (dc) to the zeros it stands for.
  let i = 15;
  d--;
  if (dc >= 0) {
    while (d >= dc) v6[i--] = dbuf[d--];
    while (i >= dc) v6[i--] = 0;
    while (i >= 0) v6[i--] = dbuf[d--];
  } else {
    v6.set(dbuf);
  }
  return s;
}

// ---- find_pattern ------------------------------------------------------------------------------------

/**
 * find_pattern(): 1 = matched (matchOff/matchLen set), 0 = not this pattern, -1 = partial or unparsable
 * (the helper drops the packet).
 */
function findPattern(b: Uint8Array, off: number, dlen: number, pat: Uint8Array, skip: number, term: number, type: number): number {
  const plen = pat.length;
  if (dlen <= plen) {
    // Short packet: a prefix of the pattern is a partial match.
    for (let i = 0; i < dlen; i++) if (lower(b[off + i]) !== lower(pat[i])) return 0;
    return -1;
  }
  for (let i = 0; i < plen; i++) if (lower(b[off + i]) !== lower(pat[i])) return 0;
  let i = plen;
  if (skip !== 0) {
    for (i = plen; b[off + i] !== skip; i++) if (i === dlen - 1) return -1;
    i++; // over the skip character
  }
  matchOff = i;
  let n: number;
  switch (type) {
    case NF_CT_FTP_PORT: n = tryRfc959(b, off + i, dlen - i, term); break;
    case NF_CT_FTP_PASV: n = tryRfc1123(b, off + i, dlen - i); break;
    case NF_CT_FTP_EPRT: n = tryEprt(b, off + i, dlen - i); break;
    default: n = tryEpsv(b, off + i, dlen - i); break;
  }
  matchLen = n;
  return n === 0 ? -1 : 1;
}

// ---- seq_aft_nl --------------------------------------------------------------------------------------

function findNlSeq(h: Uint32Array, base: number, seq: number, dir: number): boolean {
  const num = h[base + H_NUM + dir];
  for (let i = 0; i < num; i++) if (h[base + H_SEQ + dir * 2 + i] === seq) return true;
  return false;
}

/** update_nl_seq(): remember where the next line starts, replacing the older of two if it is newer. */
function updateNlSeq(h: Uint32Array, base: number, nlSeq: number, dir: number): void {
  const at = base + H_SEQ + dir * 2;
  const num = h[base + H_NUM + dir];
  for (let i = 0; i < num; i++) if (h[at + i] === nlSeq) return;
  if (num < NUM_SEQ_TO_REMEMBER) {
    h[at + num] = nlSeq;
    h[base + H_NUM + dir] = num + 1;
  } else {
    const oldest = seqBefore(h[at], h[at + 1]) ? 0 : 1;
    if (seqAfter(nlSeq, h[at + oldest])) h[at + oldest] = nlSeq;
  }
}

/** nf_ct_ftp_from_nlattr(): an entry injected from userspace resynchronises on its next packets. */
export function ftpSeqPickup(ct: Conntrack, e: number): void {
  const base = e * HELP_WORDS;
  ct.ext.helpData[base + H_FLAGS] |= NF_CT_FTP_SEQ_PICKUP;
  ct.ext.helpData[base + H_FLAGS + 1] |= NF_CT_FTP_SEQ_PICKUP;
}

// ---- help() --------------------------------------------------------------------------------------------

/**
 * The helper's help() for the packet in skb (at the confirm hook, after NAT rewrote its headers).
 * Returns NF_ACCEPT or NF_DROP (constants.ts values).
 */
export function ftpHelp(skb: Skb, nat: NatFtpHook | null): number {
  const ctinfo = skb.ctinfo;
  // Until there has been traffic both ways, don't look in packets.
  if (ctinfo !== C.IP_CT_ESTABLISHED && ctinfo !== C.IP_CT_ESTABLISHED_REPLY) return C.NF_ACCEPT;
  const v = skb.view;
  if (v.tcpHeaderLen === 0) return C.NF_ACCEPT;
  const dataoff = v.l4 + v.tcpHeaderLen;
  if (dataoff >= v.ipEnd) return C.NF_ACCEPT; // no data
  const datalen = v.ipEnd - dataoff;
  const b = v.buf;
  const ct = skb.net.conntrack;
  const e = skb.ct;
  const dir = ctinfo >= C.IP_CT_IS_REPLY ? C.IP_CT_DIR_REPLY : C.IP_CT_DIR_ORIGINAL;
  const h = ct.ext.helpData;
  const base = e * HELP_WORDS;

  const endsInNl = b[dataoff + datalen - 1] === 10;
  const seq = (v.seq + datalen) >>> 0; // before any mangling: the sender's numbering

  let ret = C.NF_ACCEPT;
  if (!findNlSeq(h, base, v.seq >>> 0, dir)) {
    if (h[base + H_FLAGS + dir] & NF_CT_FTP_SEQ_PICKUP) {
      h[base + H_FLAGS + dir] ^= NF_CT_FTP_SEQ_PICKUP; // picking the stream up: parse this one
    } else {
      if (endsInNl) updateNlSeq(h, base, seq, dir);
      return ret;
    }
  }

  // cmd.u3 starts as the announcing side's address (EPSV does not mention one).
  const l3 = ct.l3proto(e);
  ct.tuple(e, dir, tDir);
  ct.tuple(e, dir ^ 1, tOther);
  cmdL3 = l3;
  for (let i = 0; i < 4; i++) cmdAddr[i] = tDir[2 + i];
  cmdPort = 0;

  let found: number;
  let type: number;
  if (dir === C.IP_CT_DIR_ORIGINAL) {
    type = NF_CT_FTP_PORT;
    found = findPattern(b, dataoff, datalen, PAT_PORT, SPACE, CR, type);
    if (found === 0) { type = NF_CT_FTP_EPRT; found = findPattern(b, dataoff, datalen, PAT_EPRT, SPACE, CR, type); }
  } else {
    type = NF_CT_FTP_PASV;
    found = findPattern(b, dataoff, datalen, PAT_227, 0, 0, type);
    if (found === 0) { type = NF_CT_FTP_EPSV; found = findPattern(b, dataoff, datalen, PAT_229, LPAREN, RPAREN, type); }
  }
  if (found === -1) return C.NF_DROP; // "partial matching of `...'": needed for accurate tracking
  if (found === 1) {
    // The expected connection comes from the other side to the announcer, as the other direction's
    // tuple sees them (that matters under NAT).
    let dWords = tOther;
    let dAt = 6;
    let record = true;
    let differs = false;
    for (let i = 0; i < 4; i++) if (cmdAddr[i] !== tDir[2 + i]) differs = true;
    if (differs) {
      // Passive FTP to a partially NATed server wants another address: not recorded for NAT, and
      // accepted at all only with loose=1 (DMZ hosts must not open holes to internal networks).
      if (!ftpParams.loose) record = false;
      dWords = cmdAddr;
      dAt = 0;
    }
    if (record) {
      exp.init(e, ct.helper(e), l3, C.IPPROTO_TCP, tOther, 2, dWords, dAt, -1, cmdPort);
      if (nat !== null && (ct.status(e) & C.IPS_NAT_MASK)) {
        ret = nat(skb, ctinfo, type, matchOff, matchLen, exp);
      } else if (ct.expect.related(exp, ct.ext, ct.clock.now(), FTP_EXPECT_TIMEOUT_MS, FTP_MAX_EXPECTED) !== 0) {
        ret = C.NF_DROP; // "cannot add expectation"
      }
    }
  }
  if (endsInNl) updateNlSeq(h, base, seq, dir);
  return ret;
}

/** The helper id a CT --helper name assigns, 0 for names this model does not implement. */
export function helperIdByName(name: string): number {
  return name === 'ftp' ? HELPER_FTP : 0;
}

