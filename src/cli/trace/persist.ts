/**
 * State `netsieve trace` keeps between invocations besides what
 * src/state already stores (rules with counters, conntrack, clock):
 *
 *  - DIR/xt_recent.json: the recent match's lists, as a kernel keeps
 *    /proc/net/xt_recent/NAME for as long as a rule names the list. A list
 *    no rule names any more is gone, as in the kernel (recent_mt_destroy).
 *
 * LOG lines go to DIR/kern.log through src/state/kernlog.ts, in the same
 * form replay writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetContext } from '../../engine/net';
import { IP_LIST_TOT, recentTables } from '../../extensions/matches/recent';
import { writeFileAtomic } from '../../state/store';

interface SavedEntry { slot: number; family: number; addr: string; ttl: number; nstamps: number; index: number; lru: number; stamps: number[]; }
interface SavedTable { stampMask: number; entries: SavedEntry[]; }

const RECENT_FILE = 'xt_recent.json';

export function saveRecent(dir: string, net: NetContext): void {
  const out: Record<string, SavedTable> = {};
  for (const [name, t] of recentTables(net)) {
    const entries: SavedEntry[] = [];
    for (let e = 0; e < IP_LIST_TOT; e++) {
      if (!t.used[e]) continue;
      const w = t.stampMask + 1;
      entries.push({
        slot: e, family: t.family[e], addr: Buffer.from(t.addr.subarray(e * 16, e * 16 + 16)).toString('hex'), ttl: t.ttl[e],
        nstamps: t.nstamps[e], index: t.index[e], lru: t.lru[e], stamps: Array.from(t.stamps.subarray(e * w, e * w + w)),
      });
    }
    out[name] = { stampMask: t.stampMask, entries };
  }
  const file = path.join(dir, RECENT_FILE);
  if (Object.keys(out).length === 0 && !fs.existsSync(file)) return;
  writeFileAtomic(file, JSON.stringify(out) + '\n');
}

/**
 * Loads the saved lists into the engine's (which exist once its ruleset is
 * loaded). LRU order numbers are moved below zero, so that entries the
 * engine touches from now on are newer than all loaded ones.
 */
export function loadRecent(dir: string, net: NetContext): void {
  let saved: Record<string, SavedTable>;
  try {
    saved = JSON.parse(fs.readFileSync(path.join(dir, RECENT_FILE), 'utf8')) as Record<string, SavedTable>;
  } catch {
    return;
  }
  const tables = recentTables(net);
  for (const [name, st] of Object.entries(saved)) {
    const t = tables.get(name);
    if (!t) continue;
    t.growStamps(st.stampMask);
    const maxLru = st.entries.reduce((m, x) => Math.max(m, x.lru), 0);
    const w = t.stampMask + 1;
    for (const x of st.entries) {
      const e = x.slot;
      if (e < 0 || e >= IP_LIST_TOT || t.used[e]) continue;
      t.used[e] = 1;
      t.family[e] = x.family;
      t.addr.set(Buffer.from(x.addr, 'hex').subarray(0, 16), e * 16);
      t.ttl[e] = x.ttl;
      t.nstamps[e] = x.nstamps;
      t.index[e] = x.index;
      t.lru[e] = x.lru - maxLru;
      for (let i = 0; i < Math.min(w, x.stamps.length); i++) t.stamps[e * w + i] = x.stamps[i];
      t.entries++;
    }
  }
}


