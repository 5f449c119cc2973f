/**
 * The iptables/ip6tables command-line parser (iptables 1.8.9 xshared.c
 * do_parse, legacy backend). Hand-written because the grammar is not a
 * generic one: "!" inverts the option that follows, extensions add options
 * as they are loaded with -m/-j or implicitly by -p, and positional words
 * (chain, rule number, policy) follow commands.
 */
import { findMatch, findTarget } from '../extensions/registry';
import type { MatchExtension, ParseContext, TargetExtension } from '../extensions/types';
import { parseAddrMask, type AddrMask } from '../util/addr';
import { XtError, paramError } from '../util/errors';
import { strtoul } from '../util/num';
import type { Command, CommandName } from './command';
import { Getopt, type LongOpt } from './getopt';
import { emptyIp, TABLE_NAMES, type Family, type MatchInstance, type Rule, type TableName, type TargetRef } from './model';
import { parseProtocol, protoName } from './proto';

/** Option letters in the order of xshared.c's optflags[] (used in messages). */
const OPT_CHARS = ['n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c', 'f'] as const;
type OptChar = (typeof OPT_CHARS)[number];
/** Options that accept a preceding "!" (inverse_for_options). */
const INVERTIBLE: ReadonlySet<OptChar> = new Set(['s', 'd', 'p', 'i', 'o', 'f']);

/** Which options each command allows ('x' = illegal), measured against iptables-legacy 1.8.9. */
const ALLOWED: Record<string, string> = {
  //       n s d p j v x i o 0 c f
  A: '     x . . . . . x . . x . .',
  C: '     x . . . . . x . . x x .',
  D: '     x . . . . . x . . x x .',
  R: '     x . . . . . x . . x . .',
  I: '     x . . . . . x . . x . .',
  L: '     . x x x x . . x x . x x',
  S: '     x x x x x . x x x x x x',
  F: '     x x x x x . x x x x x x',
  Z: '     x x x x x . x x x x x x',
  N: '     x x x x x . x x x x x x',
  X: '     x x x x x . x x x x x x',
  E: '     x x x x x . x x x x x x',
  P: '     x x x x x . x x x x . x',
};

const ALLOWED_FLAGS: Record<string, string[]> = Object.fromEntries(Object.entries(ALLOWED).map(([k, v]) => [k, v.trim().split(/\s+/)]));

const SHORTS: Record<string, 'none' | 'required' | 'optional'> = {
  A: 'required', C: 'required', D: 'required', R: 'required', I: 'required',
  L: 'optional', S: 'optional', M: 'required', F: 'optional', Z: 'optional',
  N: 'required', X: 'optional', E: 'required', P: 'required', V: 'none', h: 'optional',
  o: 'required', p: 'required', s: 'required', d: 'required', j: 'required', i: 'required',
  f: 'none', b: 'none', v: 'none', w: 'optional', W: 'optional', n: 'none', t: 'required',
  m: 'required', x: 'none', c: 'required', g: 'required', '4': 'none', '6': 'none',
};

const BASE_LONGS: [string, string, 'none' | 'required' | 'optional'][] = [
  ['append', 'A', 'required'], ['delete', 'D', 'required'], ['check', 'C', 'required'],
  ['insert', 'I', 'required'], ['replace', 'R', 'required'], ['list', 'L', 'optional'],
  ['list-rules', 'S', 'optional'], ['flush', 'F', 'optional'], ['zero', 'Z', 'optional'],
  ['new-chain', 'N', 'required'], ['delete-chain', 'X', 'optional'], ['rename-chain', 'E', 'required'],
  ['policy', 'P', 'required'], ['source', 's', 'required'], ['destination', 'd', 'required'],
  ['src', 's', 'required'], ['dst', 'd', 'required'], ['protocol', 'p', 'required'],
  ['in-interface', 'i', 'required'], ['jump', 'j', 'required'], ['table', 't', 'required'],
  ['match', 'm', 'required'], ['numeric', 'n', 'none'], ['out-interface', 'o', 'required'],
  ['verbose', 'v', 'none'], ['wait', 'w', 'optional'], ['wait-interval', 'W', 'optional'],
  ['exact', 'x', 'none'], ['fragments', 'f', 'none'], ['version', 'V', 'none'],
  ['help', 'h', 'optional'], ['line-numbers', '0', 'none'], ['modprobe', 'M', 'required'],
  ['set-counters', 'c', 'required'], ['goto', 'g', 'required'], ['ipv4', '4', 'none'], ['ipv6', '6', 'none'],
];

