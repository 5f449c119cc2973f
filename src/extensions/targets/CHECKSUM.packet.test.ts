// CHECKSUM --checksum-fill (xt_CHECKSUM.c checksum_tg): fills the checksum of locally generated packets only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XT_CONTINUE } from '../../engine/verdict';
import { FIX, hex } from '../../wire/fixtures';
import { CHECKSUM } from './CHECKSUM';
import { makeNet, skbOf, targetData } from './target-testkit';

// Not ip6_exthdrs_udp: it carries a routing header, whose final destination the pseudo header uses
// (the stack sets that part up front); PacketView.setL4Checksum sums the IPv6 destination field.
for (const name of ['tcp4_syn', 'udp4_ra', 'tcp6_synack'] as const) {
  test(`CHECKSUM fills a zeroed transport checksum of a local ${name}, leaves a forwarded one`, () => {
    const p = hex(FIX[name]);
    const probe = skbOf(makeNet(), p, 'POSTROUTING', 'mangle');
    const co = probe.view.l4CheckOffset();
    const want = [p[co], p[co + 1]];
    p[co] = 0; p[co + 1] = 0;
    const d = targetData(CHECKSUM, probe.view.family as 4 | 6, ['--checksum-fill']);
    const fwd = skbOf(makeNet(), p, 'POSTROUTING', 'mangle');
    assert.equal(CHECKSUM.target!(fwd, d), XT_CONTINUE);
    assert.deepEqual([fwd.view.buf[co], fwd.view.buf[co + 1]], [0, 0]);
    const local = skbOf(makeNet(), p, 'POSTROUTING', 'mangle');
    local.local = true;
    CHECKSUM.target!(local, d);
    assert.deepEqual([local.view.buf[co], local.view.buf[co + 1]], want);
  });
}
