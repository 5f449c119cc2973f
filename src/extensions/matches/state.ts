/**
 * state match (extensions/libxt_conntrack.c state_* functions). iptables
 * 1.8.9 sends it to the kernel as conntrack revision 3 with the "state"
 * alias flag (XT_CONNTRACK_STATE_ALIAS), so it keeps the name "state" in
 * -S/save and -L. Only the five classic states are accepted; a state word
 * may be any case-insensitive prefix of a name.
 */
import { defineMatch } from '../types';
import { parseStates, stateNames } from './conntrack';
import { xtMandatory, xtOnce } from '../xtoptions';

const STATE_NAMES = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'];

export interface StateInfo {
  seen: Set<string>;
  mask: number;
  inv: boolean;
}

export const state = defineMatch<StateInfo>({
  kind: 'match',
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
});