const BASE_LONG_OPTS: LongOpt[] = BASE_LONGS.map(([name, , arg]) => ({ name, arg, owner: 0 }));
const LONG_TO_CHAR = new Map(BASE_LONGS.map(([name, ch]) => [name, ch]));

export const CHAIN_MAXNAMELEN = 29; // XT_EXTENSION_MAXNAMELEN
export const TARGET_MAXNAMELEN = 29;

interface LoadedExt {
  id: number;
  kind: 'match' | 'target';
  ext: MatchExtension | TargetExtension;
  data: unknown;
}

export interface ParseOptions {
  family: Family;
  prog: string;
  /** Default table (iptables-restore passes the current table). */
  table?: TableName;
  /** iptables-restore: -t is not allowed inside the file. */
  inRestore?: boolean;
  /** Reading netsieve's own saved state. */
  savedState?: boolean;
}

export function parseCommand(argv: string[], opts: ParseOptions): Command {
  const sink = { text: '' };
  try {
    return parseCommandInner(argv, opts, sink);
  } catch (e) {
    // Warnings printed before the failure still reach stderr first.
    if (e instanceof XtError && sink.text) throw new XtError(e.status, e.msg, { ...e.opts, prefixStderr: sink.text + (e.opts.prefixStderr ?? '') });
    throw e;
  }
}

