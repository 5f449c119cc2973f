/** One case through both sides, compared. */
import type { DiffCase } from './case';
import { compareRuns, type Mismatch } from './compare';
import { runKernel, runNetsieve, type KernelRun, type RunOptions, type SideRun } from './sides';
import { withTopology, type Topology } from './topology';

export interface CaseResult {
  name: string;
  mismatches: Mismatch[];
  kernel: KernelRun;
  netsieve: SideRun;
  /** Frames the peers saw before the first packet (not compared; should be none). */
  stray: number;
}

export interface CaseOptions extends RunOptions {
  /**
   * Gives netsieve a different case than the kernel (only to test that the
   * harness notices: a deliberately altered ruleset must be reported).
   */
  alterNetsieve?: (c: DiffCase) => DiffCase;
  seed?: number;
  /** Set internally: the topology was made for this case. */
  fresh?: boolean;
}

/**
 * Route errors (ip_error in net/ipv4/route.c) are rate limited per source
 * host with a token bucket kept in the namespace's inetpeer cache, which no
 * flush resets and no per-namespace sysctl turns off: cases with
 * unreachable/prohibit routes get a router of their own.
 */
export function needsFreshRouter(c: DiffCase): boolean {
  return c.host.some((l) => /\broute\b.*\b(unreachable|prohibit)\b/.test(l));
}

export function runCase(topo: Topology, c: DiffCase, o: CaseOptions = {}): CaseResult {
  if (needsFreshRouter(c) && !o.fresh) return withTopology((t) => runCase(t, c, { ...o, fresh: true }));
  const kernel = runKernel(topo, c, o);
  const nc = o.alterNetsieve ? o.alterNetsieve(c) : c;
  const sentMs = kernel.inject.sent.map((s) => s * 1000);
  const netsieve = runNetsieve(nc, sentMs, kernel.listAtMs, o.seed);
  return { name: c.name, mismatches: compareRuns(c, kernel, netsieve), kernel, netsieve, stray: kernel.inject.stray.length };
}
