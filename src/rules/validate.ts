/**
 * The kernel's table checks at commit time (net/netfilter/x_tables.c,
 * net/ipv4/netfilter/ip_tables.c translate_table / mark_source_chains):
 * which hooks reach each chain, loops reachable from a builtin chain,
 * and each match's and target's own checkentry for where it sits.
 */
import type { CheckContext, MatchExtension, TargetExtension } from '../extensions/types';
import { isZero } from '../util/addr';
import { HOOK_BIT, type HookName, type Family, type Rule, type Table } from './model';

export const EINVAL_MSG = 'Invalid argument. Run `dmesg\' for more information.';
export const ELOOP_MSG = 'Too many levels of symbolic links.';

/** No matches and an all-zero header (ip_tables.c unconditional()). */
export function isUnconditional(r: Rule): boolean {
  const ip = r.ip;
  if (r.matches.length) return false;
  if (ip.iniface || ip.outiface || ip.proto || ip.frag) return false;
  if (ip.invSrc || ip.invDst || ip.invIn || ip.invOut || ip.invProto || ip.invFrag) return false;
  return isZero(ip.smsk) && isZero(ip.dmsk);
}

/** Hook mask per chain: union of the hooks of builtin chains that reach it by -j/-g. */
export function hookMasks(table: Table): Map<string, number> | 'loop' {
  const masks = new Map<string, number>();
  for (const c of table.chains.values()) masks.set(c.name, 0);
  for (const c of table.chains.values()) {
    if (!c.builtin) continue;
    const bit = HOOK_BIT[c.name as HookName];
    // DFS with an on-stack set: a cycle reachable from a hook is a loop (ELOOP).
    const onStack = new Set<string>();
    const visit = (name: string): boolean => {
      if (onStack.has(name)) return false;
      const m = masks.get(name) ?? 0;
      masks.set(name, m | bit);
      onStack.add(name);
      const ch = table.chains.get(name);
      if (ch) {
        for (const r of ch.rules) {
          if (r.target.kind === 'jump' && !visit(r.target.chain)) return false;
          // mark_source_chains treats an unconditional verdict as the chain's end: rules after it are never walked.
          if (r.target.kind === 'verdict' && isUnconditional(r)) break;
        }
      }
      onStack.delete(name);
      return true;
    };
    if (!visit(c.name)) return 'loop';
  }
  return masks;
}

/** Returns the error message iptables reports for the table, or null if the kernel would accept it. */
export function checkTable(table: Table, family: Family): string | null {
  const masks = hookMasks(table);
  if (masks === 'loop') return ELOOP_MSG;
  for (const c of table.chains.values()) {
    const hookMask = masks.get(c.name) ?? 0;
    for (const r of c.rules) {
      const nm = r.matches.length;
      if (nm === 0 && r.target.kind !== 'ext') continue;
      let ctx: CheckContext | undefined;
      for (let i = 0; i <= nm; i++) {
        let ext: MatchExtension | TargetExtension;
        let data: unknown;
        if (i < nm) { ext = r.matches[i].ext; data = r.matches[i].data; }
        else if (r.target.kind === 'ext') { ext = r.target.ext; data = r.target.data; }
        else break;
        if (ext.tables && !ext.tables.includes(table.name)) return EINVAL_MSG;
        if (ext.hooks) {
          let allowed = 0;
          for (const h of ext.hooks) allowed |= HOOK_BIT[h];
          if (hookMask & ~allowed) return EINVAL_MSG;
        }
        if (ext.proto && (r.ip.proto !== ext.proto || r.ip.invProto)) return EINVAL_MSG;
        if (!ext.check) continue;
        ctx ??= { family, table: table.name, hookMask, ip: r.ip, matches: r.matches.map((m) => ({ name: m.ext.name, data: m.data })) };
        const err = ext.check(data, ctx);
        if (err) return err;
      }
    }
  }
  return null;
}
