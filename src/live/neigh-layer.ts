/**
 * The Ethernet link layer of `netsieve run`: src/link's EthLink over the
 * neighbour table of src/host/neigh, with `ip neigh` on the live table and
 * the table kept in DIR/neigh.json between runs (neighFromJson settles
 * entries that were mid-resolution).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../engine/engine';
import type { Host } from '../host/model';
import { NeighTable } from '../host/neigh';
import { neighFromJson, neighToJson, runIpNeigh } from '../host/neigh-cmd';
import { EthLink } from '../link/ethlink';
import { writeFileAtomic } from '../state/store';
import type { NeighLayer } from './session';

export const NEIGH_FILE = 'neigh.json';

/** The saved neighbour table of a state directory (empty when there is none). */
export function loadNeigh(dir: string, host: Host, now: number, random?: () => number): NeighTable {
  let j: unknown;
  try {
    j = JSON.parse(fs.readFileSync(path.join(dir, NEIGH_FILE), 'utf8'));
  } catch {
    return new NeighTable({ now, random });
  }
  return neighFromJson(j, host, now, { random });
}

export function storeNeigh(dir: string, t: NeighTable, host: Host, now: number): void {
  writeFileAtomic(path.join(dir, NEIGH_FILE), JSON.stringify(neighToJson(t, host, now)) + '\n');
}

export function makeNeighLayer(dir: string, engine: Engine, out: (dev: string, frame: Uint8Array, off: number, len: number) => void, l3Devs: Set<string>): NeighLayer {
  const clock = engine.net.clock;
  const neigh = loadNeigh(dir, engine.host, clock.now(), () => engine.net.random.u32());
  const link = new EthLink({ engine, host: engine.host, neigh, out, l3Devs });
  return {
    link,
    command: (argv) => runIpNeigh(argv, neigh, engine.host, clock.now()),
    save: (d) => storeNeigh(d, neigh, engine.host, clock.now()),
  };
}
