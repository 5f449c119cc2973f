// LOG and NFLOG packet functions. The expected lines are written out by hand from the format strings
// of net/netfilter/nf_log_syslog.c (not checked against a live kernel: see logline.ts for why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { FIX, hex } from '../../wire/fixtures';
import { LOG } from './LOG';
import { NFLOG } from './NFLOG';
import { makeNet, skbOf, targetData } from './target-testkit';

function frameSkb(frameHex: string): Skb {
  const skb = new Skb();
  const b = hex(frameHex);
  skb.view.parseFrame(b, 0, b.length);
  skb.net = makeNet();
  skb.hook = 'INPUT';
  skb.indev = 'eth0';
  return skb;
}

const TCP4 = 'SRC=192.0.2.1 DST=198.51.100.2 LEN=60 TOS=0x10 PREC=0x00 TTL=64 ID=4660 DF PROTO=TCP SPT=40000 DPT=80 ';

test('LOG: IPv4 SYN with MAC, prefix, level, sequence numbers and options', () => {
  const skb = frameSkb(FIX.eth_tcp4_syn);
  const d = targetData(LOG, 4, ['--log-prefix', 'fw: ', '--log-level', 'info', '--log-tcp-sequence', '--log-tcp-options', '--log-ip-options']);
  assert.equal(LOG.target!(skb, d), XT_CONTINUE);
  assert.deepEqual(skb.net.log, [
    '<6>fw: IN=eth0 OUT= MAC=02:00:00:00:00:02:02:00:00:00:00:01:08:00 ' + TCP4 +
    'SEQ=1000 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 OPT (020405B40402080A075BCD150000000001030307) ',
  ]);
});

test('LOG --log-macdecode names the MAC fields', () => {
  const skb = frameSkb(FIX.eth_tcp4_syn);
  LOG.target!(skb, targetData(LOG, 4, ['--log-macdecode']));
  assert.equal(skb.net.log[0],
    '<4>IN=eth0 OUT= MACSRC=02:00:00:00:00:01 MACDST=02:00:00:00:00:02 MACPROTO=0800 ' + TCP4 + 'WINDOW=64240 RES=0x00 SYN URGP=0 ');
});

test('LOG: IPv6 from a local socket, with UID/GID and mark; addresses in full', () => {
  const net = makeNet();
  const skb = skbOf(net, FIX.tcp6_synack, 'OUTPUT');
  skb.outdev = 'vb'; skb.uid = 1000; skb.gid = 1000; skb.mark = 42; skb.local = true;
  LOG.target!(skb, targetData(LOG, 6, ['--log-uid', '--log-level', '7']));
  assert.equal(net.log[0],
    '<7>IN= OUT=vb SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0001:0000:0000:0000:0002 ' +
    'LEN=64 TC=32 HOPLIMIT=64 FLOWLBL=74565 PROTO=TCP SPT=443 DPT=50000 WINDOW=65535 RES=0x00 ACK SYN URGP=0 UID=1000 GID=1000 MARK=0x2a ');
});

test('LOG: an ICMP error shows the quoted packet in brackets; no MAC header gives "MAC= "', () => {
  const net = makeNet();
  const skb = skbOf(net, FIX.icmp4_port_unreach, 'INPUT');
  skb.indev = 'eth0';
  LOG.target!(skb, targetData(LOG, 4, []));
  assert.equal(net.log[0],
    '<4>IN=eth0 OUT= MAC= SRC=198.51.100.9 DST=192.0.2.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=0 PROTO=ICMP TYPE=3 CODE=3 ' +
    '[SRC=192.0.2.2 DST=198.51.100.9 LEN=48 TOS=0x00 PREC=0x00 TTL=64 ID=99 PROTO=UDP SPT=33000 DPT=53 LEN=28 ] ');
});

test('LOG: ICMP echo shows ID and SEQ; a later fragment shows FRAG and no ports', () => {
  const net = makeNet();
  LOG.target!(skbOf(net, FIX.icmp4_echo, 'OUTPUT'), targetData(LOG, 4, []));
  LOG.target!(skbOf(net, FIX.ip4_frag_later, 'OUTPUT'), targetData(LOG, 4, []));
  assert.equal(net.log[0], '<4>IN= OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=36 TOS=0x00 PREC=0x00 TTL=64 ID=48879 PROTO=ICMP TYPE=8 CODE=0 ID=16962 SEQ=7 ');
  assert.match(net.log[1], / FRAG:185 PROTO=UDP $/);
});

test('NFLOG records the group and prefix with the packet and lets it go on', () => {
  const net = makeNet();
  const skb = skbOf(net, FIX.tcp4_syn, 'INPUT');
  skb.indev = 'vb';
  assert.equal(NFLOG.target!(skb, targetData(NFLOG, 4, ['--nflog-group', '3', '--nflog-prefix', 'seen'])), XT_CONTINUE);
  assert.equal(net.log[0], 'NFLOG group=3 prefix="seen" IN=vb OUT= MAC= ' + TCP4 + 'WINDOW=64240 RES=0x00 SYN URGP=0 ');
});
