/**
 * hl match, IPv6 only (extensions/libip6t_hl.c; net/ipv6/netfilter/ip6t_hl.c):
 * --hl-eq/--hl-lt/--hl-gt on the hop limit; same shape as ttl (see ttl.ts).
 */
import { makeTtlMatch } from './ttl';

export const hl = makeTtlMatch('hl', 6, 'HL', "HL match: You must specify one of `--hl-eq', `--hl-lt', `--hl-gt'");
