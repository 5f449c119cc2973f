/**
 * udp match (extensions/libxt_udp.c; net/netfilter/xt_tcpudp.c):
 * --sport/--dport [!] port[:port]. Unlike tcp it uses the guided parser,
 * so ports go through getaddrinfo (xtopt_parse_mport): no hex, numbers
 * wrap at 16 bits, and "5:4" is accepted as given.
 */
import { defineMatch } from '../types';
import { printPorts, type PortRange } from './ports';
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
});
