/**
 * Replay of an FTP control connection captured through a real Linux 6.18
 * router (script below), compared byte for byte with what the kernel sent
 * on the other side: the PORT command rewritten by nf_nat_ftp, and every
 * later segment's sequence/ack numbers moved by nf_ct_seq_adjust, with the
 * checksums the kernel produced.
 *
 * Capture: three namespaces, client 192.168.0.10 -- router (192.168.0.1 /
 * 203.0.113.1) -- server 198.51.100.7; on the router
 *   iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp
 *   iptables -t nat -A POSTROUTING -o <wan> -j MASQUERADE
 * a Python responder on the server (220, 331, 200, 227 replies) and a client
 * sending USER, "PORT 192,168,0,10,156,65", LIST, QUIT from port 40000;
 * tcpdump on the client's and the server's interface. The server received
 * "PORT 203,0,113,1,156,65\r\n", and `conntrack -L expect` then showed only
 * the PASV expectation (src=192.168.0.10 dst=198.51.100.7 dport=50000,
 * helper=ftp): the 227 reply evicted the PORT one (max_expected 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as C from '../conntrack/constants';
import { newTuple } from '../conntrack/tuple';
import { NF_ACCEPT } from '../engine/verdict';
import { mkHost, TWO_LINKS } from './bench';
import { FTP_MASQ_CAPTURE } from './ftp.fixtures';
import { FtpBench } from './ftpbench';
import { n4 } from './pkt';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('kernel capture: MASQUERADEd active FTP, rewritten PORT and sequence adjustment match Linux byte for byte', () => {
  const host = mkHost([
    ...TWO_LINKS,
    ['ip', 'addr', 'add', '192.168.0.1/24', 'dev', 'eth0'],
    ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'eth1'],
    ['ip', 'route', 'add', '198.51.100.0/24', 'dev', 'eth1'],
  ]);
  const b = new FtpBench(host, 4, [
    ['-t', 'raw', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '21', '-j', 'CT', '--helper', 'ftp'],
    ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth1', '-j', 'MASQUERADE'],
  ]);
  assert.ok(FTP_MASQ_CAPTURE.length > 10);
  let mangled = 0;
  FTP_MASQ_CAPTURE.forEach(([dir, input, output], i) => {
    const r = dir === 'c2s' ? b.forward(hex(input), 'eth0', 'eth1') : b.forward(hex(input), 'eth1', 'eth0');
    assert.equal(r.verdict, NF_ACCEPT, `packet ${i}`);
    assert.notEqual(r.ctinfo, -1, `packet ${i} is tracked (not INVALID)`);
    assert.equal(toHex(r.bytes), output, `packet ${i} (${dir})`);
    if (input.length !== output.length) mangled++;
  });
  assert.equal(mangled, 1, 'exactly one packet (the PORT command) changed length');
  // As `conntrack -L expect` showed: only the PASV expectation is left.
  assert.equal(b.ct.expect.count, 1);
  const t = newTuple();
  b.ct.expect.forEach(b.clock.now(), (s) => b.ct.expect.getTuple(s, t));
  assert.deepEqual([t[0], t[1], t[2], t[6], t[10], t[11]], [C.NFPROTO_IPV4, C.IPPROTO_TCP, n4('192.168.0.10'), n4('198.51.100.7'), 0, 50000]);
});
