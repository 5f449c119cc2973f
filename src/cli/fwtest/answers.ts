/**
 * Names of the packets a host sends in answer: `tcp-reset`, and ICMP or
 * ICMPv6 errors and echo replies by the names iptables uses, both the icmp
 * match's (`port-unreachable`, `3/3`) and REJECT's `--reject-with` ones
 * (`icmp-port-unreachable`, `icmp-proto-unreachable`, `icmp6-adm-prohibited`).
 */
import { icmpTypeCode, TraceUsage } from '../trace/spec';

export interface AnswerKind {
  /** tcp-reset, or an ICMP message of a family. */
  kind: 'tcp-reset' | 'icmp';
  family: 4 | 6;
  type: number;
  code: number;
}

// REJECT's names that are not the icmp match's (libipt_REJECT.c, libip6t_REJECT.c).
const REJECT4: Record<string, [number, number]> = {
  'net-unreachable': [3, 0], 'proto-unreachable': [3, 2], 'net-prohibited': [3, 9], 'admin-prohibited': [3, 13],
};
const REJECT6: Record<string, [number, number]> = {
  'no-route': [1, 0], 'adm-prohibited': [1, 1], 'addr-unreachable': [1, 3],
};

// Names for showing what was sent.
const NAMES4: Record<string, string> = {
  '0/0': 'echo-reply', '3/0': 'network-unreachable', '3/1': 'host-unreachable', '3/2': 'protocol-unreachable',
  '3/3': 'port-unreachable', '3/4': 'fragmentation-needed', '3/9': 'network-prohibited', '3/10': 'host-prohibited',
  '3/13': 'communication-prohibited', '8/0': 'echo-request', '11/0': 'ttl-zero-during-transit', '11/1': 'ttl-zero-during-reassembly',
};
const NAMES6: Record<string, string> = {
  '1/0': 'no-route', '1/1': 'communication-prohibited', '1/3': 'address-unreachable', '1/4': 'port-unreachable',
  '2/0': 'packet-too-big', '3/0': 'ttl-zero-during-transit', '3/1': 'ttl-zero-during-reassembly', '128/0': 'echo-request', '129/0': 'echo-reply',
};

/** One family's reading of a name (without its icmp-/icmp6- prefix), or undefined. */
function icmpByName(family: 4 | 6, name: string): { type: number; code: number } | undefined {
  const alias = (family === 4 ? REJECT4 : REJECT6)[name];
  if (alias) return { type: alias[0], code: alias[1] };
  try {
    return icmpTypeCode(family, name);
  } catch (e) {
    if (e instanceof TraceUsage) return undefined;
    throw e;
  }
}

export interface AnswerSpec {
  text: string;
  /** Families the ICMP name was given for (both when the name does not say). */
  reset: boolean;
  families: (4 | 6)[];
  name: string;
  /** `out IFACE` or `dropped`: where the answer must end; undefined = anywhere. */
  where: string | undefined;
}

/**
 * "tcp-reset", "icmp port-unreachable", "icmp-port-unreachable",
 * "icmp6-adm-prohibited", "icmpv6 1/4", "echo-reply", each optionally
 * followed by "out IFACE" or "dropped". Returns an error message when the
 * name means nothing.
 */
export function parseAnswerSpec(text: string): AnswerSpec | string {
  const w = text.trim().split(/\s+/);
  let where: string | undefined;
  if (w.length >= 3 && w[w.length - 2] === 'out') where = `out ${w.splice(-2)[1]}`;
  else if (w.length >= 2 && w[w.length - 1] === 'dropped') { where = 'dropped'; w.pop(); }
  let s = w.join(' ').toLowerCase();
  if (s === 'tcp-reset' || s === 'tcp reset' || s === 'rst') return { text, reset: true, families: [], name: 'tcp-reset', where };
  let families: (4 | 6)[] = [4, 6];
  const m = /^(icmpv6|icmp6|icmp)(?:[- ])(.+)$/.exec(s);
  if (m) { families = m[1] === 'icmp' ? [4] : [6]; s = m[2]; }
  if (s.includes(' ')) return `\`${text}': an answer is tcp-reset or an ICMP type (icmp port-unreachable, icmp6-adm-prohibited, icmp 3/3...), then optionally "out IFACE" or "dropped"`;
  const ok = families.filter((f) => icmpByName(f, s) !== undefined);
  if (ok.length === 0) return `\`${text}': unknown ICMP${families.length === 1 && families[0] === 6 ? 'v6' : ''} type \`${s}'`;
  return { text, reset: false, families: ok, name: s, where };
}

/** What an answer was, from the summary trace gives it ("TCP ... [RST,ACK] ...", "ICMP ... type=3 code=3 ..."). */
export function answerKind(summary: string): AnswerKind | undefined {
  const tcp = /^TCP \S+ > (\S+) \[([A-Z,]+)\]/.exec(summary);
  if (tcp) return tcp[2].split(',').includes('RST') ? { kind: 'tcp-reset', family: tcp[1].startsWith('[') ? 6 : 4, type: -1, code: -1 } : undefined;
  const icmp = /^(ICMP|ICMPv6) \S+ > \S+ type=([0-9]+) code=([0-9]+)/.exec(summary);
  if (!icmp) return undefined;
  return { kind: 'icmp', family: icmp[1] === 'ICMP' ? 4 : 6, type: Number(icmp[2]), code: Number(icmp[3]) };
}

export function answerName(k: AnswerKind): string {
  if (k.kind === 'tcp-reset') return 'tcp-reset';
  const key = `${k.type}/${k.code}`;
  const name = (k.family === 4 ? NAMES4 : NAMES6)[key] ?? key;
  return `${k.family === 4 ? 'icmp' : 'icmpv6'} ${name}`;
}

export function answerMatches(spec: AnswerSpec, k: AnswerKind): boolean {
  if (spec.reset) return k.kind === 'tcp-reset';
  if (k.kind !== 'icmp' || !spec.families.includes(k.family)) return false;
  const t = icmpByName(k.family, spec.name);
  return t !== undefined && t.type === k.type && t.code === k.code;
}
