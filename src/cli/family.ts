/**
 * The iptables family of programs (iptables, ip6tables, -save, -restore)
 * on the state directory's files: read the ruleset under the lock, run the
 * command, write the ruleset back when it changed. `input` is
 * iptables-restore's text, already read by the caller.
 */
import type { Family, Ruleset } from '../rules/model';
import { RestoreError } from '../rules/restore';
import { loadRuleset, LockBusy, storeRuleset, withLock } from '../state/store';
import { parseRestoreArgs, runIptables, runRestore, runSave, type ProgResult } from './iptables';

export const FAMILY_PROGS: Record<string, { family: Family; kind: 'iptables' | 'save' | 'restore' }> = {
  iptables: { family: 4, kind: 'iptables' },
  ip6tables: { family: 6, kind: 'iptables' },
  'iptables-save': { family: 4, kind: 'save' },
  'ip6tables-save': { family: 6, kind: 'save' },
  'iptables-restore': { family: 4, kind: 'restore' },
  'ip6tables-restore': { family: 6, kind: 'restore' },
};

/** -w [SECONDS] / --wait[=SECONDS]: how long to wait for the lock (Infinity without a number). */
function waitArg(argv: string[]): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-w' || a === '--wait') {
      const n = argv[i + 1];
      return n !== undefined && /^[0-9]+$/.test(n) ? Number(n) : Infinity;
    }
    const m = /^(?:-w|--wait=)([0-9]+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export interface FamilyResult { code: number; stdout: string; stderr: string; changed: boolean; rs?: Ruleset; }

/**
 * `beforeLoad` runs under the lock before the ruleset is read: a running
 * router writes its live rules (with their counters) there first.
 */
export function runFamilyInProcess(name: string, argv: string[], input: string | undefined, stateDir: string, beforeLoad?: () => void): FamilyResult {
  const spec = FAMILY_PROGS[name];
  try {
    return withLock(stateDir, waitArg(argv), (): FamilyResult => {
      beforeLoad?.();
      const rs = loadRuleset(stateDir, spec.family);
      let r: ProgResult;
      if (spec.kind === 'iptables') r = runIptables(rs, argv);
      else if (spec.kind === 'save') r = runSave(rs, argv);
      else {
        const o = parseRestoreArgs(argv, spec.family);
        if ('error' in o) return { code: o.code, stdout: '', stderr: o.error, changed: false };
        r = runRestore(rs, input ?? '', o);
      }
      const changed = r.code === 0 && r.changed;
      if (changed) storeRuleset(stateDir, r.rs);
      return { code: r.code, stdout: r.stdout, stderr: r.stderr, changed, rs: r.rs };
    });
  } catch (e) {
    if (e instanceof RestoreError) return { code: 1, stdout: '', stderr: `netsieve: the saved ruleset in ${stateDir} cannot be read:\n${e.text}`, changed: false };
    if (e instanceof LockBusy) return { code: 4, stdout: '', stderr: 'Another app is currently holding the xtables lock. Perhaps you want to use the -w option?\n', changed: false };
    throw e;
  }
}
