/**
 * ttl match, IPv4 (extensions/libipt_ttl.c; net/ipv4/netfilter/ipt_ttl.c)
 * and its IPv6 twin hl (extensions/libip6t_hl.c; net/ipv6/netfilter/ip6t_hl.c):
 * --ttl-eq/--ttl-lt/--ttl-gt N (only -eq invertible, giving "!=").
 * --xx-lt and --xx-gt exclude every other option; --xx-eq excludes none
 * itself, which decides the wording of the conflict errors.
 */
import { paramError } from '../../util/errors';
import { defineMatch, type MatchExtension } from '../types';
import { xtFcheckNamed, xtOnce, xtUint, type Seen } from '../xtoptions';

type Mode = 'eq' | 'ne' | 'lt' | 'gt';

export interface TtlInfo { mode: Mode; value: number; seen: Seen; }

const SYM: Record<Mode, string> = { eq: '==', ne: '!=', lt: '<', gt: '>' };

export function makeTtlMatch(name: 'ttl' | 'hl', family: 4 | 6, label: string, missing: string): MatchExtension {
  const opt = (m: string): string => `${name}-${m}`;
  const table = [
    { name: opt('eq'), excl: [] },
    { name: opt('lt'), excl: [opt('eq'), opt('gt')] },
    { name: opt('gt'), excl: [opt('eq'), opt('lt')] },
  ];
  return defineMatch<TtlInfo>({
    kind: 'match',
    name,
    family,
    options: [{ name: opt('eq'), arg: 'required' }, { name: opt('lt'), arg: 'required' }, { name: opt('gt'), arg: 'required' }],
    init: () => ({ mode: 'eq', value: 0, seen: new Set() }),
    parse(o, arg, invert, d) {
      const m = o.slice(name.length + 1) as 'eq' | 'lt' | 'gt';
      xtOnce(name, o, d.seen, invert, m === 'eq');
      d.value = xtUint(name, o, arg!, 0, 255);
      d.mode = m === 'eq' && invert ? 'ne' : m;
    },
    finalCheck(d) {
      // x6_fcheck runs before the generic exclusion checks.
      if (d.seen.size === 0) paramError(missing);
      xtFcheckNamed(name, table, d.seen);
    },
    print: (d) => ` ${label} match ${label} ${SYM[d.mode]} ${d.value}`,
    save(d) {
      if (d.mode === 'ne') return ` ! --${opt('eq')} ${d.value}`;
      return ` --${opt(d.mode)} ${d.value}`;
    },
    // ipt_ttl.c ttl_mt / ip6t_hl.c hl_mt: compare the TTL / hop limit.
    match(skb, d) {
      const t = skb.view.ttl;
      switch (d.mode) {
        case 'eq': return t === d.value;
        case 'ne': return t !== d.value;
        case 'lt': return t < d.value;
        default: return t > d.value;
      }
    },
  });
}

// libipt_ttl's message lacks the closing quote (hl.ts's has it).
export const ttl = makeTtlMatch('ttl', 4, 'TTL', "TTL match: You must specify one of `--ttl-eq', `--ttl-lt', `--ttl-gt");
