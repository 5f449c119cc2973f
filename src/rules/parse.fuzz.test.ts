/**
 * Property tests for the rule parser and iptables-restore: random and
 * mutated inputs never crash or hang, errors come out in iptables' forms,
 * a failed command changes nothing, and the saved form of whatever was
 * accepted restores to itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRestoreArgs, runIptables, runRestore, runSave } from '../cli/iptables';
import { allMatches, allTargets } from '../extensions/registry';
import { newRuleset, type Family, type Ruleset } from './model';
import { loadSaved } from './restore';

const WORDS = [
  '-A', '-I', '-D', '-R', '-C', '-L', '-S', '-F', '-Z', '-N', '-X', '-E', '-P', '-t', '-j', '-g', '-m', '-p', '-s', '-d', '-i', '-o',
  '-f', '-n', '-v', '-x', '-c', '-w', '--line-numbers', '!', 'INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING', 'X', 'ACCEPT',
  'DROP', 'RETURN', 'nat', 'filter', 'mangle', 'raw', 'security', 'tcp', 'udp', 'icmp', 'all', '1', '0', '65536', '1.2.3.4', '10.0.0.0/8',
  '::1', 'fe80::/10', 'eth0', 'eth+', '--dport', '--sport', '--syn', '--tcp-flags', 'SYN,ACK', 'ALL', 'NONE', '22', '1:2', 'ssh', '',
  '--comment', '"x y"', '--state', 'NEW,ESTABLISHED', '--ctstate', '--to-destination', '--reject-with', 'tcp-reset', '--log-prefix',
];

function vocabulary(): string[] {
  const w = [...WORDS];
  for (const m of allMatches()) { w.push(m.name); for (const o of m.options) w.push(`--${o.name}`); }
  for (const t of allTargets()) { w.push(t.name); for (const o of t.options) w.push(`--${o.name}`); }
  return w;
}

const ERROR_FORMS = [/^(ip6?tables) v1\.8\.9 \(legacy\): /, /^Bad argument `/, /^ip6?tables: /, /^Try `ip6?tables -h'/, /^Ignoring deprecated/];

function checkResult(before: Ruleset, r: { code: number; stdout: string; stderr: string; rs: Ruleset }): void {
  if (r.code !== 0) {
    assert.ok(ERROR_FORMS.some((re) => re.test(r.stderr)), `unexpected error form: ${JSON.stringify(r.stderr)}`);
    assert.equal(r.rs, before, 'a failed command must not change the ruleset');
  }
}

function saveText(rs: Ruleset): string {
  return runSave(rs, ['-c']).stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

for (const family of [4, 6] as Family[]) {
  test(`random iptables command lines never crash (IPv${family})`, () => {
    const vocab = vocabulary();
    const word = fc.oneof(fc.constantFrom(...vocab), fc.string({ maxLength: 12 }));
    let rs = newRuleset(family);
    rs = runIptables(rs, ['-N', 'X']).rs;
    let accepted = 0;
    // Half the cases start from a valid "-A chain" prefix so that accepted rules are common too.
    const prefix = fc.constantFrom([], ['-A', 'INPUT'], ['-A', 'X'], ['-t', 'nat', '-A', 'PREROUTING'], ['-I', 'OUTPUT']);
    fc.assert(fc.property(prefix, fc.array(word, { maxLength: 10 }), (pre, rest) => {
      const argv = [...pre, ...rest];
      const r = runIptables(rs, argv);
      checkResult(rs, r);
      if (r.code === 0) {
        accepted++;
        // The canonical saved form of an accepted ruleset restores to itself.
        const text = saveText(r.rs);
        const back = loadSaved(family, text);
        assert.equal(saveText(back), text);
      }
    }), { numRuns: 3000, seed: 20261123 });
    assert.ok(accepted > 100, `only ${accepted} random commands were accepted: the round-trip property was barely exercised`);
  });

  test(`mutated iptables-restore files never crash and fail atomically (IPv${family})`, () => {
    const base = [
      '*filter', ':INPUT DROP [1:2]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':TCP - [0:0]',
      '-A INPUT -p tcp --syn -j TCP', '-A TCP -p tcp --dport 22 -j ACCEPT', '-A INPUT -i lo -j ACCEPT', 'COMMIT',
      '*nat', ':PREROUTING ACCEPT [0:0]', '-A PREROUTING -j ACCEPT', 'COMMIT',
    ];
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('del' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('dup' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('char' as const), at: fc.nat(), pos: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 1 }) }),
      fc.record({ kind: fc.constant('line' as const), at: fc.nat(), text: fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }).map((w) => w.join(' ')) }),
    );
    let start = newRuleset(family);
    start = runIptables(start, ['-A', 'OUTPUT', '-j', 'ACCEPT']).rs;
    fc.assert(fc.property(fc.array(mutation, { maxLength: 6 }), fc.boolean(), (muts, noflush) => {
      const lines = [...base];
      for (const m of muts) {
        const at = lines.length ? m.at % lines.length : 0;
        if (m.kind === 'del') lines.splice(at, 1);
        else if (m.kind === 'dup') lines.splice(at, 0, lines[at] ?? '');
        else if (m.kind === 'line') lines.splice(at, 0, m.text);
        else if (lines[at] !== undefined) { const l = lines[at]; const p = m.pos % (l.length + 1); lines[at] = l.slice(0, p) + m.ch + l.slice(p + 1); }
      }
      const o = parseRestoreArgs(noflush ? ['-n', '-c'] : ['-c'], family);
      assert.ok(!('error' in o));
      const r = runRestore(start, lines.join('\n') + '\n', o);
      if (r.code !== 0) {
        assert.equal(r.rs, start);
        assert.match(r.stderr, /^(ip6?tables-restore(: | v1\.8\.9 \(legacy\): )|Bad argument)/);
      }
    }), { numRuns: 2000, seed: 7 });
  });
}
