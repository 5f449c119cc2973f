/**
 * Differential test: the same ip/sysctl commands on a fresh kernel network
 * namespace and on netsieve's host model, then every listing compared byte
 * for byte. veth pairs stand in for dummy devices (the reference kernel has
 * no dummy module); MACs are set explicitly. DAD is switched off on both
 * sides (netsieve models the settled state; the kernel would otherwise show
 * "tentative" for a second).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { kernelUnavailable, withKernel } from '../testing/kernel';
import { newHost, type Host } from './model';
import { runIp, runSysctl } from '../cli/host-commands';

const SETUP = [
  'sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0',
  'ip link add a0 address 02:00:00:00:00:01 type veth peer name b0 address 02:00:00:00:00:02',
  'ip link add a1 address 02:00:00:00:00:03 mtu 1400 type veth peer name b1 address 02:00:00:00:00:04',
  'ip link add c0 address 02:00:00:00:00:05 type veth peer name d0 address 02:00:00:00:00:06',
  'ip link set lo up', 'ip link set a0 up', 'ip link set b0 up', 'ip link set c0 up',
  'ip addr add 2001:db8:1::5/64 dev a1', 'ip addr add 10.1.0.1/16 dev a1',
  'ip addr add 10.0.0.1/24 dev a0', 'ip addr add 10.0.0.2/24 dev a0', 'ip addr add 10.0.0.3/8 dev a0',
  'ip addr add 192.168.5.5/24 brd + dev a0', 'ip addr add 172.16.0.1/32 dev a0', 'ip addr add 172.17.0.1/31 dev a0',
  'ip addr add 2001:db8::1/64 dev a0', 'ip addr add 2001:db8::2/64 dev a0', 'ip addr add 2001:db8:2::1/48 dev a0',
  'ip addr add 10.0.0.1/24 dev a0', 'ip addr add 10.0.0.1/24 dev nope', 'ip addr del 10.9.9.9/24 dev a0',
  'ip addr add 192.0.2.1/24 dev c0',
  'ip route add default via 10.0.0.254', 'ip route add 10.0.0.0/24 via 10.0.0.9 metric 5', 'ip route add 10.0.0.0/8 dev a0 metric 7',
  'ip route add 172.16.0.0/12 via 10.0.0.2 metric 50', 'ip route add blackhole 203.0.113.0/24', 'ip route add unreachable 198.51.100.0/24',
  'ip route add prohibit 198.51.100.128/25', 'ip route add 10.9.0.0/16 via 10.0.0.7 src 10.0.0.2', 'ip route add 10.7.0.0/16 via 10.99.0.1',
  'ip route add 10.0.0.0/24 dev a0', 'ip route del 10.66.0.0/16', 'ip route add 1.2.3.4/16 dev a0', 'ip route add 10.0.0.0/33 dev a0',
  'ip route add 10.8.0.0/16 via 10.0.0.9 metric 3 table main', 'ip route add 10.11.0.0/16 via 192.0.2.9', 'ip route del 10.11.0.0/16',
  'ip route add 10.12.0.0/16 via 192.0.2.9', 'ip route add blackhole 10.5.0.0/16 dev a0',
  'ip -6 route add default via 2001:db8::ff', 'ip -6 route add 2001:db8:5::/48 via 2001:db8::fe metric 10', 'ip -6 route add blackhole 2001:db8:6::/48',
  'ip -6 route add 2001:db8:9::/48 via 2001:db8:77::1', 'ip -6 route add 2001:db8:9::/48 dev a0', 'ip -6 route add 2001:db8:9::/48 dev a0',
  'ip link set a0 mtu 20', 'ip link set a1 address zz', 'ip link add a0 type veth',
  'ip link set d0 up', 'ip link set d0 down', 'ip addr add 10.20.0.1/24 dev d0',
];

const LISTINGS = [
  'ip link show', 'ip addr show', 'ip -4 addr show', 'ip -6 addr show', 'ip addr show dev a0', 'ip link show b0',
  'ip route show', 'ip route show table local', 'ip route show table all', 'ip -6 route show', 'ip -6 route show table local',
  ...['10.0.0.7', '10.0.0.1', '10.0.0.2', '8.8.8.8', '172.16.3.3', '203.0.113.4', '198.51.100.4', '198.51.100.200', '10.0.0.255',
    '127.0.0.1', '127.1.2.3', '192.168.5.255', '10.9.1.1', '10.1.0.5', '255.255.255.255', '0.0.0.0', '192.0.2.77', '10.12.3.4', '10.0.0.0']
    .map((a) => `ip route get ${a}`),
  ...['2001:db8::5', '2001:db8::1', '2001:db9::1', '2001:db8:6::1', '::1', '2001:db8:1::1', '2001:db8:9::3'].map((a) => `ip -6 route get ${a}`),
  'sysctl net.ipv4.ip_forward', 'sysctl -w net.ipv4.ip_forward=1', 'sysctl net.ipv4.conf.a0.forwarding net.ipv4.conf.default.forwarding',
  'sysctl -w net.ipv4.ip_forward=abc', 'sysctl -w net.ipv4.nope=1', 'sysctl net.ipv4.conf.all.rp_filter=2', 'sysctl -n net.ipv4.conf.all.rp_filter',
  'sysctl -w net.ipv4.ip_local_port_range=1000\t2000', 'sysctl -w net.ipv4.ip_local_port_range=2000\t3000', 'sysctl net.ipv4.ip_local_port_range',
  'sysctl -w net.ipv4.ip_default_ttl=0', 'sysctl -w net.netfilter.nf_conntrack_tcp_loose=7', 'sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1',
  'sysctl net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_udp_timeout', 'sysctl -w net.ipv6.conf.all.forwarding=1',
  'sysctl net.ipv6.conf.a0.forwarding', 'sysctl -w net.ipv4.ip_forward',
];

/** Whitespace-separated words, except that a TAB inside a word is kept (sysctl values). */
const words = (l: string): string[] => l.split(' ').filter((w) => w !== '');

function runNs(host: Host, line: string): { code: number; stdout: string; stderr: string; host: Host } {
  const w = words(line);
  return w[0] === 'ip' ? runIp(w.slice(1), host) : runSysctl(w.slice(1), host);
}

test('ip/sysctl: netsieve host model against the kernel', (t) => {
  const why = kernelUnavailable();
  if (why) { t.skip(why); return; }
  withKernel('host', (k) => {
    const all = [...SETUP, 'sleep 0.3', 'ip link set d0 down', ...LISTINGS];
    const kout = k.batch(all.map((l) => ({ argv: words(l) })));
    let host = newHost();
    const diffs: string[] = [];
    all.forEach((line, idx) => {
      if (line.startsWith('sleep')) return;
      const r = runNs(host, line);
      host = r.host;
      const ko = kout[idx];
      if (ko.code !== r.code || ko.stdout !== r.stdout || ko.stderr !== r.stderr) {
        diffs.push(`## ${line}\n--- kernel (rc ${ko.code})\n${ko.stdout}${ko.stderr}--- netsieve (rc ${r.code})\n${r.stdout}${r.stderr}`);
      }
    });
    assert.equal(diffs.length, 0, diffs.join('\n'));
  });
});
