/**
 * The `expect:` of a case: each key becomes a check with its line, read
 * (and refused, exit 2) when the file is loaded, and compared afterwards
 * with what trace's Session reported. A failed check says what was
 * expected and what actually happened.
 */
import { parseIp } from '../../host/prefix';
import type { PacketReport } from '../trace/session';
import type { FlowStep } from '../trace/flow';
import { fmtAddr, viewOf } from '../trace/packet';
import { answerKind, answerMatches, answerName, parseAnswerSpec, type AnswerSpec } from './answers';
import { checkKeys, entries, int, isScalar, isSeq, str, type Source, type YNode } from './source';

export interface Outcome { ok: boolean; got: string; }

export interface Check<R> {
  key: string;
  line: number;
  want: string;
  eval(r: R): Outcome;
}

export const PACKET_KEYS = [
  'verdict', 'fate', 'decided_by', 'out', 'src', 'dst', 'sport', 'dport', 'mss', 'ttl', 'ctstate', 'conntrack', 'answers', 'hits', 'log',
] as const;
export const FLOW_KEYS = ['completes', 'stops_at', 'conntrack', 'steps'] as const;

const VERDICTS = ['ACCEPT', 'DROP', 'REJECT'];
const FATES = ['forwarded', 'delivered', 'sent', 'dropped'];
const CTSTATES = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED'];

// ---- what happened, in the words of the expectations -------------------------------------------

/** The packet as it left the host (forwarded, sent) or reached the local socket. */
function leftView(r: PacketReport) {
  const s = r.sent.find((x) => x.origin === 'forward' || x.origin === 'output' || x.origin === 'deliver');
  return s ? viewOf(Uint8Array.from(Buffer.from(s.hex, 'hex'))) : undefined;
}

function isReject(r: PacketReport): boolean {
  return r.answers.some((a) => a.origin === 'reject');
}

export function verdictOf(r: PacketReport): string {
  if (r.fate !== 'dropped') return 'ACCEPT';
  return isReject(r) ? 'REJECT' : 'DROP';
}

/**
 * Where the packet's fate was decided: the table/chain and rule (or policy)
 * that dropped it, or for a packet that got through, the last filter table
 * it passed, at the rule that accepted it or the policy.
 */
export function decidedBy(r: PacketReport): string {
  if (r.fate === 'dropped') return r.reason;
  const f = r.visits.filter((v) => v.table === 'filter' && !v.added);
  const v = f[f.length - 1];
  if (!v) return 'no filter table';
  return v.rulenum > 0 ? `filter/${v.chain} rule ${v.rulenum}` : `filter/${v.hook} policy`;
}

export function outOf(r: PacketReport): string {
  if (r.outdev) return r.outdev;
  return r.fate === 'delivered' ? 'local' : 'none';
}

function ctstateMatches(want: string, got: string): boolean {
  const w = want.toUpperCase().replace(/\s*\(?REPLY( DIRECTION)?\)?$/, ' reply');
  const g = got.replace(' (reply direction)', ' reply');
  return w.endsWith(' reply') ? w.toUpperCase() === g.toUpperCase() : w === g.replace(' reply', '');
}

export function answersOf(r: PacketReport): string[] {
  return r.answers.map((a) => {
    const k = answerKind(a.summary);
    return `${k ? answerName(k) : a.summary} (${a.fate})`;
  });
}

function answerWhere(fate: string): string {
  const m = /^sent out (\S+)/.exec(fate);
  return m ? `out ${m[1]}` : fate.startsWith('delivered') ? 'out lo' : 'dropped';
}

/** Rules of the packet itself that matched, as "table/chain rule N". */
function hitsOf(r: PacketReport): string[] {
  const out: string[] = [];
  for (const v of r.visits) {
    if (v.added) continue;
    for (const m of v.rules) if (m.matched) out.push(`${v.table}/${m.chain} rule ${m.num}`);
  }
  return out;
}

const list = (xs: string[]): string => (xs.length ? xs.join(', ') : 'none');

// ---- reading the expectations ------------------------------------------------------------------

function strList(src: Source, n: YNode | null, what: string): string[] {
  if (n && isSeq(n)) return n.items.map((it) => str(src, it as YNode, `each item of ${what}`));
  if (n && isScalar(n) && (n.value === 'none' || n.value === null)) return [];
  return [str(src, n, what)];
}

