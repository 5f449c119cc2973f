/**
 * The engine clock of a running router: the state directory's clock
 * (DIR/clock.json, which conntrack timeouts are measured against) carried on
 * by the monotonic clock, so a table saved by one run, by `trace` or by
 * `replay` keeps ageing correctly in the next. wall() is the real time of
 * day, for the time match and log stamps.
 */
import type { Clock } from '../engine/net';

export class LiveClock implements Clock {
  private readonly base: number;
  private readonly t0: number;

  constructor(stateMs: number, private readonly mono: () => number = () => performance.now(), private readonly realWall: () => number = Date.now) {
    this.base = stateMs;
    this.t0 = mono();
  }

  /** Milliseconds on the state clock (what DIR/clock.json stores). */
  get ms(): number { return this.base + Math.floor(this.mono() - this.t0); }
  set ms(_v: number) { throw new Error('the live clock cannot be set'); }

  now(): number { return this.ms; }
  wall(): number { return this.realWall(); }
}
