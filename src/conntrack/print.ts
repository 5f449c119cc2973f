// Text forms of the table: `conntrack -L` (conntrack-tools 1.4.7, default and `-o extended` output) and
// /proc/net/nf_conntrack (net/netfilter/nf_conntrack_standalone.c ct_seq_show). Both were checked against a
// real 6.18 kernel in a network namespace: fields, padding, flags, and the /proc form's zone= and use=.
import * as C from './constants';
import type { Conntrack } from './conntrack';
import { tcpState } from './tcp';
import { newTuple, wordsToBytes } from './tuple';
import { ipv6ToString } from '../util/addr';

const L4_NAMES: Record<number, string> = {
  [C.IPPROTO_TCP]: 'tcp', [C.IPPROTO_UDP]: 'udp', [C.IPPROTO_UDPLITE]: 'udplite',
  [C.IPPROTO_ICMP]: 'icmp', [C.IPPROTO_ICMPV6]: 'icmpv6',
};

function pad8(s: string): string {
  return s.length >= 8 ? s : s + ' '.repeat(8 - s.length);
}

const bytes = new Uint8Array(16);

function addr(t: Uint32Array, at: number, v6: boolean, proc: boolean): string {
  wordsToBytes(t, at, bytes);
  if (!v6) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (!proc) return ipv6ToString(bytes);
  // The kernel prints IPv6 with %pI6: eight groups of four hex digits, nothing compressed.
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((bytes[i] << 8) | bytes[i + 1]).toString(16).padStart(4, '0'));
  return g.join(':');
}

function tupleText(t: Uint32Array, proc: boolean): string {
  const v6 = t[0] === C.NFPROTO_IPV6;
  let s = `src=${addr(t, 2, v6, proc)} dst=${addr(t, 6, v6, proc)} `;
  switch (t[1]) {
    case C.IPPROTO_TCP:
    case C.IPPROTO_UDP:
    case C.IPPROTO_UDPLITE:
      s += `sport=${t[10]} dport=${t[11]} `;
      break;
    case C.IPPROTO_ICMP:
    case C.IPPROTO_ICMPV6:
      s += `type=${t[11] >>> 8} code=${t[11] & 0xff} id=${t[10]} `;
      break;
    default:
      break;
  }
  return s;
}

/** One entry as a line (without newline). proc=true gives the /proc/net/nf_conntrack form. */
export function formatEntry(ct: Conntrack, e: number, opts: { extended?: boolean; proc?: boolean } = {}): string {
  const proc = opts.proc === true;
  const t = newTuple();
  const l3 = ct.l3proto(e), l4 = ct.protocol(e), st = ct.status(e);
  let s = '';
  if (proc || opts.extended) s += `${pad8(l3 === C.NFPROTO_IPV6 ? 'ipv6' : 'ipv4')} ${l3} `;
  s += `${pad8(L4_NAMES[l4] ?? 'unknown')} ${l4} ${Math.floor(ct.expires(e) / 1000)} `;
  if (l4 === C.IPPROTO_TCP) s += `${C.TCP_STATE_NAMES[tcpState(ct.tab, e)]} `;
  ct.tuple(e, C.IP_CT_DIR_ORIGINAL, t);
  s += tupleText(t, proc);
  if (!(st & C.IPS_SEEN_REPLY)) s += '[UNREPLIED] ';
  ct.tuple(e, C.IP_CT_DIR_REPLY, t);
  s += tupleText(t, proc);
  if (st & C.IPS_OFFLOAD) s += '[OFFLOAD] ';
  else if (st & C.IPS_ASSURED) s += '[ASSURED] ';
  s += `mark=${ct.mark(e)} `;
  // /proc shows zone= always on this kernel, and use= counts the reader's own reference too.
  s += proc ? 'zone=0 use=2' : 'use=1';
  return s;
}

export interface ListOptions {
  /** Only this family (`conntrack -L -f ipv4|ipv6`). */
  family?: 'ipv4' | 'ipv6';
  /** `-o extended`: prefix the layer-3 name and number. */
  extended?: boolean;
}

/** `conntrack -L`: stdout lines and the summary conntrack-tools prints on stderr. */
export function conntrackList(ct: Conntrack, o: ListOptions = {}): { stdout: string; stderr: string } {
  const want = o.family === 'ipv4' ? C.NFPROTO_IPV4 : o.family === 'ipv6' ? C.NFPROTO_IPV6 : 0;
  let out = '';
  let n = 0;
  ct.forEach((e) => {
    if (want !== 0 && ct.l3proto(e) !== want) return;
    out += formatEntry(ct, e, { extended: o.extended }) + '\n';
    n++;
  });
  return { stdout: out, stderr: `conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been shown.\n` };
}

/** The content of /proc/net/nf_conntrack. */
export function procNfConntrack(ct: Conntrack): string {
  let out = '';
  ct.forEach((e) => { out += formatEntry(ct, e, { proc: true }) + '\n'; });
  return out;
}
