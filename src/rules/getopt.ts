/**
 * A GNU getopt_long work-alike with the behaviour iptables relies on:
 * optstring starting with "-" (non-options returned in order as code 1),
 * ":" (a missing argument is reported, not printed), bundled short
 * options, "-Xarg" attached arguments, and long options that may be
 * abbreviated to a unique prefix, with "--opt=value". The option table can
 * grow while parsing, as xtables_merge_options does when -m/-j load an
 * extension.
 */
export interface LongOpt {
  name: string;
  arg: 'none' | 'required' | 'optional';
  /** Opaque owner id (0 = the base program, else an extension instance id). */
  owner: number;
}

export type GetoptResult =
  | { kind: 'end' }
  | { kind: 'nonopt'; arg: string }
  | { kind: 'short'; ch: string; arg?: string }
  | { kind: 'long'; opt: LongOpt; arg?: string; spelled: string }
  | { kind: 'unknown'; spelled: string }
  | { kind: 'missing'; spelled: string };

export class Getopt {
  optind = 0;
  private nextchar = '';

  constructor(
    readonly argv: string[],
    /** Short option letters mapped to their argument kind. */
    readonly shorts: Record<string, 'none' | 'required' | 'optional'>,
    /** Long option table, searched first to last; exact matches win. */
    public longs: LongOpt[],
  ) {}

  next(): GetoptResult {
    const argv = this.argv;
    if (this.nextchar === '') {
      if (this.optind >= argv.length) return { kind: 'end' };
      const a = argv[this.optind];
      if (a === '--') { this.optind++; return this.next(); }
      if (a.length < 2 || a[0] !== '-') { this.optind++; return { kind: 'nonopt', arg: a }; }
      if (a.startsWith('--')) { this.optind++; return this.long(a); }
      this.nextchar = a.slice(1);
      this.optind++;
    }
    const ch = this.nextchar[0];
    this.nextchar = this.nextchar.slice(1);
    const kind = this.shorts[ch];
    if (kind === undefined) {
      const spelled = '-' + ch;
      this.nextchar = '';
      return { kind: 'unknown', spelled };
    }
    if (kind === 'none') return { kind: 'short', ch };
    if (this.nextchar !== '') {
      const arg = this.nextchar;
      this.nextchar = '';
      return { kind: 'short', ch, arg };
    }
    if (kind === 'optional') return { kind: 'short', ch };
    if (this.optind >= argv.length) return { kind: 'missing', spelled: '-' + ch };
    return { kind: 'short', ch, arg: argv[this.optind++] };
  }

  private long(a: string): GetoptResult {
    const body = a.slice(2);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let found: LongOpt | undefined;
    let ambiguous = false;
    for (const o of this.longs) {
      if (o.name === name) { found = o; ambiguous = false; break; }
      if (o.name.startsWith(name)) {
        if (!found) found = o;
        else if (found.owner !== o.owner || found.arg !== o.arg || found.name !== o.name) ambiguous = true;
      }
    }
    if (!found || ambiguous) return { kind: 'unknown', spelled: a };
    if (found.arg === 'none') {
      if (eq >= 0) return { kind: 'unknown', spelled: a };
      return { kind: 'long', opt: found, spelled: a };
    }
    if (eq >= 0) return { kind: 'long', opt: found, arg: body.slice(eq + 1), spelled: a };
    if (found.arg === 'optional') return { kind: 'long', opt: found, spelled: a };
    if (this.optind >= this.argv.length) return { kind: 'missing', spelled: a };
    return { kind: 'long', opt: found, arg: this.argv[this.optind++], spelled: a };
  }
}
