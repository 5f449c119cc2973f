/**
 * The state directory: rules.v4 / rules.v6 hold iptables-save text with
 * counters. Writes are crash-safe (temporary file, fsync, rename) and
 * invocations are serialised by a lock file, as xtables.lock serialises
 * iptables processes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newRuleset, type Family, type Ruleset } from '../rules/model';
import { loadSaved } from '../rules/restore';
import { saveRuleset } from '../rules/save';

export function defaultStateDir(): string {
  return process.env.NETSIEVE_STATE || path.resolve('.netsieve');
}

export function rulesFile(dir: string, family: Family): string {
  return path.join(dir, family === 4 ? 'rules.v4' : 'rules.v6');
}

export function loadRuleset(dir: string, family: Family): Ruleset {
  const file = rulesFile(dir, family);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return newRuleset(family);
    throw e;
  }
  return loadSaved(family, text);
}

export function writeFileAtomic(file: string, data: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(path.dirname(file), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* directory fsync is best effort */ }
}

export function storeRuleset(dir: string, rs: Ruleset): void {
  writeFileAtomic(rulesFile(dir, rs.family), saveRuleset(rs, { counters: true }));
}

/**
 * Takes DIR/.lock (O_EXCL). A lock left by a dead process is taken over.
 * Waits up to waitSeconds (-w); without waiting, a held lock fails as
 * iptables does without -w.
 */
export function withLock<T>(dir: string, waitSeconds: number | undefined, fn: () => T): T {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + (waitSeconds ?? 0) * 1000;
  // The lock file appears with its owner's pid already in it (written to a
  // private file, then hard-linked into place), so nobody ever reads a
  // half-written lock and mistakes it for a stale one.
  const mine = path.join(dir, `.lock.${process.pid}`);
  fs.writeFileSync(mine, String(process.pid));
  try {
    for (;;) {
      try {
        fs.linkSync(mine, lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (staleLock(lock)) { takeOverStale(lock); continue; }
        if (waitSeconds === undefined || Date.now() >= deadline) throw new LockBusy();
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  } finally {
    fs.rmSync(mine, { force: true });
  }
  try {
    return fn();
  } finally {
    try { fs.unlinkSync(lock); } catch { /* already gone */ }
  }
}

export class LockBusy extends Error {}

/** Moves a dead owner's lock aside; only the process whose rename succeeds removes it. */
function takeOverStale(lock: string): void {
  const aside = `${lock}.stale.${process.pid}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return; // someone else took it over first
  }
  if (staleLock(aside)) fs.rmSync(aside, { force: true });
  else {
    // A live owner slipped in between our check and the rename: put it back.
    try { fs.linkSync(aside, lock); } catch { /* a newer lock exists; ours goes */ }
    fs.rmSync(aside, { force: true });
  }
}

function staleLock(lock: string): boolean {
  try {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' || (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
