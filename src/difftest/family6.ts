/**
 * An IPv4 random case turned into the same case in IPv6: the address pools
 * map one to one onto the IPv6 ones (LAN 192.168.0.x -> 2001:db8::x, WAN
 * 203.0.113.x -> 2001:db8:1::x, DMZ 10.0.0.x -> 2001:db8:2::x, remote hosts
 * onto REMOTE6), the host lines onto their IPv6 forms, the rules onto
 * ip6tables (ICMP -> ICMPv6, the REJECT variants onto the nearest IPv6 one)
 * and each packet onto an IPv6 packet with the same transport bytes.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../wire/packet';
import { parseIp } from '../host/prefix';
import { put16 } from '../wire/checksum';
import { REMOTE, REMOTE6, type CasePacket, type DiffCase } from './case';
import { view } from './normalise';

const PREFIXES: [string, string][] = [['192.168.0.0/24', '2001:db8::/64'], ['198.51.100.0/24', '2001:db8:100::/64'], ['10.0.0.0/8', '2001:db8:2::/48']];

export function addr6(a: string): string {
  const r = REMOTE.indexOf(a);
  if (r >= 0) return REMOTE6[r];
  const m = /^(192\.168\.0|203\.0\.113|10\.0\.0)\.(\d+)$/.exec(a);
  if (!m) throw new Error(`no IPv6 counterpart for ${a}`);
  const net = m[1] === '192.168.0' ? '2001:db8::' : m[1] === '203.0.113' ? '2001:db8:1::' : '2001:db8:2::';
  return `${net}${m[1] === '203.0.113' ? Number(m[2]).toString(16) : m[2]}`;
}

const REJECT6: Record<string, string> = {
  'icmp-port-unreachable': 'icmp6-port-unreachable', 'icmp-host-unreachable': 'icmp6-addr-unreachable', 'icmp-net-unreachable': 'icmp6-no-route',
  'icmp-admin-prohibited': 'icmp6-adm-prohibited', 'icmp-host-prohibited': 'icmp6-adm-prohibited', 'icmp-net-prohibited': 'icmp6-adm-prohibited',
  'icmp-proto-unreachable': 'icmp6-port-unreachable',
};

const ADDR = /\b\d+\.\d+\.\d+\.\d+(\/\d+)?/g;

export function rule6(r: string): string {
  return r
    .replace(ADDR, (a) => PREFIXES.find(([p]) => p === a)?.[1] ?? (a.includes('/') ? a : addr6(a)))
    .replace(/--to-destination (\S+):(\d+)/, (_, a: string, p: string) => `--to-destination [${a}]:${p}`)
    .replace(/-p icmp\b/, '-p ipv6-icmp')
    .replace(/--icmp-type /, '--icmpv6-type ')
    .replace(/-m ttl --ttl-(lt|eq|gt)/, '-m hl --hl-$1')
    .replace(/-j TTL --ttl-(set|inc)/, '-j HL --hl-$1')
    .replace(/-j TOS --set-tos \S+/, '-j DSCP --set-dscp 4')
    .replace(/--reject-with (\S+)/, (m, w: string) => `--reject-with ${REJECT6[w] ?? w}`);
}

export function host6(l: string): string | null {
  if (l.includes('rp_filter')) return null; // IPv6 has no rp_filter sysctl
  if (l === 'sysctl -w net.ipv4.ip_forward=1') return 'sysctl -w net.ipv6.conf.all.forwarding=1';
  const m = /^ip route add (\w+) (\S+)$/.exec(l);
  if (m) return `ip -6 route add ${m[1]} ${addr6(m[2])}`;
  return l;
}

/** The IPv6 form of an IPv4 packet: hop limit from the TTL, ICMP echo as ICMPv6 echo, the transport checksum redone. */
export function packet6(p: CasePacket): CasePacket {
  const b = Buffer.from(p.hex, 'hex');
  const v = view(new Uint8Array(b));
  const l4 = b.subarray(v.l4, v.ipEnd);
  const out = new Uint8Array(40 + l4.length);
  out[0] = 0x60;
  put16(out, 4, l4.length);
  out[6] = v.proto === IPPROTO_ICMP ? IPPROTO_ICMPV6 : v.proto;
  out[7] = v.ttl;
  const a = (off: number): string => [...b.subarray(off, off + 4)].join('.');
  out.set(parseIp(6, addr6(a(v.srcOff)))!, 8);
  out.set(parseIp(6, addr6(a(v.dstOff)))!, 24);
  out.set(l4, 40);
  if (out[6] === IPPROTO_ICMPV6) out[40] = out[40] === 8 ? 128 : out[40] === 0 ? 129 : out[40];
  view(out).setL4Checksum();
  const what = p.what?.replace(ADDR, (x) => addr6(x));
  return { ...p, hex: Buffer.from(out).toString('hex'), what };
}

export function toIpv6(c: DiffCase): DiffCase {
  return {
    ...c,
    name: `${c.name} (IPv6)`,
    host: c.host.map(host6).filter((l): l is string => l !== null),
    rules: [],
    rules6: c.rules.map(rule6),
    packets: c.packets.map(packet6),
  };
}
