/**
 * state match (extensions/libxt_conntrack.c state_* functions). iptables
 * 1.8.9 sends it to the kernel as conntrack revision 3 with the "state"
 * alias flag (XT_CONNTRACK_STATE_ALIAS), so it keeps the name "state" in
 * -S/save and -L. Only the five classic states are accepted; a state word
 * may be any case-insensitive prefix of a name.
 */
import type { Skb } from '../../engine/skb';
import { defineMatch } from '../types';
import { kernelStateMask, packetStateBits, parseStates, stateNames } from './conntrack';
import { xtMandatory, xtOnce } from '../xtoptions';

const STATE_NAMES = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'];

export interface StateInfo {
  seen: Set<string>;
  mask: number;
  inv: boolean;
}

/**
 * The state alias of conntrack_mt (xt_conntrack.c; xt_state.c state_mt is
 * the same test): the packet's state bit within the mask, XOR the
 * inversion. SNAT/DNAT cannot be named here, so they never decide.
 */
export function stateMatch(skb: Skb, d: StateInfo): boolean {
  return ((kernelStateMask(d.mask) & packetStateBits(skb)) !== 0) !== d.inv;
}

export const state = defineMatch<StateInfo>({
  kind: 'match',
  needsConntrack: true,
  name: 'state',
  family: 0,
  options: [{ name: 'state', arg: 'required' }],
  init: () => ({ seen: new Set(), mask: 0, inv: false }),
  parse(opt, arg, invert, d) {
    xtOnce('state', opt, d.seen, invert, true);
    d.mask = parseStates(arg!, 'Bad state', STATE_NAMES,
      '"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED');
    d.inv = invert;
  },
  finalCheck(d) {
    xtMandatory('state', 'state', d.seen);
  },
  print: (d) => `${d.inv ? ' !' : ''} state ${stateNames(d.mask)}`,
  save: (d) => `${d.inv ? ' !' : ''} --state ${stateNames(d.mask)}`,
  match: stateMatch,
});
