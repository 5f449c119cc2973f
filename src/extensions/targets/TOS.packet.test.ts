// TOS and DSCP packet functions (xt_DSCP.c tos_tg / dscp_tg, include/net/dsfield.h).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XT_CONTINUE } from '../../engine/verdict';
import { FIX, hex } from '../../wire/fixtures';
import { checksum } from '../../wire/checksum';
import { TOS } from './TOS';
import { DSCP } from './DSCP';
import { makeNet, skbOf, targetData } from './target-testkit';

// tcp4_syn has TOS 0x10.
const V4: [string[], number][] = [
  [['--set-tos', '0x08'], 0x08], [['--set-tos', '0x04/0x0c'], 0x14], [['--and-tos', '0x0f'], 0x00],
  [['--or-tos', '0x03'], 0x13], [['--xor-tos', '0x11'], 0x01], [['--set-tos', 'Minimize-Cost'], 0x02],
];
for (const [args, tos] of V4) {
  test(`TOS ${args.join(' ')} on TOS 0x10 gives 0x${tos.toString(16)}`, () => {
    const skb = skbOf(makeNet(), FIX.tcp4_syn, 'PREROUTING', 'mangle');
    assert.equal(TOS.target!(skb, targetData(TOS, 4, args)), XT_CONTINUE);
    assert.equal(skb.view.buf[1], tos);
    assert.equal(skb.view.tos, tos);
    assert.ok(skb.view.ipv4ChecksumOk());
  });
}

test('TOS on IPv6 rewrites the traffic class and keeps version and flow label', () => {
  const skb = skbOf(makeNet(), FIX.tcp6_synack, 'PREROUTING', 'mangle');
  const b = skb.view.buf;
  const flow = ((b[1] & 0x0f) << 16) | (b[2] << 8) | b[3];
  TOS.target!(skb, targetData(TOS, 6, ['--set-tos', '0xb8']));
  assert.equal(b[0] >> 4, 6);
  assert.equal(((b[0] & 0x0f) << 4) | (b[1] >> 4), 0xb8);
  assert.equal(((b[1] & 0x0f) << 16) | (b[2] << 8) | b[3], flow);
});

test('DSCP --set-dscp-class EF keeps the ECN bits', () => {
  const p = hex(FIX.tcp4_syn);
  p[1] = 0x13; // DSCP 4, ECN 3
  p[10] = 0; p[11] = 0;
  const c = checksum(p, 0, 20);
  p[10] = c >> 8; p[11] = c & 0xff;
  const skb = skbOf(makeNet(), p, 'PREROUTING', 'mangle');
  DSCP.target!(skb, targetData(DSCP, 4, ['--set-dscp-class', 'EF']));
  assert.equal(skb.view.buf[1], (0x2e << 2) | 3);
  assert.ok(skb.view.ipv4ChecksumOk());
});

test('the kernel checksum arithmetic of ipv4_change_dsfield keeps every header valid', () => {
  // Every TOS value against a spread of header checksums (ID varied): the result must verify.
  const p = hex(FIX.tcp4_syn);
  for (let id = 0; id < 0x10000; id += 257) {
    for (const tos of [0, 0x01, 0x10, 0xfc, 0xff]) {
      p[4] = id >> 8; p[5] = id & 0xff; p[1] = 0x10; p[10] = 0; p[11] = 0;
      const c = checksum(p, 0, 20);
      p[10] = c >> 8; p[11] = c & 0xff;
      const skb = skbOf(makeNet(), p, 'PREROUTING', 'mangle');
      TOS.target!(skb, targetData(TOS, 4, ['--set-tos', `0x${tos.toString(16)}/0xff`]));
      assert.ok(skb.view.ipv4ChecksumOk(), `id ${id} tos ${tos}`);
    }
  }
});
