/**
 * node:test glue for differential suites: skips (with the reason) where
 * the kernel oracle is missing, fails with a readable diff otherwise.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Family } from '../rules/model';
import { describeMismatches, diffLines, type Step } from './difftest';
import { kernelUnavailable, withKernel } from './kernel';

/** Lines may be grouped: each group runs on empty rulesets; listings compared after each group. */
export function assertSameAsKernel(t: TestContext, family: Family, groups: Step[][], opts: { listTables?: readonly string[] } = {}): void {
  const why = kernelUnavailable();
  if (why) {
    if (process.env.CI) assert.fail(`kernel oracle unavailable in CI: ${why}`);
    t.skip(`kernel oracle unavailable: ${why}`);
    return;
  }
  withKernel('t', (k) => {
    const all: string[] = [];
    for (const g of groups) {
      const { mismatches } = diffLines(k, family, g, opts);
      if (mismatches.length) all.push(describeMismatches(mismatches));
    }
    assert.equal(all.length, 0, `netsieve differs from iptables-legacy:\n${all.join('\n')}`);
  });
}
