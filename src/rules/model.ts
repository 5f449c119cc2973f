/**
 * The rule model: tables, chains and rules as the kernel's ip_tables /
 * ip6_tables hold them (struct ipt_entry / ip6t_entry), for both families.
 *
 * Addresses are kept as bytes (4 or 16) with a mask of the same length, as in
 * struct ipt_ip; matching later compares bytes under the mask, and printing
 * derives the canonical text from the bytes, so one model serves -S, -L and
 * iptables-save without keeping the user's spelling.
 */
import type { MatchExtension, TargetExtension } from '../extensions/types';

export type Family = 4 | 6;
export type TableName = 'filter' | 'nat' | 'mangle' | 'raw' | 'security';
export const TABLE_NAMES: readonly TableName[] = ['filter', 'nat', 'mangle', 'raw', 'security'];

/** Netfilter hooks, numbered as in include/uapi/linux/netfilter.h. */
export const enum Hook { PREROUTING = 0, INPUT = 1, FORWARD = 2, OUTPUT = 3, POSTROUTING = 4 }
export const HOOK_NAMES = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;
export type HookName = (typeof HOOK_NAMES)[number];
export const HOOK_BIT: Record<HookName, number> = {
  PREROUTING: 1 << 0, INPUT: 1 << 1, FORWARD: 1 << 2, OUTPUT: 1 << 3, POSTROUTING: 1 << 4,
};

/** Builtin chains of each table (net/ipv4/netfilter/iptable_*.c valid_hooks). */
export const TABLE_HOOKS: Record<TableName, readonly HookName[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** The fixed header part of a rule (struct ipt_ip / ip6t_ip6). */
export interface IpHeaderMatch {
  src: Uint8Array;
  smsk: Uint8Array;
  dst: Uint8Array;
  dmsk: Uint8Array;
  /** Interface names; '' means any. A trailing '+' is a prefix wildcard. */
  iniface: string;
  outiface: string;
  /** Protocol number; 0 means all. */
  proto: number;
  /** Set when -p was given explicitly (IP6T_F_PROTO for IPv6; -p all saves nothing). */
  invSrc: boolean;
  invDst: boolean;
  invIn: boolean;
  invOut: boolean;
  invProto: boolean;
  /** IPv4 only: -f (second and later fragments). */
  frag: boolean;
  invFrag: boolean;
}

export interface MatchInstance {
  ext: MatchExtension;
  /** Extension-owned data (the xt_*_info the kernel would hold). */
  data: unknown;
}

export type StandardVerdict = 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE';

export type TargetRef =
  | { kind: 'none' }
  | { kind: 'verdict'; verdict: StandardVerdict }
  | { kind: 'jump'; chain: string; goto: boolean }
  | { kind: 'ext'; ext: TargetExtension; data: unknown };

export interface Rule {
  ip: IpHeaderMatch;
  matches: MatchInstance[];
  target: TargetRef;
  pcnt: number;
  bcnt: number;
}

export interface Chain {
  name: string;
  /** Builtin chains have a policy; user chains have none. */
  builtin: boolean;
  policy: 'ACCEPT' | 'DROP' | null;
  pcnt: number;
  bcnt: number;
  rules: Rule[];
}

export interface Table {
  name: TableName;
  /** Builtin chains in hook order, then user chains in creation order. */
  chains: Map<string, Chain>;
}

export interface Ruleset {
  family: Family;
  /** Tables that exist ("have been used"); the order is /proc/net/ip_tables_names order, newest first. */
  tables: Map<TableName, Table>;
}

export function addrLen(family: Family): number {
  return family === 4 ? 4 : 16;
}

export function emptyIp(family: Family): IpHeaderMatch {
  const n = addrLen(family);
  return {
    src: new Uint8Array(n), smsk: new Uint8Array(n), dst: new Uint8Array(n), dmsk: new Uint8Array(n),
    iniface: '', outiface: '', proto: 0,
    invSrc: false, invDst: false, invIn: false, invOut: false, invProto: false, frag: false, invFrag: false,
  };
}

export function newTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const h of TABLE_HOOKS[name]) {
    chains.set(h, { name: h, builtin: true, policy: 'ACCEPT', pcnt: 0, bcnt: 0, rules: [] });
  }
  return { name, chains };
}

export function newRuleset(family: Family): Ruleset {
  return { family, tables: new Map() };
}

/** Returns the table, creating it (as the kernel loads a table module on first use). */
export function useTable(rs: Ruleset, name: TableName): Table {
  let t = rs.tables.get(name);
  if (!t) {
    t = newTable(name);
    // /proc/net/ip_tables_names lists the newest registered table first.
    const rest = [...rs.tables];
    rs.tables = new Map([[name, t], ...rest]);
  }
  return t;
}
