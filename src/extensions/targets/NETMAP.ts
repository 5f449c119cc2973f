/**
 * NETMAP target (extensions/libipt_NETMAP.c, libip6t_NETMAP.c; kernel
 * net/netfilter/xt_NETMAP.c): --to addr[/mask] maps a whole network.
 * The option is libxtables' XTTYPE_HOSTMASK (xtoptions.c
 * xtopt_parse_hostmask): the address goes through getaddrinfo, the mask is
 * a prefix length or else a numeric address mask. Only in the nat table
 * (any of its hooks).
 */
import { paramError } from '../../util/errors';
import { addrToString, prefixMask } from '../../util/addr';
import type { Family } from '../../rules/model';
import type { Skb } from '../../engine/skb';
import { defineTarget } from '../types';
import { hookToManip, NF_NAT_MANIP_DST, natSetupInfo } from '../../nat/core';
import { NF_NAT_RANGE_MAP_IPS, type NatRange } from './natrange';
import { numericHost, optionSpecs, xtFcheck, xtParse, xtPlenMask, type XtOption } from '../xtoptions';

const OPTS: readonly XtOption[] = [{ name: 'to', id: 0, type: 'other', mand: true }];

interface NetmapInfo { addr: Uint8Array; bits: number; xflags: number; }

/**
 * getaddrinfo for the host part (XTTYPE_HOSTMASK): a numeric address, or
 * /etc/hosts' IPv4 "localhost" (glibc finds no IPv6 localhost there for
 * AF_INET6 lookups); no DNS. The error for names that do not resolve is
 * chosen differently from xtHost (../xtoptions): names with characters
 * outside [A-Za-z0-9._-] (unless they start with a hex digit and hold a
 * ':') or starting with '.', e.g. "foo!", "g:h", ".5", get "Temporary
 * failure in name resolution" here, while iptables-legacy 1.8.9 says
 * "Name or service not known", as xtHost does. Kept as it was when the
 * option helpers were merged (that merge changed no output); taking
 * xtHost's classification is the fix.
 */
function parseHost(family: Family, s: string): Uint8Array {
  const a = numericHost(family, s);
  if (a) return a;
  if (family === 4 && s === 'localhost') return Uint8Array.of(127, 0, 0, 1);
  if (numericHost(family === 4 ? 6 : 4, s)) paramError('getaddrinfo: Address family for hostname not supported\n');
  // glibc's __nss_hostname_digits_dots: names that look numeric never reach DNS.
  if (s === '' || /\s/.test(s) || /^[0-9][0-9.]*$/.test(s) || (/^[0-9a-fA-F]/.test(s) && s.includes(':')) || s[0] === ':') {
    paramError('getaddrinfo: Name or service not known\n');
  }
  paramError('getaddrinfo: Temporary failure in name resolution\n');
}

const range: NatRange = { flags: NF_NAT_RANGE_MAP_IPS, minAddr: new Uint8Array(16), maxAddr: new Uint8Array(16), minPort: 0, maxPort: 0, basePort: 0 };

/**
 * netmap_tg4 / netmap_tg6 (xt_NETMAP.c): keep the host part of the
 * packet's destination (PREROUTING, OUTPUT) or source (POSTROUTING, INPUT)
 * address and take the network part from the rule's prefix, then
 * nf_nat_setup_info with that single address.
 */
function netmap(skb: Skb, d: NetmapInfo): number {
  const v = skb.view;
  const mtype = hookToManip(skb.hook);
  const off = mtype === NF_NAT_MANIP_DST ? v.dstOff : v.srcOff;
  const n = v.addrLen;
  for (let i = 0; i < n; i++) {
    const bits = d.bits - i * 8;
    const m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    const a = i < d.addr.length ? d.addr[i] : 0;
    range.minAddr[i] = range.maxAddr[i] = (v.buf[off + i] & ~m & 0xff) | (a & m);
  }
  return natSetupInfo(skb.net, skb, range, mtype);
}

export const NETMAP = defineTarget<NetmapInfo>({
  kind: 'target',
  needsConntrack: true,
  name: 'NETMAP',
  family: 0,
  tables: ['nat'],
  hooks: ['PREROUTING', 'POSTROUTING', 'OUTPUT', 'INPUT'],
  options: optionSpecs(OPTS),
  init: (ctx) => ({ addr: new Uint8Array(ctx.family === 4 ? 4 : 16), bits: 0, xflags: 0 }),
  parse(opt, arg, invert, d, ctx) {
    xtParse('NETMAP', OPTS, opt, arg, invert, d);
    const slash = arg!.indexOf('/');
    const host = parseHost(ctx.family, slash < 0 ? arg! : arg!.slice(0, slash));
    d.bits = slash < 0 ? (ctx.family === 4 ? 32 : 128) : xtPlenMask('NETMAP', 'to', ctx.family, arg!.slice(slash + 1));
    // The kernel range is [addr & mask, addr | ~mask]; listing shows its start and prefix.
    const mask = prefixMask(ctx.family, d.bits);
    d.addr = host.map((b, i) => b & mask[i]);
  },
  finalCheck(d) { xtFcheck('NETMAP', OPTS, d.xflags); },
  print: (d) => ` to:${addrToString(d.addr)}/${d.bits}`,
  save: (d) => ` --to ${addrToString(d.addr)}/${d.bits}`,
  target: netmap,
});
