/**
 * The comparison of one case: setup outcomes, packets per injected packet
 * and interface (order included), conntrack entries, rule and policy
 * counters. See normalise.ts for the only things taken out first.
 */
import { LINKS, type DiffCase } from './case';
import { checksumOk, completeChecksum, describePacket, normaliseFragId6, normaliseRandomId, normaliseSynAck, PortAliases } from './normalise';
import type { SideRun } from './sides';

export interface Mismatch {
  kind: 'setup' | 'packets' | 'checksum' | 'conntrack' | 'counters';
  /** Where: the setup line, "packet 3 (what) on eth1", the table name, ... */
  where: string;
  kernel: string;
  netsieve: string;
}

/** Conntrack timeouts may differ by this much (seconds): the two clocks are only close. */
export const TIMEOUT_TOLERANCE_S = 2;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Reports show the first 200 bytes of a packet (the comparison uses all of them). */
const short = (h: string): string => (h.length > 400 ? `${h.slice(0, 400)}… (${h.length / 2} bytes)` : h);

export function compareRuns(c: DiffCase, k: SideRun, n: SideRun): Mismatch[] {
  const out: Mismatch[] = [];
  const nset = new Map(n.setup.map((s) => [s.line, s]));
  for (const ks of k.setup) {
    const ns = nset.get(ks.line);
    if (!ns) continue;
    if ((ks.code === 0) !== (ns.code === 0)) {
      out.push({ kind: 'setup', where: ks.line, kernel: `exit ${ks.code} ${ks.stderr}`, netsieve: `exit ${ns.code} ${ns.stderr}` });
    }
  }
  const aliases = new PortAliases();
  c.packets.forEach((p, i) => {
    const input = Buffer.from(p.hex, 'hex');
    for (const l of LINKS) {
      const ks = (k.out[i].get(l.dev) ?? []).map(completeChecksum);
      const ns = (n.out[i].get(l.dev) ?? []).map((b) => b.slice());
      const origins = n.origins?.[i].get(l.dev) ?? [];
      const where = `packet ${i}${p.what ? ` (${p.what})` : ''} -> ${l.dev}`;
      ns.forEach((b, j) => {
        // A forwarded packet keeps the sender's checksum, wrong or not.
        if (!checksumOk(b) && !(origins[j] === 'forward' && !checksumOk(input))) out.push({ kind: 'checksum', where: `${where} #${j}`, kernel: '', netsieve: `bad checksum: ${describePacket(b)} ${hex(b)}` });
      });
      const m = Math.min(ks.length, ns.length);
      let differ = ks.length !== ns.length;
      for (let j = 0; j < m; j++) {
        if (origins[j] !== 'forward') { normaliseRandomId(ks[j], ns[j]); normaliseSynAck(ks[j], ns[j]); }
        normaliseFragId6(ks[j], ns[j], input);
        aliases.apply(ks[j]);
        if (hex(ks[j]) !== hex(ns[j]) && !aliases.learn(ks[j], ns[j], input)) differ = true;
      }
      if (differ) {
        const fmt = (list: Uint8Array[]): string => list.map((b) => `\n      ${describePacket(b)}\n      ${short(hex(b))}`).join('') || ' (nothing)';
        out.push({ kind: 'packets', where, kernel: fmt(ks), netsieve: fmt(ns) });
      }
    }
  });
  out.push(...compareConntrack(k.conntrack, n.conntrack, aliases));
  out.push(...compareConntrack(k.conntrack6, n.conntrack6, aliases, 'conntrack -L -f ipv6'));
  out.push(...compareCounters(k.save, n.save));
  out.push(...compareCounters(k.save6, n.save6, 'ip6tables-save'));
  return out;
}

interface CtEntry { key: string; timeout: number; line: string; }

const PROTO_NUM = /^\S+\s+(\d+)\s+(\d+)\s+(.*)$/;

/** `conntrack -L` lines as (entry without its timeout and use count, timeout). */
export function parseConntrack(text: string, aliases?: PortAliases): CtEntry[] {
  const out: CtEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = PROTO_NUM.exec(line);
    if (!m) continue;
    let rest = m[3].split(/\s+/).filter((w) => !w.startsWith('use=')).join(' ');
    if (aliases) rest = aliases.applyText(rest, Number(m[1]));
    out.push({ key: `${line.split(/\s+/)[0]} ${m[1]} ${rest}`, timeout: Number(m[2]), line });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function compareConntrack(ktext: string, ntext: string, aliases?: PortAliases, where = 'conntrack -L'): Mismatch[] {
  const ks = parseConntrack(ktext, aliases), ns = parseConntrack(ntext);
  const same = ks.length === ns.length && ks.every((e, i) => e.key === ns[i].key && Math.abs(e.timeout - ns[i].timeout) <= TIMEOUT_TOLERANCE_S);
  if (same) return [];
  const fmt = (l: CtEntry[]): string => l.map((e) => `\n      ${e.line}`).join('') || ' (empty)';
  return [{ kind: 'conntrack', where, kernel: fmt(ks), netsieve: fmt(ns) }];
}

/** `iptables-save -c` split by table, comment lines dropped. */
export function saveTables(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    if (line.startsWith('*')) { cur = []; m.set(line.slice(1), cur); continue; }
    cur?.push(line);
  }
  return m;
}

export function compareCounters(ktext: string, ntext: string, prog = 'iptables-save'): Mismatch[] {
  const ks = saveTables(ktext), ns = saveTables(ntext);
  const out: Mismatch[] = [];
  for (const t of new Set([...ks.keys(), ...ns.keys()])) {
    const a = ks.get(t) ?? [], b = ns.get(t) ?? [];
    if (a.join('\n') === b.join('\n')) continue;
    const diff: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) diff.push(`line ${i + 1}`);
    out.push({ kind: 'counters', where: `${prog} -c -t ${t} (${diff.join(', ')})`, kernel: `\n      ${a.join('\n      ')}`, netsieve: `\n      ${b.join('\n      ')}` });
  }
  return out;
}

export function formatMismatch(m: Mismatch): string {
  return `  [${m.kind}] ${m.where}\n    kernel:${m.kernel.startsWith('\n') ? '' : ' '}${m.kernel}\n    netsieve:${m.netsieve.startsWith('\n') ? '' : ' '}${m.netsieve}`;
}
