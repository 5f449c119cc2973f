/**
 * NFQUEUE target, revision 3 (extensions/libxt_NFQUEUE.c;
 * net/netfilter/xt_NFQUEUE.c nfqueue_tg_check), both families, any table.
 *
 * --queue-num N or --queue-balance FIRST:LAST (exclusive), --queue-bypass,
 * --queue-cpu-fanout (needs --queue-balance). The balance range is parsed
 * like XTTYPE_UINT16RC (empty ends default to 0 and 65535); the kernel keeps
 * the queue count in 16 bits, so 0:65535 wraps to 0 and is refused.
 * A rule without options queues to 0, printed as "num 0".
 */
import { paramError } from '../../util/errors';
import { EINVAL_MSG } from '../../rules/validate';
import { defineTarget } from '../types';
import type { Skb } from '../../engine/skb';
import { NF_QUEUE } from '../../engine/verdict';
import { optionSpecs, xtFcheck, xtParse, xtUintRange, type XtOption } from '../xtoptions';

const O_NUM = 0;
const O_BALANCE = 1;
const ENTRIES: readonly XtOption[] = [
  { name: 'queue-num', id: O_NUM, type: 'u16', excl: 1 << O_BALANCE },
  { name: 'queue-balance', id: O_BALANCE, type: 'other', excl: 1 << O_NUM },
  { name: 'queue-bypass', id: 2, type: 'none' },
  { name: 'queue-cpu-fanout', id: 3, type: 'none', also: 1 << O_BALANCE },
];
const NFQ_FLAG_BYPASS = 0x01;
const NFQ_FLAG_CPU_FANOUT = 0x02;

interface NfqInfo { num: number; total: number; flags: number; xflags: number; }

export const NFQUEUE = defineTarget<NfqInfo>({
  kind: 'target',
  name: 'NFQUEUE',
  revision: 3,
  family: 0,
  options: optionSpecs(ENTRIES),
  init: () => ({ num: 0, total: 1, flags: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const v = xtParse('NFQUEUE', ENTRIES, opt, arg, invert, d);
    switch (opt) {
      case 'queue-num': d.num = v; break;
      case 'queue-balance': {
        const r = xtUintRange('NFQUEUE', 'queue-balance', arg!, 0xffff);
        if (r.length !== 2) paramError(`Bad range "${arg}"`);
        if (r[0] >= r[1]) paramError(`${r[0]} should be less than ${r[1]}`);
        d.num = r[0];
        d.total = (r[1] - r[0] + 1) & 0xffff;
        break;
      }
      case 'queue-bypass': d.flags |= NFQ_FLAG_BYPASS; break;
      case 'queue-cpu-fanout': d.flags |= NFQ_FLAG_CPU_FANOUT; break;
    }
  },
  finalCheck: (d) => xtFcheck('NFQUEUE', ENTRIES, d.xflags),
  print(d) {
    let s = d.total > 1 ? ` NFQUEUE balance ${d.num}:${d.num + d.total - 1}` : ` NFQUEUE num ${d.num}`;
    if (d.flags & NFQ_FLAG_BYPASS) s += ' bypass';
    if (d.flags & NFQ_FLAG_CPU_FANOUT) s += ' cpu-fanout';
    return s;
  },
  save(d) {
    let s = d.total > 1 ? ` --queue-balance ${d.num}:${d.num + d.total - 1}` : ` --queue-num ${d.num}`;
    if (d.flags & NFQ_FLAG_BYPASS) s += ' --queue-bypass';
    if (d.flags & NFQ_FLAG_CPU_FANOUT) s += ' --queue-cpu-fanout';
    return s;
  },
  // nfqueue_tg_check: a zero queue count (a wrapped 0:65535) is refused.
  check: (d) => (d.total === 0 ? EINVAL_MSG : null),
  /**
   * nfqueue_tg_v3 hands the packet to a userspace queue (NF_QUEUE_NR(num)).
   * This model has no userspace listener, and with none the kernel's
   * nf_queue() fails (-ESRCH): nf_hook_slow then drops the packet, unless
   * --queue-bypass was given, in which case the packet goes on as if this
   * hook had accepted it (the next hook function runs). The engine applies
   * that: on NF_QUEUE it asks nfqueueBypass(data) of the deciding rule
   * (nfqueueNum(data) names the queue, e.g. for tracing).
   */
  target(_skb: Skb) {
    return NF_QUEUE;
  },
});

/** True when the rule's NFQUEUE has --queue-bypass (NFQ_FLAG_BYPASS): no listener means accept, not drop. */
export function nfqueueBypass(data: unknown): boolean {
  return ((data as NfqInfo).flags & NFQ_FLAG_BYPASS) !== 0;
}

/** The first queue number of the rule (with --queue-balance the kernel spreads flows over num..num+total-1). */
export function nfqueueNum(data: unknown): number {
  return (data as NfqInfo).num;
}
