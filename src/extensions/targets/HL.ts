/**
 * HL target, IPv6 (extensions/libip6t_hl.c; net/netfilter/xt_HL.c
 * hl_tg6_check): --hl-set / --hl-dec / --hl-inc, like TTL for IPv4; mangle
 * table only.
 */
import { hopLimitTarget } from './TTL';

export const HL = hopLimitTarget('HL', 'hl', 6);
