/**
 * The neighbour table's state machine against net/core/neighbour.c:
 * timers, probes, the resolution queue, __neigh_update's override rules
 * and garbage collection. Times in ms; randomness pinned so that
 * reachable_time is exactly base_reachable_time (0x80000000 -> 1.0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NEIGH_UPDATE_F_OVERRIDE, NEIGH_UPDATE_F_WEAK_OVERRIDE, NeighTable, type NeighEntry, type NeighSink,
  NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE, SKB_TRUESIZE_OVERHEAD,
} from './neigh';

const A = Uint8Array.from([10, 0, 0, 2]);
const MAC = Uint8Array.from([2, 0, 0, 0, 0, 2]);
const MAC2 = Uint8Array.from([2, 0, 0, 0, 0, 3]);

function table(params: ConstructorParameters<typeof NeighTable>[0] = {}): { t: NeighTable; log: string[]; sent: Uint8Array[]; lost: Uint8Array[] } {
  const t = new NeighTable({ random: () => 0x80000000, now: 0, ...params });
  const log: string[] = [], sent: Uint8Array[] = [], lost: Uint8Array[] = [];
  const sink: NeighSink = {
    solicit: (_e: NeighEntry, unicast) => log.push(unicast ? 'ucast' : 'bcast'),
    transmit: (_e, p) => sent.push(p),
    unreachable: (_e, p) => lost.push(p),
  };
  t.sink = sink;
  return { t, log, sent, lost };
}

test('neigh: reachable_time is base_reachable_time scaled by [0.5, 1.5) from the random source', () => {
  assert.equal(new NeighTable({ random: () => 0 }).reachableTime, 15_000);
  assert.equal(new NeighTable({ random: () => 0x80000000 }).reachableTime, 30_000);
  assert.equal(new NeighTable({ random: () => 0xffffffff }).reachableTime, 44_999);
});

test('neigh: unresolved output queues a copy and solicits at once, then every retrans_time; FAILED after 3, queue reported', () => {
  const { t, log, lost } = table();
  const e = t.create(2, 4, A, 0, 0)!;
  const pkt = Uint8Array.from([0x45, 1, 2, 3]);
  assert.equal(t.output(e, pkt, 0, 4, 0), false);
  pkt[1] = 99;
  assert.equal(e.state, NUD_INCOMPLETE);
  assert.deepEqual(log, ['bcast']);
  t.tick(999);
  assert.deepEqual(log, ['bcast']);
  t.tick(1000);
  t.tick(2000);
  assert.deepEqual(log, ['bcast', 'bcast', 'bcast']);
  t.tick(3000);
  assert.equal(e.state, NUD_FAILED);
  assert.equal(log.length, 3);
  assert.equal(lost.length, 1);
  assert.deepEqual([...lost[0]], [0x45, 1, 2, 3], 'the queued copy, not the caller buffer');
  // A FAILED entry starts over on the next packet.
  t.output(e, pkt, 0, 4, 5000);
  assert.equal(e.state, NUD_INCOMPLETE);
  assert.equal(log.length, 4);
});

test('neigh: the resolution queue keeps unres_qlen_bytes, dropping the oldest', () => {
  const { t, sent } = table({ params: { unresQlenBytes: 3 * (100 + SKB_TRUESIZE_OVERHEAD) } });
  const e = t.create(2, 4, A, 0, 0)!;
  for (let i = 0; i < 5; i++) t.output(e, new Uint8Array(100).fill(i), 0, 100, 0);
  assert.equal(e.queue.length, 3);
  assert.equal(t.update(e, MAC, 0, NUD_REACHABLE, NEIGH_UPDATE_F_OVERRIDE, 10), null);
  assert.deepEqual(sent.map((p) => p[0]), [2, 3, 4]);
  assert.equal(e.queue.length, 0);
});

test('neigh: REACHABLE ages to STALE unused, or DELAY -> PROBE (unicast probes) -> FAILED when in use', () => {
  const { t, log } = table();
  const e = t.create(2, 4, A, 0, 0)!;
  t.update(e, MAC, 0, NUD_REACHABLE, NEIGH_UPDATE_F_OVERRIDE, 0);
  t.tick(30_000);
  assert.equal(e.state, NUD_REACHABLE);
  t.tick(30_001);
  assert.equal(e.state, NUD_REACHABLE, 'the timer re-arms at least HZ/100 later');
  t.tick(30_010);
  assert.equal(e.state, NUD_STALE);
  // In use: STALE -> DELAY on output, sent at once.
  assert.equal(t.output(e, new Uint8Array(1), 0, 1, 40_000), true);
  assert.equal(e.state, NUD_DELAY);
  t.tick(45_000);
  assert.equal(e.state, NUD_PROBE);
  assert.deepEqual(log, ['ucast']);
  assert.equal(t.output(e, new Uint8Array(1), 0, 1, 45_500), true, 'PROBE still sends');
  t.tick(46_000); t.tick(47_000);
  assert.deepEqual(log, ['ucast', 'ucast', 'ucast']);
  t.tick(48_000);
  assert.equal(e.state, NUD_FAILED);
});

test('neigh: a confirmation during DELAY goes back to REACHABLE', () => {
  const { t, log } = table();
  const e = t.create(2, 4, A, 0, 0)!;
  t.update(e, MAC, 0, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 0);
  t.output(e, new Uint8Array(1), 0, 1, 100);
  assert.equal(e.state, NUD_DELAY);
  t.update(e, MAC, 0, NUD_REACHABLE, 0, 2000);
  assert.equal(e.state, NUD_REACHABLE);
  t.tick(5100);
  assert.equal(e.state, NUD_REACHABLE);
  assert.equal(log.length, 0);
});

test('neigh: __neigh_update override rules', () => {
  const { t } = table();
  const e = t.create(2, 6, new Uint8Array(16).fill(1), 0, 0)!;
  assert.equal(t.update(e, null, 0, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 0), 'No link layer address given');
  t.update(e, MAC, 0, NUD_REACHABLE, NEIGH_UPDATE_F_OVERRIDE, 0);
  // A different address without OVERRIDE is ignored; with WEAK_OVERRIDE a connected entry only goes STALE.
  t.update(e, MAC2, 0, NUD_REACHABLE, 0, 10);
  assert.deepEqual([...e.lladdr], [...MAC]);
  assert.equal(e.state, NUD_REACHABLE);
  t.update(e, MAC2, 0, NUD_REACHABLE, NEIGH_UPDATE_F_WEAK_OVERRIDE, 20);
  assert.deepEqual([...e.lladdr], [...MAC]);
  assert.equal(e.state, NUD_STALE);
  // The same address as STALE leaves the state alone (not ADMIN).
  t.update(e, MAC, 0, NUD_REACHABLE, 0, 30);
  t.update(e, MAC, 0, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 40);
  assert.equal(e.state, NUD_REACHABLE);
  t.update(e, MAC2, 0, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 50);
  assert.deepEqual([...e.lladdr], [...MAC2]);
  assert.equal(e.state, NUD_STALE);
  // PERMANENT only changes by administration.
  const p = t.create(2, 4, A, 0, 0)!;
  p.state = NUD_PERMANENT; p.hasLladdr = true;
  t.update(p, MAC2, 0, NUD_REACHABLE, NEIGH_UPDATE_F_OVERRIDE, 60);
  assert.equal(p.state, NUD_PERMANENT);
});

test('neigh: lookup is keyed by interface, family and address', () => {
  const { t } = table();
  const a = t.create(2, 4, A, 0, 0)!;
  const b = t.create(3, 4, A, 0, 0)!;
  assert.notEqual(a, b);
  assert.equal(t.lookup(2, 4, A), a);
  assert.equal(t.lookup(3, 4, Uint8Array.from([9, 10, 0, 0, 2]), 1), b);
  assert.equal(t.lookup(2, 6, new Uint8Array(16)), null);
  t.remove(a);
  assert.equal(t.lookup(2, 4, A), null);
  assert.equal(t.lookup(3, 4, A), b);
});

test('neigh: periodic gc only above gc_thresh1 drops FAILED and stale unused entries', () => {
  const { t } = table({ params: { gcThresh1: 3 } });
  const mk = (i: number): NeighEntry => t.create(2, 4, Uint8Array.from([10, 0, 1, i]), 0, 0)!;
  const a = mk(1), b = mk(2);
  a.state = NUD_FAILED;
  t.update(b, MAC, 0, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 0);
  t.tick(100_000);
  assert.equal(t.size, 2, 'below gc_thresh1: kept');
  const c = mk(3);
  t.update(c, MAC, 0, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 0);
  c.used = 99_000;
  t.tick(115_000);
  assert.deepEqual(t.entries().map((e) => e.addr[3]), [3]);
});

test('neigh: entries and queued packets are copies even when taken from a reused Buffer (whose slice() is a view)', () => {
  const { t } = table();
  // A receive buffer as the live router has it: a Node Buffer reused for every batch.
  const rx = Buffer.from([9, 9, 10, 0, 0, 2, 0x45, 0, 0, 20]);
  const e = t.create(1, 4, rx, 2, 0)!;
  assert.ok(t.output(e, rx, 6, 4, 0) === false);
  rx.fill(0);
  assert.deepEqual(Array.from(e.addr), [10, 0, 0, 2]);
  assert.deepEqual(Array.from(e.queue[0]), [0x45, 0, 0, 20]);
  assert.equal(t.lookup(1, 4, A), e);
});
