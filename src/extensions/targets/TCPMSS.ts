/**
 * TCPMSS target (extensions/libxt_TCPMSS.c; net/netfilter/xt_TCPMSS.c).
 *
 * --set-mss N (up to 65535 minus the IP and TCP header sizes: 65515 for IPv4,
 * 65495 for IPv6) or --clamp-mss-to-pmtu (stored as mss 0xffff); the two
 * overwrite each other, the last one given wins. The kernel
 * (tcpmss_tg4_check/tcpmss_tg6_check) wants -p tcp, allows clamping only
 * from FORWARD, OUTPUT and POSTROUTING, and insists on a "tcp" match whose
 * --tcp-flags comparison includes SYN (not inverted): the mask is not looked
 * at, so `--tcp-flags NONE SYN` passes and `--tcp-flags SYN NONE` does not.
 * There is no table restriction.
 */
import { paramError } from '../../util/errors';
import { EINVAL_MSG } from '../../rules/validate';
import { HOOK_BIT, type Family } from '../../rules/model';
import type { TcpInfo } from '../matches/tcp';
import { defineTarget, type TargetExtension } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';
import type { Skb } from '../../engine/skb';
import { NF_DROP, XT_CONTINUE } from '../../engine/verdict';
import { csumReplace16, csumReplace32, get16, get32, put16 } from '../../wire/checksum';
import { IPPROTO_TCP } from '../../wire/packet';
import { tcpFindMss, tcpSetMss, TCPOLEN_MSS, TCPOPT_MSS } from '../../wire/tcp';
import { ifaceByIndex, ifaceByName } from '../../host/model';
import { RouteResult, routeOutput } from '../../host/route';

const CLAMP_PMTU = 0xffff;
const TCPHDR_SYN = 0x02;
const CLAMP_HOOKS = HOOK_BIT.FORWARD | HOOK_BIT.OUTPUT | HOOK_BIT.POSTROUTING;

interface TcpmssInfo { mss: number; xflags: number; }

function make(family: Family): TargetExtension {
  const entries: readonly XtOption[] = [
    { name: 'set-mss', id: 0, type: 'u16', max: family === 4 ? 65535 - 20 : 65535 - 40 },
    { name: 'clamp-mss-to-pmtu', id: 1, type: 'none' },
  ];
  return defineTarget<TcpmssInfo>({
    kind: 'target',
    name: 'TCPMSS',
    family,
    proto: 6,
    options: optionSpecs(entries),
    init: () => ({ mss: 0, xflags: 0 }),
    parse(opt, arg, invert, d) {
      const v = xtParse('TCPMSS', entries, opt, arg, invert, d);
      d.mss = opt === 'set-mss' ? v : CLAMP_PMTU;
    },
    finalCheck(d) {
      if (d.xflags === 0) paramError('TCPMSS target: At least one parameter is required');
      xtFcheck('TCPMSS', entries, d.xflags);
    },
    print: (d) => (d.mss === CLAMP_PMTU ? ' TCPMSS clamp to PMTU' : ` TCPMSS set ${d.mss}`),
    save: (d) => (d.mss === CLAMP_PMTU ? ' --clamp-mss-to-pmtu' : ` --set-mss ${d.mss}`),
    target: family === 4 ? tcpmssTarget4 : tcpmssTarget6,
    check(d, ctx) {
      if (d.mss === CLAMP_PMTU && (ctx.hookMask & ~CLAMP_HOOKS)) return EINVAL_MSG;
      const syn = ctx.matches.some((m) => {
        if (m.name !== 'tcp') return false;
        const t = m.data as TcpInfo;
        return (t.flgCmp & TCPHDR_SYN) !== 0 && !t.invFlags;
      });
      return syn ? null : EINVAL_MSG;
    },
  });
}

const RT = new RouteResult();
const ADDR = new Uint8Array(16);
const ADDR4 = new Uint8Array(4);
/** A spare buffer for the rare packet that must grow (SYN without MSS option) and has no room behind it. */
let grow = new Uint8Array(2048);

/** MTU of the route's device for dst (dst_mtu), or 0xffff when there is no route (tcpmss_reverse_mtu). */
function routeMtu(skb: Skb, fromSrc: boolean): number {
  const v = skb.view;
  const a = v.family === 4 ? ADDR4 : ADDR;
  if (fromSrc) v.copySrc(a, 0); else v.copyDst(a, 0);
  const r = routeOutput(skb.net.host, v.family as 4 | 6, a, RT);
  if (r.error !== null) return 0xffff;
  const dev = ifaceByIndex(skb.net.host, r.dev);
  return dev === undefined ? 0xffff : dev.mtu;
}

/** The MTU of the packet's own route: its output device when known, else a lookup of its destination. */
function outMtu(skb: Skb): number {
  if (skb.outdev !== '') {
    const dev = ifaceByName(skb.net.host, skb.outdev);
    if (dev !== undefined) return dev.mtu;
  }
  return routeMtu(skb, false);
}

