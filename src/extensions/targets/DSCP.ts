/**
 * DSCP target (extensions/libxt_DSCP.c, helper dscp_helper.c;
 * net/netfilter/xt_DSCP.c), both families, mangle table only.
 *
 * --set-dscp N (0-63) or --set-dscp-class NAME (case-insensitive class
 * names mapped to their code point); exclusive; printed in hex.
 */
import { paramError } from '../../util/errors';
import { defineTarget } from '../types';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { changeDsfield } from './dsfield';
import { hex02, optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const ENTRIES: readonly XtOption[] = [
  { name: 'set-dscp', id: 0, type: 'u8', max: 0x3f, excl: 0b10 },
  { name: 'set-dscp-class', id: 1, type: 'string', excl: 0b01 },
];

/** dscp_helper.c class table. */
const CLASSES: readonly [string, number][] = [
  ['CS0', 0x00], ['CS1', 0x08], ['CS2', 0x10], ['CS3', 0x18], ['CS4', 0x20], ['CS5', 0x28], ['CS6', 0x30], ['CS7', 0x38],
  ['BE', 0x00], ['AF11', 0x0a], ['AF12', 0x0c], ['AF13', 0x0e], ['AF21', 0x12], ['AF22', 0x14], ['AF23', 0x16],
  ['AF31', 0x1a], ['AF32', 0x1c], ['AF33', 0x1e], ['AF41', 0x22], ['AF42', 0x24], ['AF43', 0x26], ['EF', 0x2e],
];

interface DscpInfo { dscp: number; xflags: number; }

export const DSCP = defineTarget<DscpInfo>({
  kind: 'target',
  name: 'DSCP',
  family: 0,
  tables: ['mangle'],
  options: optionSpecs(ENTRIES),
  init: () => ({ dscp: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const v = xtParse('DSCP', ENTRIES, opt, arg, invert, d);
    if (opt === 'set-dscp') { d.dscp = v; return; }
    const c = CLASSES.find(([n]) => n.toLowerCase() === arg!.toLowerCase());
    if (!c) paramError(`Invalid DSCP value \`${arg}'`);
    d.dscp = c[1];
  },
  finalCheck(d) {
    if (!d.xflags) paramError('DSCP target: Parameter --set-dscp is required');
    xtFcheck('DSCP', ENTRIES, d.xflags);
  },
  print: (d) => ` DSCP set ${hex02(d.dscp)}`,
  save: (d) => ` --set-dscp ${hex02(d.dscp)}`,
  // dscp_tg / dscp_tg6: when the code point differs, keep the two ECN bits and write the DSCP above them.
  target(skb: Skb, d) {
    const v = skb.view;
    if (v.tos >> 2 !== d.dscp) changeDsfield(v, 0x03, d.dscp << 2);
    return XT_CONTINUE;
  },
});
