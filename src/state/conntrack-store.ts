/**
 * The conntrack table and the engine clock in the state directory:
 * DIR/conntrack.bin (a table snapshot) and DIR/clock.json (the engine's
 * time in ms, which the table's timeouts are measured against).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Conntrack } from '../conntrack/conntrack';
import { loadConntrack, saveConntrack } from '../conntrack/snapshot';
import type { Host } from '../host/model';
import { readSysctl } from '../host/sysctl';
import { writeFileAtomic } from './store';

export class StateClock {
  constructor(public ms: number) {}
  now(): number { return this.ms; }
  wall(): number { return this.ms; }
}

export function loadClock(dir: string): StateClock {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'clock.json'), 'utf8')) as { ms?: unknown };
    return new StateClock(typeof j.ms === 'number' ? j.ms : 0);
  } catch {
    return new StateClock(0);
  }
}

/** A Conntrack configured from the host's sysctls, with the saved table loaded when there is one. */
export function loadConntrackState(dir: string, host: Host, clock: StateClock): Conntrack {
  const ct = new Conntrack({
    clock,
    max: Number(readSysctl(host, 'net.netfilter.nf_conntrack_max') ?? '262144'),
    tcpLoose: readSysctl(host, 'net.netfilter.nf_conntrack_tcp_loose') !== '0',
    tcpBeLiberal: readSysctl(host, 'net.netfilter.nf_conntrack_tcp_be_liberal') === '1',
  });
  const file = path.join(dir, 'conntrack.bin');
  if (fs.existsSync(file)) loadConntrack(ct, fs.readFileSync(file));
  return ct;
}

export function storeConntrackState(dir: string, ct: Conntrack, clock: StateClock): void {
  const file = path.join(dir, 'conntrack.bin');
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, saveConntrack(ct));
  const fd = fs.openSync(tmp, 'r+');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  fs.renameSync(tmp, file);
  writeFileAtomic(path.join(dir, 'clock.json'), JSON.stringify({ ms: clock.ms }) + '\n');
}