function addr(src: Source, n: YNode | null, key: string): Uint8Array {
  const s = str(src, n, key);
  const a = parseIp(s.includes(':') ? 6 : 4, s);
  if (!a) throw src.error(n, `${key}: \`${s}' is not an IPv4 or IPv6 address`);
  return a;
}

function oneOf(src: Source, n: YNode | null, key: string, allowed: string[], upper: boolean): string {
  const s = str(src, n, key);
  const v = upper ? s.toUpperCase() : s;
  if (!allowed.includes(v)) throw src.error(n, `${key}: \`${s}' is not one of ${allowed.join(', ')}`);
  return v;
}

/** The checks of one packet's expectations. */
export function packetChecks(src: Source, node: YNode, what: string): Check<PacketReport>[] {
  const es = entries(src, node, what);
  checkKeys(src, es, PACKET_KEYS, what);
  const out: Check<PacketReport>[] = [];
  for (const [key, kn, v] of es) {
    const line = src.lineOf(kn);
    const simple = (want: string, got: (r: PacketReport) => string, eq: (w: string, g: string) => boolean = (a, b) => a === b): void => {
      out.push({ key, line, want, eval: (r) => { const g = got(r); return { ok: eq(want, g), got: g }; } });
    };
    switch (key) {
      case 'verdict': simple(oneOf(src, v, key, VERDICTS, true), verdictOf); break;
      case 'fate': simple(oneOf(src, v, key, FATES, false), (r) => r.fate); break;
      case 'decided_by': {
        const s = str(src, v, key).trim().replace(/\s+/g, ' ');
        const m = /^(filter|nat|mangle|raw|security)\/(\S+)(?: (rule [0-9]+|policy))?$/.exec(s);
        if (/^(filter|nat|mangle|raw|security)\//.test(s) && !(m && m[3])) {
          throw src.error(v, `decided_by: \`${s}' should read TABLE/CHAIN rule N or TABLE/CHAIN policy (e.g. filter/INPUT rule 3)`);
        }
        simple(s, decidedBy);
        break;
      }
      case 'out': simple(str(src, v, key), outOf); break;
      case 'src': case 'dst': {
        const a = addr(src, v, key);
        const want = fmtAddr(a);
        simple(want, (r) => {
          const lv = leftView(r);
          if (!lv) return `nothing left the host (${r.fate}: ${r.reason})`;
          const off = key === 'src' ? lv.srcOff : lv.dstOff;
          return fmtAddr(lv.buf.subarray(off, off + lv.addrLen));
        });
        break;
      }
      case 'sport': case 'dport': case 'ttl': case 'mss': {
        const n = int(src, v, key, key === 'ttl' ? 255 : 65535);
        simple(String(n), (r) => {
          const lv = leftView(r);
          if (!lv) return `nothing left the host (${r.fate}: ${r.reason})`;
          if (key === 'ttl') return String(lv.ttl);
          if (key === 'mss') {
            const off = lv.proto === 6 ? lv.mssOffset() : -1;
            // The offset is the option's kind byte: kind 2, length 4, then the MSS.
            return off >= 0 ? String((lv.buf[off + 2] << 8) | lv.buf[off + 3]) : 'no MSS option';
          }
          if (!lv.hasPorts) return 'no ports';
          return String(key === 'sport' ? lv.sport : lv.dport);
        });
        break;
      }
      case 'ctstate': {
        const s = str(src, v, key).trim();
        const base = s.split(/\s+/)[0].toUpperCase();
        if (!CTSTATES.includes(base)) throw src.error(v, `ctstate: \`${s}' is not one of ${CTSTATES.join(', ')} (optionally followed by "reply")`);
        simple(s, (r) => r.ctstate, ctstateMatches);
        break;
      }
      case 'conntrack': {
        const parts = strList(src, v, key);
        out.push({
          key, line, want: parts.length ? parts.map((p) => `"${p}"`).join(' and ') : 'no entry',
          eval: (r) => {
            const e = r.ctAfter;
            return { ok: parts.length === 0 ? e === null : e !== null && parts.every((p) => e.includes(p)), got: e ?? 'no entry' };
          },
        });
        break;
      }
      case 'answers': {
        const items = v && isSeq(v) ? v.items as YNode[] : [];
        const specs: AnswerSpec[] = strList(src, v, key).map((t, k) => {
          const a = parseAnswerSpec(t);
          if (typeof a === 'string') throw src.error(items[k] ?? v, `answers: ${a}`);
          return a;
        });
        out.push({
          key, line, want: list(specs.map((s) => s.text)),
          eval: (r) => {
            const got = r.answers.map((a) => ({ k: answerKind(a.summary), where: answerWhere(a.fate) }));
            const ok = got.length === specs.length && specs.every((s, i) => {
              const g = got[i];
              return g.k !== undefined && answerMatches(s, g.k) && (s.where === undefined || s.where === g.where);
            });
            return { ok, got: list(answersOf(r)) };
          },
        });
        break;
      }
      case 'hits': {
        const want = strList(src, v, key).map((s) => s.trim().replace(/\s+/g, ' '));
        for (const h of want) {
          if (!/^(filter|nat|mangle|raw|security)\/\S+ rule [0-9]+$/.test(h)) throw src.error(v, `hits: \`${h}' should read TABLE/CHAIN rule N`);
        }
        out.push({ key, line, want: list(want), eval: (r) => { const g = hitsOf(r); return { ok: want.every((h) => g.includes(h)), got: list(g) }; } });
        break;
      }
      case 'log': {
        const want = strList(src, v, key);
        out.push({
          key, line, want: want.length ? want.map((p) => `"${p}"`).join(', ') : 'no LOG line',
          eval: (r) => ({ ok: want.length === 0 ? r.log.length === 0 : want.every((p) => r.log.some((l) => l.includes(p))), got: r.log.length ? r.log.join(' | ') : 'no LOG line' }),
        });
        break;
      }
    }
  }
  return out;
}

