/** The generator's deterministic random source (one per seed and case index). */
import { Random } from '../engine/net';

export class Rng {
  private readonly r: Random;
  constructor(seed: number) { this.r = new Random(seed * 2654435761 + 12345); }
  int(n: number): number { return this.r.u32() % n; }
  chance(p: number): boolean { return this.r.u32() / 0x100000000 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}
