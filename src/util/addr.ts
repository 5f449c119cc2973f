/**
 * IPv4/IPv6 address and mask parsing and printing, following libxtables
 * (xtables_ipparse_multiple, xtables_ip6parse_multiple, *_to_numeric) and
 * glibc inet_ntop for the printed form.
 */
import type { Family } from '../rules/model';
import { strtoul } from './num';

/** Parse dotted IPv4 as libxtables does: 1 to 4 parts, missing trailing parts are 0 (not for masks). */
export function parseIPv4(s: string, isMask = false): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length > 4) return undefined;
  if (parts.length < 4 && isMask) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < parts.length; i++) {
    const v = strtoul(parts[i], 0, 0, 255);
    if (v === undefined) return undefined;
    out[i] = v;
  }
  return out;
}

/** inet_pton(AF_INET6) as glibc implements it. */
export function parseIPv6(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  if (s.length === 0) return undefined;
  let dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const words = (x: string): number[] | undefined => {
    if (x === '') return [];
    const ps = x.split(':');
    const w: number[] = [];
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      if (i === ps.length - 1 && p.includes('.')) {
        const v4 = parseStrictIPv4(p);
        if (!v4) return undefined;
        w.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      w.push(parseInt(p, 16));
    }
    return w;
  };
  const hw = words(head);
  const tw = words(tail);
  if (!hw || !tw) return undefined;
  if (dbl >= 0) {
    if (hw.length + tw.length > 7) return undefined;
    if (head.includes('.')) return undefined;
  } else if (hw.length !== 8) {
    return undefined;
  }
  const all = dbl >= 0 ? [...hw, ...new Array<number>(8 - hw.length - tw.length).fill(0), ...tw] : hw;
  for (let i = 0; i < 8; i++) { out[i * 2] = all[i] >> 8; out[i * 2 + 1] = all[i] & 0xff; }
  return out;
}

function parseStrictIPv4(s: string): Uint8Array | undefined {
  const ps = s.split('.');
  if (ps.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^[0-9]{1,3}$/.test(ps[i]) || (ps[i].length > 1 && ps[i][0] === '0')) return undefined;
    const v = Number(ps[i]);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

export function prefixMask(family: Family, bits: number): Uint8Array {
  const m = new Uint8Array(family === 4 ? 4 : 16);
  for (let i = 0; i < m.length; i++) {
    const b = Math.max(0, Math.min(8, bits - i * 8));
    m[i] = b === 0 ? 0 : (0xff << (8 - b)) & 0xff;
  }
  return m;
}

/** Prefix length if the mask is contiguous, else -1. */
export function maskBits(m: Uint8Array): number {
  let bits = 0;
  let i = 0;
  for (; i < m.length && m[i] === 0xff; i++) bits += 8;
  if (i < m.length) {
    const b = m[i];
    let n = 0;
    while (n < 8 && (b & (0x80 >> n))) n++;
    if (((0xff << (8 - n)) & 0xff) !== b) return -1;
    bits += n;
    for (i++; i < m.length; i++) if (m[i] !== 0) return -1;
  }
  return bits;
}

export function isZero(a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

export function applyMask(a: Uint8Array, m: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) r[i] = a[i] & m[i];
  return r;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function ipv4ToString(a: Uint8Array): string {
  return `${a[0]}.${a[1]}.${a[2]}.${a[3]}`;
}

/** glibc inet_ntop(AF_INET6): longest zero run (>= 2 words, first on ties) as "::", embedded IPv4 for ::a.b.c.d and ::ffff:a.b.c.d. */
export function ipv6ToString(a: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((a[i * 2] << 8) | a[i * 2 + 1]);
  let bestBase = -1, bestLen = 0, curBase = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) { curBase = i; curLen = 1; } else curLen++;
    } else if (curBase >= 0) {
      if (bestBase < 0 || curLen > bestLen) { bestBase = curBase; bestLen = curLen; }
      curBase = -1;
    }
  }
  if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) { bestBase = curBase; bestLen = curLen; }
  if (bestBase >= 0 && bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      out += `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
      break;
    }
    out += w[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function addrToString(a: Uint8Array): string {
  return a.length === 4 ? ipv4ToString(a) : ipv6ToString(a);
}

/** xtables_ipmask_to_numeric / xtables_ip6mask_to_numeric: "/N" or "/dotted" for non-contiguous. */
export function maskToString(m: Uint8Array): string {
  const b = maskBits(m);
  if (b === -1) return '/' + addrToString(m);
  return `/${b}`;
}

/** Text form used by -L: host masks print no suffix. */
export function maskToListString(m: Uint8Array): string {
  const b = maskBits(m);
  if (b === m.length * 8) return '';
  return maskToString(m);
}

export function parseAddr(family: Family, s: string): Uint8Array | undefined {
  return family === 4 ? parseIPv4(s) : parseIPv6(s);
}

/** Minimal hosts database (netsieve does no DNS): the names a Debian 12 container's /etc/hosts holds (localhost for IPv4 only). */
const HOSTS4: Record<string, string> = { localhost: '127.0.0.1' };
const HOSTS6: Record<string, string> = {};

export function resolveHost(family: Family, name: string): Uint8Array | undefined {
  const t = family === 4 ? HOSTS4[name] : HOSTS6[name];
  return t ? parseAddr(family, t) : undefined;
}

/** Reverse lookup for -L without -n (gethostbyaddr over the same hosts table). */
export function hostName(a: Uint8Array): string | undefined {
  const s = addrToString(a);
  const tbl = a.length === 4 ? HOSTS4 : HOSTS6;
  for (const [n, v] of Object.entries(tbl)) if (v === s) return n;
  return undefined;
}

export interface AddrMask { addr: Uint8Array; mask: Uint8Array; }

/**
 * Parse one "addr[/mask]" as xtables_ipparse_any/ip6parse_any: the address
 * is masked; a missing mask is a host mask. Throws a message on error.
 */
export function parseAddrMask(family: Family, spec: string): AddrMask | string {
  const slash = spec.indexOf('/');
  const host = slash >= 0 ? spec.slice(0, slash) : spec;
  const maskStr = slash >= 0 ? spec.slice(slash + 1) : undefined;
  const full = family === 4 ? 32 : 128;
  let mask: Uint8Array;
  if (maskStr === undefined) {
    mask = prefixMask(family, full);
  } else if (family === 4 && maskStr.includes('.')) {
    const m = parseIPv4(maskStr, true);
    if (!m) return `invalid mask \`${maskStr}' specified`;
    mask = m;
  } else if (family === 6 && maskStr.includes(':')) {
    const m = parseIPv6(maskStr);
    if (!m) return `invalid mask \`${maskStr}' specified`;
    mask = m;
  } else {
    const bits = strtoul(maskStr, 10, 0, full);
    if (bits === undefined) return `invalid mask \`${maskStr}' specified`;
    mask = prefixMask(family, bits);
  }
  let addr = parseAddr(family, host) ?? resolveHost(family, host);
  if (!addr) {
    return `host/network \`${host}' not found`;
  }
  addr = applyMask(addr, mask);
  return { addr, mask };
}
