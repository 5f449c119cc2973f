import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from './constants';
import { CtPacket } from './packet';
import { ctStateBits } from './conntrack';
import { tcpState, tcpRetrans } from './tcp';
import { mk, tcp, pass } from './testkit';

const { TH_SYN: S, TH_ACK: A, TH_FIN: F, TH_RST: R, TH_PUSH: P } = C;

function handshake(ct: ReturnType<typeof mk>['ct'], p: CtPacket): number {
  pass(ct, tcp(p, 0, { flags: S, seq: 1000, win: 64240, wscale: 7, sackPerm: true }));
  const e = p.ct;
  pass(ct, tcp(p, 1, { flags: S | A, seq: 5000, ack: 1001, win: 65160, wscale: 7, sackPerm: true }));
  pass(ct, tcp(p, 0, { flags: A, seq: 1001, ack: 5001, win: 502 }));
  return e;
}

test('three-way handshake: NEW, ESTABLISHED, ASSURED, timeouts', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: S, seq: 1000, win: 64240, wscale: 7, sackPerm: true }));
  const e = p.ct;
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  assert.equal(ctStateBits(ct, p), C.XT_CONNTRACK_STATE_NEW);
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_SYN_SENT);
  assert.equal(ct.expires(e), 120000);
  assert.ok(ct.status(e) & C.IPS_CONFIRMED);

  pass(ct, tcp(p, 1, { flags: S | A, seq: 5000, ack: 1001, win: 65160, wscale: 7, sackPerm: true }));
  assert.equal(p.ct, e);
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_SYN_RECV);
  assert.ok(ct.status(e) & C.IPS_SEEN_REPLY);
  assert.equal(ct.status(e) & C.IPS_ASSURED, 0);
  assert.equal(ct.expires(e), 60000);

  pass(ct, tcp(p, 0, { flags: A, seq: 1001, ack: 5001, win: 502 }));
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED);
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_ESTABLISHED);
  assert.ok(ct.status(e) & C.IPS_ASSURED);
  assert.equal(ct.expires(e), 432000000);
});

test('data with unacknowledged bytes uses the 300 s UNACK timeout until acked', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  pass(ct, tcp(p, 0, { flags: A | P, seq: 1001, ack: 5001, win: 502, len: 100 }));
  assert.equal(ct.expires(e), 300000);
  pass(ct, tcp(p, 1, { flags: A, seq: 5001, ack: 1101, win: 509 }));
  assert.equal(ct.expires(e), 432000000);
});

test('FIN/ACK close: FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  pass(ct, tcp(p, 0, { flags: F | A, seq: 1001, ack: 5001, win: 502 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_FIN_WAIT);
  pass(ct, tcp(p, 1, { flags: A, seq: 5001, ack: 1002, win: 509 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_CLOSE_WAIT);
  assert.equal(ct.expires(e), 60000);
  pass(ct, tcp(p, 1, { flags: F | A, seq: 5001, ack: 1002, win: 509 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_LAST_ACK);
  assert.equal(ct.expires(e), 30000);
  pass(ct, tcp(p, 0, { flags: A, seq: 1002, ack: 5002, win: 502 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_TIME_WAIT);
  assert.equal(ct.expires(e), 120000);
});

test('SYN in TIME_WAIT after a close reopens the connection as a new entry', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  pass(ct, tcp(p, 0, { flags: F | A, seq: 1001, ack: 5001 }));
  pass(ct, tcp(p, 1, { flags: F | A, seq: 5001, ack: 1002 }));
  pass(ct, tcp(p, 0, { flags: A, seq: 1002, ack: 5002 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_TIME_WAIT);
  const v = pass(ct, tcp(p, 0, { flags: S, seq: 90000, win: 64240 }));
  assert.equal(v, C.NF_ACCEPT);
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  assert.equal(tcpState(ct.tab, p.ct), C.TCP_CONNTRACK_SYN_SENT);
  assert.equal(ct.count, 1);
});

test('RST closes: CLOSE state with the 10 s timeout', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  pass(ct, tcp(p, 1, { flags: R, seq: 5001 }));
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_CLOSE);
  assert.equal(ct.expires(e), 10000);
});

test('RST with a sequence number below the acknowledged one is INVALID', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  pass(ct, tcp(p, 1, { flags: R, seq: 4000 }));
  assert.equal(p.ct, -1);
  assert.equal(ctStateBits(ct, p), C.XT_CONNTRACK_STATE_INVALID);
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_ESTABLISHED);
});

test('RST answering a SYN deletes the unreplied entry', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: S, seq: 1000 }));
  pass(ct, tcp(p, 1, { flags: R | A, seq: 0, ack: 1001, win: 0 }));
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
  ct.in(tcp(p, 0, { flags: S, seq: 2000 }));
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  ct.confirm(p);
  assert.equal(ct.count, 1);
});

