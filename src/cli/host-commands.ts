/**
 * netsieve's `ip`, `sysctl` and `listen` programs on the host model, as pure
 * functions: (argv, host) -> {code, stdout, stderr, host}. The host passed in
 * is never modified; a changed copy comes back. Syntax and messages follow
 * iproute2 6.1 and procps-ng 4.0.2 sysctl.
 */
import type { Host, LinkKind, ListenProto, RouteType, Scope } from '../host/model';
import { cloneHost, ifaceByName, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../host/model';
import { addAddr, addLink, delAddr, delLink, setLinkUp, setMac, setMtu, type OpError } from '../host/link';
import { addRoute, delRoute, routeOutput, RouteResult, type RouteSpec } from '../host/route';
import { printAddrs, printLinks, printRouteGet, printRoutes } from '../host/print';
import { familyOf, fmt, parseIp, parseMac, type Family } from '../host/prefix';
import { readSysctl, sysctlKeys, writeSysctl } from '../host/sysctl';
import { addListener, delListener } from '../host/listeners';

export interface HostResult { code: number; stdout: string; stderr: string; host: Host; }

const matches = (arg: string, word: string): boolean => arg.length > 0 && word.startsWith(arg);

function fail(host: Host, code: number, stderr: string): HostResult {
  return { code, stdout: '', stderr: stderr.endsWith('\n') ? stderr : stderr + '\n', host };
}
function opResult(orig: Host, h: Host, e: OpError | null): HostResult {
  return e ? fail(orig, e.code, e.msg) : { code: 0, stdout: '', stderr: '', host: h };
}

/** get_prefix: ADDR[/PLEN] in one family; "default" is the zero prefix. */
function parsePrefix(family: Family, s: string): { addr: Uint8Array; plen: number } | undefined {
  if (s === 'default' || s === 'all' || s === 'any') return { addr: new Uint8Array(family === 4 ? 4 : 16), plen: 0 };
  const slash = s.indexOf('/');
  const a = parseIp(family, slash >= 0 ? s.slice(0, slash) : s);
  if (!a) return undefined;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { addr: a, plen: max };
  const p = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(p) || Number(p) > max) return undefined;
  return { addr: a, plen: Number(p) };
}

const badPrefix = (h: Host, s: string): HostResult => fail(h, 1, `Error: any valid prefix is expected rather than "${s}".`);

export function runIp(argv: string[], host: Host): HostResult {
  let family: Family | 0 = 0;
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    if (argv[i] === '-4') family = 4;
    else if (argv[i] === '-6') family = 6;
    else return fail(host, 255, `Option "${argv[i]}" is unknown, try "ip -help".`);
  }
  const obj = argv[i] ?? '';
  const rest = argv.slice(i + 1);
  if (obj === '' ) return fail(host, 255, 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }');
  if (matches(obj, 'address')) return ipAddr(rest, host, family);
  if (matches(obj, 'route')) return ipRoute(rest, host, family);
  if (matches(obj, 'link')) return ipLink(rest, host);
  return fail(host, 1, `Object "${obj}" is unknown, try "ip help".`);
}

