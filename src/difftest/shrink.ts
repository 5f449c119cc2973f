/**
 * Shrinking a failing case: drop packets, then rules (IPv4, IPv6), then host lines, one
 * at a time, keeping each removal after which the case still mismatches,
 * until nothing more can go (or the budget of runs is spent). Then the case
 * is saved as JSON for the regression test (difftest.test.ts loads them).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiffCase } from './case';
import type { Mismatch } from './compare';

export function shrinkCase(c: DiffCase, fails: (c: DiffCase) => boolean, budget = 80, keep: (c: DiffCase) => boolean = () => true): { c: DiffCase; runs: number } {
  let cur = c, runs = 0;
  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    for (const field of ['packets', 'rules', 'rules6', 'host'] as const) {
      for (let i = (cur[field] ?? []).length - 1; i >= 0 && runs < budget; i--) {
        if (field === 'packets' && cur.packets.length === 1) break;
        const next = { ...cur, [field]: (cur[field] ?? []).filter((_: unknown, j: number) => j !== i) } as DiffCase;
        if (!keep(next)) continue;
        runs++;
        if (fails(next)) { cur = next; progress = true; }
      }
    }
  }
  return { c: cur, runs };
}

export interface SavedRegression { case: DiffCase; found: string; mismatches: Mismatch[]; }

/** Writes a shrunk case to DIR/NAME.json and returns the path. */
export function saveRegression(dir: string, name: string, c: DiffCase, mismatches: Mismatch[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^a-z0-9-]+/gi, '-')}.json`);
  const body: SavedRegression = { case: { ...c, name }, found: new Date().toISOString(), mismatches };
  fs.writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

export function loadRegressions(dir: string): DiffCase[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => (JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SavedRegression).case);
}
