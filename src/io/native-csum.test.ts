/**
 * The addon's completeCsum against the TypeScript completeChecksum it
 * stands in for: random packets, odd lengths, odd and even offsets, and
 * the 0 -> 0xffff rule. Needs only the built addon (no root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadNativeIo } from './native';
import { completeChecksum } from './offload';

test('native completeCsum gives the same bytes as offload.completeChecksum', (t) => {
  const n = loadNativeIo();
  if (!n.ok) {
    if (process.env.CI === 'true') assert.fail(`the native addon must be built under CI: ${n.reason}`);
    t.skip(n.reason);
    return;
  }
  const io = n.io;
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 24, maxLength: 70000 }), fc.nat(7), fc.nat(19),
    (data, pad, start) => {
      const a = Buffer.alloc(pad + data.length);
      a.set(data, pad);
      const b = Buffer.from(a);
      const okA = io.completeCsum(a, pad, data.length, start, 2);
      const okB = completeChecksum(b, pad, data.length, start, 2);
      assert.equal(okA, okB);
      assert.deepEqual(a, b);
    },
  ), { seed: 7, numRuns: 300 });
  // A sum of 0xffff complements to 0, which is stored as 0xffff (CSUM_MANGLED_0).
  const z = Buffer.from([0, 0, 0xff, 0xff]);
  assert.equal(io.completeCsum(z, 0, 4, 0, 0), true);
  assert.deepEqual([...z.subarray(0, 2)], [0xff, 0xff]);
  // Offsets outside the packet are refused, and nothing is written.
  const r = Buffer.alloc(10, 1);
  assert.equal(io.completeCsum(r, 0, 10, 9, 0), false);
  assert.deepEqual([...r], new Array(10).fill(1));
});
