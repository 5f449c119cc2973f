import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from './constants';
import { CtPacket } from './packet';
import { ctStateBits } from './conntrack';
import { conntrackList, procNfConntrack } from './print';
import { mk, tcp, pass, v4 } from './testkit';

function udp(p: CtPacket, src: string, dst: string, sport: number, dport: number): CtPacket {
  p.reset();
  p.protocol = C.IPPROTO_UDP;
  p.src.set(v4(src));
  p.dst.set(v4(dst));
  p.sport = sport;
  p.dport = dport;
  return p;
}

function icmp(p: CtPacket, src: string, dst: string, type: number, id: number): CtPacket {
  p.reset();
  p.protocol = C.IPPROTO_ICMP;
  p.src.set(v4(src));
  p.dst.set(v4(dst));
  p.icmpType = type;
  p.icmpId = id;
  return p;
}

test('UDP: unreplied 30 s, replied within 2 s stays 30 s, later traffic makes it a 120 s ASSURED stream', () => {
  const { ct, clock } = mk();
  const p = new CtPacket();
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  const e = p.ct;
  assert.equal(ct.expires(e), 30000);
  clock.advance(500);
  pass(ct, udp(p, '10.0.0.2', '10.0.0.1', 53, 4000));
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
  assert.equal(ct.expires(e), 30000);
  assert.equal(ct.status(e) & C.IPS_ASSURED, 0);
  clock.advance(2000);
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED);
  assert.equal(ct.expires(e), 120000);
  assert.ok(ct.status(e) & C.IPS_ASSURED);
});

test('timeouts expire against the injected clock', () => {
  const { ct, clock } = mk();
  const p = new CtPacket();
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  const e = p.ct;
  clock.advance(29999);
  assert.equal(ct.gc(), 0);
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  assert.equal(p.ct, e);
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  clock.advance(30000);
  assert.equal(ct.gc(), 1);
  assert.equal(ct.count, 0);
  // An expired entry found by lookup is removed and a fresh one created.
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  clock.advance(31000);
  pass(ct, udp(p, '10.0.0.2', '10.0.0.1', 53, 4000));
  assert.equal(p.ctinfo, C.IP_CT_NEW, 'the old entry expired, so this is a new connection');
  assert.equal(ct.count, 1);
});

test('ICMP echo: NEW then ESTABLISHED reply matched by id; reply types inverted; echo reply alone is INVALID', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, icmp(p, '10.0.0.1', '10.0.0.2', 8, 77));
  const e = p.ct;
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  assert.equal(ct.expires(e), 30000);
  pass(ct, icmp(p, '10.0.0.2', '10.0.0.1', 0, 77));
  assert.equal(p.ct, e);
  assert.equal(p.ctinfo, C.IP_CT_ESTABLISHED_REPLY);
  ct.in(icmp(p, '10.0.0.2', '10.0.0.1', 0, 78));
  assert.equal(p.ct, -1);
  ct.in(icmp(p, '10.0.0.1', '10.0.0.2', 13, 5)); // timestamp request may start one
  assert.equal(p.ctinfo, C.IP_CT_NEW);
  ct.abandon(p);
  assert.equal(ct.count, 1);
});

test('ICMP errors about a known connection are RELATED; unknown ones INVALID', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  const e = p.ct;
  // port unreachable from 10.0.0.2 back to 10.0.0.1, quoting the UDP packet
  const err = (src: string, dst: string, innerDport: number): CtPacket => {
    icmp(p, src, dst, 3, 0);
    p.icmpCode = 3;
    p.innerValid = true;
    p.innerSrc.set(v4('10.0.0.1'));
    p.innerDst.set(v4('10.0.0.2'));
    p.innerProtocol = C.IPPROTO_UDP;
    p.innerSport = 4000;
    p.innerDport = innerDport;
    return p;
  };
  pass(ct, err('10.0.0.2', '10.0.0.1', 53));
  assert.equal(p.ct, e);
  assert.equal(p.ctinfo, C.IP_CT_RELATED_REPLY);
  assert.equal(ctStateBits(ct, p), C.XT_CONNTRACK_STATE_RELATED);
  ct.in(err('10.0.0.2', '10.0.0.1', 54));
  assert.equal(ctStateBits(ct, p), C.XT_CONNTRACK_STATE_INVALID);
  // outer destination must be where the entry's packets in that direction go
  ct.in(err('10.0.0.2', '10.0.0.9', 53));
  assert.equal(p.ct, -1);
  assert.equal(ct.count, 1);
});

