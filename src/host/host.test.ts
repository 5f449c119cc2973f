/** Unit tests of the host model: LPM, automatic routes, rp_filter, sysctl validation, listeners, state file. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newHost, RT_TABLE_LOCAL, RT_TABLE_MAIN } from './model';
import { addAddr, addLink, delAddr, setLinkUp } from './link';
import { addRoute, routeOutput, RouteResult } from './route';
import { effectiveRpFilter, readSysctl, writeSysctl } from './sysctl';
import { addListener, findListener } from './listeners';
import { fmt, parseIp } from './prefix';
import { loadHost, storeHost } from './store';

const ip4 = (s: string): Uint8Array => parseIp(4, s) as Uint8Array;

function router() {
  const h = newHost();
  setLinkUp(h, 'lo', true);
  addLink(h, 'eth0', 'dummy', { mac: Uint8Array.from([2, 0, 0, 0, 0, 1]) });
  setLinkUp(h, 'eth0', true);
  assert.equal(addAddr(h, 'eth0', 4, ip4('10.0.0.1'), 24), null);
  return h;
}

test('longest prefix wins over metric, lower metric wins among equals', () => {
  const h = router();
  assert.equal(addRoute(h, { family: 4, type: 'unicast', dst: ip4('0.0.0.0'), plen: 0, gw: ip4('10.0.0.254') }), null);
  assert.equal(addRoute(h, { family: 4, type: 'unicast', dst: ip4('172.16.0.0'), plen: 12, gw: ip4('10.0.0.2'), metric: 10 }), null);
  assert.equal(addRoute(h, { family: 4, type: 'unicast', dst: ip4('172.16.0.0'), plen: 12, gw: ip4('10.0.0.3'), metric: 5 }), null);
  assert.equal(addRoute(h, { family: 4, type: 'unicast', dst: ip4('172.16.5.0'), plen: 24, gw: ip4('10.0.0.4'), metric: 100 }), null);
  const r = new RouteResult();
  assert.equal(fmt(routeOutput(h, 4, ip4('172.16.5.9'), r).gw as Uint8Array), '10.0.0.4');
  assert.equal(fmt(routeOutput(h, 4, ip4('172.16.6.9'), r).gw as Uint8Array), '10.0.0.3');
  assert.equal(fmt(routeOutput(h, 4, ip4('8.8.8.8'), r).gw as Uint8Array), '10.0.0.254');
  assert.equal(fmt(r.src as Uint8Array), '10.0.0.1');
  assert.equal(routeOutput(h, 4, ip4('10.0.0.1'), r).type, 'local');
  assert.equal(r.dev, 1);
  assert.equal(routeOutput(h, 4, ip4('10.0.0.255'), r).type, 'broadcast');
  assert.equal(addRoute(h, { family: 4, type: 'blackhole', dst: ip4('192.0.2.0'), plen: 24 }), null);
  assert.equal(routeOutput(h, 4, ip4('192.0.2.1'), r).error, 'EINVAL');
});

test('addresses add and remove their local, broadcast and connected routes', () => {
  const h = router();
  const has = (table: number, type: string, dst: string, plen: number): boolean =>
    h.routes4.some((r) => r.table === table && r.type === type && fmt(r.dst) === dst && r.plen === plen);
  assert.ok(has(RT_TABLE_LOCAL, 'local', '10.0.0.1', 32));
  assert.ok(has(RT_TABLE_LOCAL, 'broadcast', '10.0.0.255', 32));
  assert.ok(has(RT_TABLE_MAIN, 'unicast', '10.0.0.0', 24));
  const conn = h.routes4.find((r) => r.table === RT_TABLE_MAIN && fmt(r.dst) === '10.0.0.0');
  assert.equal(conn?.proto, 'kernel');
  assert.equal(conn?.scope, 'link');
  // A second address in the subnet is secondary: only its local route, sourced from the primary.
  addAddr(h, 'eth0', 4, ip4('10.0.0.2'), 24);
  assert.equal(h.ifaces[1].addrs4[1].secondary, true);
  assert.equal(fmt(h.routes4.find((r) => fmt(r.dst) === '10.0.0.2')?.prefsrc as Uint8Array), '10.0.0.1');
  // Deleting the primary takes the secondary with it (promote_secondaries=0), and all their routes.
  assert.equal(delAddr(h, 'eth0', 4, ip4('10.0.0.1'), 24), null);
  assert.equal(h.ifaces[1].addrs4.length, 0);
  assert.ok(!has(RT_TABLE_LOCAL, 'local', '10.0.0.1', 32) && !has(RT_TABLE_MAIN, 'unicast', '10.0.0.0', 24) && !has(RT_TABLE_LOCAL, 'broadcast', '10.0.0.255', 32));
  // Down keeps only the local route; up restores the rest.
  addAddr(h, 'eth0', 4, ip4('10.0.0.1'), 24);
  setLinkUp(h, 'eth0', false);
  assert.ok(has(RT_TABLE_LOCAL, 'local', '10.0.0.1', 32) && !has(RT_TABLE_MAIN, 'unicast', '10.0.0.0', 24));
  setLinkUp(h, 'eth0', true);
  assert.ok(has(RT_TABLE_MAIN, 'unicast', '10.0.0.0', 24) && has(RT_TABLE_LOCAL, 'broadcast', '10.0.0.255', 32));
});

test('rp_filter: the kernel uses max(all, interface)', () => {
  const h = router();
  assert.equal(effectiveRpFilter(h, 'eth0'), 0);
  writeSysctl(h, 'net.ipv4.conf.eth0.rp_filter', '2');
  assert.equal(effectiveRpFilter(h, 'eth0'), 2);
  writeSysctl(h, 'net.ipv4.conf.all.rp_filter', '1');
  assert.equal(effectiveRpFilter(h, 'eth0'), 2);
  writeSysctl(h, 'net.ipv4.conf.eth0.rp_filter', '0');
  assert.equal(effectiveRpFilter(h, 'eth0'), 1);
});

test('sysctl validation and ip_forward propagation', () => {
  const h = router();
  assert.equal(writeSysctl(h, 'net.ipv4.ip_forward', '1x'), 'EINVAL');
  assert.equal(writeSysctl(h, 'net.ipv4.ip_forward', '+1'), 'EINVAL');
  assert.equal(writeSysctl(h, 'net.nope', '1'), 'ENOENT');
  assert.equal(writeSysctl(h, 'net.netfilter.nf_conntrack_tcp_loose', '2'), 'EINVAL');
  assert.equal(writeSysctl(h, 'net.ipv4.ip_local_port_range', '1000 2000'), 'EINVAL');
  assert.equal(writeSysctl(h, 'net.ipv4.ip_local_port_range', '2000 3000'), null);
  assert.equal(readSysctl(h, 'net.ipv4.ip_local_port_range'), '2000\t3000');
  assert.equal(writeSysctl(h, 'net.ipv4.ip_forward', ' 1'), null);
  assert.equal(readSysctl(h, 'net.ipv4.conf.eth0.forwarding'), '1');
  assert.equal(readSysctl(h, 'net.ipv4.conf.default.forwarding'), '1');
});

test('listeners: exact address beats wildcard, v6 wildcard takes v4', () => {
  const h = newHost();
  addListener(h, { proto: 'tcp', family: 6, addr: new Uint8Array(16), port: 22 });
  addListener(h, { proto: 'tcp', family: 4, addr: ip4('10.0.0.1'), port: 80 });
  assert.equal(findListener(h, 'tcp', 4, ip4('10.0.0.9'), 22)?.family, 6);
  assert.equal(findListener(h, 'tcp', 4, ip4('10.0.0.1'), 80)?.port, 80);
  assert.equal(findListener(h, 'tcp', 4, ip4('10.0.0.2'), 80), null);
  assert.equal(findListener(h, 'udp', 4, ip4('10.0.0.1'), 22), null);
});

test('host.json round trip', () => {
  const h = router();
  addAddr(h, 'eth0', 6, parseIp(6, '2001:db8::1') as Uint8Array, 64);
  addListener(h, { proto: 'udp', family: 4, addr: ip4('0.0.0.0'), port: 53 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-host-'));
  try {
    storeHost(dir, h);
    assert.deepEqual(loadHost(dir), h);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
