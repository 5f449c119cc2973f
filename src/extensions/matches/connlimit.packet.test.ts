/**
 * connlimit match packet function (net/netfilter/xt_connlimit.c
 * connlimit_mt with nf_conncount.c count_tree/insert_tree,
 * __nf_conncount_add, nf_conncount_gc_list), on connections made by the
 * real Conntrack from real packets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../../conntrack/constants';
import { CtPacket } from '../../conntrack/packet';
import { fillCtPacket } from '../../engine/ctfill';
import type { ConnlimitInfo } from './connlimit';
import { makeNet, pkt4, pkt6, ruleMatch, skbOf, type PktOpts, type TestNet } from './packet-testkit';

type Rule = (net: TestNet, o: PktOpts, opts?: { confirm?: boolean; family?: 4 | 6 }) => [boolean, boolean];

/** A rule; each call sends one packet through conntrack in, the match, then confirm (or drop). */
function rule(args: string[], family: 4 | 6 = 4): Rule {
  const { ext, data } = ruleMatch<ConnlimitInfo>(family, ['-p', 'tcp', '-m', 'connlimit', ...args]);
  const ctp = new CtPacket();
  return (net, o, opts = {}) => {
    const s = skbOf(family === 4 ? pkt4('tcp', o) : pkt6('tcp', o), net);
    fillCtPacket(s.view, ctp, false);
    assert.equal(net.conntrack.in(ctp), C.NF_ACCEPT);
    s.ct = ctp.ct;
    s.ctinfo = ctp.ctinfo;
    s.ctp = ctp;
    const r = ext.match!(s, data);
    if (opts.confirm === false) net.conntrack.abandon(ctp); else net.conntrack.confirm(ctp);
    net.clock.advance(10); // the next packet comes in another jiffy
    return [r, s.hotdrop];
  };
}

test('counts this rule\'s connections per source, the new one included', () => {
  const net = makeNet();
  const above2 = rule(['--connlimit-above', '2']);
  assert.deepEqual(above2(net, { src: '10.0.0.2', sport: 1001 }), [false, false]);
  assert.deepEqual(above2(net, { src: '10.0.0.2', sport: 1002 }), [false, false]);
  // The third is over the limit; a REJECT would drop it, so it never gets confirmed.
  assert.deepEqual(above2(net, { src: '10.0.0.2', sport: 1003 }, { confirm: false }), [true, false]);
  assert.deepEqual(above2(net, { src: '10.0.0.3', sport: 1001 }), [false, false]);
  // The dropped one is gone from conntrack: the next walk evicts it, so again 2 + this one.
  assert.deepEqual(above2(net, { src: '10.0.0.2', sport: 1004 }, { confirm: false }), [true, false]);
  // A connection that ends (here deleted from the table) stops counting.
  assert.ok(net.conntrack.deleteByTuple(C.NFPROTO_IPV4, 6, Uint8Array.from([10, 0, 0, 2]), Uint8Array.from([10, 0, 0, 1]), 1001, 80));
  assert.deepEqual(above2(net, { src: '10.0.0.2', sport: 1005 }), [false, false]);
});

test('only connections that went through the rule count; confirmed ones are not added again', () => {
  const net = makeNet();
  const other = rule(['--connlimit-above', '100']);
  other(net, { src: '10.0.0.2', sport: 2001 });
  other(net, { src: '10.0.0.2', sport: 2002 });
  const upto1 = rule(['--connlimit-upto', '1']);
  assert.deepEqual(upto1(net, { src: '10.0.0.2', sport: 2003 }), [true, false]);
  // An established packet of the same connection: confirmed, so not added; still one.
  assert.deepEqual(upto1(net, { src: '10.0.0.2', sport: 2003, flags: 0x10 }), [true, false]);
  assert.deepEqual(upto1(net, { src: '10.0.0.2', sport: 2004 }), [false, false]);
});

test('a closed TCP connection (TIME_WAIT/CLOSE) no longer counts', () => {
  const net = makeNet();
  const above1 = rule(['--connlimit-above', '1']);
  assert.equal(above1(net, { src: '10.0.0.2', sport: 3001 })[0], false);
  // RST from the client: conntrack moves the entry to CLOSE.
  above1(net, { src: '10.0.0.2', sport: 3001, flags: 0x04 });
  assert.equal(above1(net, { src: '10.0.0.2', sport: 3002 })[0], false);
});

test('--connlimit-mask groups sources; --connlimit-daddr keys on the destination', () => {
  const net = makeNet();
  const m24 = rule(['--connlimit-above', '1', '--connlimit-mask', '24']);
  assert.equal(m24(net, { src: '10.0.0.2', sport: 4001 })[0], false);
  assert.equal(m24(net, { src: '10.0.0.77', sport: 4001 })[0], true);
  assert.equal(m24(net, { src: '10.0.1.2', sport: 4001 })[0], false);
  const dst = rule(['--connlimit-above', '1', '--connlimit-daddr']);
  assert.equal(dst(net, { src: '10.0.0.5', dst: '10.0.0.1', sport: 4100 })[0], false);
  assert.equal(dst(net, { src: '10.0.0.6', dst: '10.0.0.1', sport: 4100 })[0], true);
  assert.equal(dst(net, { src: '10.0.0.6', dst: '10.0.0.9', sport: 4100 })[0], false);
  const v6 = rule(['--connlimit-above', '1', '--connlimit-mask', '64'], 6);
  assert.equal(v6(net, { src: '2001:db8::2', sport: 4200 })[0], false);
  assert.equal(v6(net, { src: '2001:db8::3', sport: 4200 })[0], true);
  assert.equal(v6(net, { src: '2001:db8:1::3', sport: 4200 })[0], false);
});

test('within one jiffy the list is not walked, so a dropped connection still counts (last_gc)', () => {
  const net = makeNet();
  const { ext, data } = ruleMatch<ConnlimitInfo>(4, ['-p', 'tcp', '-m', 'connlimit', '--connlimit-above', '1']);
  const ctp = new CtPacket();
  const send = (sport: number): boolean => {
    const s = skbOf(pkt4('tcp', { src: '10.0.0.2', sport }), net);
    fillCtPacket(s.view, ctp, false);
    net.conntrack.in(ctp);
    s.ct = ctp.ct; s.ctinfo = ctp.ctinfo;
    const r = ext.match!(s, data);
    net.conntrack.abandon(ctp);
    return r;
  };
  assert.equal(send(5001), false);
  assert.equal(send(5002), true); // same jiffy: 5001 (never confirmed) is still listed
  net.clock.advance(4);
  assert.equal(send(5003), false); // next jiffy: both are evicted, this one alone
});

test('without a conntrack entry the tuple comes from the packet; none (a later fragment) hotdrops', () => {
  const net = makeNet();
  const { ext, data } = ruleMatch<ConnlimitInfo>(4, ['-m', 'connlimit', '--connlimit-above', '0']);
  const s = skbOf(pkt4('udp', { src: '10.0.0.2' }), net);
  assert.equal(ext.match!(s, data), true); // count 1 > 0 (raw table, before conntrack)
  const frag = skbOf(pkt4('udp', { src: '10.0.0.2', fragWord: 0x0010 }), net);
  frag.hotdrop = false;
  assert.equal(ext.match!(frag, data), false);
  assert.equal(frag.hotdrop, true);
});
