/**
 * icmp6 match, IPv6 only (extensions/libip6t_icmp6.c, libxt_icmp.h;
 * net/ipv6/netfilter/ip6_tables.c icmp6_match). Loaded as -m icmp6,
 * -m icmpv6, -m ipv6-icmp and implicitly by -p icmpv6 / ipv6-icmp / 58.
 * No "any" name and no special save form for type 255, unlike icmp.
 */
import { defineMatch } from '../types';
import { icmpTypeMatch, parseIcmpType, printIcmpType, saveIcmpType, type IcmpInfo, type IcmpName } from './icmp';
import { xtMandatory, xtOnce } from '../xtoptions';

const n = (name: string, type: number, min = 0, max = 0xff): IcmpName => ({ name, type, min, max });

/** libxt_icmp.h icmpv6_codes, in table order. */
const ICMPV6_NAMES: readonly IcmpName[] = [
  n('destination-unreachable', 1), n('no-route', 1, 0, 0), n('communication-prohibited', 1, 1, 1),
  n('beyond-scope', 1, 2, 2), n('address-unreachable', 1, 3, 3), n('port-unreachable', 1, 4, 4),
  n('failed-policy', 1, 5, 5), n('reject-route', 1, 6, 6),
  n('packet-too-big', 2),
  n('time-exceeded', 3), n('ttl-exceeded', 3), n('ttl-zero-during-transit', 3, 0, 0),
  n('ttl-zero-during-reassembly', 3, 1, 1),
  n('parameter-problem', 4), n('bad-header', 4, 0, 0), n('unknown-header-type', 4, 1, 1), n('unknown-option', 4, 2, 2),
  n('echo-request', 128), n('ping', 128), n('echo-reply', 129), n('pong', 129),
  n('router-solicitation', 133), n('router-advertisement', 134),
  n('neighbour-solicitation', 135), n('neighbor-solicitation', 135),
  n('neighbour-advertisement', 136), n('neighbor-advertisement', 136),
  n('redirect', 137),
];

export const icmp6 = defineMatch<IcmpInfo>({
  kind: 'match',
  name: 'icmp6',
  aliases: ['icmpv6', 'ipv6-icmp'],
  family: 6,
  proto: 58,
  options: [{ name: 'icmpv6-type', arg: 'required' }],
  init: () => ({ type: 0, code: [0, 0xff], invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('icmp6', 'icmpv6-type', d.seen, invert, true);
    const r = parseIcmpType(arg!, ICMPV6_NAMES, 'ICMPv6');
    d.type = r.type; d.code = r.code; d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('icmp6', 'icmpv6-type', d.seen),
  print: (d, ctx) => printIcmpType('ipv6-icmp', d, ctx.numeric, ICMPV6_NAMES),
  save: (d) => saveIcmpType('--icmpv6-type', d),
  // ip6_tables.c icmp6_type_code_match has no "any" type.
  match: (skb, d) => icmpTypeMatch(skb, d, false),
});
