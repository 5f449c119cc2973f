/**
 * REJECT target (extensions/libipt_REJECT.c, libip6t_REJECT.c;
 * net/ipv4/netfilter/ipt_REJECT.c, net/ipv6/netfilter/ip6t_REJECT.c).
 *
 * --reject-with TYPE picks the reply; the default is port unreachable and is
 * always printed. TYPE is matched case-insensitively as a *prefix* of a
 * table entry's name or alias (strncasecmp with the argument's length), in
 * table order, so "icmp-net" or even "" pick the first fitting entry.
 * The kernel registers REJECT for the filter table only, hooks INPUT,
 * FORWARD and OUTPUT, and refuses tcp-reset unless the rule says -p tcp
 * (not inverted).
 */
import { XtError } from '../../util/errors';
import { EINVAL_MSG } from '../../rules/validate';
import type { Family } from '../../rules/model';
import { defineTarget, type CheckContext, type TargetExtension } from '../types';
import { optionSpecs, xtParse, type XtOption } from '../xtoptions';
import type { Skb } from '../../engine/skb';
import { NF_DROP } from '../../engine/verdict';
import { sendReset4, sendReset6, sendUnreach4, sendUnreach6 } from './reject-send';

interface RejectType { name: string; alias: string; }

/** Indexed by the kernel's enum ipt_reject_with; null = not offered by iptables (echo-reply). */
const V4: readonly (RejectType | null)[] = [
  { name: 'icmp-net-unreachable', alias: 'net-unreach' },
  { name: 'icmp-host-unreachable', alias: 'host-unreach' },
  { name: 'icmp-proto-unreachable', alias: 'proto-unreach' },
  { name: 'icmp-port-unreachable', alias: 'port-unreach' },
  null,
  { name: 'icmp-net-prohibited', alias: 'net-prohib' },
  { name: 'icmp-host-prohibited', alias: 'host-prohib' },
  { name: 'tcp-reset', alias: 'tcp-rst' },
  { name: 'icmp-admin-prohibited', alias: 'admin-prohib' },
];
const V4_PORT_UNREACH = 3;
const V4_TCP_RESET = 7;
/** ICMP code sent for each V4 entry (ipt_REJECT.c reject_tg); -1: nothing (echo-reply) or the RST. */
const V4_CODE = [0, 1, 2, 3, -1, 9, 10, -1, 13];

/** enum ip6t_reject_with; not-neighbour and echo-reply are not offered. */
const V6: readonly (RejectType | null)[] = [
  { name: 'icmp6-no-route', alias: 'no-route' },
  { name: 'icmp6-adm-prohibited', alias: 'adm-prohibited' },
  null,
  { name: 'icmp6-addr-unreachable', alias: 'addr-unreach' },
  { name: 'icmp6-port-unreachable', alias: 'port-unreach' },
  null,
  { name: 'tcp-reset', alias: 'tcp-reset' },
  { name: 'icmp6-policy-fail', alias: 'policy-fail' },
  { name: 'icmp6-reject-route', alias: 'reject-route' },
];
const V6_PORT_UNREACH = 4;
const V6_TCP_RESET = 6;
/** ICMPv6 code for each V6 entry (ip6t_REJECT.c reject_tg6). */
const V6_CODE = [0, 1, 2, 3, 4, -1, -1, 5, 6];

interface RejectInfo { with: number; xflags: number; }

const ENTRIES: readonly XtOption[] = [{ name: 'reject-with', id: 0, type: 'string' }];

function isPrefixCI(whole: string, arg: string): boolean {
  return whole.slice(0, arg.length).toLowerCase() === arg.toLowerCase() && arg.length <= whole.length;
}

function make(family: Family): TargetExtension {
  const table = family === 4 ? V4 : V6;
  const tcpReset = family === 4 ? V4_TCP_RESET : V6_TCP_RESET;
  return defineTarget<RejectInfo>({
    kind: 'target',
    name: 'REJECT',
    family,
    options: optionSpecs(ENTRIES),
    tables: ['filter'],
    hooks: ['INPUT', 'FORWARD', 'OUTPUT'],
    init: () => ({ with: family === 4 ? V4_PORT_UNREACH : V6_PORT_UNREACH, xflags: 0 }),
    parse(_opt, arg, invert, d, ctx) {
      xtParse('REJECT', ENTRIES, 'reject-with', arg, invert, d);
      const a = arg!;
      const i = table.findIndex((t) => t !== null && (isPrefixCI(t.name, a) || isPrefixCI(t.alias, a)));
      if (i >= 0) { d.with = i; return; }
      const msg = `unknown reject type "${a}"`;
      // libipt_REJECT.c warns on stderr about the long-gone echo-reply before failing.
      if (family === 4 && (isPrefixCI('echo-reply', a) || isPrefixCI('echoreply', a))) {
        throw new XtError(2, `--reject-with echo-reply no longer supported\n${ctx.prog} v1.8.9 (legacy): ${msg}`, { plain: true });
      }
      throw new XtError(2, msg);
    },
    print: (d) => ` reject-with ${table[d.with]!.name}`,
    save: (d) => ` --reject-with ${table[d.with]!.name}`,
    check(d, ctx: CheckContext) {
      if (d.with === tcpReset && (ctx.ip.proto !== 6 || ctx.ip.invProto)) return EINVAL_MSG;
      return null;
    },
    // reject_tg / reject_tg6: send the answer (reject.ts) if the kernel would, and drop the packet either way.
    target: family === 4 ? target4 : target6,
  });
}

function target4(skb: Skb, d: RejectInfo): number {
  if (d.with === V4_TCP_RESET) sendReset4(skb);
  else if (V4_CODE[d.with] >= 0) sendUnreach4(skb, V4_CODE[d.with]);
  return NF_DROP;
}

function target6(skb: Skb, d: RejectInfo): number {
  if (d.with === V6_TCP_RESET) sendReset6(skb);
  else if (V6_CODE[d.with] >= 0) sendUnreach6(skb, V6_CODE[d.with]);
  return NF_DROP;
}

export const REJECT4 = make(4);
export const REJECT6 = make(6);
