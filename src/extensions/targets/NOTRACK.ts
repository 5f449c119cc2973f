/**
 * NOTRACK target: in iptables 1.8.9 an alias of CT revision 2
 * (extensions/libxt_CT.c notrack_ct2_tg_init): the kernel holds a CT target
 * with the notrack and alias flags, -S shows `-j NOTRACK` with no options,
 * -L shows " NOTRACK" after the fixed columns (and "CT" as the target
 * name). No options of its own; raw table, PREROUTING and OUTPUT only.
 */
import { defineTarget } from '../types';
import { CT_HOOKS, CT_TABLES, ctCheck, ctInit, ctTarget, ctText, XT_CT_NOTRACK, XT_CT_NOTRACK_ALIAS, type CtInfo } from './CT';

export const NOTRACK = defineTarget<CtInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'NOTRACK',
  kernelName: 'CT',
  revision: 2,
  family: 0,
  options: [],
  tables: CT_TABLES,
  hooks: CT_HOOKS,
  init: () => ctInit(XT_CT_NOTRACK | XT_CT_NOTRACK_ALIAS),
  parse() { /* no options */ },
  print: (d) => ctText(d, ''),
  save: (d) => ctText(d, '--'),
  check: ctCheck,
  // The kernel's CT with --notrack: the packet becomes untracked (see CT.ts ctTarget).
  target: ctTarget,
});
