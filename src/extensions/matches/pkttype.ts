/**
 * pkttype match (extensions/libxt_pkttype.c; net/netfilter/xt_pkttype.c):
 * [!] --pkt-type unicast|broadcast|multicast|otherhost (and the aliases
 * host, bcast, mcast), case-insensitive. Printed by the first name of the
 * table with that value.
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, type Seen } from '../xtoptions';

/** linux/if_packet.h PACKET_* values, libxt_pkttype.c table order. */
const TYPES: readonly [string, number][] = [
  ['unicast', 0], ['broadcast', 1], ['multicast', 2], ['otherhost', 3],
  ['bcast', 1], ['mcast', 2], ['host', 0],
];

export interface PkttypeInfo { type: number; invert: boolean; seen: Seen; }

export const pkttype = defineMatch<PkttypeInfo>({
  kind: 'match',
  name: 'pkttype',
  family: 0,
  options: [{ name: 'pkt-type', arg: 'required' }],
  init: () => ({ type: 0, invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('pkttype', 'pkt-type', d.seen, invert, true);
    const e = TYPES.find(([n]) => n === arg!.toLowerCase());
    if (!e) paramError(`Bad packet type '${arg}'`);
    d.type = e[1];
    d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('pkttype', 'pkt-type', d.seen),
  print: (d) => ` PKTTYPE ${d.invert ? '!' : ''}= ${TYPES.find(([, v]) => v === d.type)?.[0] ?? d.type}`,
  save: (d) => `${d.invert ? ' !' : ''} --pkt-type ${TYPES.find(([, v]) => v === d.type)?.[0] ?? d.type}`,
});