// ---- flows ---------------------------------------------------------------------------------------

/** Packets of a whole exchange (flow.ts): TCP 8, UDP 2, ICMP echo 2. */
function fullLength(proto: number): number {
  return proto === 6 ? 8 : 2;
}

/** Whether the exchange went to its end: every packet through, and (ping of the host itself) the stack's echo reply. */
export function completed(steps: FlowStep[], proto: number): boolean {
  const last = steps[steps.length - 1];
  if (!last || last.report.fate === 'dropped') return false;
  if (steps.length === fullLength(proto)) return true;
  return steps.length === 1 && (proto === 1 || proto === 58) && last.report.answers.some((a) => a.origin === 'stack' && a.sent.length > 0);
}

export function flowChecks(src: Source, node: YNode, proto: () => number): Check<FlowStep[]>[] {
  const es = entries(src, node, 'expect (flow)');
  checkKeys(src, es, FLOW_KEYS, 'expect of a flow');
  const out: Check<FlowStep[]>[] = [];
  const describe = (steps: FlowStep[]): string => {
    if (completed(steps, proto())) return `the exchange completes (${steps.length} packets)`;
    const last = steps[steps.length - 1];
    return `the exchange stops at step ${steps.length} (${last.report.label}: ${last.report.fate}, ${last.report.reason})`;
  };
  for (const [key, kn, v] of es) {
    const line = src.lineOf(kn);
    if (key === 'completes') {
      const b = v && isScalar(v) ? v.value : undefined;
      if (typeof b !== 'boolean') throw src.error(v, 'completes must be true or false');
      out.push({ key, line, want: b ? 'the exchange completes' : 'the exchange does not complete', eval: (s) => ({ ok: completed(s, proto()) === b, got: describe(s) }) });
    } else if (key === 'stops_at') {
      const n = int(src, v, key, 8);
      out.push({ key, line, want: `the exchange stops at step ${n}`, eval: (s) => ({ ok: !completed(s, proto()) && s.length === n, got: describe(s) }) });
    } else if (key === 'conntrack') {
      const parts = strList(src, v, key);
      out.push({
        key, line, want: parts.length ? parts.map((p) => `"${p}"`).join(' and ') : 'no entry',
        eval: (s) => {
          const e = s.length ? s[s.length - 1].report.ctAfter : null;
          return { ok: parts.length === 0 ? e === null : e !== null && parts.every((p) => e.includes(p)), got: e ?? 'no entry' };
        },
      });
    } else {
      for (const [k, skn, sv] of entries(src, v ?? kn, 'steps')) {
        if (!/^[1-8]$/.test(k)) throw src.error(skn, `steps: \`${k}' is not a step number (1 to 8)`);
        const idx = Number(k) - 1;
        for (const c of packetChecks(src, sv ?? skn, `step ${k}`)) {
          out.push({
            key: `step ${k} ${c.key}`, line: c.line, want: c.want,
            eval: (s) => (s[idx] ? c.eval(s[idx].report) : { ok: false, got: `the exchange stopped after step ${s.length}` }),
          });
        }
      }
    }
  }
  return out;
}
