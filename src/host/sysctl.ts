/**
 * Reading and writing the host's sysctls with the kernel's validation
 * (kernel/sysctl.c proc_dointvec / proc_dointvec_minmax: base-0 integers,
 * leading blanks allowed, no '+', trailing garbage and int overflow are
 * EINVAL) and the kernel's side effects (devinet.c inet_forward_change,
 * addrconf.c addrconf_fixup_forwarding).
 */
import type { Host } from './model';
import { CONF4, CONF6, GLOBAL_SYSCTLS, INT_RANGE, type SysctlSpec } from './sysctl-defs';

export type SysctlError = 'ENOENT' | 'EINVAL';

/** The spec of a key, or undefined when the key does not exist on this host. */
export function sysctlSpec(h: Host, key: string): SysctlSpec | undefined {
  const g = GLOBAL_SYSCTLS[key];
  if (g) return g;
  const m = /^net\.ipv([46])\.conf\.([^.]+)\.([a-z_0-9]+)$/.exec(key);
  if (!m) return undefined;
  const table = m[1] === '4' ? CONF4 : CONF6;
  if (!(m[3] in table)) return undefined;
  if (m[2] !== 'all' && m[2] !== 'default' && !h.ifaces.some((i) => i.name === m[2])) return undefined;
  if (m[3] === 'rp_filter' || m[3] === 'forwarding') return { n: 1, def: '0' };
  return { n: 1, ...INT_RANGE, def: '0' };
}

export function sysctlKeys(h: Host): string[] {
  return Object.keys(h.sysctl).sort();
}

export function readSysctl(h: Host, key: string): string | undefined {
  return sysctlSpec(h, key) ? h.sysctl[key] : undefined;
}

/** proc_get_long over a whole write: up to n integers separated by blanks. */
function parseInts(v: string, n: number): number[] | undefined {
  const out: number[] = [];
  let i = 0;
  const blank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n';
  for (;;) {
    while (blank(v[i])) i++;
    if (i >= v.length || out.length === n) break;
    const m = /^-?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(v.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    if (i < v.length && !blank(v[i])) return undefined;
    const neg = m[0].startsWith('-');
    const body = neg ? m[0].slice(1) : m[0];
    const x = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : parseInt(body, 10);
    const val = neg ? -x : x;
    if (val < INT_RANGE.min || val > INT_RANGE.max) return undefined;
    out.push(val);
  }
  return out.length === 0 ? undefined : out;
}

/** rp_filter as the kernel applies it: IN_DEV_RPFILTER is max(all, device) (inetdevice.h IN_DEV_MAXCONF). */
export function effectiveRpFilter(h: Host, ifname: string): number {
  const all = Number(h.sysctl['net.ipv4.conf.all.rp_filter'] ?? '0');
  const dev = Number(h.sysctl[`net.ipv4.conf.${ifname}.rp_filter`] ?? '0');
  return Math.max(all, dev);
}

/** IPv4 forwarding on a device (IN_DEV_FORWARD reads the device's own value, kept in sync by ip_forward). */
export function forwardingEnabled(h: Host, family: 4 | 6, ifname: string): boolean {
  return h.sysctl[`net.ipv${family}.conf.${ifname}.forwarding`] !== '0';
}

/** A conf value for a device where the kernel ORs all and the device (IN_DEV_ORCONF), e.g. accept_local, route_localnet, log_martians. */
export function orConf(h: Host, ifname: string, name: string): boolean {
  return h.sysctl[`net.ipv4.conf.all.${name}`] !== '0' || h.sysctl[`net.ipv4.conf.${ifname}.${name}`] !== '0';
}

/**
 * Writes a value as `echo VALUE > /proc/sys/...` would. Mutates h on success;
 * returns the error the kernel would return otherwise (h unchanged).
 */
export function writeSysctl(h: Host, key: string, value: string): SysctlError | null {
  const spec = sysctlSpec(h, key);
  if (!spec) return 'ENOENT';
  if (spec.readonly) return 'EINVAL';
  const ints = parseInts(value, spec.n);
  if (!ints) return 'EINVAL';
  for (const x of ints) {
    if (spec.min !== undefined && x < spec.min) return 'EINVAL';
    if (spec.max !== undefined && x > spec.max) return 'EINVAL';
  }
  if (key === 'net.ipv4.ip_local_port_range') {
    // inet_connection_sock / sysctl_net_ipv4.c ipv4_local_port_range: a missing high end keeps the old one.
    const old = h.sysctl[key].split('\t').map(Number);
    const lo = ints[0];
    const hi = ints.length > 1 ? ints[1] : old[1];
    if (hi < lo || lo < Number(h.sysctl['net.ipv4.ip_unprivileged_port_start'])) return 'EINVAL';
    h.sysctl[key] = `${lo}\t${hi}`;
    return null;
  }
  if (key === 'net.ipv4.ip_unprivileged_port_start') {
    // ipv4_privileged_ports: must not exceed the low end of the local port range.
    const lo = Number(h.sysctl['net.ipv4.ip_local_port_range'].split('\t')[0]);
    if (ints[0] > lo) return 'EINVAL';
  }
  const v = String(ints[0]);
  if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.conf.all.forwarding') {
    // inet_forward_change: all, default and every device follow.
    h.sysctl['net.ipv4.ip_forward'] = v;
    for (const k of Object.keys(h.sysctl)) if (/^net\.ipv4\.conf\.[^.]+\.forwarding$/.test(k)) h.sysctl[k] = v;
    return null;
  }
  if (key === 'net.ipv6.conf.all.forwarding') {
    // addrconf_fixup_forwarding: default and every device follow "all".
    for (const k of Object.keys(h.sysctl)) if (/^net\.ipv6\.conf\.[^.]+\.forwarding$/.test(k)) h.sysctl[k] = v;
    return null;
  }
  h.sysctl[key] = v;
  return null;
}

/** The per-device keys of a new device, copied from "default" as register_netdevice's inetdev_init/ipv6_add_dev do. */
export function addDeviceSysctls(h: Host, name: string): void {
  for (const k of Object.keys(CONF4)) h.sysctl[`net.ipv4.conf.${name}.${k}`] = h.sysctl[`net.ipv4.conf.default.${k}`];
  for (const k of Object.keys(CONF6)) h.sysctl[`net.ipv6.conf.${name}.${k}`] = h.sysctl[`net.ipv6.conf.default.${k}`];
}

export function removeDeviceSysctls(h: Host, name: string): void {
  for (const k of Object.keys(CONF4)) delete h.sysctl[`net.ipv4.conf.${name}.${k}`];
  for (const k of Object.keys(CONF6)) delete h.sysctl[`net.ipv6.conf.${name}.${k}`];
}
