/** tcp match packet function, after net/netfilter/xt_tcpudp.c tcp_mt / tcp_find_option. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, pkt6, skbOf } from './packet-testkit';

const net = makeNet();

test('ports and ranges, with inversion', () => {
  const s = skbOf(pkt4('tcp', { sport: 40000, dport: 22 }), net);
  assert.deepEqual(check(4, ['-p', 'tcp', '--dport', '22'], s), [true, false]);
  assert.deepEqual(check(4, ['-p', 'tcp', '--dport', '23'], s), [false, false]);
  assert.deepEqual(check(4, ['-p', 'tcp', '!', '--dport', '23'], s), [true, false]);
  assert.deepEqual(check(4, ['-p', 'tcp', '--sport', '1024:65535', '--dport', '20:22'], s), [true, false]);
  assert.deepEqual(check(4, ['-p', 'tcp', '!', '--sport', '1024:'], s), [false, false]);
});

test('--syn and --tcp-flags compare flags under the mask', () => {
  const syn = skbOf(pkt4('tcp', { flags: 0x02 }), net);
  const synack = skbOf(pkt4('tcp', { flags: 0x12 }), net);
  assert.equal(check(4, ['-p', 'tcp', '--syn'], syn)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '--syn'], synack)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '!', '--syn'], synack)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '--tcp-flags', 'SYN,ACK', 'SYN,ACK'], synack)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '--tcp-flags', 'ALL', 'NONE'], skbOf(pkt4('tcp', { flags: 0 }), net))[0], true);
});

test('--tcp-option walks the options (MSS 2, NOP, wscale 3)', () => {
  // MSS 1460, NOP, window scale 7: kinds 2, 1, 3.
  const opts = Uint8Array.from([2, 4, 0x05, 0xb4, 1, 3, 3, 7]);
  const s = skbOf(pkt4('tcp', { options: opts }), net);
  assert.equal(check(4, ['-p', 'tcp', '--tcp-option', '2'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '--tcp-option', '3'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '--tcp-option', '4'], s)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '!', '--tcp-option', '4'], s)[0], true);
  // No options at all: the inverted test matches.
  const bare = skbOf(pkt4('tcp'), net);
  assert.equal(check(4, ['-p', 'tcp', '--tcp-option', '2'], bare)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '!', '--tcp-option', '2'], bare)[0], true);
});

test('hotdrop: header cut short, and the IPv4 fragment at offset 8 bytes', () => {
  const full = pkt4('tcp');
  // Keep 20 IP + 10 TCP bytes, fixing the IP total length so the packet parses.
  const cut = full.slice(0, 30);
  cut[2] = 0; cut[3] = 30;
  assert.deepEqual(check(4, ['-p', 'tcp', '--dport', '80'], skbOf(cut, net)), [false, true]);
  const frag1 = skbOf(pkt4('tcp', { fragWord: 1 }), net);
  assert.deepEqual(check(4, ['-p', 'tcp', '--dport', '80'], frag1), [false, true]);
  const frag2 = skbOf(pkt4('tcp', { fragWord: 2 }), net);
  assert.deepEqual(check(4, ['-p', 'tcp', '--dport', '80'], frag2), [false, false]);
});

test('IPv6 tcp', () => {
  const s = skbOf(pkt6('tcp', { dport: 443 }), net);
  assert.equal(check(6, ['-p', 'tcp', '--dport', '443'], s)[0], true);
  assert.equal(check(6, ['-p', 'tcp', '--dport', '80'], s)[0], false);
});