function ipLink(args: string[], host: Host): HostResult {
  const cmd = args[0] ?? 'show';
  const h = cloneHost(host);
  if (matches(cmd, 'show') || matches(cmd, 'list')) {
    let name = args[1];
    if (name === 'dev') name = args[2];
    if (name === undefined) return { code: 0, stdout: printLinks(host), stderr: '', host };
    const d = ifaceByName(host, name);
    if (!d) return fail(host, 1, `Device "${name}" does not exist.`);
    return { code: 0, stdout: printLinks(host, d), stderr: '', host };
  }
  if (cmd === 'add') {
    let name: string | undefined, kind: string | undefined, mac: Uint8Array | undefined, mtu: number | undefined;
    let peerName: string | undefined, peerMac: Uint8Array | undefined, peerMtu: number | undefined;
    let inPeer = false;
    for (let k = 1; k < args.length; k++) {
      const a = args[k];
      if (a === 'type' && !inPeer) { kind = args[++k]; continue; }
      if (a === 'peer' && kind === 'veth') { inPeer = true; continue; }
      if (a === 'name' || a === 'dev') { const v = args[++k]; if (inPeer) peerName = v; else name = v; continue; }
      if (a === 'address') {
        const v = args[++k] ?? '';
        const m = parseMac(v);
        if (!m) return fail(host, 1, `"${v}" is invalid lladdr.`);
        if (inPeer) peerMac = m; else mac = m;
        continue;
      }
      if (a === 'mtu') {
        const v = args[++k] ?? '';
        if (!/^[0-9]+$/.test(v)) return fail(host, 255, `Error: argument "${v}" is wrong: Invalid "mtu" value\n`);
        if (inPeer) peerMtu = Number(v); else mtu = Number(v);
        continue;
      }
      if (inPeer) peerName = a; else name = a;
    }
    if (name === undefined) return fail(host, 2, 'Not enough information: "dev" argument is required.');
    if (kind !== 'veth' && kind !== 'dummy') return fail(host, 2, 'Error: Unknown device type.');
    return opResult(host, h, addLink(h, name, kind as LinkKind, { mac, mtu, peerName, peerMac, peerMtu }));
  }
  if (matches(cmd, 'delete')) {
    let name = args[1];
    if (name === 'dev') name = args[2];
    if (name === undefined) return fail(host, 255, 'Not enough information: "dev" argument is required.');
    return opResult(host, h, delLink(h, name));
  }
  if (cmd === 'set') {
    let k = 1;
    if (args[k] === 'dev') k++;
    const name = args[k++];
    if (name === undefined) return fail(host, 255, 'Not enough information: "dev" argument is required.');
    if (!ifaceByName(h, name)) return fail(host, 1, `Cannot find device "${name}"`);
    // iproute2 parses everything before applying: MTU and address, then the up/down flag.
    let up: boolean | undefined, mtu: number | undefined, mac: Uint8Array | undefined;
    for (; k < args.length; k++) {
      const a = args[k];
      if (a === 'up') up = true;
      else if (a === 'down') up = false;
      else if (a === 'mtu') {
        const v = args[++k] ?? '';
        if (!/^[0-9]+$/.test(v)) return fail(host, 255, `Error: argument "${v}" is wrong: Invalid "mtu" value\n`);
        mtu = Number(v);
      } else if (a === 'address') {
        const v = args[++k] ?? '';
        const m = parseMac(v);
        if (!m) return fail(host, 1, `"${v}" is invalid lladdr.`);
        mac = m;
      } else return fail(host, 255, `Error: either "dev" is duplicate, or "${a}" is a garbage.`);
    }
    const e = (mtu !== undefined ? setMtu(h, name, mtu) : null) ?? (mac ? setMac(h, name, mac) : null) ?? (up !== undefined ? setLinkUp(h, name, up) : null);
    return opResult(host, h, e);
  }
  return fail(host, 255, `Command "${cmd}" is unknown, try "ip link help".`);
}

function ipAddr(args: string[], host: Host, family: Family | 0): HostResult {
  const cmd = args[0] ?? 'show';
  if (matches(cmd, 'show') || matches(cmd, 'list')) {
    let name = args[1];
    if (name === 'dev') name = args[2];
    if (name === undefined) return { code: 0, stdout: printAddrs(host, family), stderr: '', host };
    const d = ifaceByName(host, name);
    if (!d) return fail(host, 1, `Device "${name}" does not exist.`);
    return { code: 0, stdout: printAddrs(host, family, d), stderr: '', host };
  }
  if (cmd === 'add' || matches(cmd, 'delete')) {
    let local: string | undefined, dev: string | undefined, brd: Uint8Array | '+' | undefined, scope: Scope | undefined;
    for (let k = 1; k < args.length; k++) {
      const a = args[k];
      if (a === 'dev') dev = args[++k];
      else if (a === 'broadcast' || a === 'brd') {
        const v = args[++k] ?? '';
        if (v === '+') brd = '+';
        else { const b = parseIp(4, v); if (!b) return fail(host, 1, `Error: an inet address is expected rather than "${v}".`); brd = b; }
      } else if (a === 'scope') {
        const v = args[++k];
        if (v !== 'global' && v !== 'link' && v !== 'host') return fail(host, 255, `Error: argument "${v}" is wrong: invalid scope value.\n`);
        scope = v;
      } else if (a === 'local') local = args[++k];
      else local = a;
    }
    if (local === undefined) return fail(host, 1, 'Not enough information: "local" argument is required.');
    const fam = family || familyOf(local);
    const p = parsePrefix(fam, local);
    if (!p || local === 'default') return badPrefix(host, local);
    if (dev === undefined) return fail(host, 1, 'Not enough information: "dev" argument is required.');
    const h = cloneHost(host);
    if (!ifaceByName(h, dev)) return fail(host, 1, `Cannot find device "${dev}"`);
    const plenGiven = local.includes('/');
    if (cmd === 'add') return opResult(host, h, addAddr(h, dev, fam, p.addr, p.plen, { brd, scope }));
    return opResult(host, h, delAddr(h, dev, fam, p.addr, plenGiven ? p.plen : undefined));
  }
  return fail(host, 255, `Command "${cmd}" is unknown, try "ip address help".`);
}

