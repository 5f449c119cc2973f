/**
 * The conntrack program (conntrack-tools 1.4.7) on a Conntrack table:
 * -L/--dump with -o extended and -f ipv4|ipv6, -F/--flush, -C/--count,
 * -D/--delete, and the original-direction filters -s -d -p --sport --dport
 * for -L and -D. Pure: the caller loads and saves the table.
 */
import type { Conntrack } from '../conntrack/conntrack';
import { NFPROTO_IPV4, NFPROTO_IPV6 } from '../conntrack/constants';
import { formatEntry } from '../conntrack/print';
import { newTuple, wordsToBytes } from '../conntrack/tuple';
import { parseAddr, bytesEqual } from '../util/addr';
import { parseProtocol } from '../rules/proto';
import { XtError } from '../util/errors';

const PROG = 'conntrack v1.4.7 (conntrack-tools)';

export interface ConntrackResult { code: number; stdout: string; stderr: string; changed: boolean; }

interface Filter {
  family: number;
  src?: Uint8Array;
  dst?: Uint8Array;
  proto?: number;
  sport?: number;
  dport?: number;
}

function fail(msg: string): ConntrackResult {
  return { code: 2, stdout: '', stderr: `${PROG}: ${msg}\nTry \`conntrack -h' or 'conntrack --help' for more information.\n`, changed: false };
}

export function runConntrack(argv: string[], ct: Conntrack): ConntrackResult {
  let cmd: 'L' | 'D' | 'F' | 'C' | undefined;
  let extended = false;
  const f: Filter = { family: 0 };
  let addrFamily: 4 | 6 = 4;
  const addrs: { which: 'src' | 'dst'; text: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new XtError(2, `option \`${a}' requires an argument`);
      return v;
    };
    const setCmd = (c: 'L' | 'D' | 'F' | 'C'): void => {
      if (cmd !== undefined && cmd !== c) throw new XtError(2, 'Invalid parameters');
      cmd = c;
    };
    try {
      switch (a) {
        case '-L': case '--dump': setCmd('L'); if (argv[i + 1] === 'conntrack') i++; break;
        case '-D': case '--delete': setCmd('D'); break;
        case '-F': case '--flush': setCmd('F'); if (argv[i + 1] === 'conntrack') i++; break;
        case '-C': case '--count': setCmd('C'); break;
        case '-o': case '--output': {
          const v = next();
          for (const o of v.split(',')) {
            if (o === 'extended') extended = true;
            else throw new XtError(2, `Bad parameter \`${o}'`);
          }
          break;
        }
        case '-f': case '--family': {
          const v = next();
          if (v === 'ipv4') { f.family = NFPROTO_IPV4; addrFamily = 4; } else if (v === 'ipv6') { f.family = NFPROTO_IPV6; addrFamily = 6; } else throw new XtError(2, `\`${v}' unsupported protocol`);
          break;
        }
        case '-s': case '--src': case '--orig-src': addrs.push({ which: 'src', text: next() }); break;
        case '-d': case '--dst': case '--orig-dst': addrs.push({ which: 'dst', text: next() }); break;
        case '-p': case '--proto': f.proto = parseProtocol(next().toLowerCase()); break;
        case '--sport': case '--orig-port-src': f.sport = port(next()); break;
        case '--dport': case '--orig-port-dst': f.dport = port(next()); break;
        default: throw new XtError(2, `unknown option \`${a}'`);
      }
    } catch (e) {
      if (e instanceof XtError) return fail(e.msg);
      throw e;
    }
  }
  for (const x of addrs) {
    const fam = x.text.includes(':') ? 6 : addrFamily;
    const b = parseAddr(fam, x.text);
    if (!b) return fail(`Bad IP address \`${x.text}'`);
    if (!f.family) f.family = fam === 6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
    const full = new Uint8Array(16);
    full.set(b);
    if (x.which === 'src') f.src = full; else f.dst = full;
  }
  if (cmd === undefined) return fail('no command specified');
  if (cmd === 'C') return { code: 0, stdout: `${ct.count}\n`, stderr: '', changed: false };
  if (cmd === 'F') {
    ct.flush();
    return { code: 0, stdout: '', stderr: `${PROG}: connection tracking table has been emptied.\n`, changed: true };
  }
  const selected: number[] = [];
  ct.forEach((e) => { if (matches(ct, e, f)) selected.push(e); });
  if (cmd === 'L') {
    const out = selected.map((e) => formatEntry(ct, e, { extended }) + '\n').join('');
    return { code: 0, stdout: out, stderr: `${PROG}: ${selected.length} flow entries have been shown.\n`, changed: false };
  }
  let out = '';
  for (const e of selected) {
    out += formatEntry(ct, e, { extended }) + '\n';
    ct.remove(e);
  }
  return {
    code: selected.length ? 0 : 1, stdout: out,
    stderr: `${PROG}: ${selected.length} flow entries have been deleted.\n`, changed: selected.length > 0,
  };
}

function port(s: string): number {
  const n = Number(s);
  if (!/^[0-9]+$/.test(s) || n > 65535) throw new XtError(2, `Bad parameter \`${s}'`);
  return n;
}

const t = newTuple();
const a = new Uint8Array(16);

function matches(ct: Conntrack, e: number, f: Filter): boolean {
  if (f.family && ct.l3proto(e) !== f.family) return false;
  if (f.proto !== undefined && ct.protocol(e) !== f.proto) return false;
  ct.tuple(e, 0, t);
  if (f.src) { wordsToBytes(t, 2, a); if (!bytesEqual(a, f.src)) return false; }
  if (f.dst) { wordsToBytes(t, 6, a); if (!bytesEqual(a, f.dst)) return false; }
  if (f.sport !== undefined && t[10] !== f.sport) return false;
  if (f.dport !== undefined && t[11] !== f.dport) return false;
  return true;
}
