/** mark, connmark and comment packet functions (xt_mark.c, xt_connmark.c, xt_comment.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../../conntrack/constants';
import { CtPacket } from '../../conntrack/packet';
import { pass, tcp } from '../../conntrack/testkit';
import { check, makeNet, pkt4, skbOf } from './packet-testkit';

test('mark: (skb mark & mask) == value as given', () => {
  const s = skbOf(pkt4('tcp'), makeNet());
  s.mark = 0x1234;
  assert.equal(check(4, ['-m', 'mark', '--mark', '0x1234'], s)[0], true);
  assert.equal(check(4, ['-m', 'mark', '--mark', '0x34/0xff'], s)[0], true);
  assert.equal(check(4, ['-m', 'mark', '!', '--mark', '0x34/0xff'], s)[0], false);
  // A value with bits outside the mask never matches (the kernel does not mask it).
  assert.equal(check(4, ['-m', 'mark', '--mark', '0x134/0xff'], s)[0], false);
});

test('connmark: the entry mark; no entry never matches, even inverted', () => {
  const net = makeNet();
  const p = tcp(new CtPacket(), 0, { flags: C.TH_SYN, seq: 1 });
  pass(net.conntrack, p);
  net.conntrack.setMark(p.ct, 7);
  const s = skbOf(pkt4('tcp'), net);
  s.ct = p.ct; s.ctinfo = C.IP_CT_NEW;
  assert.equal(check(4, ['-m', 'connmark', '--mark', '7'], s)[0], true);
  assert.equal(check(4, ['-m', 'connmark', '--mark', '6'], s)[0], false);
  assert.equal(check(4, ['-m', 'connmark', '!', '--mark', '6'], s)[0], true);
  s.ct = -1; s.ctinfo = C.IP_CT_UNTRACKED;
  assert.equal(check(4, ['-m', 'connmark', '!', '--mark', '6'], s)[0], false);
});

test('comment always matches', () => {
  assert.equal(check(4, ['-m', 'comment', '--comment', 'x'], skbOf(pkt4('udp'), makeNet()))[0], true);
});
