// Helpers for the conntrack tests: a settable clock and packet builders (test support only).
import * as C from './constants';
import { CtPacket } from './packet';
import { Conntrack, type ConntrackOptions } from './conntrack';

export class FakeClock {
  t = 1_000_000;
  now(): number { return this.t; }
  advance(ms: number): void { this.t += ms; }
}

export function v4(s: string): Uint8Array {
  const b = new Uint8Array(16);
  s.split('.').forEach((x, i) => { b[i] = Number(x); });
  return b;
}

export function mk(opts: Partial<ConntrackOptions> = {}): { ct: Conntrack; clock: FakeClock } {
  const clock = new FakeClock();
  const ct = new Conntrack({ clock, buckets: 1024, ...opts });
  return { ct, clock };
}

export interface TcpSpec { flags: number; seq: number; ack?: number; win?: number; len?: number; wscale?: number; sackPerm?: boolean }

const A = '10.0.0.1', B = '10.0.0.2';

/** A TCP packet between A:1234 and B:80; dir 0 = A->B, 1 = B->A. */
export function tcp(p: CtPacket, dir: number, s: TcpSpec): CtPacket {
  p.reset();
  p.protocol = C.IPPROTO_TCP;
  p.src.set(v4(dir === 0 ? A : B));
  p.dst.set(v4(dir === 0 ? B : A));
  p.sport = dir === 0 ? 1234 : 80;
  p.dport = dir === 0 ? 80 : 1234;
  p.tcpFlags = s.flags;
  p.seq = s.seq >>> 0;
  p.ack = (s.ack ?? 0) >>> 0;
  p.window = s.win ?? 29200;
  p.payloadLen = s.len ?? 0;
  if (s.wscale !== undefined || s.sackPerm) {
    p.tcpOptLen = 20;
    p.wscale = s.wscale ?? -1;
    p.sackPerm = s.sackPerm ?? false;
  }
  return p;
}

/** Runs a packet through in() and, for a packet that goes through, confirm() (as INPUT's end would). */
export function pass(ct: Conntrack, p: CtPacket): number {
  const v = ct.in(p);
  if (v === C.NF_ACCEPT) return ct.confirm(p);
  return v;
}
