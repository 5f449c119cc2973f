/**
 * The FTP helper (nf_conntrack_ftp.c) and its NAT half (nf_nat_ftp.c,
 * nf_nat_helper.c, nf_conntrack_seqadj.c) driven with real TCP packets
 * through a forwarding host: raw CT --helper ftp, conntrack, nat, confirm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../conntrack/constants';
import { HELPER_FTP } from '../conntrack/ext';
import { ftpParams } from '../conntrack/helper-ftp';
import { newTuple } from '../conntrack/tuple';
import { NF_ACCEPT, NF_DROP } from '../engine/verdict';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../wire/tcp';
import { mkHost, TWO_LINKS } from './bench';
import { FtpBench, seg4, seg6 } from './ftpbench';
import { dstOf, n4, parsed, srcOf } from './pkt';

const CLI = '192.168.0.10', SRV = '198.51.100.7', PUB = '203.0.113.1';
const PA = TCP_PSH | TCP_ACK;

function router(): ReturnType<typeof mkHost> {
  return mkHost([
    ...TWO_LINKS,
    ['ip', 'addr', 'add', '192.168.0.1/24', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'eth1'],
    ['ip', 'addr', 'add', '2001:db8:1::1/64', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '2001:db8:2::1/64', 'dev', 'eth1'],
    ['ip', 'route', 'add', 'default', 'via', '203.0.113.254'],
  ]);
}

const HELPER = ['-t', 'raw', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '21', '-j', 'CT', '--helper', 'ftp'];
const MASQ = ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'MASQUERADE'];

const text = (b: Uint8Array): string => {
  const v = parsed(b);
  return new TextDecoder().decode(b.subarray(v.payloadOff - v.l3, v.ipEnd - v.l3));
};

/** Client and server sides of one control connection, tracking their own sequence numbers. */
class Control {
  cseq = 1000;
  sseq = 5000;
  constructor(readonly b: FtpBench, readonly cport = 40000, readonly srvSeen = SRV, readonly cliSeen = PUB) {}
  handshake(): void {
    const b = this.b;
    assert.equal(b.forward(seg4(CLI, SRV, this.cport, 21, TCP_SYN, this.cseq - 1, 0), 'eth0', 'eth1').verdict, NF_ACCEPT);
    assert.equal(b.forward(seg4(SRV, this.cliSeen, 21, this.cport, TCP_SYN | TCP_ACK, this.sseq - 1, this.cseq), 'eth1', 'eth0').verdict, NF_ACCEPT);
    assert.equal(b.forward(seg4(CLI, SRV, this.cport, 21, TCP_ACK, this.cseq, this.sseq), 'eth0', 'eth1').verdict, NF_ACCEPT);
  }
  /** Client -> server; `acked` is what the client acknowledges (its own view of the server stream). */
  client(s: string) {
    const r = this.b.forward(seg4(CLI, SRV, this.cport, 21, PA, this.cseq, this.sseq, s), 'eth0', 'eth1');
    this.cseq += s.length;
    return r;
  }
  /** A pure ACK from the client (so that no data stays unacknowledged: that timeout is 300 s). */
  ack() {
    return this.b.forward(seg4(CLI, SRV, this.cport, 21, TCP_ACK, this.cseq, this.sseq), 'eth0', 'eth1');
  }
  /** Server -> client, acknowledging `ack` (the server's view of the client stream). */
  server(s: string, ack: number) {
    const r = this.b.forward(seg4(SRV, this.cliSeen, 21, this.cport, PA, this.sseq, ack, s), 'eth1', 'eth0');
    this.sseq += s.length;
    return r;
  }
}

