/**
 * pkttype match (extensions/libxt_pkttype.c; net/netfilter/xt_pkttype.c):
 * [!] --pkt-type unicast|broadcast|multicast|otherhost (and the aliases
 * host, bcast, mcast), case-insensitive. Printed by the first name of the
 * table with that value.
 */
import { paramError } from '../../util/errors';
import type { Skb } from '../../engine/skb';
import { fibLookupAt } from './addrtype';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, type Seen } from '../xtoptions';

/** linux/if_packet.h PACKET_* values, libxt_pkttype.c table order. */
const TYPES: readonly [string, number][] = [
  ['unicast', 0], ['broadcast', 1], ['multicast', 2], ['otherhost', 3],
  ['bcast', 1], ['mcast', 2], ['host', 0],
];

export interface PkttypeInfo { type: number; invert: boolean; seen: Seen; }

const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3;

/**
 * skb->pkt_type. With the Ethernet header: eth_type_trans's verdict (group
 * bit set: broadcast for ff:ff:ff:ff:ff:ff, else multicast; unicast to
 * another MAC than the input device's: otherhost). Without it: locally
 * generated packets are PACKET_HOST; a received one is classified by its
 * destination address as the link layer would have been (224/4 and ff00::/8
 * multicast, 255.255.255.255 and local-table broadcast routes broadcast).
 */
export function packetType(skb: Skb): number {
  const v = skb.view;
  const b = v.buf;
  if (v.l2 >= 0 && v.l2 + 14 <= v.l3) {
    const d = v.l2;
    if (b[d] & 1) {
      return b[d] === 0xff && b[d + 1] === 0xff && b[d + 2] === 0xff && b[d + 3] === 0xff && b[d + 4] === 0xff && b[d + 5] === 0xff
        ? PACKET_BROADCAST : PACKET_MULTICAST;
    }
    const ifs = skb.net.host.ifaces;
    for (let i = 0; i < ifs.length; i++) {
      if (ifs[i].name !== skb.indev) continue;
      const m = ifs[i].mac;
      if (m[0] !== b[d] || m[1] !== b[d + 1] || m[2] !== b[d + 2] || m[3] !== b[d + 3] || m[4] !== b[d + 4] || m[5] !== b[d + 5]) return PACKET_OTHERHOST;
    }
    return PACKET_HOST;
  }
  if (skb.local) return PACKET_HOST;
  const o = v.dstOff;
  if (v.family === 6) return b[o] === 0xff ? PACKET_MULTICAST : PACKET_HOST;
  if ((b[o] & 0xf0) === 0xe0) return PACKET_MULTICAST;
  if (b[o] === 255 && b[o + 1] === 255 && b[o + 2] === 255 && b[o + 3] === 255) return PACKET_BROADCAST;
  const r = fibLookupAt(skb.net.host, 4, b, o);
  return r !== null && r.type === 'broadcast' ? PACKET_BROADCAST : PACKET_HOST;
}

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
  // xt_pkttype.c pkttype_mt (PACKET_LOOPBACK, multicast looped back to the host, is not modelled).
  match: (skb, d) => (packetType(skb) === d.type) !== d.invert,
});
