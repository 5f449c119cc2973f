/**
 * udp match (extensions/libxt_udp.c; net/netfilter/xt_tcpudp.c):
 * --sport/--dport [!] port[:port]. Unlike tcp it uses the guided parser,
 * so ports go through getaddrinfo (xtopt_parse_mport): no hex, numbers
 * wrap at 16 bits, and "5:4" is accepted as given.
 */
import type { Skb } from '../../engine/skb';
import { get16 } from '../../wire/checksum';
import { defineMatch } from '../types';
import { portMatch, printPorts, type PortRange } from './ports';
import { xtOnce, xtPortRange, type Seen } from '../xtoptions';

export interface UdpInfo {
  spts: PortRange;
  dpts: PortRange;
  invSrc: boolean;
  invDst: boolean;
  seen: Seen;
}

/** libxt_udp save: skipped only for the full range (even when inverted). */
function savePorts(opt: string, r: PortRange, inv: boolean): string {
  if (r[0] === 0 && r[1] === 65535) return '';
  return `${inv ? ' !' : ''} ${opt} ${r[0] === r[1] ? r[0] : `${r[0]}:${r[1]}`}`;
}

/**
 * xt_tcpudp.c udp_mt (also used for UDP-Lite): never a non-first fragment;
 * hotdrop when the 8-byte header is cut short.
 */
export function udpMatch(skb: Skb, d: UdpInfo): boolean {
  const v = skb.view;
  if (v.fragOffset !== 0) return false;
  const l4 = v.l4;
  if (l4 + 8 > v.ipEnd) { skb.hotdrop = true; return false; }
  return portMatch(d.spts[0], d.spts[1], get16(v.buf, l4), d.invSrc) &&
    portMatch(d.dpts[0], d.dpts[1], get16(v.buf, l4 + 2), d.invDst);
}

export const udp = defineMatch<UdpInfo>({
  kind: 'match',
  name: 'udp',
  family: 0,
  proto: 17,
  options: [
    { name: 'source-port', arg: 'required' }, { name: 'sport', arg: 'required' },
    { name: 'destination-port', arg: 'required' }, { name: 'dport', arg: 'required' },
  ],
  init: () => ({ spts: [0, 65535], dpts: [0, 65535], invSrc: false, invDst: false, seen: new Set() }),
  parse(opt, arg, invert, d) {
    if (opt === 'source-port' || opt === 'sport') {
      xtOnce('udp', 'source-port', d.seen, invert, true);
      d.spts = xtPortRange('udp', 'source-port', arg!);
      d.invSrc = invert;
    } else {
      xtOnce('udp', 'destination-port', d.seen, invert, true);
      d.dpts = xtPortRange('udp', 'destination-port', arg!);
      d.invDst = invert;
    }
  },
  print(d, ctx) {
    return ' udp' + printPorts('spt', d.spts, d.invSrc, ctx.numeric, 'udp') + printPorts('dpt', d.dpts, d.invDst, ctx.numeric, 'udp');
  },
  save(d) {
    return savePorts('--sport', d.spts, d.invSrc) + savePorts('--dport', d.dpts, d.invDst);
  },
  match: udpMatch,
});
