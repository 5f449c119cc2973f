/**
 * ah match. IPv4 (extensions/libipt_ah.c; net/ipv4/netfilter/ipt_ah.c):
 * [!] --ahspi, needs "-p ah". IPv6 (extensions/libip6t_ah.c;
 * net/ipv6/netfilter/ip6t_ah.c) matches the extension header anywhere in
 * the chain, so no -p is needed, and adds [!] --ahlen and --ahres. Both
 * print " ah " and then the fields without separating spaces, as the C does.
 */
import { defineMatch } from '../types';
import { parseSpis, printSpis, saveSpis } from './esp';
import { xtOnce, xtUint } from '../xtoptions';

export interface AhInfo {
  seen: Set<string>;
  spis: [number, number];
  invert: boolean;
  len: number;
  invLen: boolean;
  res: boolean;
}

const init = (): AhInfo => ({ seen: new Set(), spis: [0, 0xffffffff], invert: false, len: 0, invLen: false, res: false });

export const ah = defineMatch<AhInfo>({
  kind: 'match',
  name: 'ah',
  family: 4,
  proto: 51,
  options: [{ name: 'ahspi', arg: 'required' }],
  init,
  parse(opt, arg, invert, d) {
    xtOnce('ah', opt, d.seen, invert, true);
    d.spis = parseSpis('ah', opt, arg!);
    d.invert = invert;
  },
  print: (d) => ' ah ' + printSpis('', d.spis, d.invert),
  save: (d) => saveSpis('ahspi', d.spis, d.invert),
});

export const ah6 = defineMatch<AhInfo>({
  kind: 'match',
  name: 'ah',
  family: 6,
  options: [{ name: 'ahspi', arg: 'required' }, { name: 'ahlen', arg: 'required' }, { name: 'ahres', arg: 'none' }],
  init,
  parse(opt, arg, invert, d) {
    xtOnce('ah', opt, d.seen, invert, opt !== 'ahres');
    switch (opt) {
      case 'ahspi': d.spis = parseSpis('ah', opt, arg!); d.invert = invert; break;
      case 'ahlen': d.len = xtUint('ah', opt, arg!, 0, 0xffffffff); d.invLen = invert; break;
      case 'ahres': d.res = true; break;
    }
  },
  print(d) {
    let s = ' ah ' + printSpis('', d.spis, d.invert);
    if (d.len !== 0 || d.invLen) s += `length:${d.invLen ? '!' : ''}${d.len}`;
    if (d.res) s += ' reserved';
    return s;
  },
  save(d) {
    let s = saveSpis('ahspi', d.spis, d.invert);
    if (d.len !== 0 || d.invLen) s += `${d.invLen ? ' !' : ''} --ahlen ${d.len}`;
    if (d.res) s += ' --ahres';
    return s;
  },
});
