/** iproute2 6.1's text output for links, addresses and routes (ipaddress.c, iproute.c). */
import type { Host, Iface, Route } from './model';
import { hasCarrier, ifaceByIndex, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './model';
import { routeLinkDown } from './fib';
import { fmt, macToString, type Family } from './prefix';
import type { RouteResult } from './route';

function flags(h: Host, i: Iface): string {
  const f: string[] = [];
  const carrier = hasCarrier(h, i);
  if (i.up && !carrier) f.push('NO-CARRIER');
  if (i.kind === 'loopback') f.push('LOOPBACK');
  else f.push('BROADCAST');
  if (i.kind === 'veth') f.push('MULTICAST');
  if (i.kind === 'dummy') f.push('NOARP');
  if (i.up) f.push('UP');
  if (carrier) f.push('LOWER_UP');
  // M-DOWN: the device's lower link (a veth's peer) is down.
  if (i.kind === 'veth') { const p = ifaceByIndex(h, i.peer); if (!p || !p.up) f.push('M-DOWN'); }
  return f.join(',');
}

function operState(h: Host, i: Iface): string {
  if (!i.up) return 'DOWN';
  if (i.kind !== 'veth') return 'UNKNOWN';
  return hasCarrier(h, i) ? 'UP' : 'LOWERLAYERDOWN';
}

function linkHead(h: Host, i: Iface, mode: boolean, family: Family | 0 = 0): string {
  let name = i.name;
  if (i.kind === 'veth') { const p = ifaceByIndex(h, i.peer); if (p) name += `@${p.name}`; }
  const qdisc = i.everUp ? 'noqueue' : 'noop';
  // With -6, iproute2 prints the short header; with -4 or -6 it leaves out the link/ether line.
  if (family === 6) return `${i.index}: ${name}: <${flags(h, i)}> mtu ${i.mtu} state ${operState(h, i)} qlen 1000\n`;
  let s = `${i.index}: ${name}: <${flags(h, i)}> mtu ${i.mtu} qdisc ${qdisc} state ${operState(h, i)} ${mode ? 'mode DEFAULT ' : ''}group default qlen 1000\n`;
  if (family === 4) return s;
  if (i.kind === 'loopback') s += `    link/loopback ${macToString(i.mac)} brd 00:00:00:00:00:00\n`;
  else s += `    link/ether ${macToString(i.mac)} brd ff:ff:ff:ff:ff:ff\n`;
  return s;
}

export function printLinks(h: Host, only?: Iface): string {
  let s = '';
  for (const i of h.ifaces) if (!only || only === i) s += linkHead(h, i, true);
  return s;
}

export function printAddrs(h: Host, family: Family | 0, only?: Iface): string {
  let s = '';
  for (const i of h.ifaces) {
    if (only && only !== i) continue;
    let body = '';
    if (family !== 6) {
      for (const a of i.addrs4) {
        body += `    inet ${fmt(a.addr)}/${a.plen} ${a.brd ? `brd ${fmt(a.brd)} ` : ''}scope ${a.scope} ${a.secondary ? 'secondary ' : ''}${i.name}\n`;
        body += '       valid_lft forever preferred_lft forever\n';
      }
    }
    if (family !== 4) {
      for (const a of i.addrs6) {
        body += `    inet6 ${fmt(a.addr)}/${a.plen} scope ${a.scope} \n`;
        body += '       valid_lft forever preferred_lft forever\n';
      }
    }
    // With a family filter, iproute2 leaves out devices that have no address of it.
    if (family !== 0 && body === '') continue;
    s += linkHead(h, i, false, family) + body;
  }
  return s;
}

function tableName(t: number): string {
  return t === RT_TABLE_LOCAL ? 'local' : t === RT_TABLE_MAIN ? 'main' : String(t);
}

function dstText(r: Route): string {
  if (r.plen === 0) return 'default';
  return r.plen === (r.family === 4 ? 32 : 128) ? fmt(r.dst) : `${fmt(r.dst)}/${r.plen}`;
}

/** One line of `ip route show`; showTable when the listing was not restricted to one table. */
export function routeLine(h: Host, r: Route, showTable: boolean): string {
  const dev = r.dev ? ifaceByIndex(h, r.dev)?.name ?? `if${r.dev}` : '';
  let s = r.type === 'unicast' ? '' : `${r.type} `;
  s += `${dstText(r)} `;
  if (r.gw) s += `via ${fmt(r.gw)} `;
  if (dev) s += `dev ${dev} `;
  else if (r.family === 6) s += 'dev lo ';
  if (showTable && r.table !== RT_TABLE_MAIN) s += `table ${tableName(r.table)} `;
  if (r.proto !== 'boot') s += `proto ${r.proto} `;
  if (r.family === 4 && r.scope !== 'global') s += `scope ${r.scope} `;
  if (r.prefsrc) s += `src ${fmt(r.prefsrc)} `;
  if (r.family === 6 || r.metric !== 0) s += `metric ${r.metric} `;
  if (routeLinkDown(h, r)) s += 'linkdown ';
  if (r.family === 6) s += 'pref medium';
  return s + '\n';
}

/** table: a table id, or 0 for all; family 0 lists IPv4, or both families for all tables. */
export function printRoutes(h: Host, family: Family | 0, table: number): string {
  let s = '';
  const list = family === 4 || (family === 0 && table !== 0) ? h.routes4 : family === 6 ? h.routes6 : [...h.routes4, ...h.routes6];
  for (const r of list) if (table === 0 || r.table === table) s += routeLine(h, r, table === 0);
  return s;
}

const ERRNO_TEXT: Record<string, string> = {
  ENETUNREACH: 'Network is unreachable', EHOSTUNREACH: 'No route to host', EACCES: 'Permission denied', EINVAL: 'Invalid argument',
};

/** `ip route get` output for a lookup result: [stdout, stderr, exit status]. */
export function printRouteGet(h: Host, family: Family, dst: Uint8Array, res: RouteResult): [string, string, number] {
  if (res.error) return ['', `RTNETLINK answers: ${ERRNO_TEXT[res.error]}\n`, 2];
  const dev = ifaceByIndex(h, res.dev)?.name ?? '';
  const type = res.type === 'unicast' ? '' : `${res.type} `;
  if (family === 4) {
    let s = `${type}${fmt(dst)} `;
    if (res.gw) s += `via ${fmt(res.gw)} `;
    s += `dev ${dev} `;
    if (res.src) s += `src ${fmt(res.src)} `;
    s += 'uid 0 \n';
    const cf = res.type === 'local' ? '<local> ' : res.type === 'broadcast' ? '<local,brd> ' : '';
    return [`${s}    cache ${cf}\n`, '', 0];
  }
  const r = res.route as Route;
  let s = `${type}${fmt(dst)} from :: `;
  if (res.gw) s += `via ${fmt(res.gw)} `;
  s += `dev ${dev} `;
  if (r.table !== RT_TABLE_MAIN) s += `table ${tableName(r.table)} `;
  if (r.proto !== 'boot') s += `proto ${r.proto} `;
  if (res.src) s += `src ${fmt(res.src)} `;
  s += `metric ${r.metric} pref medium\n`;
  return [s, '', 0];
}
