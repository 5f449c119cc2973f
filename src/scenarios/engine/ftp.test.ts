/**
 * Active FTP through a masquerading router with the FTP helper attached by
 * `-t raw ... -j CT --helper ftp` (automatic helper assignment is off in
 * modern kernels): the PORT command is rewritten to the public address,
 * later sequence numbers follow the length change, and the server's data
 * connection is RELATED and translated back to the client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_CT_RELATED } from '../../conntrack/constants';
import { buildTcp4 } from '../../wire/build';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../../wire/tcp';
import { buildHost, buildRules, engine, view, srcOf, dstOf } from './testkit';

const n4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);

function seg(src: string, dst: string, sport: number, dport: number, flags: number, seq: number, ack: number, text = ''): Uint8Array {
  const data = Buffer.from(text, 'latin1');
  const b = new Uint8Array(40 + data.length);
  buildTcp4(b, 0, { tos: 0, id: 1, fragWord: 0, ttl: 64, protocol: 6, saddr: n4(src), daddr: n4(dst), options: null },
    { sport, dport, seq, ack, flags, window: 64240, urgPtr: 0, options: null }, { data, off: 0, len: data.length });
  return b;
}

const payload = (b: Uint8Array): string => {
  const v = view(b);
  return Buffer.from(v.buf.subarray(v.payloadOff, v.ipEnd)).toString('latin1');
};

test('active FTP behind MASQUERADE: PORT rewritten, sequence numbers adjusted, data connection RELATED', () => {
  const host = buildHost([
    'ip link set lo up', 'ip link add eth0 type veth peer name p0', 'ip link add ppp0 type veth peer name p1',
    'ip link set eth0 up', 'ip link set p0 up', 'ip link set ppp0 up', 'ip link set p1 up',
    'ip addr add 192.168.0.1/24 dev eth0', 'ip addr add 203.0.113.1/24 dev ppp0', 'ip route add default via 203.0.113.254',
    'sysctl -w net.ipv4.ip_forward=1',
  ]);
  const rules = buildRules(4, [
    '-t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp',
    '-P FORWARD DROP',
    '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    '-A FORWARD -i eth0 -o ppp0 -j ACCEPT',
    '-t nat -A POSTROUTING -o ppp0 -j MASQUERADE',
  ]);
  const e = engine(host, rules);
  const C = '192.168.0.10', S = '198.51.100.21', PUB = '203.0.113.1';
  const fwd = (dev: string, b: Uint8Array): Uint8Array => {
    const r = e.receive(dev, b);
    assert.equal(r.fate, 'forwarded', `${dev}: ${r.reason}`);
    return r.emitted[0].bytes;
  };
  let c = 1000, s = 5000;
  const syn = view(fwd('eth0', seg(C, S, 40000, 21, TCP_SYN, c, 0)));
  assert.equal(srcOf(syn), PUB);
  const pport = syn.sport;
  c++;
  fwd('ppp0', seg(S, PUB, 21, pport, TCP_SYN | TCP_ACK, s, c));
  s++;
  fwd('eth0', seg(C, S, 40000, 21, TCP_ACK, c, s));
  const banner = '220 netsieve test\r\n';
  fwd('ppp0', seg(S, PUB, 21, pport, TCP_ACK | TCP_PSH, s, c, banner));
  s += banner.length;
  const user = 'USER anonymous\r\n';
  fwd('eth0', seg(C, S, 40000, 21, TCP_ACK | TCP_PSH, c, s, user));
  c += user.length;
  const ok = '331 send password\r\n';
  fwd('ppp0', seg(S, PUB, 21, pport, TCP_ACK | TCP_PSH, s, c, ok));
  s += ok.length;

  // PORT 192,168,0,10,156,65 announces port 40001 on the private address.
  const port = 'PORT 192,168,0,10,156,65\r\n';
  const out = fwd('eth0', seg(C, S, 40000, 21, TCP_ACK | TCP_PSH, c, s, port));
  const rewritten = payload(out);
  assert.equal(rewritten, 'PORT 203,0,113,1,156,65\r\n');
  const ov = view(out);
  assert.ok(ov.l4ChecksumOk() && ov.ipv4ChecksumOk());
  assert.equal(ov.seq, c);
  c += port.length;
  const delta = rewritten.length - port.length; // -1

  // The server acknowledges what it saw (one byte less); the router adds the byte back for the client.
  const ack = view(fwd('ppp0', seg(S, PUB, 21, pport, TCP_ACK, s, (c + delta) >>> 0)));
  assert.equal(ack.ack, c);
  assert.ok(ack.l4ChecksumOk());
  // The client's next segment is shifted for the server.
  const next = view(fwd('eth0', seg(C, S, 40000, 21, TCP_ACK | TCP_PSH, c, s, 'LIST\r\n')));
  assert.equal(next.seq, (c + delta) >>> 0);

  // The server connects back from port 20 to the announced public address and port.
  const r = e.receive('ppp0', seg(S, PUB, 20, 40001, TCP_SYN, 9000, 0));
  assert.equal(r.fate, 'forwarded', r.reason);
  assert.equal(r.ctinfo, IP_CT_RELATED);
  const data = view(r.emitted[0].bytes);
  assert.equal(dstOf(data), C);
  assert.equal(data.dport, 40001);
  assert.equal(r.outdev, 'eth0');
});
