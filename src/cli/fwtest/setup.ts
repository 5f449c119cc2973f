/**
 * The host and rulesets of a test file, built in memory through the same
 * front doors as the commands (initPlan/buildInitState for `init:`, runIp,
 * runSysctl, runListen, runIptables, runRestore), so that a line means in a
 * test file what it means typed. A refused line is the file's mistake: its
 * message comes back as FILE:LINE with the program's own words.
 */
import type { Host } from '../../host/model';
import { newHost } from '../../host/model';
import { newRuleset, type Family, type Ruleset } from '../../rules/model';
import { buildInitState, commandLine, InitCommandFailed, initPlan, parseInitArgs } from '../init';
import { runIp, runListen, runSysctl } from '../host-commands';
import { runIptables, runRestore } from '../iptables';
import { FileError } from './source';
import type { Cmd, TestFile } from './schema';

export interface Setup { host: Host; rules4: Ruleset; rules6: Ruleset; }

const firstLine = (s: string): string => s.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Try `'))[0] ?? '';

function fail(c: Cmd, code: number, stderr: string): FileError {
  return new FileError(c.file, c.line, `${c.words.join(' ')}: ${firstLine(stderr) || `exit status ${code}`}`);
}

export function buildSetup(t: TestFile): Setup {
  let host = newHost();
  const rs: Record<Family, Ruleset> = { 4: newRuleset(4), 6: newRuleset(6) };
  if (t.init) {
    const c = t.init;
    try {
      const built = buildInitState(initPlan(parseInitArgs(c.words).opts));
      host = built.host;
      rs[4] = built.rules4;
    } catch (e) {
      if (e instanceof InitCommandFailed) throw new FileError(c.file, c.line, `init: ${commandLine(e.command)}: ${firstLine(e.stderr)}`);
      if (e instanceof Error) throw new FileError(c.file, c.line, `init: ${e.message}`);
      throw e;
    }
  }
  for (const c of t.host) {
    const [prog, ...args] = c.words;
    const r = prog === 'ip' ? runIp(args, host) : prog === 'sysctl' ? runSysctl(args, host) : runListen(args, host);
    if (r.code !== 0) throw fail(c, r.code, r.stderr);
    host = r.host;
  }
  for (const s of t.rules) {
    if (s.kind === 'script') {
      for (const c of s.cmds) {
        const fam: Family = c.words[0] === 'ip6tables' ? 6 : 4;
        const r = runIptables(rs[fam], c.words.slice(1));
        if (r.code !== 0) throw fail(c, r.code, r.stderr);
        rs[fam] = r.rs;
      }
    } else {
      const r = runRestore(rs[s.family], s.text, { counters: false, noflush: false, test: false, verbose: false });
      if (r.code !== 0) {
        // iptables-restore names the input line ("line 7 failed"): point at it in the file.
        const m = /(?:line ([0-9]+) failed|at line:? ([0-9]+))/.exec(r.stderr);
        const n = m ? Number(m[1] ?? m[2]) : 0;
        const line = n > 0 ? s.lines[Math.min(n, s.lines.length) - 1] : s.lines[0];
        const prog = s.family === 4 ? 'iptables-restore' : 'ip6tables-restore';
        const msg = firstLine(r.stderr).replace(/^ip6?tables-restore(?: v[0-9.]+ \(legacy\))?: /, '');
        throw new FileError(s.file, line, `${prog}: ${msg}`);
      }
      rs[s.family] = r.rs;
    }
  }
  return { host, rules4: rs[4], rules6: rs[6] };
}
