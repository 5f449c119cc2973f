/**
 * CHECKSUM target (extensions/libxt_CHECKSUM.c; net/netfilter/xt_CHECKSUM.c),
 * both families, mangle table only. --checksum-fill is its one, mandatory,
 * option.
 */
import { defineTarget } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';

const ENTRIES: readonly XtOption[] = [{ name: 'checksum-fill', id: 0, type: 'none', mand: true }];

interface ChecksumInfo { fill: boolean; xflags: number; }

export const CHECKSUM = defineTarget<ChecksumInfo>({
  kind: 'target',
  name: 'CHECKSUM',
  family: 0,
  tables: ['mangle'],
  options: optionSpecs(ENTRIES),
  init: () => ({ fill: false, xflags: 0 }),
  parse(_opt, arg, invert, d) {
    xtParse('CHECKSUM', ENTRIES, 'checksum-fill', arg, invert, d);
    d.fill = true;
  },
  finalCheck: (d) => xtFcheck('CHECKSUM', ENTRIES, d.xflags),
  print: (d) => (d.fill ? ' CHECKSUM fill' : ''),
  save: (d) => (d.fill ? ' --checksum-fill' : ''),
});
