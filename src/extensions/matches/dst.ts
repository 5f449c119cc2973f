/**
 * dst match, IPv6 only (iptables 1.8.9 extensions/libip6t_dst.c; the
 * kernel's ip6t_hbh.c registers it next to hbh, MODULE_ALIAS("ip6t_dst")):
 * the Destination Options header (the first one in the chain, as
 * ipv6_find_hdr finds it). [!] --dst-len length, --dst-opts TYPE[:LEN],...
 * Everything is shared with hbh.ts; only the messages differ.
 */
import { NEXTHDR_DEST } from '../../wire/ipv6';
import { makeOptsMatch } from './hbh';

export const dst = makeOptsMatch('dst', NEXTHDR_DEST, "PAD0 hasn't got length");
