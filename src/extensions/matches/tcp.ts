/**
 * tcp match (extensions/libxt_tcp.c; net/netfilter/xt_tcpudp.c):
 * --sport/--dport [!] port[:port], --tcp-flags [!] mask comp, --syn,
 * --tcp-option [!] n.
 */
import type { Skb } from '../../engine/skb';
import { paramError } from '../../util/errors';
import { get16 } from '../../wire/checksum';
import { defineMatch } from '../types';
import { fragoffUnits, parsePortRange, portMatch, printPorts, savePorts, type PortRange } from './ports';

const FLAGS: readonly [string, number][] = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20], ['ALL', 0x3f], ['NONE', 0],
];

export interface TcpInfo {
  spts: PortRange;
  dpts: PortRange;
  option: number;
  flgMask: number;
  flgCmp: number;
  invSrc: boolean;
  invDst: boolean;
  invFlags: boolean;
  invOption: boolean;
  seen: Set<string>;
}

function parseFlags(s: string): number {
  let v = 0;
  for (const f of s.split(',')) {
    const e = FLAGS.find(([n]) => n === f.toUpperCase());
    if (!e) paramError(`Unknown TCP flag \`${f}'`);
    v |= e[1];
  }
  return v;
}

function flagNames(v: number): string {
  if (v === 0) return 'NONE';
  const out: string[] = [];
  for (const [n, b] of FLAGS.slice(0, 6)) if (v & b) out.push(n);
  return out.join(',');
}

export const tcp = defineMatch<TcpInfo>({
  kind: 'match',
  name: 'tcp',
  family: 0,
  proto: 6,
  options: [
    { name: 'source-port', arg: 'required' }, { name: 'sport', arg: 'required' },
    { name: 'destination-port', arg: 'required' }, { name: 'dport', arg: 'required' },
    { name: 'syn', arg: 'none' }, { name: 'tcp-flags', arg: 'required' }, { name: 'tcp-option', arg: 'required' },
  ],
  init: () => ({
    spts: [0, 65535], dpts: [0, 65535], option: 0, flgMask: 0, flgCmp: 0,
    invSrc: false, invDst: false, invFlags: false, invOption: false, seen: new Set(),
  }),
  parse(opt, arg, invert, d, ctx) {
    const once = (key: string, what: string): void => {
      if (d.seen.has(key)) paramError(key === 'f' ? "Only one of `--syn' or `--tcp-flags'  allowed" : `Only one \`${what}' allowed`);
      d.seen.add(key);
    };
    switch (opt) {
      case 'source-port': case 'sport':
        once('s', '--source-port');
        d.spts = parsePortRange(arg!, 'tcp'); d.invSrc = invert; break;
      case 'destination-port': case 'dport':
        once('d', '--destination-port');
        d.dpts = parsePortRange(arg!, 'tcp'); d.invDst = invert; break;
      case 'syn':
        once('f', '--syn or --tcp-flags');
        d.flgMask = 0x17; d.flgCmp = 0x02; d.invFlags = invert; break;
      case 'tcp-flags': {
        once('f', '--syn or --tcp-flags');
        const cmp = ctx.argv[ctx.optind];
        if (cmp === undefined || cmp[0] === '-' || cmp[0] === '!') paramError('--tcp-flags requires two args.');
        ctx.optind++;
        d.flgMask = parseFlags(arg!); d.flgCmp = parseFlags(cmp); d.invFlags = invert;
        break;
      }
      case 'tcp-option': {
        once('o', '--tcp-option');
        const n = Number(arg);
        if (!/^[0-9]+$/.test(arg!) || n < 1 || n > 255) paramError(`Bad TCP option "${arg}"`);
        d.option = n; d.invOption = invert; break;
      }
    }
  },
  print(d, ctx) {
    let s = ' tcp';
    s += printPorts('spt', d.spts, d.invSrc, ctx.numeric, 'tcp');
    s += printPorts('dpt', d.dpts, d.invDst, ctx.numeric, 'tcp');
    if (d.option || d.invOption) s += ` option=${d.invOption ? '!' : ''}${d.option}`;
    if (d.flgMask || d.invFlags) {
      s += ` flags:${d.invFlags ? '!' : ''}`;
      s += ctx.numeric ? `0x${hex2(d.flgMask)}/0x${hex2(d.flgCmp)}` : `${flagNames(d.flgMask)}/${flagNames(d.flgCmp)}`;
    }
    return s;
  },
  save(d) {
    let s = '';
    s += savePorts('--sport', d.spts, d.invSrc);
    s += savePorts('--dport', d.dpts, d.invDst);
    if (d.option) s += `${d.invOption ? ' !' : ''} --tcp-option ${d.option}`;
    if (d.flgMask || d.invFlags) s += `${d.invFlags ? ' !' : ''} --tcp-flags ${flagNames(d.flgMask)} ${flagNames(d.flgCmp)}`;
    return s;
  },
  match: tcpMatch,
});

/**
 * xt_tcpudp.c tcp_find_option: walk the options area (optlen bytes after
 * the fixed header). Options area not in the packet: hotdrop. A kind byte
 * at the very end reads its length from past the area, as the kernel does
 * (the byte that follows, or 0 at the end of the packet, meaning "step 1").
 */
function findOption(skb: Skb, option: number, l4: number, optlen: number, invert: boolean): boolean {
  if (optlen === 0) return invert;
  const v = skb.view;
  const b = v.buf;
  const op = l4 + 20;
  if (op + optlen > v.ipEnd) { skb.hotdrop = true; return false; }
  for (let i = 0; i < optlen;) {
    const kind = b[op + i];
    if (kind === option) return !invert;
    if (kind < 2) i++;
    else {
      const len = op + i + 1 < v.ipEnd ? b[op + i + 1] : 0;
      i += len === 0 ? 1 : len;
    }
  }
  return invert;
}

/**
 * xt_tcpudp.c tcp_mt: no match on a non-first fragment (and hotdrop for the
 * IPv4 offset-1 fragment that could overwrite the flags); hotdrop when the
 * 20-byte header is not all there; then ports, flags, option.
 */
export function tcpMatch(skb: Skb, d: TcpInfo): boolean {
  const v = skb.view;
  const fo = fragoffUnits(v);
  if (fo !== 0) {
    if (fo === 1) skb.hotdrop = true;
    return false;
  }
  const l4 = v.l4;
  if (l4 + 20 > v.ipEnd) { skb.hotdrop = true; return false; }
  const b = v.buf;
  if (!portMatch(d.spts[0], d.spts[1], get16(b, l4), d.invSrc)) return false;
  if (!portMatch(d.dpts[0], d.dpts[1], get16(b, l4 + 2), d.invDst)) return false;
  if (((b[l4 + 13] & d.flgMask) === d.flgCmp) === d.invFlags) return false;
  if (d.option !== 0) {
    const doff = (b[l4 + 12] >> 4) << 2;
    if (doff < 20) { skb.hotdrop = true; return false; }
    if (!findOption(skb, d.option, l4, doff - 20, d.invOption)) return false;
  }
  return true;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}