test('table full: a non-assured entry in the same bucket range is dropped early, else the packet is dropped', () => {
  // One bucket: every entry shares the chain, so early drop always looks at all of them.
  const { ct } = mk({ max: 3, buckets: 1 });
  const p = new CtPacket();
  for (let i = 0; i < 3; i++) pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 1000 + i, 53));
  assert.equal(ct.count, 3);
  assert.equal(pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 2000, 53)), C.NF_ACCEPT);
  assert.equal(ct.stats.earlyDrop, 3, 'early_drop_list drops every non-assured entry of the chain');
  assert.equal(ct.count, 1);

  // Now only assured entries: nothing can be evicted, the new packet is dropped.
  const { ct: full, clock } = mk({ max: 2, buckets: 1 });
  for (let i = 0; i < 2; i++) {
    pass(full, udp(p, '10.0.0.1', '10.0.0.2', 1000 + i, 53));
    pass(full, udp(p, '10.0.0.2', '10.0.0.1', 53, 1000 + i));
  }
  clock.advance(3000);
  for (let i = 0; i < 2; i++) pass(full, udp(p, '10.0.0.1', '10.0.0.2', 1000 + i, 53));
  assert.equal(full.count, 2);
  assert.equal(full.in(udp(p, '10.0.0.1', '10.0.0.2', 3000, 53)), C.NF_DROP);
  assert.equal(p.ct, -1);
  assert.equal(full.count, 2);
});

test('delete by tuple, flush, untracked', () => {
  const { ct } = mk();
  const p = new CtPacket();
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4000, 53));
  pass(ct, udp(p, '10.0.0.1', '10.0.0.2', 4001, 53));
  // by the reply tuple
  assert.equal(ct.deleteByTuple(C.NFPROTO_IPV4, C.IPPROTO_UDP, v4('10.0.0.2'), v4('10.0.0.1'), 53, 4000), true);
  assert.equal(ct.deleteByTuple(C.NFPROTO_IPV4, C.IPPROTO_UDP, v4('10.0.0.2'), v4('10.0.0.1'), 53, 4000), false);
  assert.equal(ct.count, 1);
  assert.equal(ct.flush(), 1);
  assert.equal(ct.count, 0);
  udp(p, '10.0.0.1', '10.0.0.2', 4000, 53);
  ct.untrack(p);
  ct.in(p);
  assert.equal(ctStateBits(ct, p), C.XT_CONNTRACK_STATE_UNTRACKED);
  assert.equal(ct.count, 0);
});

test('conntrack -L and /proc/net/nf_conntrack text', () => {
  const { ct, clock } = mk();
  const p = new CtPacket();
  pass(ct, tcp(p, 0, { flags: C.TH_SYN, seq: 1 }));
  pass(ct, tcp(p, 1, { flags: C.TH_SYN | C.TH_ACK, seq: 9, ack: 2 }));
  pass(ct, tcp(p, 0, { flags: C.TH_ACK, seq: 2, ack: 10 }));
  pass(ct, udp(p, '127.0.0.1', '127.0.0.1', 37295, 5353));
  p.reset();
  p.l3proto = C.NFPROTO_IPV6;
  p.protocol = C.IPPROTO_ICMPV6;
  p.src[15] = 1;
  p.dst[15] = 1;
  p.icmpType = 128;
  p.icmpId = 17185;
  pass(ct, p);
  p.reset();
  p.l3proto = C.NFPROTO_IPV6;
  p.protocol = C.IPPROTO_ICMPV6;
  p.src[15] = 1;
  p.dst[15] = 1;
  p.icmpType = 129;
  p.icmpId = 17185;
  pass(ct, p);
  clock.advance(1);
  const l = conntrackList(ct);
  assert.equal(l.stdout,
    'tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1234 dport=80 src=10.0.0.2 dst=10.0.0.1 sport=80 dport=1234 [ASSURED] mark=0 use=1\n' +
    'udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=37295 dport=5353 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=5353 dport=37295 mark=0 use=1\n' +
    'icmpv6   58 29 src=::1 dst=::1 type=128 code=0 id=17185 src=::1 dst=::1 type=129 code=0 id=17185 mark=0 use=1\n');
  assert.equal(l.stderr, 'conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.\n');
  assert.equal(conntrackList(ct, { family: 'ipv6', extended: true }).stdout,
    'ipv6     10 icmpv6   58 29 src=::1 dst=::1 type=128 code=0 id=17185 src=::1 dst=::1 type=129 code=0 id=17185 mark=0 use=1\n');
  const proc = procNfConntrack(ct).split('\n');
  assert.equal(proc[1], 'ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=37295 dport=5353 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=5353 dport=37295 mark=0 zone=0 use=2');
  assert.equal(proc[2], 'ipv6     10 icmpv6   58 29 src=0000:0000:0000:0000:0000:0000:0000:0001 dst=0000:0000:0000:0000:0000:0000:0000:0001 type=128 code=0 id=17185 src=0000:0000:0000:0000:0000:0000:0000:0001 dst=0000:0000:0000:0000:0000:0000:0000:0001 type=129 code=0 id=17185 mark=0 zone=0 use=2');
});
