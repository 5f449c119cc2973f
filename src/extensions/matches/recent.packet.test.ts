/** recent match packet function and /proc/net/xt_recent view (net/netfilter/xt_recent.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recentProcRead, recentProcWrite, recentTables, IP_LIST_TOT } from './recent';
import { check, makeNet, pkt4, pkt6, skbOf } from './packet-testkit';

test('--set then --rcheck/--update with --seconds and --hitcount', () => {
  const net = makeNet();
  const s = skbOf(pkt4('tcp', { src: '10.0.0.9' }), net);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'SSH'], s)[0], false);
  assert.equal(check(4, ['-m', 'recent', '--set', '--name', 'SSH'], s)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'SSH'], s)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'OTHER'], s)[0], false);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--hitcount', '2', '--name', 'SSH'], s)[0], false);
  net.clock.advance(1000);
  assert.equal(check(4, ['-m', 'recent', '--update', '--name', 'SSH'], s)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--hitcount', '2', '--name', 'SSH'], s)[0], true);
  net.clock.advance(61_000);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--seconds', '60', '--name', 'SSH'], s)[0], false);
  assert.equal(check(4, ['-m', 'recent', '!', '--rcheck', '--seconds', '60', '--name', 'SSH'], s)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--remove', '--name', 'SSH'], s)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'SSH'], s)[0], false);
});

test('--rdest, --mask and --rttl', () => {
  const net = makeNet();
  const a = skbOf(pkt4('udp', { src: '10.0.0.9', dst: '192.0.2.77', ttl: 60 }), net);
  const b = skbOf(pkt4('udp', { src: '10.0.0.10', dst: '192.0.2.1', ttl: 61 }), net);
  assert.equal(check(4, ['-m', 'recent', '--set', '--name', 'M', '--mask', '255.255.255.0', '--rdest'], a)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'M', '--rdest'], b)[0], true);
  assert.equal(check(4, ['-m', 'recent', '--set', '--name', 'T'], a)[0], true);
  const a2 = skbOf(pkt4('udp', { src: '10.0.0.9', ttl: 61 }), net);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--rttl', '--name', 'T'], a2)[0], false);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'T'], a2)[0], true);
});

test('a table holds ip_list_tot entries: the least recently used goes', () => {
  const net = makeNet();
  for (let i = 0; i <= IP_LIST_TOT; i++) {
    const s = skbOf(pkt4('udp', { src: `10.1.${i >> 8}.${i & 255}` }), net);
    check(4, ['-m', 'recent', '--set', '--name', 'L'], s);
  }
  assert.equal(recentTables(net).get('L')!.entries, IP_LIST_TOT);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'L'], skbOf(pkt4('udp', { src: '10.1.0.0' }), net))[0], false);
  assert.equal(check(4, ['-m', 'recent', '--rcheck', '--name', 'L'], skbOf(pkt4('udp', { src: '10.1.0.1' }), net))[0], true);
});

test('/proc/net/xt_recent view and its +, - and / controls', () => {
  const net = makeNet();
  const s = skbOf(pkt4('tcp', { src: '1.2.3.4', ttl: 64 }), net);
  check(4, ['-m', 'recent', '--set', '--name', 'P'], s);
  net.clock.advance(4);
  check(4, ['-m', 'recent', '--update', '--name', 'P'], s);
  // clock 1_000_000 ms -> 250_000 jiffies at HZ=250; +4 ms -> 250_001.
  assert.equal(recentProcRead(net, 'P'), 'src=1.2.3.4 ttl: 64 last_seen: 250001 oldest_pkt: 2 250000, 250001\n');
  assert.equal(recentProcWrite(net, 'P', '+5.6.7.8\n'), 9);
  assert.equal(recentProcWrite(net, 'P', '-1.2.3.4'), 8);
  assert.equal(recentProcRead(net, 'P'), 'src=5.6.7.8 ttl: 0 last_seen: 250001 oldest_pkt: 1 250001\n');
  assert.equal(recentProcWrite(net, 'P', 'x'), 'EINVAL');
  assert.equal(recentProcWrite(net, 'P', '+1.2.3'), 'EINVAL');
  assert.equal(recentProcWrite(net, 'P', '/'), 1);
  assert.equal(recentProcRead(net, 'P'), '');
  assert.equal(recentProcRead(net, 'NOPE'), undefined);
  check(6, ['-m', 'recent', '--set', '--name', 'P'], skbOf(pkt6('udp', { src: '2001:db8::5' }), net));
  assert.match(recentProcRead(net, 'P')!, /^src=2001:0db8:0000:0000:0000:0000:0000:0005 ttl: 64 /);
});