const ROUTE_TYPES: Record<string, RouteType> = { unicast: 'unicast', local: 'local', broadcast: 'broadcast', blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit', multicast: 'multicast', anycast: 'anycast' };

function parseTable(v: string | undefined): number | undefined {
  if (v === 'main') return RT_TABLE_MAIN;
  if (v === 'local') return RT_TABLE_LOCAL;
  if (v === 'all') return 0;
  if (v !== undefined && /^[0-9]+$/.test(v)) return Number(v);
  return undefined;
}

function ipRoute(args: string[], host: Host, famOpt: Family | 0): HostResult {
  const fam0: Family = famOpt || 4;
  const cmd = args[0] ?? 'show';
  if (matches(cmd, 'show') || matches(cmd, 'list')) {
    let table = RT_TABLE_MAIN;
    for (let k = 1; k < args.length; k++) {
      if (args[k] === 'table') {
        const t = parseTable(args[++k]);
        if (t === undefined) return fail(host, 255, `Error: argument "${args[k]}" is wrong: "table" value is invalid\n`);
        table = t;
      }
    }
    return { code: 0, stdout: printRoutes(host, famOpt, table), stderr: '', host };
  }
  if (matches(cmd, 'get')) {
    const t = args[1];
    if (t === undefined) return fail(host, 1, 'need at least a destination address');
    const fam = familyOf(t) === 6 ? 6 : fam0;
    const p = parsePrefix(fam, t);
    if (!p) return badPrefix(host, t);
    const res = routeOutput(host, fam, p.addr, new RouteResult());
    const [out, errText, code] = printRouteGet(host, fam, p.addr, res);
    return { code, stdout: out, stderr: errText, host };
  }
  if (cmd === 'add' || matches(cmd, 'delete')) {
    let type: RouteType = 'unicast';
    let typeGiven = false;
    let dst: string | undefined;
    const spec: Partial<RouteSpec> = {};
    let dev: string | undefined;
    for (let k = 1; k < args.length; k++) {
      const a = args[k];
      const v = args[k + 1];
      if (a === 'via') { spec.gw = parseIp(familyOf(v ?? ''), v ?? ''); if (!spec.gw) return fail(host, 1, `Error: inet address is expected rather than "${v}".`); k++; }
      else if (a === 'dev' || a === 'oif') { dev = v; k++; }
      else if (a === 'metric' || a === 'priority' || a === 'preference') {
        if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) > 0xffffffff) return fail(host, 255, `Error: argument "${v}" is wrong: "metric" value is invalid\n`);
        spec.metric = Number(v); k++;
      } else if (a === 'table') {
        const t = parseTable(v);
        if (t === undefined || t === 0) return fail(host, 255, `Error: argument "${v}" is wrong: "table" value is invalid\n`);
        spec.table = t; k++;
      } else if (a === 'src') { spec.prefsrc = parseIp(familyOf(v ?? ''), v ?? ''); if (!spec.prefsrc) return fail(host, 1, `Error: inet address is expected rather than "${v}".`); k++; }
      else if (a === 'proto') { spec.proto = v; k++; }
      else if (a === 'scope') { if (v !== 'global' && v !== 'link' && v !== 'host') return fail(host, 255, `Error: argument "${v}" is wrong: invalid "scope" value\n`); spec.scope = v; k++; }
      else if (ROUTE_TYPES[a] && dst === undefined) { type = ROUTE_TYPES[a]; typeGiven = true; }
      else if (a === 'to') { dst = v; k++; }
      else dst = a;
    }
    if (dst === undefined) return fail(host, 1, 'need at least a destination address');
    const fam: Family = dst.includes(':') || (spec.gw?.length === 16) ? 6 : fam0;
    const p = parsePrefix(fam, dst);
    if (!p) return badPrefix(host, dst);
    if (!dst.includes('/') && dst !== 'default' && fam === 4 && p.plen === 32) { /* host route */ }
    const h = cloneHost(host);
    let devIndex: number | undefined;
    if (dev !== undefined) {
      const d = ifaceByName(h, dev);
      if (!d) return fail(host, 1, `Cannot find device "${dev}"`);
      devIndex = d.index;
    }
    if (cmd === 'add') {
      return opResult(host, h, addRoute(h, { ...spec, family: fam, type, dst: p.addr, plen: p.plen, dev: devIndex }));
    }
    return opResult(host, h, delRoute(h, { ...spec, family: fam, type, typeGiven, dst: p.addr, plen: p.plen, dev: devIndex }));
  }
  return fail(host, 255, `Command "${cmd}" is unknown, try "ip route help".`);
}

