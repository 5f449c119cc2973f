/**
 * The host in the state directory: DIR/host.json, readable JSON with
 * addresses as text. Written crash-safely (temporary file, fsync, rename,
 * directory fsync), the same small pattern as src/state/store.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Host, IfAddr, Listener, Route } from './model';
import { newHost } from './model';
import { fmt, macToString, parseIp, parseMac, type Family } from './prefix';

export function hostFile(dir: string): string {
  return path.join(dir, 'host.json');
}

type J = Record<string, unknown>;
const a2s = (a: Uint8Array | null): string | null => (a ? fmt(a) : null);
function s2a(family: Family, s: unknown): Uint8Array {
  const a = typeof s === 'string' ? parseIp(family, s) : undefined;
  if (!a) throw new Error(`bad address ${String(s)} in host.json`);
  return a;
}
const s2an = (family: Family, s: unknown): Uint8Array | null => (s === null || s === undefined ? null : s2a(family, s));

export function hostToJson(h: Host): string {
  const addr = (a: IfAddr): J => ({ family: a.family, addr: fmt(a.addr), plen: a.plen, brd: a2s(a.brd), scope: a.scope, secondary: a.secondary });
  const route = (r: Route): J => ({ ...r, dst: fmt(r.dst), gw: a2s(r.gw), prefsrc: a2s(r.prefsrc) });
  return JSON.stringify({
    version: 1,
    nextIndex: h.nextIndex,
    ifaces: h.ifaces.map((i) => ({ ...i, mac: macToString(i.mac), addrs4: i.addrs4.map(addr), addrs6: i.addrs6.map(addr) })),
    routes4: h.routes4.map(route),
    routes6: h.routes6.map(route),
    sysctl: h.sysctl,
    listeners: h.listeners.map((l) => ({ ...l, addr: fmt(l.addr) })),
  }, null, 2) + '\n';
}

export function hostFromJson(text: string): Host {
  const j = JSON.parse(text) as J;
  const addr = (x: J): IfAddr => ({ ...(x as unknown as IfAddr), addr: s2a(x.family as Family, x.addr), brd: s2an(x.family as Family, x.brd) });
  const route = (x: J): Route => ({ ...(x as unknown as Route), dst: s2a(x.family as Family, x.dst), gw: s2an(x.family as Family, x.gw), prefsrc: s2an(x.family as Family, x.prefsrc) });
  const h = newHost();
  h.nextIndex = j.nextIndex as number;
  h.ifaces = (j.ifaces as J[]).map((i) => {
    const mac = parseMac(i.mac as string);
    if (!mac) throw new Error(`bad MAC in host.json`);
    return { ...(i as unknown as Host['ifaces'][number]), mac, addrs4: (i.addrs4 as J[]).map(addr), addrs6: (i.addrs6 as J[]).map(addr) };
  });
  h.routes4 = (j.routes4 as J[]).map(route);
  h.routes6 = (j.routes6 as J[]).map(route);
  h.sysctl = j.sysctl as Record<string, string>;
  h.listeners = (j.listeners as J[]).map((l) => ({ ...(l as unknown as Listener), addr: s2a(l.family as Family, l.addr) }));
  return h;
}

export function loadHost(dir: string): Host {
  try {
    return hostFromJson(fs.readFileSync(hostFile(dir), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return newHost();
    throw e;
  }
}

export function storeHost(dir: string, h: Host): void {
  const file = hostFile(dir);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, hostToJson(h));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* directory fsync is best effort */ }
}
