/** tcpmss match packet function (xt_tcpmss.c tcpmss_mt). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, skbOf } from './packet-testkit';

const net = makeNet();

test('MSS option value in range; no option gives the inversion flag', () => {
  const s = skbOf(pkt4('tcp', { options: Uint8Array.from([1, 1, 2, 4, 0x05, 0xb4, 0, 0]) }), net);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'tcpmss', '--mss', '1460'], s)[0], true);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'tcpmss', '--mss', '1000:1400'], s)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'tcpmss', '!', '--mss', '1000:1400'], s)[0], true);
  const bare = skbOf(pkt4('tcp'), net);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'tcpmss', '--mss', '1460'], bare)[0], false);
  assert.equal(check(4, ['-p', 'tcp', '-m', 'tcpmss', '!', '--mss', '1460'], bare)[0], true);
});
