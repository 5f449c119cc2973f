/**
 * `netsieve test FILE...`: firewall unit tests kept in YAML files. A file
 * names a host (ip/sysctl/listen lines, or an `init:` setup), a ruleset
 * (iptables lines, iptables-save text, or a file) and cases: a packet or a
 * whole exchange described with `netsieve trace`'s options, and what must
 * happen to it. See docs/test.md.
 *
 * Exit status: 0 when every case passes, 1 when a case fails, 2 when a
 * file itself is wrong (reported as FILE:LINE: message) or the command
 * line is. The state directory is not used: each file is its own world.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileError } from './fwtest/source';
import { loadTestFile } from './fwtest/schema';
import { runTestFile, type FileResult } from './fwtest/run';
import { renderJunit, renderTap, renderTerminal } from './fwtest/output';

export interface FwtestIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

export const FWTEST_USAGE = `Usage: netsieve test [--tap] [--junit FILE] [-v] [--color|--no-color] FILE|DIR...
Runs firewall unit tests written in YAML: a host, a ruleset, and packets with
what must happen to them. A directory stands for its *.yaml and *.yml files.

  --tap           TAP version 13 instead of the terminal report
  --junit FILE    also write JUnit XML to FILE (for CI)
  -v, --verbose   say what happened to passing cases too
  --color, --no-color   (default: colour on a terminal, unless NO_COLOR is set)

Exit status: 0 all cases pass, 1 a case fails, 2 a file is wrong (FILE:LINE: message).
See docs/test.md for the file format.
`;

function usageError(io: FwtestIo, msg: string): number {
  io.stderr(`netsieve test: ${msg}\nTry \`netsieve test --help' for more information.\n`);
  return 2;
}

/** The files named, directories expanded to their YAML files in name order. */
function expand(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    let st: fs.Stats | undefined;
    try { st = fs.statSync(a); } catch { st = undefined; }
    if (st?.isDirectory()) {
      out.push(...fs.readdirSync(a).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => path.join(a, n)));
    } else {
      out.push(a);
    }
  }
  return out;
}

/** Reads, checks and runs one file; a mistake in it is the file's result, not an exception. */
export function testFile(file: string): FileResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { file, name: file, error: new FileError(file, 0, `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`), cases: [] };
  }
  try {
    return runTestFile(loadTestFile(file, text));
  } catch (e) {
    if (e instanceof FileError) return { file, name: file, error: e, cases: [] };
    throw e;
  }
}

export async function runFwtest(argv: string[], _stateDir: string, io: FwtestIo): Promise<number> {
  let tap = false, verbose = false;
  let junit: string | undefined;
  let color: boolean | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { io.stdout(FWTEST_USAGE); return 0; }
    else if (a === '--tap') tap = true;
    else if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '--color' || a === '--colour') color = true;
    else if (a === '--no-color' || a === '--no-colour') color = false;
    else if (a === '--junit') {
      junit = argv[++i];
      if (junit === undefined) return usageError(io, 'option --junit requires a file name');
    } else if (a.startsWith('--junit=')) junit = a.slice(8);
    else if (a === '--') files.push(...argv.slice(i + 1)), i = argv.length;
    else if (a.startsWith('-') && a !== '-') return usageError(io, `unknown option \`${a}'`);
    else files.push(a);
  }
  if (files.length === 0) return usageError(io, 'no test file given');
  const list = expand(files);
  if (list.length === 0) return usageError(io, `no *.yaml file in ${files.join(' ')}`);

  const results = list.map(testFile);
  for (const f of results) if (f.error) io.stderr(`${f.error.where}: ${f.error.message}\n`);
  if (tap) io.stdout(renderTap(results));
  else io.stdout(renderTerminal(results, color ?? (io.isTTY && !process.env.NO_COLOR), verbose));
  if (junit !== undefined) {
    try {
      fs.writeFileSync(junit, renderJunit(results));
    } catch (e) {
      io.stderr(`netsieve test: cannot write ${junit}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (results.some((f) => f.error)) return 2;
  return results.some((f) => f.cases.some((c) => !c.ok)) ? 1 : 0;
}
