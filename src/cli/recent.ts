/**
 * `netsieve recent`: the /proc/net/xt_recent view of the state dir's recent
 * lists, and its controls, as people use the files on Linux:
 *
 *   netsieve recent                  ls /proc/net/xt_recent
 *   netsieve recent NAME             cat /proc/net/xt_recent/NAME
 *   netsieve recent NAME +1.2.3.4    echo +1.2.3.4 > /proc/net/xt_recent/NAME   (add)
 *   netsieve recent NAME -1.2.3.4    echo -1.2.3.4 > ...                          (remove)
 *   netsieve recent NAME /           echo / > ...                                 (flush)
 *
 * A list exists while a rule names it (xt_recent creates it at checkentry).
 */
import { Engine } from '../engine/engine';
import type { NetContext } from '../engine/net';
import { recentProcRead, recentProcWrite, recentTables } from '../extensions/matches/recent';
import { loadHost } from '../host/store';
import { loadClock, StateClock } from '../state/conntrack-store';
import { loadRuleset, withLock, LockBusy } from '../state/store';
import { loadRecent, saveRecent } from './trace/persist';

export interface RecentIo { stdout: (s: string) => void; stderr: (s: string) => void; isTTY: boolean; }

export async function runRecent(argv: string[], dir: string, io: RecentIo): Promise<number> {
  if (argv.length > 2 || (argv[0] ?? '').startsWith('-')) {
    io.stderr('usage: netsieve recent [NAME [+ADDR|-ADDR|/]]\n');
    return 2;
  }
  try {
    return withLock(dir, 5, () => {
      const clock: StateClock = loadClock(dir);
      const engine = new Engine({ host: loadHost(dir), rules4: loadRuleset(dir, 4), rules6: loadRuleset(dir, 6), clock });
      loadRecent(dir, engine.net);
      const r = recentCommand(argv, engine.net, io);
      if (r.changed) saveRecent(dir, engine.net);
      return r.code;
    });
  } catch (e) {
    if (e instanceof LockBusy) {
      io.stderr('netsieve: the state directory is locked by another netsieve process\n');
      return 4;
    }
    throw e;
  }
}

/** The /proc/net/xt_recent reads and writes on a host's live lists (shared by `netsieve run`). */
export function recentCommand(argv: string[], net: NetContext, io: RecentIo): { code: number; changed: boolean } {
  const [name, control] = argv;
  if (name === undefined) {
    for (const n of [...recentTables(net).keys()].sort()) io.stdout(`${n}\n`);
    return { code: 0, changed: false };
  }
  if (control === undefined) {
    const text = recentProcRead(net, name);
    if (text === undefined) {
      io.stderr(`cat: /proc/net/xt_recent/${name}: No such file or directory\n`);
      return { code: 1, changed: false };
    }
    io.stdout(text);
    return { code: 0, changed: false };
  }
  const r = recentProcWrite(net, name, control);
  if (r === 'ENOENT') {
    io.stderr(`/proc/net/xt_recent/${name}: No such file or directory\n`);
    return { code: 1, changed: false };
  }
  if (r === 'EINVAL') {
    io.stderr(`echo: write error: Invalid argument\n`);
    return { code: 1, changed: false };
  }
  return { code: 0, changed: true };
}
