/**
 * Protocol names as libxtables resolves them (xtables_parse_protocol,
 * proto_to_name and the xtables_chain_protos fallback table).
 */
import { paramError } from '../util/errors';
import { getprotobyname, getprotobynumber } from '../util/netdb';
import { strtoul } from '../util/num';

const CHAIN_PROTOS: readonly [string, number][] = [
  ['tcp', 6], ['sctp', 132], ['udp', 17], ['udplite', 136], ['icmp', 1], ['icmpv6', 58],
  ['ipv6-icmp', 58], ['esp', 50], ['ah', 51], ['ipv6-mh', 135], ['mh', 135], ['all', 0],
];

export function parseProtocol(s: string): number {
  const n = strtoul(s, 0, 0, 255);
  if (n !== undefined) return n;
  if (s === 'all') return 0;
  const p = getprotobyname(s);
  if (p !== undefined) return p;
  for (const [name, num] of CHAIN_PROTOS) if (name === s) return num;
  paramError(`unknown protocol "${s}" specified`);
}

/** proto_to_name(proto, nolookup=0): /etc/protocols first, then the builtin table. */
export function protoName(proto: number): string | undefined {
  if (proto !== 0) {
    const n = getprotobynumber(proto);
    if (n) return n;
  }
  for (const [name, num] of CHAIN_PROTOS) if (num === proto) return name;
  return undefined;
}

/** The builtin-table-only lookup (proto_to_name with nolookup). */
export function protoNameNoLookup(proto: number): string | undefined {
  for (const [name, num] of CHAIN_PROTOS) if (num === proto) return name;
  return undefined;
}
