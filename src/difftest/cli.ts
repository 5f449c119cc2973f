/**
 * npm run difftest -- [--cases N] [--seed S] [--no-fixed] [--include-known]
 *                     [--save DIR] [--no-shrink] [--quiet] [--only REGEX]
 *                     [--features tcpmss,connmark,chains,hashlimit,reject,nat,output|none]
 *
 * Runs the fixed scenarios, the saved regressions and N random cases from
 * seed S through the kernel (namespaces) and netsieve, shrinks every failing
 * random case and saves it to DIR (default src/difftest/regressions), and
 * prints cases run and mismatches (cases marked `known` are listed apart).
 * Exit status: 0 all equal, 1 a mismatch outside the known ones,
 * 2 bad arguments, 3 the kernel side is unavailable here (the reason is printed).
 */
import * as path from 'node:path';
import type { DiffCase } from './case';
import { formatMismatch } from './compare';
import { generateCase, needsConntrack } from './generator';
import { FEATURES, type Feature } from './features';
import { runCase } from './run';
import { allFixedScenarios } from './fixed';
import { loadRegressions, saveRegression, shrinkCase } from './shrink';
import { difftestUnavailable, Topology } from './topology';

export const REGRESSION_DIR = path.join(__dirname, '..', '..', 'src', 'difftest', 'regressions');

function main(argv: string[]): number {
  let cases = 50, seed = Date.now() % 100000, fixed = true, includeKnown = false, shrink = true, quiet = false;
  let save = REGRESSION_DIR;
  let only: RegExp | undefined;
  let features: false | Feature[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--cases') cases = num();
    else if (a === '--seed') seed = num();
    else if (a === '--no-fixed') fixed = false;
    else if (a === '--include-known') includeKnown = true;
    else if (a === '--no-shrink') shrink = false;
    else if (a === '--quiet') quiet = true;
    else if (a === '--save') save = path.resolve(argv[++i] ?? '.');
    else if (a === '--only') only = new RegExp(argv[++i] ?? '', 'i');
    else if (a === '--features') {
      const list = (argv[++i] ?? '').split(',').filter((f) => f !== '');
      const bad = list.find((f) => !(FEATURES as readonly string[]).includes(f) && f !== 'none');
      if (bad) { process.stderr.write(`difftest: unknown feature ${bad} (${FEATURES.join(', ')}, none)\n`); return 2; }
      features = list.includes('none') ? false : (list as Feature[]);
    }
    else { process.stderr.write(`difftest: unknown argument ${a}\n`); return 2; }
  }
  const why = difftestUnavailable();
  if (why) { process.stdout.write(`difftest skipped: ${why}\n`); return 3; }
  const topo = new Topology();
  let run = 0, failed = 0, known = 0, mismatches = 0;
  const t0 = Date.now();
  try {
    const list: { c: DiffCase; random: boolean }[] = [];
    if (fixed) {
      for (const c of allFixedScenarios()) list.push({ c, random: false });
      for (const c of loadRegressions(save)) list.push({ c, random: false });
    }
    if (only) for (let i = list.length - 1; i >= 0; i--) if (!only.test(list[i].c.name)) list.splice(i, 1);
    for (let i = 0; i < cases; i++) list.push({ c: generateCase(seed, i, { avoidKnown: !includeKnown, features }), random: true });
    for (const { c, random } of list) {
      let r;
      try {
        r = runCase(topo, c);
      } catch (e) {
        run++; failed++;
        process.stdout.write(`ERROR ${c.name}: ${(e as Error).message}\n`);
        continue;
      }
      run++;
      if (!r.mismatches.length) { if (!quiet) process.stdout.write(`ok    ${c.name}\n`); continue; }
      if (c.known) {
        // Already reported: listed, not counted as a new failure.
        known++;
        if (!quiet) process.stdout.write(`known ${c.name}: ${c.known}\n`);
        continue;
      }
      failed++;
      mismatches += r.mismatches.length;
      process.stdout.write(`FAIL  ${c.name}${c.known ? ` (known: ${c.known})` : ''}\n${r.mismatches.map(formatMismatch).join('\n')}\n`);
      if (random && shrink) {
        // The shrunk case must still show the first mismatch's kind, and keep clear of known gaps when the generator did.
        const kind = r.mismatches[0].kind;
        const keep = (x: DiffCase): boolean => includeKnown || needsConntrack([...x.rules, ...(x.rules6 ?? [])]);
        const s = shrinkCase(c, (x) => runCase(topo, x).mismatches.some((m) => m.kind === kind), 80, keep);
        const final = runCase(topo, s.c);
        const file = saveRegression(save, `seed-${seed}-case-${/case (\d+)/.exec(c.name)?.[1] ?? 'x'}${c.rules6 ? '-ipv6' : ''}`, s.c, final.mismatches);
        process.stdout.write(`      shrunk in ${s.runs} runs to ${s.c.packets.length} packets, ${s.c.rules.length} rules, ${s.c.host.length} host lines: ${file}\n`);
        process.stdout.write(`${JSON.stringify(s.c, null, 1)}\n${final.mismatches.map(formatMismatch).join('\n')}\n`);
      }
    }
  } finally {
    topo.close();
  }
  process.stdout.write(`difftest: seed ${seed}, ${run} cases run, ${failed} with mismatches (${mismatches} mismatches), ${known} known differences still there, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`difftest: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