/**
 * tcpmss_mangle_packet (xt_TCPMSS.c): returns -1 to drop, 0 for no change
 * in size, 4 when an MSS option was added. `minlen` is the IP plus TCP
 * header size the clamp subtracts from the path MTU (40 or 60).
 */
function mangle(skb: Skb, d: TcpmssInfo, minlen: number, maxDefault: number): number {
  const v = skb.view;
  if (!v.firstFragment) return 0;
  let b = v.buf;
  const tcphoff = v.l4;
  const len = v.ipEnd - tcphoff;
  if (len < 20) return -1;
  const thl = (b[tcphoff + 12] >> 4) << 2;
  if (len < thl || thl < 20) return -1;
  let newmss: number;
  if (d.mss === CLAMP_PMTU) {
    // min(route MTU, MTU of the route back to the sender) minus the headers.
    const inMtu = routeMtu(skb, true);
    const o = outMtu(skb);
    const minMtu = o < inMtu ? o : inMtu;
    if (minMtu <= minlen) return -1;
    newmss = minMtu - minlen;
  } else {
    newmss = d.mss;
  }
  const opt = tcpFindMss(b, tcphoff, thl);
  if (opt >= 0) {
    // Never raise an MSS, even with --set-mss.
    if (get16(b, opt + 2) <= newmss) return 0;
    tcpSetMss(b, tcphoff, opt, newmss);
    return 0;
  }
  // No MSS option: add one, but only to a header without data behind it and with room in doff.
  if (len > thl || thl >= 60) return 0;
  const start = v.l2 >= 0 ? v.l2 : v.start;
  const end = v.ipEnd;
  if (end + TCPOLEN_MSS > b.length) {
    // Move the packet into a bigger buffer (the kernel's pskb_expand_head).
    const need = end - start + TCPOLEN_MSS;
    if (grow.length < need) grow = new Uint8Array(need * 2);
    grow.set(b.subarray(start, end), 0);
    b = grow;
    reparse(skb, b, 0, end - start, v.l2 >= 0);
  }
  const l4 = v.l4;
  // The option goes right after the fixed header; the options already there move up by 4.
  for (let i = v.ipEnd - 1; i >= l4 + 20; i--) b[i + TCPOLEN_MSS] = b[i];
  if (newmss > maxDefault) newmss = maxDefault; // RFC 1122 536 / IPv6 1220: the peer assumed that without the option
  let check = get16(b, l4 + 16);
  check = csumReplace16(check, len, len + TCPOLEN_MSS); // pseudo-header length
  const o0 = l4 + 20;
  b[o0] = TCPOPT_MSS; b[o0 + 1] = TCPOLEN_MSS; b[o0 + 2] = newmss >> 8; b[o0 + 3] = newmss & 0xff;
  check = csumReplace32(check, 0, get32(b, o0));
  const oldWord = get16(b, l4 + 12);
  b[l4 + 12] += (TCPOLEN_MSS / 4) << 4;
  check = csumReplace16(check, oldWord, get16(b, l4 + 12));
  put16(b, l4 + 16, check);
  return TCPOLEN_MSS;
}

function reparse(skb: Skb, b: Uint8Array, start: number, len: number, frame: boolean): void {
  if (frame) skb.view.parseFrame(b, start, len);
  else skb.view.parse(b, start, len);
}

/** tcpmss_tg4: on growth, tot_len and the header checksum follow. */
function tcpmssTarget4(skb: Skb, d: TcpmssInfo): number {
  const v = skb.view;
  if (v.proto !== IPPROTO_TCP) return XT_CONTINUE;
  const ret = mangle(skb, d, 40, 536);
  if (ret < 0) return NF_DROP;
  if (ret > 0) {
    const b = v.buf;
    const l3 = v.l3;
    const oldLen = get16(b, l3 + 2);
    put16(b, l3 + 10, csumReplace16(get16(b, l3 + 10), oldLen, oldLen + ret));
    put16(b, l3 + 2, oldLen + ret);
    grown(skb, ret);
  }
  return XT_CONTINUE;
}

/** tcpmss_tg6: on growth, payload_len follows (IPv6 has no header checksum). */
function tcpmssTarget6(skb: Skb, d: TcpmssInfo): number {
  const v = skb.view;
  if (v.proto !== IPPROTO_TCP) return XT_CONTINUE;
  const ret = mangle(skb, d, 60, 1220);
  if (ret < 0) return NF_DROP;
  if (ret > 0) {
    put16(v.buf, v.l3 + 4, get16(v.buf, v.l3 + 4) + ret);
    grown(skb, ret);
  }
  return XT_CONTINUE;
}

/** Re-parse the view over the packet, now `by` bytes longer (any link-layer padding behind it is gone). */
function grown(skb: Skb, by: number): void {
  const v = skb.view;
  const start = v.l2 >= 0 ? v.l2 : v.start;
  reparse(skb, v.buf, start, v.ipEnd + by - start, v.l2 >= 0);
}

export const TCPMSS4 = make(4);
export const TCPMSS6 = make(6);
