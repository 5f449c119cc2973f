/**
 * dscp match (extensions/libxt_dscp.c, dscp_helper.c; net/netfilter/xt_dscp.c):
 * [!] --dscp 0-63 or [!] --dscp-class name; the two exclude each other.
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { hex02, xtFcheckNamed, xtOnce, xtUint, type Seen } from '../xtoptions';

/** dscp_helper.c ds_classes, compared case-insensitively. */
const CLASSES: Record<string, number> = {
  CS0: 0x00, CS1: 0x08, CS2: 0x10, CS3: 0x18, CS4: 0x20, CS5: 0x28, CS6: 0x30, CS7: 0x38, BE: 0x00,
  AF11: 0x0a, AF12: 0x0c, AF13: 0x0e, AF21: 0x12, AF22: 0x14, AF23: 0x16,
  AF31: 0x1a, AF32: 0x1c, AF33: 0x1e, AF41: 0x22, AF42: 0x24, AF43: 0x26, EF: 0x2e,
};

const TABLE = [{ name: 'dscp', excl: ['dscp-class'] }, { name: 'dscp-class', excl: ['dscp'] }];

export interface DscpInfo { dscp: number; invert: boolean; seen: Seen; }

export const dscp = defineMatch<DscpInfo>({
  kind: 'match',
  name: 'dscp',
  family: 0,
  options: [{ name: 'dscp', arg: 'required' }, { name: 'dscp-class', arg: 'required' }],
  init: () => ({ dscp: 0, invert: false, seen: new Set() }),
  parse(opt, arg, invert, d) {
    xtOnce('dscp', opt, d.seen, invert, true);
    if (opt === 'dscp') {
      d.dscp = xtUint('dscp', 'dscp', arg!, 0, 63);
    } else {
      const v = CLASSES[arg!.toUpperCase()];
      if (v === undefined) paramError(`Invalid DSCP value \`${arg}'`);
      d.dscp = v;
    }
    d.invert = invert;
  },
  finalCheck(d) {
    if (d.seen.size === 0) paramError('DSCP match: Parameter --dscp is required');
    xtFcheckNamed('dscp', TABLE, d.seen);
  },
  print: (d) => ` DSCP match ${d.invert ? '!' : ''}${hex02(d.dscp)}`,
  save: (d) => `${d.invert ? ' !' : ''} --dscp ${hex02(d.dscp)}`,
  // xt_dscp.c dscp_mt/dscp_mt6: the upper six bits of the DS field.
  match: (skb, d) => ((skb.view.tos >> 2) === d.dscp) !== d.invert,
});
