/**
 * ecn match (extensions/libxt_ecn.c; net/netfilter/xt_ecn.c):
 * [!] --ecn-tcp-cwr, [!] --ecn-tcp-ece, [!] --ecn-ip-ect 0-3. The kernel's
 * ecn_mt_check refuses the TCP bits unless the rule is -p tcp (not inverted).
 */
import { paramError } from '../../util/errors';
import { EINVAL_MSG } from '../../rules/validate';
import { defineMatch } from '../types';
import { xtOnce, xtUint, type Seen } from '../xtoptions';

interface Flag { on: boolean; invert: boolean; }

export interface EcnInfo { ece: Flag; cwr: Flag; ect: Flag & { value: number }; seen: Seen; }

export const ecn = defineMatch<EcnInfo>({
  kind: 'match',
  name: 'ecn',
  family: 0,
  options: [{ name: 'ecn-tcp-cwr', arg: 'none' }, { name: 'ecn-tcp-ece', arg: 'none' }, { name: 'ecn-ip-ect', arg: 'required' }],
  init: () => ({ ece: { on: false, invert: false }, cwr: { on: false, invert: false }, ect: { on: false, invert: false, value: 0 }, seen: new Set() }),
  parse(opt, arg, invert, d) {
    xtOnce('ecn', opt, d.seen, invert, true);
    if (opt === 'ecn-tcp-cwr') d.cwr = { on: true, invert };
    else if (opt === 'ecn-tcp-ece') d.ece = { on: true, invert };
    else d.ect = { on: true, invert, value: xtUint('ecn', opt, arg!, 0, 3) };
  },
  finalCheck(d) {
    if (d.seen.size === 0) paramError('ECN match: some option required');
  },
  print(d) {
    let s = ' ECN match';
    if (d.ece.on) s += ` ${d.ece.invert ? '!' : ''}ECE`;
    if (d.cwr.on) s += ` ${d.cwr.invert ? '!' : ''}CWR`;
    if (d.ect.on) s += ` ${d.ect.invert ? '!' : ''}ECT=${d.ect.value}`;
    return s;
  },
  save(d) {
    let s = '';
    if (d.ece.on) s += `${d.ece.invert ? ' !' : ''} --ecn-tcp-ece`;
    if (d.cwr.on) s += `${d.cwr.invert ? ' !' : ''} --ecn-tcp-cwr`;
    if (d.ect.on) s += `${d.ect.invert ? ' !' : ''} --ecn-ip-ect ${d.ect.value}`;
    return s;
  },
  check(d, ctx) {
    if ((d.ece.on || d.cwr.on) && (ctx.ip.proto !== 6 || ctx.ip.invProto)) return EINVAL_MSG;
    return null;
  },
  /**
   * xt_ecn.c ecn_mt4/ecn_mt6: the ECN bits of the TOS / traffic class, then
   * the TCP ECE/CWR flags (no TCP header in the packet: no match).
   */
  match(skb, d) {
    const v = skb.view;
    if (d.ect.on && ((v.tos & 3) === d.ect.value) === d.ect.invert) return false;
    if (d.ece.on || d.cwr.on) {
      if (v.l4 + 20 > v.ipEnd) return false;
      const f = v.buf[v.l4 + 13];
      if (d.ece.on && ((f & 0x40) !== 0) === d.ece.invert) return false;
      if (d.cwr.on && ((f & 0x80) !== 0) === d.cwr.invert) return false;
    }
    return true;
  },
});