/** procps-ng sysctl: KEY, KEY=VALUE, -w, -n, -N, -q, -e, -a. */
export function runSysctl(argv: string[], host: Host): HostResult {
  let write = false, noName = false, noValue = false, quiet = false, ignoreUnknown = false, all = false;
  const items: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') && a.length > 1 && items.length === 0 || /^-[wnNqeaA]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === 'w') write = true;
        else if (c === 'n') noName = true;
        else if (c === 'N') noValue = true;
        else if (c === 'q') quiet = true;
        else if (c === 'e') ignoreUnknown = true;
        else if (c === 'a' || c === 'A' || c === 'X') all = true;
        else return fail(host, 1, `sysctl: invalid option -- '${c}'`);
      }
    } else items.push(a);
  }
  const h = cloneHost(host);
  let out = '', errs = '', code = 0;
  const show = (k: string, v: string): void => {
    if (noName) out += `${v}\n`;
    else if (noValue) out += `${k}\n`;
    else out += `${k} = ${v}\n`;
  };
  if (all && items.length === 0) {
    for (const k of sysctlKeys(h)) show(k, h.sysctl[k]);
    return { code: 0, stdout: out, stderr: '', host };
  }
  if (items.length === 0) return fail(host, 1, 'sysctl: no variables specified\nTry `sysctl --help\' for more information.');
  for (const item of items) {
    const eq = item.indexOf('=');
    if (write && eq < 0) { errs += `sysctl: command line(0): invalid syntax, continuing...\n`; code = 1; continue; }
    const key = (eq < 0 ? item : item.slice(0, eq)).replace(/\//g, '.');
    if (eq < 0) {
      const v = readSysctl(h, key);
      if (v === undefined) { if (!ignoreUnknown) { errs += `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory\n`; code = 1; } continue; }
      show(key, v);
      continue;
    }
    const value = item.slice(eq + 1).replace(/^[ \t]+/, '');
    const e = writeSysctl(h, key, value);
    if (e === 'ENOENT') { if (!ignoreUnknown) { errs += `sysctl: cannot stat /proc/sys/${key.replace(/\./g, '/')}: No such file or directory\n`; code = 1; } continue; }
    if (e === 'EINVAL') { errs += `sysctl: setting key "${key}": Invalid argument\n`; code = 1; continue; }
    if (!quiet) show(key, value);
  }
  return { code, stdout: out, stderr: errs, host: h };
}

/**
 * netsieve's own declaration of listening sockets:
 *   listen tcp|udp ADDR:PORT      (IPv6 as [ADDR]:PORT, * or 0.0.0.0 for any)
 *   listen -d tcp|udp ADDR:PORT   removes one
 *   listen                        lists them
 */
export function runListen(argv: string[], host: Host): HostResult {
  if (argv.length === 0) {
    let s = '';
    for (const l of host.listeners) s += `${l.proto} ${l.family === 6 ? `[${fmt(l.addr)}]` : fmt(l.addr)}:${l.port}\n`;
    return { code: 0, stdout: s, stderr: '', host };
  }
  const del = argv[0] === '-d';
  const [proto, ep] = del ? argv.slice(1) : argv;
  if (proto !== 'tcp' && proto !== 'udp') return fail(host, 2, `netsieve listen: protocol must be tcp or udp, not "${proto ?? ''}"`);
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([0-9]+)$/.exec(ep ?? '');
  if (!m || Number(m[3]) > 65535 || Number(m[3]) === 0) return fail(host, 2, `netsieve listen: expected ADDR:PORT or [ADDR6]:PORT, not "${ep ?? ''}"`);
  const fam: Family = m[1] !== undefined ? 6 : 4;
  const text = m[1] ?? m[2];
  const addr = text === '*' || text === '' ? new Uint8Array(fam === 4 ? 4 : 16) : parseIp(fam, text);
  if (!addr) return fail(host, 2, `netsieve listen: bad address "${text}"`);
  const h = cloneHost(host);
  const l = { proto: proto as ListenProto, family: fam, addr, port: Number(m[3]) };
  const ok = del ? delListener(h, l) : addListener(h, l);
  if (!ok) return fail(host, 1, del ? 'netsieve listen: no such listener' : 'netsieve listen: already listening');
  return { code: 0, stdout: '', stderr: '', host: h };
}