function parseCommandInner(argv: string[], opts: ParseOptions, sink: { text: string }): Command {
  const family = opts.family;
  const prog = opts.prog;
  const cmd: Command = {
    family, cmd: 'L', zero: false, table: opts.table ?? 'filter', rules: [], warnings: '',
    numeric: false, verbose: 0, exact: false, lineNumbers: false,
  };
  let command: CommandName | undefined;
  const seen = new Set<OptChar>();
  const ip = emptyIp(family);
  let invert = false;
  let srcSpec: string | undefined;
  let dstSpec: string | undefined;
  let protoSpec: string | undefined;
  let protoUsed = false;
  let jumpto: string | undefined;
  let gotoFlag = false;
  let tableGiven = false;
  let waitGiven = false;
  let waitIntervalGiven = false;
  let warnings = '';
  const loaded: LoadedExt[] = [];
  let target: LoadedExt | undefined;
  let nextId = 1;
  const longToChar = LONG_TO_CHAR;
  const g = new Getopt(argv, SHORTS, BASE_LONG_OPTS);

  const ctx: ParseContext = { family, table: cmd.table, ip, prog, argv, optind: 0, savedState: opts.savedState, warn: (text) => { warnings += text; sink.text = warnings; } };

  const setOption = (c: OptChar): void => {
    if (seen.has(c)) paramError(`multiple -${c} flags not allowed`);
    seen.add(c);
    if (invert && !INVERTIBLE.has(c)) paramError(`cannot have ! before -${c}`);
  };
  const addCommand = (c: CommandName, others: CommandName[] = []): void => {
    if (invert) paramError("unexpected '!' flag");
    if (command !== undefined && !(others.includes(command))) paramError(`Cannot use -${c} with -${command}`);
    if (command === undefined || c !== 'Z') command = c;
    else cmd.zero = true;
    if (c === 'Z' && command !== 'Z') cmd.zero = true;
  };
  const nextPositional = (): string | undefined => {
    const a = argv[g.optind];
    if (g.optind < argv.length && a[0] !== '-' && a[0] !== '!') { g.optind++; return a; }
    return undefined;
  };
  const parseRulenum = (s: string): number => {
    const n = strtoul(s, 0, 1, 0x7fffffff);
    if (n === undefined) paramError(`Invalid rule number \`${s}'`);
    return n;
  };
  const loadExt = (kind: 'match' | 'target', ext: MatchExtension | TargetExtension): LoadedExt => {
    const le: LoadedExt = { id: nextId++, kind, ext, data: undefined };
    ctx.optind = g.optind;
    le.data = ext.init(ctx);
    // xtables_merge_options: the newest extension's options come right after the base ones.
    const extLongs = ext.options.map((o) => ({ name: o.name, arg: o.arg, owner: le.id }));
    const merged = g.longs.slice(0, BASE_LONGS.length);
    for (const l of extLongs) merged.push(l);
    for (let i = BASE_LONGS.length; i < g.longs.length; i++) merged.push(g.longs[i]);
    g.longs = merged;
    return le;
  };
  const loadMatch = (name: string): LoadedExt => {
    const m = findMatch(name, family);
    if (!m) paramError(`Couldn't load match \`${name}':No such file or directory\n`);
    const le = loadExt('match', m);
    loaded.push(le);
    return le;
  };
  const runExt = (le: LoadedExt, optName: string, arg: string | undefined): void => {
    ctx.optind = g.optind;
    ctx.table = cmd.table;
    le.ext.parse(optName, arg, invert, le.data, ctx);
    g.optind = ctx.optind;
  };

  for (;;) {
    const r = g.next();
    if (r.kind === 'end') break;
    let ch: string;
    let arg: string | undefined;
    if (r.kind === 'nonopt') {
      if (r.arg === '!') {
        if (invert) paramError('multiple consecutive ! not allowed');
        invert = true;
        continue;
      }
      throw new XtError(2, `Bad argument \`${r.arg}'`, { plain: true });
    } else if (r.kind === 'short') {
      ch = r.ch; arg = r.arg;
    } else if (r.kind === 'long' && r.opt.owner === 0) {
      ch = longToChar.get(r.opt.name) ?? '?';
      arg = r.arg;
    } else if (r.kind === 'long') {
      const owner = r.opt.owner;
      const le = (target && target.id === owner) ? target : loaded.find((l) => l.id === owner);
      if (!le) paramError(`unknown option "${r.spelled}"`);
      runExt(le, r.opt.name, r.arg);
      invert = false;
      continue;
    } else {
      // Unknown option: iptables tries to load the protocol's match implicitly and reparses.
      if (protoSpec !== undefined && !protoUsed) {
        const name = protoMatchName(ip.proto, protoSpec);
        const m = name ? findMatch(name, family) : undefined;
        if (m && !loaded.some((l) => l.ext === m)) {
          protoUsed = true;
          const le = loadExt('match', m);
          loaded.push(le);
          g.optind--;
          continue;
        }
      }
      if (r.kind === 'missing') paramError(`option "${r.spelled}" requires an argument`);
      paramError(`unknown option "${r.spelled}"`);
    }

    switch (ch) {
      case 'A': addCommand('A'); cmd.chain = arg; break;
      case 'C': addCommand('C'); cmd.chain = arg; break;
      case 'D':
        addCommand('D'); cmd.chain = arg;
        { const p = nextPositional(); if (p !== undefined) cmd.rulenum = parseRulenum(p); }
        break;
      case 'R': {
        addCommand('R'); cmd.chain = arg;
        const p = nextPositional();
        if (p === undefined) paramError('-R requires a rule number');
        cmd.rulenum = parseRulenum(p);
        break;
      }
      case 'I': {
        addCommand('I'); cmd.chain = arg;
        const p = nextPositional();
        cmd.rulenum = p !== undefined ? parseRulenum(p) : 1;
        break;
      }
      case 'L': case 'S': {
        addCommand(ch, ['Z']);
        cmd.chain = arg ?? nextPositional();
        const p = nextPositional();
        if (p !== undefined) cmd.rulenum = parseRulenum(p);
        break;
      }
      case 'Z': {
        addCommand('Z', ['L', 'S']);
        const c = arg ?? nextPositional();
        if (c !== undefined) cmd.chain = c;
        const p = nextPositional();
        if (p !== undefined) cmd.rulenum = parseRulenum(p);
        break;
      }
      case 'F': addCommand('F'); cmd.chain = arg ?? nextPositional(); break;
      case 'X': addCommand('X'); cmd.chain = arg ?? nextPositional(); break;
      case 'N':
        addCommand('N');
        checkChainName(arg!, family);
        cmd.chain = arg;
        break;
      case 'E': {
        addCommand('E'); cmd.chain = arg;
        const p = nextPositional();
        if (p === undefined) paramError('-E requires old-chain-name and new-chain-name');
        cmd.newName = p;
        break;
      }
      case 'P': {
        addCommand('P'); cmd.chain = arg;
        const p = nextPositional();
        if (p === undefined) paramError('-P requires a chain and a policy');
        cmd.policy = p;
        break;
      }
      case 'V': addCommand('V'); break;
      case 'h': addCommand('h'); break;
      case 'p': {
        setOption('p');
        ip.invProto = invert;
        const lower = arg!.toLowerCase();
        ip.proto = parseProtocol(lower);
        protoSpec = lower;
        // ip6tables: extension headers are not an upper-layer protocol (xshared.c).
        if (family === 6 && !ip.invProto && (ip.proto === 43 || ip.proto === 44 || ip.proto === 51 || ip.proto === 60)) {
          ctx.warn(`Warning: never matched protocol: ${lower}. use extension match instead.\n`);
        }
        if (ip.proto === 0 && ip.invProto) paramError("rule would never match protocol");
        break;
      }
      case 's': setOption('s'); ip.invSrc = invert; srcSpec = arg; break;
      case 'd': setOption('d'); ip.invDst = invert; dstSpec = arg; break;
      case 'i': setOption('i'); ip.invIn = invert; ip.iniface = parseInterface(arg!); break;
      case 'o': setOption('o'); ip.invOut = invert; ip.outiface = parseInterface(arg!); break;
      case 'f':
        if (family === 6) paramError("`-f' is not supported in IPv6, use -m frag instead");
        setOption('f'); ip.invFrag = invert; ip.frag = true; break;
      case 'j': case 'g': {
        setOption('j');
        const name = arg!;
        if (name.length >= TARGET_MAXNAMELEN) paramError(`Invalid target name \`${name}' (${TARGET_MAXNAMELEN - 1} chars max)`);
        jumpto = name;
        gotoFlag = ch === 'g';
        const t = findTarget(name, family);
        if (ch === 'g') {
          if (t || isStandardVerdict(name)) paramError(`goto '${name}' is not a chain`);
        } else if (t) {
          target = loadExt('target', t);
        }
        break;
      }
      case 'm': {
        if (invert) paramError('unexpected ! flag before --match');
        loadMatch(arg!);
        break;
      }
      case 'n': setOption('n'); cmd.numeric = true; break;
      case 'v': if (cmd.verbose === 0) setOption('v'); cmd.verbose++; break;
      case 'x': setOption('x'); cmd.exact = true; break;
      case '0': setOption('0'); cmd.lineNumbers = true; break;
      case 'w': case 'W': {
        if (invert) paramError("unexpected '!' flag");
        if (arg === undefined) nextPositionalNumber();
        if (ch === 'w') waitGiven = true; else waitIntervalGiven = true;
        break;
      }
      case 'M': break;
      case 't': {
        if (invert) paramError('unexpected ! flag before --table');
        if (opts.inRestore) paramError(`The -t option cannot be used in ${prog}.\n`);
        if (tableGiven && arg !== cmd.table) paramError("multiple -t flags not allowed");
        tableGiven = true;
        if (!(TABLE_NAMES as readonly string[]).includes(arg!)) {
          throw new XtError(3, `can't initialize ${prog} table \`${arg}': Table does not exist (do you need to insmod?)\nPerhaps ${prog} or your kernel needs to be upgraded.`, { noHint: true });
        }
        cmd.table = arg as TableName;
        ctx.table = cmd.table;
        break;
      }
      case 'c': {
        setOption('c');
        const pc = arg!;
        const bc = argv[g.optind];
        if (bc === undefined || bc[0] === '-' || bc[0] === '!') paramError('-c requires packet and byte counter');
        g.optind++;
        const p = counterNum(pc);
        if (p === undefined) paramError('-c packet counter not numeric');
        const b = counterNum(bc);
        if (b === undefined) paramError('-c byte counter not numeric');
        cmd.counters = { pcnt: p, bcnt: b };
        break;
      }
      // The other family's switch: iptables just prints the usage hint.
      case '4': if (invert) paramError("unexpected '!' flag"); if (family === 6) throw new XtError(2, '', { hintOnly: true }); break;
      case '6': if (invert) paramError("unexpected '!' flag"); if (family === 4) throw new XtError(2, '', { hintOnly: true }); break;
      case 'b': paramError(`unknown option "-b"`);
      default: paramError(`unknown option "${r.kind === 'long' ? r.spelled : '-' + ch}"`);
    }
    invert = false;
  }

  function nextPositionalNumber(): void {
    const a = argv[g.optind];
    if (a !== undefined && /^[0-9]+$/.test(a)) g.optind++;
  }

  if (invert) paramError('nothing appropriate following !');
  if (waitIntervalGiven) {
    warnings += 'Ignoring deprecated --wait-interval option.\n';
    sink.text = warnings;
    if (!waitGiven) paramError('--wait-interval only makes sense with --wait\n');
  }
  if (command === undefined) paramError('no command specified');
  cmd.cmd = command;

  // Extension final checks (x6_fcheck) in the order loaded, then the target.
  for (const le of loaded) { ctx.optind = g.optind; le.ext.finalCheck?.(le.data, ctx); }
  if (target) target.ext.finalCheck?.(target.data, ctx);

  // Addresses are resolved before the option/command check (xtables_ipparse_multiple).
  const srcs = expandAddrs(family, srcSpec);
  const dsts = expandAddrs(family, dstSpec);

  // Which options are legal with which command (generic_opt_check).
  const flags = ALLOWED_FLAGS[command === 'V' || command === 'h' ? 'L' : command];
  if (flags) {
    for (let i = 0; i < OPT_CHARS.length; i++) {
      if (flags[i] === 'x' && seen.has(OPT_CHARS[i])) paramError(`Illegal option \`-${OPT_CHARS[i]}' with this command`);
    }
  }

  if (cmd.table === 'nat' && (cmd.policy === 'DROP' || jumpto === 'DROP')) {
    paramError('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
  }

  cmd.jumpto = jumpto;
  // Interfaces that can never be known at a builtin hook (xshared.c).
  if (cmd.chain === 'PREROUTING' || cmd.chain === 'INPUT') {
    if (seen.has('o')) paramError(`Can't use -o with ${cmd.chain}\n`);
  } else if (cmd.chain === 'OUTPUT' || cmd.chain === 'POSTROUTING') {
    if (seen.has('i')) paramError(`Can't use -i with ${cmd.chain}\n`);
  }
  if (['A', 'C', 'D', 'R', 'I'].includes(command) && !(command === 'D' && cmd.rulenum !== undefined)) {
    if ((srcs.length > 1 || dsts.length > 1) && (command === 'R')) {
      paramError('Replacement rule does not specify a unique address');
    }
    const matches: MatchInstance[] = loaded.map((l) => ({ ext: l.ext as MatchExtension, data: l.data }));
    let tref: TargetRef;
    if (target) tref = { kind: 'ext', ext: target.ext as TargetExtension, data: target.data };
    else if (jumpto === undefined) tref = { kind: 'none' };
    else if (isStandardVerdict(jumpto)) tref = { kind: 'verdict', verdict: jumpto };
    else tref = { kind: 'jump', chain: jumpto, goto: gotoFlag };
    for (const s of srcs) {
      for (const d of dsts) {
        const rip = { ...ip };
        if (s) { rip.src = s.addr; rip.smsk = s.mask; }
        if (d) { rip.dst = d.addr; rip.dmsk = d.mask; }
        const rule: Rule = { ip: rip, matches, target: tref, pcnt: cmd.counters?.pcnt ?? 0, bcnt: cmd.counters?.bcnt ?? 0 };
        cmd.rules.push(rule);
      }
    }
  }
  void protoName;
  cmd.warnings = warnings;
  return cmd;
}

function counterNum(s: string): number | undefined {
  // sscanf("%llu"): leading digits; iptables checks the conversion succeeded.
  const m = /^\s*\+?([0-9]+)/.exec(s);
  if (!m) return undefined;
  return Number(m[1]);
}

export function isStandardVerdict(name: string): name is 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE' {
  return name === 'ACCEPT' || name === 'DROP' || name === 'RETURN' || name === 'QUEUE';
}

export function checkChainName(name: string, family: Family): void {
  if (name.length >= CHAIN_MAXNAMELEN) paramError(`chain name \`${name}' too long (must be under ${CHAIN_MAXNAMELEN} chars)`);
  if (name[0] === '-' || name[0] === '!') paramError(`chain name not allowed to start with \`${name[0]}'`);
  if (isStandardVerdict(name) || findTarget(name, family)) paramError('chain name may not clash with target name');
}

/** xtables_parse_interface: at most IFNAMSIZ-1 characters. */
export function parseInterface(s: string): string {
  if (s.length >= 16) paramError(`interface name \`${s}' must be shorter than IFNAMSIZ (15)`);
  return s;
}

function expandAddrs(family: Family, spec: string | undefined): (AddrMask | undefined)[] {
  if (spec === undefined) return [undefined];
  const out: AddrMask[] = [];
  for (const part of spec.split(',')) {
    const r = parseAddrMask(family, part);
    if (typeof r === 'string') paramError(r);
    out.push(r);
  }
  return out;
}

/** Name of the match that -p loads implicitly (find_proto), if any. */
function protoMatchName(proto: number, spec: string): string | undefined {
  if (/^[0-9]/.test(spec)) return protoName(proto);
  return spec;
}
