/**
 * NetContext: the state of one simulated host (one network namespace):
 * its interfaces, routes and sysctls, the conntrack table, the clock,
 * the random source, the state extensions keep between packets (recent
 * lists, limit buckets, ...), and the sinks where the engine reports
 * what it produced (packets to send, log lines, trace lines).
 *
 * Pure: nothing here does I/O. The caller reads the sinks.
 */
import type { Conntrack } from '../conntrack/conntrack';
import type { Host } from '../host/model';

export interface Clock {
  /** Milliseconds since an arbitrary epoch (the engine never reads the wall clock). */
  now(): number;
  /** Wall-clock time in ms since 1970 for the time match and log stamps. */
  wall(): number;
}

/** A seedable PRNG (xorshift32): statistic --mode random, NAT port choice. */
export class Random {
  private s: number;
  constructor(seed = 0x9e3779b9) { this.s = seed >>> 0 || 1; }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
}

/** A packet the host generated or forwards, leaving on an interface (or delivered locally). */
export interface Emitted {
  /** Out interface, or 'local' for delivery to a local socket. */
  dev: string;
  /** The packet from its IP header (copied out of the engine's buffers). */
  bytes: Uint8Array;
  /** Why it exists: forwarded, local-out, reject, icmp-error, local-stack answer. */
  origin: 'forward' | 'output' | 'reject' | 'icmp' | 'stack' | 'deliver';
}

export interface NetContext {
  host: Host;
  conntrack: Conntrack;
  clock: Clock;
  random: Random;
  /**
   * Per-extension state that lives in the namespace rather than in a rule
   * (xt_recent tables by name, hashlimit tables by name, ...). Each
   * extension owns its key.
   */
  extState: Map<string, unknown>;
  /** Kernel log lines (LOG target), without the syslog prefix. */
  log: string[];
  /** TRACE lines as the kernel prints them. */
  trace: string[];
  /** Packets produced while handling the current input. */
  emitted: Emitted[];
  /**
   * Sends a packet the host itself generates (REJECT's RST or ICMP error,
   * an ICMP error of the stack) through the host's OUTPUT and POSTROUTING
   * hooks, as the kernel does (nf_send_reset, icmp_send). `bytes` starts at
   * the IP header and is copied; the caller may reuse its buffer. `oif`
   * binds it to a device (ndisc answers leave where the question came in).
   */
  output(bytes: Uint8Array, origin: Emitted['origin'], oif?: string): void;
}