test('simultaneous open: SYN_SENT2, SYN_RECV, ESTABLISHED', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: S, seq: 1000 }));
  const e = p.ct;
  pass(ct, tcp(p, 1, { flags: S, seq: 5000 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_SYN_SENT2);
  pass(ct, tcp(p, 0, { flags: S | A, seq: 1000, ack: 5001 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_SYN_RECV);
  pass(ct, tcp(p, 1, { flags: A, seq: 5001, ack: 1001 }));
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_ESTABLISHED);
});

test('SYN/ACK or a lone FIN without a connection is INVALID and leaves no entry', () => {
  const { ct } = mk();
  const p = new CtPacket();
  for (const flags of [S | A, F, R, 0, F | S | A, S | R]) {
    ct.in(tcp(p, 0, { flags, seq: 1 }));
    assert.equal(p.ct, -1, `flags ${flags}`);
    assert.equal(ctStateBits(ct, p), C.XT_CONNTRACK_STATE_INVALID);
  }
  assert.equal(ct.count, 0);
});

test('ACK from the client in SYN_SENT is INVALID', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: S, seq: 1000 }));
  ct.in(tcp(p, 0, { flags: A, seq: 1001, ack: 77 }));
  assert.equal(p.ct, -1);
});

test('out-of-window data is INVALID, in-window passes', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  // window of B is 509 << 7 at most 65160; a sequence far beyond is over the upper bound
  ct.in(tcp(p, 0, { flags: A, seq: 1001 + 10_000_000, ack: 5001, len: 10 }));
  assert.equal(p.ct, -1);
  // ACK for data B never sent
  ct.in(tcp(p, 0, { flags: A, seq: 1001, ack: 5001 + 100000 }));
  assert.equal(p.ct, -1);
  ct.in(tcp(p, 0, { flags: A, seq: 1001, ack: 5001, len: 10 }));
  assert.equal(p.ct, e);
});

test('be_liberal accepts out-of-window packets', () => {
  const { ct } = mk({ tcpBeLiberal: true });
  const p = new CtPacket();
  const e = handshake(ct, p);
  ct.in(tcp(p, 0, { flags: A, seq: 1001 + 10_000_000, ack: 5001, len: 10 }));
  assert.equal(p.ct, e);
});

test('mid-stream pickup with nf_conntrack_tcp_loose: ESTABLISHED, UNACK timeout, ASSURED on reply', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: A, seq: 777, ack: 999, len: 10 }));
  const e = p.ct;
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  assert.equal(tcpState(ct.tab, e), C.TCP_CONNTRACK_ESTABLISHED);
  assert.equal(ct.expires(e), 300000);
  pass(ct, tcp(p, 1, { flags: A, seq: 999, ack: 787 }));
  // The reply itself is tracked before SEEN_REPLY is set; the next in-window packet assures the entry.
  assert.equal(ct.status(e) & C.IPS_ASSURED, 0);
  pass(ct, tcp(p, 0, { flags: A, seq: 787, ack: 999 }));
  assert.ok(ct.status(e) & C.IPS_ASSURED);
  const { ct: strict } = mk({ tcpLoose: false });
  strict.in(tcp(p, 0, { flags: A, seq: 777, ack: 999 }));
  assert.equal(p.ct, -1);
});

test('retransmitted ACKs are counted and shorten the timeout to 300 s after 3', () => {
  const { ct } = mk();
  const p = new CtPacket();
  const e = handshake(ct, p);
  // The handshake's last ACK is the reference; each identical ACK after it counts once.
  for (let i = 0; i < 2; i++) pass(ct, tcp(p, 0, { flags: A, seq: 1001, ack: 5001, win: 502 }));
  assert.equal(tcpRetrans(ct.tab, e), 2);
  assert.equal(ct.expires(e), 432000000);
  pass(ct, tcp(p, 0, { flags: A, seq: 1001, ack: 5001, win: 502 }));
  assert.equal(tcpRetrans(ct.tab, e), 3);
  assert.equal(ct.expires(e), 300000);
});

test('a retransmitted SYN does not renew the timeout', () => {
  const { ct, clock } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: S, seq: 1000 }));
  const e = p.ct;
  clock.advance(50000);
  pass(ct, tcp(p, 0, { flags: S, seq: 1000 }));
  assert.equal(p.ct, e);
  assert.equal(ct.expires(e), 70000);
});

test('invalid flag combinations are INVALID even on an established connection', () => {
  const { ct } = mk();
  const p = new CtPacket();
  handshake(ct, p);
  ct.in(tcp(p, 0, { flags: S | F, seq: 1001, ack: 5001 }));
  assert.equal(p.ct, -1);
  ct.in(tcp(p, 0, { flags: A | C.TH_ECE | C.TH_CWR | P, seq: 1001, ack: 5001 }));
  assert.ok(p.ct >= 0);
});
