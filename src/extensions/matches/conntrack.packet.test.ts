/**
 * conntrack and state match packet functions, after
 * net/netfilter/xt_conntrack.c conntrack_mt (revision 3), on entries made
 * by the real Conntrack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../../conntrack/constants';
import { CtPacket } from '../../conntrack/packet';
import { pass, tcp } from '../../conntrack/testkit';
import { check, makeNet, pkt4, skbOf } from './packet-testkit';

/** A TCP connection 10.0.0.1:1234 -> 10.0.0.2:80 after the SYN (NEW, then confirmed). */
function setup(): { net: ReturnType<typeof makeNet>; e: number } {
  const net = makeNet();
  const p = tcp(new CtPacket(), 0, { flags: C.TH_SYN, seq: 100 });
  assert.equal(pass(net.conntrack, p), C.NF_ACCEPT);
  return { net, e: p.ct };
}

function pktSkb(net: ReturnType<typeof makeNet>, e: number, ctinfo: number, reply = false): ReturnType<typeof skbOf> {
  const s = skbOf(pkt4('tcp', reply ? { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 1234 } : { src: '10.0.0.1', dst: '10.0.0.2', sport: 1234, dport: 80 }), net);
  s.ct = e;
  s.ctinfo = ctinfo;
  return s;
}

test('ctstate and state: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, inversion', () => {
  const { net, e } = setup();
  const nw = pktSkb(net, e, C.IP_CT_NEW);
  const est = pktSkb(net, e, C.IP_CT_ESTABLISHED_REPLY, true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'NEW'], nw)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED'], nw)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED'], est)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '!', '--ctstate', 'NEW'], est)[0], true);
  assert.equal(check(4, ['-m', 'state', '--state', 'NEW'], nw)[0], true);
  assert.equal(check(4, ['-m', 'state', '!', '--state', 'NEW'], nw)[0], false);
  assert.equal(check(4, ['-m', 'state', '--state', 'RELATED'], pktSkb(net, e, C.IP_CT_RELATED_REPLY, true))[0], true);
  const invalid = pktSkb(net, -1, C.IP_CT_NONE);
  assert.equal(check(4, ['-m', 'state', '--state', 'INVALID'], invalid)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'INVALID'], invalid)[0], true);
  const untracked = pktSkb(net, -1, C.IP_CT_UNTRACKED);
  assert.equal(check(4, ['-m', 'state', '--state', 'UNTRACKED'], untracked)[0], true);
  assert.equal(check(4, ['-m', 'state', '--state', 'INVALID'], untracked)[0], false);
});

test('SNAT/DNAT virtual states come from the entry status', () => {
  const { net, e } = setup();
  const s = pktSkb(net, e, C.IP_CT_NEW);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'DNAT'], s)[0], false);
  net.conntrack.setStatus(e, C.IPS_DST_NAT);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'DNAT'], s)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'SNAT'], s)[0], false);
});

test('without an entry only a state option can match', () => {
  const { net } = setup();
  const s = pktSkb(net, -1, C.IP_CT_NONE);
  assert.equal(check(4, ['-m', 'conntrack', '--ctproto', 'tcp'], s)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '!', '--ctproto', 'udp'], s)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstate', 'INVALID', '--ctproto', 'tcp'], s)[0], true);
});

test('ctproto, addresses with masks, ports, direction', () => {
  const { net, e } = setup();
  const o = pktSkb(net, e, C.IP_CT_NEW);
  const r = pktSkb(net, e, C.IP_CT_ESTABLISHED_REPLY, true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctproto', 'tcp'], o)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctproto', 'udp'], o)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctorigsrc', '10.0.0.0/24'], r)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctorigsrc', '10.0.1.0/24'], r)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '!', '--ctorigdst', '10.0.0.2'], r)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctreplsrc', '10.0.0.2', '--ctrepldst', '10.0.0.1'], r)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctorigdstport', '80', '--ctorigsrcport', '1024:2000'], r)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctrepldstport', '1234', '--ctreplsrcport', '80'], o)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '!', '--ctorigdstport', '80'], o)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctdir', 'ORIGINAL'], o)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctdir', 'ORIGINAL'], r)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctdir', 'REPLY'], r)[0], true);
});

test('ctstatus and ctexpire (whole seconds left)', () => {
  const { net, e } = setup();
  const o = pktSkb(net, e, C.IP_CT_NEW);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstatus', 'CONFIRMED'], o)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '--ctstatus', 'ASSURED'], o)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '!', '--ctstatus', 'ASSURED,EXPECTED'], o)[0], true);
  // SYN_SENT lasts 120 s (nf_conntrack_tcp_timeout_syn_sent).
  const left = Math.floor(net.conntrack.expires(e) / 1000);
  assert.equal(left, 120);
  assert.equal(check(4, ['-m', 'conntrack', '--ctexpire', '100:120'], o)[0], true);
  net.clock.advance(30_500);
  assert.equal(check(4, ['-m', 'conntrack', '--ctexpire', '100:120'], o)[0], false);
  assert.equal(check(4, ['-m', 'conntrack', '--ctexpire', '89'], o)[0], true);
  assert.equal(check(4, ['-m', 'conntrack', '!', '--ctexpire', '89'], o)[0], false);
});
