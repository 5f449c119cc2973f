/**
 * NETMAP target (extensions/libipt_NETMAP.c, libip6t_NETMAP.c; kernel
 * net/netfilter/xt_NETMAP.c): --to addr[/mask] maps a whole network.
 * The option is libxtables' XTTYPE_HOSTMASK (xtoptions.c
 * xtopt_parse_hostmask): the address goes through getaddrinfo, the mask is
 * a prefix length or else a numeric address mask. Only in the nat table
 * (any of its hooks).
 */
import { paramError } from '../../util/errors';
import { addrToString, maskBits, parseIPv6, prefixMask } from '../../util/addr';
import { strtoul } from '../../util/num';
import type { Family } from '../../rules/model';
import { defineTarget } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from './xtoptions';

const OPTS: readonly XtOption[] = [{ name: 'to', id: 0, arg: 'required', mand: true }];

interface NetmapInfo { addr: Uint8Array; bits: number; xflags: number; }

/**
 * glibc's exact inet_aton, which getaddrinfo uses for numeric IPv4 hosts:
 * 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part
 * fills the remaining bytes. No trailing characters.
 */
function inetAton(s: string): Uint8Array | undefined {
  const parts: number[] = [];
  let i = 0;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  for (;;) {
    if (!isDigit(s[i])) return undefined;
    let base = 10;
    let val = 0;
    let digit = false;
    if (s[i] === '0') {
      i++;
      if (s[i] === 'x' || s[i] === 'X') { base = 16; i++; } else { base = 8; digit = true; }
    }
    for (;;) {
      const c = s[i];
      if (isDigit(c)) {
        if (base === 8 && (c === '8' || c === '9')) return undefined;
        val = val * base + (c.charCodeAt(0) - 48);
      } else if (base === 16 && c !== undefined && /[0-9a-fA-F]/.test(c)) {
        val = val * 16 + parseInt(c, 16);
      } else break;
      if (val > 0xffffffff) return undefined;
      digit = true;
      i++;
    }
    if (!digit) return undefined;
    if (s[i] === '.') {
      if (parts.length >= 3 || val > 0xff) return undefined;
      parts.push(val);
      i++;
      continue;
    }
    if (i !== s.length) return undefined;
    const limit = [0xffffffff, 0xffffff, 0xffff, 0xff][parts.length];
    if (val > limit) return undefined;
    const out = new Uint8Array(4);
    parts.forEach((p, k) => { out[k] = p; });
    for (let k = 3; k >= parts.length; k--) { out[k] = val & 0xff; val = Math.floor(val / 256); }
    return out;
  }
}

function numericHost(family: Family, s: string): Uint8Array | undefined {
  return family === 4 ? inetAton(s) : parseIPv6(s);
}

/**
 * getaddrinfo for the host part. netsieve does no DNS: besides numeric
 * addresses only /etc/hosts' IPv4 "localhost" resolves (glibc finds no
 * IPv6 localhost there for AF_INET6 lookups). Other names fail as they do
 * without a resolver; the messages are glibc's gai_strerror texts.
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

/**
 * xtopt_parse_plenmask: a prefix length, else a numeric mask. A mask with
 * holes is not convertible to a prefix, and iptables 1.8.9 then keeps the
 * full host mask (observed: 10.0.0.0/255.0.255.0 lists as 10.0.0.0/32).
 */
function parseMaskBits(family: Family, s: string): number {
  const full = family === 4 ? 32 : 128;
  const n = strtoul(s, 0, 0, full);
  if (n !== undefined) return n;
  const m = numericHost(family, s);
  if (!m) paramError(`NETMAP: bad value for option "--to", neither a valid network mask nor valid CIDR (0-${full}).\n`);
  const b = maskBits(m);
  return b < 0 ? full : b;
}

export const NETMAP = defineTarget<NetmapInfo>({
  kind: 'target',
  name: 'NETMAP',
  family: 0,
  tables: ['nat'],
  hooks: ['PREROUTING', 'POSTROUTING', 'OUTPUT', 'INPUT'],
  options: optionSpecs(OPTS),
  init: (ctx) => ({ addr: new Uint8Array(ctx.family === 4 ? 4 : 16), bits: 0, xflags: 0 }),
  parse(opt, arg, invert, d, ctx) {
    d.xflags = xtParse('NETMAP', OPTS, opt, invert, d.xflags).xflags;
    const slash = arg!.indexOf('/');
    const host = parseHost(ctx.family, slash < 0 ? arg! : arg!.slice(0, slash));
    d.bits = slash < 0 ? (ctx.family === 4 ? 32 : 128) : parseMaskBits(ctx.family, arg!.slice(slash + 1));
    // The kernel range is [addr & mask, addr | ~mask]; listing shows its start and prefix.
    const mask = prefixMask(ctx.family, d.bits);
    d.addr = host.map((b, i) => b & mask[i]);
  },
  finalCheck(d) { xtFcheck('NETMAP', OPTS, d.xflags); },
  print: (d) => ` to:${addrToString(d.addr)}/${d.bits}`,
  save: (d) => ` --to ${addrToString(d.addr)}/${d.bits}`,
});
