// Counts the distinct iptables command lines the differential suites run
// (quoted strings in *.test.ts files that start with an option), for the README.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(d, out = []) {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const lines = new Set();
for (const f of walk(new URL('../src', import.meta.url).pathname)) {
  const src = readFileSync(f, 'utf8');
  for (const m of src.matchAll(/'((?:-|! )[^'\n]*)'|`((?:-|! )[^`\n$]*)`/g)) {
    const s = (m[1] ?? m[2]).trim();
    if (/^(-[A-Za-z0-9]|--[a-z]|! -)/.test(s) && s.includes(' ')) lines.add(s);
  }
}
console.log(lines.size);
