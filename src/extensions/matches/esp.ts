/**
 * esp match (extensions/libxt_esp.c; net/netfilter/xt_esp.c):
 * [!] --espspi spi[:spi]. The kernel wants "-p esp" (not inverted).
 * Save leaves out the full range even when inverted; -L still shows it.
 */
import type { Skb } from '../../engine/skb';
import { get32 } from '../../wire/checksum';
import { defineMatch } from '../types';
import { xtOnce, xtUintRangePair } from '../xtoptions';

export interface SpiInfo {
  seen: Set<string>;
  spis: [number, number];
  invert: boolean;
}

/** print_spis: " spi:N", " spis:A:B", "!" after the colon; nothing for the full range. */
export function printSpis(sep: string, spis: [number, number], invert: boolean): string {
  const [lo, hi] = spis;
  if (lo === 0 && hi === 0xffffffff && !invert) return '';
  const inv = invert ? '!' : '';
  return lo === hi ? `${sep}spi:${inv}${lo}` : `${sep}spis:${inv}${lo}:${hi}`;
}

export function saveSpis(opt: string, spis: [number, number], invert: boolean): string {
  const [lo, hi] = spis;
  if (lo === 0 && hi === 0xffffffff) return '';
  return `${invert ? ' !' : ''} --${opt} ${lo === hi ? lo : `${lo}:${hi}`}`;
}

export function parseSpis(ext: string, opt: string, arg: string): [number, number] {
  return xtUintRangePair(ext, opt, arg, 0xffffffff);
}

export const esp = defineMatch<SpiInfo>({
  kind: 'match',
  name: 'esp',
  family: 0,
  proto: 50,
  options: [{ name: 'espspi', arg: 'required' }],
  init: () => ({ seen: new Set(), spis: [0, 0xffffffff], invert: false }),
  parse(opt, arg, invert, d) {
    xtOnce('esp', opt, d.seen, invert, true);
    d.spis = parseSpis('esp', opt, arg!);
    d.invert = invert;
  },
  print: (d) => ' esp' + printSpis(' ', d.spis, d.invert),
  save: (d) => saveSpis('espspi', d.spis, d.invert),
  match: espMatch,
});

/** xt_esp.c esp_mt: not a later fragment; hotdrop without the 8-byte header; SPI in range XOR inversion. */
export function espMatch(skb: Skb, d: SpiInfo): boolean {
  const v = skb.view;
  if (v.fragOffset !== 0) return false;
  if (v.l4 + 8 > v.ipEnd) { skb.hotdrop = true; return false; }
  const spi = get32(v.buf, v.l4);
  return (spi >= d.spis[0] && spi <= d.spis[1]) !== d.invert;
}