test('active FTP behind MASQUERADE: PORT rewritten, sequence numbers adjusted both ways, data connection RELATED and DNATed', () => {
  const b = new FtpBench(router(), 4, [HELPER, MASQ]);
  const c = new Control(b);
  c.handshake();
  let seen = 1000; // the server's view of the client stream
  // The first data packet of each direction is never parsed (no seq_aft_nl yet).
  assert.equal(c.server('220 ready\r\n', seen).verdict, NF_ACCEPT);
  let r = c.client('USER a\r\n');
  seen += 8;
  assert.equal(c.server('331 pass\r\n', seen).verdict, NF_ACCEPT);
  const portAt = c.cseq;
  r = c.client('PORT 192,168,0,10,156,65\r\n');
  assert.equal(r.verdict, NF_ACCEPT);
  assert.equal(r.ctinfo, C.IP_CT_ESTABLISHED);
  assert.equal(b.ct.helper(r.ct), HELPER_FTP);
  // nf_nat_ftp: the address becomes the public one, the length shrinks by one byte.
  const v = parsed(r.bytes);
  assert.equal(srcOf(v), PUB);
  assert.equal(text(r.bytes), 'PORT 203,0,113,1,156,65\r\n');
  assert.equal(v.seq, portAt, 'the mangled packet itself keeps its sequence number');
  assert.equal(r.bytes.length, 40 + 25);
  assert.ok(b.ct.status(r.ct) & C.IPS_SEQ_ADJUST);
  seen += 25;
  // One expectation: from the server, any port, to the public address on the announced port.
  assert.equal(b.ct.expect.count, 1);
  const t = newTuple();
  b.ct.expect.forEach(b.clock.now(), (s) => b.ct.expect.getTuple(s, t));
  assert.deepEqual([t[2], t[6], t[10], t[11]], [n4(SRV), n4(PUB), 0, 40001]);

  // The server acknowledges 25 bytes; the client must see 26 acknowledged.
  r = c.server('200 ok\r\n', seen);
  assert.equal(r.ctinfo, C.IP_CT_ESTABLISHED_REPLY, 'the window tracker reads the ACK through the offset');
  assert.equal(parsed(r.bytes).ack, c.cseq);
  assert.equal(dstOf(parsed(r.bytes)), CLI);
  // The client's next segment is moved back by one for the server.
  r = c.client('LIST\r\n');
  assert.equal(r.ctinfo, C.IP_CT_ESTABLISHED);
  assert.equal(parsed(r.bytes).seq, c.cseq - 6 - 1);
  seen += 6;

  // The data connection from port 20 is RELATED and goes to the client's real address.
  const d = b.forward(seg4(SRV, PUB, 20, 40001, TCP_SYN, 9000, 0), 'eth1', 'eth0');
  assert.equal(d.verdict, NF_ACCEPT);
  assert.equal(d.ctinfo, C.IP_CT_RELATED);
  const dv = parsed(d.bytes);
  assert.equal(dstOf(dv), CLI);
  assert.equal(dv.dport, 40001);
  assert.ok(b.ct.status(d.ct) & C.IPS_EXPECTED);
  assert.equal(b.ct.master(d.ct), r.ct);
  assert.equal(b.ct.helper(d.ct), HELPER_FTP, 'the expected connection inherits the master helper');
  assert.equal(b.ct.expect.count, 0, 'the expectation is used up');
  const back = b.forward(seg4(CLI, SRV, 40001, 20, TCP_SYN | TCP_ACK, 7000, 9001), 'eth0', 'eth1');
  assert.equal(srcOf(parsed(back.bytes)), PUB);
  assert.equal(back.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
});

test('passive FTP (227 and 229) behind MASQUERADE: the data connection is RELATED and source-NATed like its master', () => {
  const b = new FtpBench(router(), 4, [HELPER, MASQ]);
  const c = new Control(b);
  c.handshake();
  let seen = 1000;
  c.server('220 hi\r\n', seen);
  c.client('PASV\r\n');
  seen += 6;
  let r = c.server('227 Entering Passive Mode (198,51,100,7,195,80).\r\n', seen);
  assert.equal(r.verdict, NF_ACCEPT);
  assert.equal(text(r.bytes), '227 Entering Passive Mode (198,51,100,7,195,80).\r\n', 'same address and port: same text');
  assert.equal(b.ct.expect.count, 1);
  let d = b.forward(seg4(CLI, SRV, 40100, 50000, TCP_SYN, 100, 0), 'eth0', 'eth1');
  assert.equal(d.ctinfo, C.IP_CT_RELATED);
  assert.equal(srcOf(parsed(d.bytes)), PUB);
  assert.equal(b.ct.expect.count, 0);

  c.client('EPSV\r\n');
  seen += 6;
  r = c.server('229 Entering Extended Passive Mode (|||50001|)\r\n', seen);
  assert.equal(r.verdict, NF_ACCEPT);
  assert.equal(text(r.bytes), '229 Entering Extended Passive Mode (|||50001|)\r\n');
  d = b.forward(seg4(CLI, SRV, 40101, 50001, TCP_SYN, 100, 0), 'eth0', 'eth1');
  assert.equal(d.ctinfo, C.IP_CT_RELATED);
  assert.equal(srcOf(parsed(d.bytes)), PUB);
  // Another port of the server is not expected.
  d = b.forward(seg4(CLI, SRV, 40102, 50002, TCP_SYN, 100, 0), 'eth0', 'eth1');
  assert.equal(d.ctinfo, C.IP_CT_NEW);
});

test('without NAT: the expectation is registered as announced, expires after 300 s, and dies with its master', () => {
  const b = new FtpBench(router(), 4, [HELPER]);
  const c = new Control(b, 40000, SRV, CLI);
  c.handshake();
  let seen = 1000;
  c.server('220 hi\r\n', seen);
  c.client('USER x\r\n');
  seen += 8;
  c.server('331 ok\r\n', seen);
  let r = c.client('port 192,168,0,10,4,1\r\n'); // patterns are case-insensitive
  assert.equal(text(r.bytes), 'port 192,168,0,10,4,1\r\n', 'no NAT: the text is left alone');
  assert.equal(b.ct.expect.count, 1);
  // 299.999 s later it is still there; at 300 s it is gone.
  b.clock.t += 299_999;
  let d = b.forward(seg4(SRV, CLI, 20, 1025, TCP_SYN, 1, 0), 'eth1', 'eth0');
  assert.equal(d.ctinfo, C.IP_CT_RELATED);
  b.forward(seg4(CLI, SRV, 1025, 20, TCP_SYN | TCP_ACK, 1, 2), 'eth0', 'eth1');
  seen += 23;
  c.server('200 ok\r\n', seen);
  r = c.client('PORT 192,168,0,10,4,2\r\n');
  assert.equal(b.ct.expect.count, 1);
  seen += 23;
  c.server('200 ok\r\n', seen);
  c.ack();
  b.clock.t += 300_000;
  d = b.forward(seg4(SRV, CLI, 20, 1026, TCP_SYN, 1, 0), 'eth1', 'eth0');
  assert.equal(d.ctinfo, C.IP_CT_NEW, 'expired expectation');
  assert.equal(b.ct.expect.count, 0);
  // A new PORT replaces the previous expectation (max_expected 1), and killing the master removes it.
  c.server('200 ok\r\n', seen);
  c.client('PORT 192,168,0,10,4,3\r\n');
  seen += 23;
  c.server('200 ok\r\n', seen);
  c.client('PORT 192,168,0,10,4,4\r\n');
  assert.equal(b.ct.expect.count, 1);
  const t = newTuple();
  b.ct.expect.forEach(b.clock.now(), (s) => b.ct.expect.getTuple(s, t));
  assert.equal(t[11], 1028);
  assert.ok(b.ct.kill(r.ct));
  assert.equal(b.ct.expect.count, 0);
});

test('parsing rules: seq_aft_nl, partial matches dropped, foreign addresses ignored unless loose', () => {
  const b = new FtpBench(router(), 4, [HELPER]);
  const c = new Control(b, 40000, SRV, CLI);
  c.handshake();
  let seen = 1000;
  c.server('220 hi\r\n', seen);
  // The first client packet is not parsed even if it is a PORT command.
  c.client('PORT 192,168,0,10,4,1\r\n');
  assert.equal(b.ct.expect.count, 0);
  seen += 23;
  c.server('200 ok\r\n', seen);
  // A packet not ending in \n: the next one does not start a line (but, ending in \n, it makes the
  // one after it start a line).
  c.client('NOOP');
  let r = c.client('PORT 192,168,0,10,4,1\r\n');
  assert.equal(b.ct.expect.count, 0);
  // A packet that could be the start of PORT is dropped ("partial matching").
  r = c.client('PO');
  assert.equal(r.verdict, NF_DROP);
  c.cseq -= 2; // the client retransmits
  // PORT without numbers is dropped too.
  r = c.client('PORT x\r\n');
  assert.equal(r.verdict, NF_DROP);
  c.cseq -= 8;
  // An address other than the client's gets no expectation (loose=0) ...
  r = c.client('PORT 10,9,9,9,4,1\r\n');
  assert.equal(r.verdict, NF_ACCEPT);
  assert.equal(b.ct.expect.count, 0);
  // ... and one to that address with loose=1.
  ftpParams.loose = true;
  try {
    r = c.client('PORT 10,9,9,9,4,2\r\n');
    assert.equal(b.ct.expect.count, 1);
    const t = newTuple();
    b.ct.expect.forEach(b.clock.now(), (s) => b.ct.expect.getTuple(s, t));
    assert.deepEqual([t[2], t[6], t[11]], [n4(SRV), n4('10.9.9.9'), 1026]);
  } finally {
    ftpParams.loose = false;
  }
  // EPRT with another delimiter, and numbers that wrap as the kernel's u32 arithmetic does.
  r = c.client('EPRT !1!192.168.0.10!2000!\r\n');
  assert.equal(r.verdict, NF_ACCEPT);
  const t = newTuple();
  b.ct.expect.forEach(b.clock.now(), (s) => b.ct.expect.getTuple(s, t));
  assert.equal(t[11], 2000);
  r = c.client('PORT 192,168,0,10,256,7\r\n'); // (256 << 8 | 7) & 0xffff = 7
  b.ct.expect.forEach(b.clock.now(), (s) => b.ct.expect.getTuple(s, t));
  assert.equal(t[11], 7);
});

test('IPv6: EPRT with a compressed address and EPSV register expectations (in6_pton rules)', () => {
  const b = new FtpBench(router(), 6, [HELPER]);
  const C6 = '2001:db8:1::10', S6 = '2001:db8:2::7';
  const f = (src: string, dst: string, sp: number, dp: number, fl: number, seq: number, ack: number, s = '', i = 'eth0', o = 'eth1') =>
    b.forward(seg6(src, dst, sp, dp, fl, seq, ack, s), i, o);
  f(C6, S6, 40000, 21, TCP_SYN, 999, 0);
  f(S6, C6, 21, 40000, TCP_SYN | TCP_ACK, 4999, 1000, '', 'eth1', 'eth0');
  f(C6, S6, 40000, 21, TCP_ACK, 1000, 5000);
  f(S6, C6, 21, 40000, PA, 5000, 1000, '220 hi\r\n', 'eth1', 'eth0');
  f(C6, S6, 40000, 21, PA, 1000, 5008, 'USER a\r\n');
  f(S6, C6, 21, 40000, PA, 5008, 1008, '331 ok\r\n', 'eth1', 'eth0');
  let r = f(C6, S6, 40000, 21, PA, 1008, 5016, 'EPRT |2|2001:db8:1::10|3000|\r\n');
  assert.equal(r.verdict, NF_ACCEPT);
  assert.equal(b.ct.expect.count, 1);
  let d = f(S6, C6, 20, 3000, TCP_SYN, 1, 0, '', 'eth1', 'eth0');
  assert.equal(d.ctinfo, C.IP_CT_RELATED);
  // A v4 EPRT on a v6 connection is not a match at all: "|1|" makes try_eprt fail, so the packet is dropped.
  r = f(C6, S6, 40000, 21, PA, 1038, 5016, 'EPRT |1|1.2.3.4|3001|\r\n');
  assert.equal(r.verdict, NF_DROP);
  r = f(S6, C6, 21, 40000, PA, 5016, 1038, '229 Extended (|||3002|)\r\n', 'eth1', 'eth0');
  assert.equal(r.verdict, NF_ACCEPT);
  d = f(C6, S6, 40001, 3002, TCP_SYN, 1, 0);
  assert.equal(d.ctinfo, C.IP_CT_RELATED);
});
