/**
 * The iptables/ip6tables, -save and -restore programs as pure functions
 * over a ruleset: arguments in, output text and exit status out. The CLI
 * wraps them with the state directory; tests call them directly.
 */
import { parseCommand } from '../rules/parse';
import { execute } from '../rules/ops';
import type { Family, Ruleset, TableName } from '../rules/model';
import { TABLE_NAMES } from '../rules/model';
import { restore, RestoreError } from '../rules/restore';
import { saveRuleset, ctimeStamp } from '../rules/save';
import { XtError } from '../util/errors';

export interface ProgResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The ruleset after the command (the same object when nothing changed). */
  rs: Ruleset;
  changed: boolean;
}

export function progName(family: Family): string {
  return family === 4 ? 'iptables' : 'ip6tables';
}

export function formatXtError(e: XtError, prog: string): string {
  let s = e.opts.prefixStderr ?? '';
  s += e.opts.hintOnly ? '' : e.opts.plain ? `${e.msg}\n` : `${prog} v1.8.9 (legacy): ${e.msg}\n`;
  if (e.status === 2 && !e.opts.noHint) s += `Try \`${prog} -h' or '${prog} --help' for more information.\n`;
  return s;
}

export const VERSION_TEXT = (prog: string): string => `${prog} v1.8.9 (legacy)\n`;

export function runIptables(rs: Ruleset, argv: string[]): ProgResult {
  const family = rs.family;
  const prog = progName(family);
  try {
    const cmd = parseCommand(argv, { family, prog });
    if (cmd.cmd === 'V') return { code: 0, stdout: VERSION_TEXT(prog), stderr: '', rs, changed: false };
    if (cmd.cmd === 'h') return { code: 0, stdout: helpText(prog), stderr: '', rs, changed: false };
    const work: Ruleset = { family, tables: new Map(rs.tables) };
    const r = execute(work, cmd, prog);
    // Listing creates the table in the kernel too, but only a real change is worth writing.
    const created = !rs.tables.has(cmd.table);
    return { code: 0, stdout: r.stdout, stderr: cmd.warnings, rs: work, changed: r.changed || created };
  } catch (e) {
    if (e instanceof XtError) return { code: e.status, stdout: e.stdout, stderr: formatXtError(e, prog), rs, changed: false };
    throw e;
  }
}

export interface SaveArgs { counters: boolean; table?: string; stamp?: Date; }

export function parseSaveArgs(argv: string[], family: Family): SaveArgs | { error: string; code: number } {
  const o: SaveArgs = { counters: false };
  const prog = family === 4 ? 'iptables-save' : 'ip6tables-save';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-c' || a === '--counters') o.counters = true;
    else if (a === '-t' || a === '--table') {
      const t = argv[++i];
      if (t === undefined) return { error: `${prog}: option requires an argument -- 't'\n`, code: 1 };
      o.table = t;
    } else if (a.startsWith('-t') && a.length > 2) o.table = a.slice(2);
    else if (a.startsWith('--table=')) o.table = a.slice(8);
    else if (a === '-M' || a === '--modprobe') i++;
    else if (a === '-4' || a === '-6' || a === '-f' || a === '--file') { if (a === '-f' || a === '--file') i++; }
    else return { error: `Unknown arguments found on commandline\n`, code: 1 };
  }
  return o;
}

export function runSave(rs: Ruleset, argv: string[], now: Date = new Date()): ProgResult {
  const family = rs.family;
  const o = parseSaveArgs(argv, family);
  const prog = family === 4 ? 'iptables-save' : 'ip6tables-save';
  if ('error' in o) return { code: o.code, stdout: '', stderr: o.error, rs, changed: false };
  if (o.table !== undefined && !(TABLE_NAMES as readonly string[]).includes(o.table)) {
    return { code: 1, stdout: '', stderr: `${prog} v1.8.9 (legacy): Cannot initialize: Table does not exist (do you need to insmod?)\n\n`, rs, changed: false };
  }
  const text = saveRuleset(rs, { counters: o.counters, table: o.table as TableName | undefined, stamp: ctimeStamp(now), prog });
  return { code: 0, stdout: text, stderr: '', rs, changed: false };
}

export interface RestoreArgs {
  counters: boolean; noflush: boolean; test: boolean; verbose: boolean; table?: TableName; file?: string; wait?: number;
}

export function parseRestoreArgs(argv: string[], family: Family): RestoreArgs | { error: string; code: number } {
  const prog = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  const o: RestoreArgs = { counters: false, noflush: false, test: false, verbose: false };
  const shortMap: Record<string, string> = { c: 'counters', n: 'noflush', t: 'test', v: 'verbose', h: 'help', b: 'binary', T: 'table', w: 'wait', W: 'wait-interval', M: 'modprobe' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let names: string[] = [];
    if (a.startsWith('--')) names = [a.slice(2).split('=')[0]];
    else if (a.startsWith('-') && a.length > 1) names = [...a.slice(1)].map((c) => shortMap[c] ?? `?${c}`);
    else {
      if (o.file !== undefined) return { error: `Unknown arguments found on commandline\n`, code: 1 };
      o.file = a; continue;
    }
    for (const n of names) {
      switch (n) {
        case 'counters': o.counters = true; break;
        case 'noflush': o.noflush = true; break;
        case 'test': o.test = true; break;
        case 'verbose': o.verbose = true; break;
        case 'table': {
          const t = a.includes('=') ? a.split('=')[1] : argv[++i];
          if (t === undefined) return { error: `${prog}: option requires an argument -- 'T'\n`, code: 1 };
          // An unknown table simply never matches a *table line.
          o.table = t as TableName; break;
        }
        case 'wait': case 'wait-interval': case 'modprobe':
          if (n === 'modprobe' && !a.includes('=')) i++;
          break;
        case 'help': return { error: '', code: 0 };
        default:
          return {
            error: a.startsWith('--') ? `${prog}: unrecognized option '${a}'\nTry \`${prog} -h' for more information.\n` : `${prog}: invalid option -- '${n.replace('?', '')}'\nTry \`${prog} -h' for more information.\n`,
            code: 1,
          };
      }
    }
  }
  return o;
}

export function runRestore(rs: Ruleset, text: string, o: RestoreArgs): ProgResult {
  const family = rs.family;
  const prog = family === 4 ? 'iptables-restore' : 'ip6tables-restore';
  try {
    const next = restore(rs, text, {
      counters: o.counters, noflush: o.noflush, test: o.test, table: o.table, prog, ruleProg: progName(family),
    });
    return { code: 0, stdout: '', stderr: '', rs: next, changed: !o.test };
  } catch (e) {
    if (e instanceof RestoreError) return { code: e.status, stdout: '', stderr: e.text, rs, changed: false };
    throw e;
  }
}

function helpText(prog: string): string {
  return `${prog} v1.8.9 (legacy)

Usage: ${prog} -[ACD] chain rule-specification [options]
       ${prog} -I chain [rulenum] rule-specification [options]
       ${prog} -R chain rulenum rule-specification [options]
       ${prog} -D chain rulenum [options]
       ${prog} -[LS] [chain [rulenum]] [options]
       ${prog} -[FZ] [chain] [options]
       ${prog} -[NX] chain
       ${prog} -E old-chain-name new-chain-name
       ${prog} -P chain target [options]
       ${prog} -h (print this help information)
`;
}
