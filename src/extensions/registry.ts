/**
 * The extension registry: every match and target netsieve knows, by name.
 * Adding an extension means writing its file under matches/ or targets/
 * and adding it to the list in that folder's index.ts. A name that is not
 * listed fails as iptables fails for a missing libxt_*.so
 * ("Couldn't load match `foo'").
 */
import type { Family } from '../rules/model';
import { MATCHES } from './matches';
import { TARGETS } from './targets';
import type { MatchExtension, TargetExtension } from './types';

function familyOk(f: 0 | Family, family: Family): boolean {
  return f === 0 || f === family;
}

export function findMatch(name: string, family: Family): MatchExtension | undefined {
  for (const m of MATCHES) {
    if (!familyOk(m.family, family)) continue;
    if (m.name === name || m.aliases?.includes(name)) return m;
  }
  return undefined;
}

export function findTarget(name: string, family: Family): TargetExtension | undefined {
  for (const t of TARGETS) {
    if (!familyOk(t.family, family)) continue;
    if (t.name === name || t.aliases?.includes(name)) return t;
  }
  return undefined;
}

export function allMatches(): readonly MatchExtension[] { return MATCHES; }
export function allTargets(): readonly TargetExtension[] { return TARGETS; }
