/**
 * The extension interface, modelled on iptables' struct xtables_match /
 * xtables_target (include/xtables.h) and the kernel's xt_match / xt_target
 * checkentry. One file per extension implements it; registry.ts lists them.
 */
import type { Skb } from '../engine/skb';
import type { NetContext } from '../engine/net';
import type { Family, HookName, IpHeaderMatch, TableName } from '../rules/model';

export type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  /** Long option name without the leading dashes. */
  name: string;
  arg: ArgKind;
}

/** What an extension sees while its options are parsed. */
export interface ParseContext {
  family: Family;
  table: TableName;
  /** The rule's fixed header so far (protocol, for checks like "needs -p tcp"). */
  ip: IpHeaderMatch;
  /** Name the program reports itself as (iptables / ip6tables). */
  prog: string;
  /** Name of the next argument (for extensions taking extra positional words, e.g. recent). */
  argv: readonly string[];
  /** Index into argv of the next unread word; extensions may advance it (optind). */
  optind: number;
  /** True while netsieve reads its own saved state (not user input): forms iptables-save prints but cannot parse are accepted. */
  savedState?: boolean;
  /** Print a warning to stderr and go on, as libxtables extensions do with fprintf(stderr). Include the newline. */
  warn(text: string): void;
}

export interface PrintContext {
  family: Family;
  /** -n given: no name lookups (services, hosts). */
  numeric: boolean;
  ip: IpHeaderMatch;
}

/** Where a rule sits, for the kernel-side checkentry (x_tables.c xt_check_match/target). */
export interface CheckContext {
  family: Family;
  table: TableName;
  /** Bitmask of hooks from which the rule's chain is reachable (HOOK_BIT). */
  hookMask: number;
  ip: IpHeaderMatch;
  /** The rule's match names, in order (TCPMSS wants a tcp match with SYN). */
  matches: readonly { name: string; data: unknown }[];
}

interface ExtensionBase<D> {
  name: string;
  /** Revision the save/print forms follow (informational). */
  revision?: number;
  /** 0: both families; 4 or 6: only that one. */
  family: 0 | Family;
  /**
   * The kernel module takes a reference on conntrack for its family
   * (nf_ct_netns_get): connection tracking runs in a namespace only while
   * some rule needs it.
   */
  needsConntrack?: boolean;
  /** Name the kernel knows it by, shown in -L's target column (NOTRACK is the kernel's CT). */
  kernelName?: string;
  /** Other names that load this extension (e.g. icmp6 for icmpv6). */
  aliases?: readonly string[];
  options: readonly OptionSpec[];
  /** Fresh data for a new instance of this extension in a rule. */
  init(ctx: ParseContext): D;
  /**
   * Handle one option; throw XtError for bad input. `arg` is undefined for
   * options without an argument. `invert` is true if `!` preceded the option.
   */
  parse(opt: string, arg: string | undefined, invert: boolean, data: D, ctx: ParseContext): void;
  /** Called after all options are read (x6_fcheck / final_check). */
  finalCheck?(data: D, ctx: ParseContext): void;
  /** Text for iptables -L after the fixed columns: starts with a space, or ''. */
  print(data: D, ctx: PrintContext): string;
  /** Text for -S / iptables-save after "-m name" / "-j NAME": starts with a space, or ''. */
  save(data: D, ctx: PrintContext): string;
  /**
   * The kernel's checkentry: return an error message (as iptables reports
   * the kernel's refusal) or null when the rule may sit there.
   */
  check?(data: D, ctx: CheckContext): string | null;
  /**
   * Called when a ruleset holding this rule is loaded into an engine, as the
   * kernel runs checkentry when a table is replaced: state that must exist
   * before the first packet (xt_recent's /proc entry, a hashlimit table) is made here.
   */
  load?(net: NetContext, data: D): void;
  /** Hooks this extension may be used from (xt_match.hooks); undefined = all. */
  hooks?: readonly HookName[];
  /** Tables this extension may be used in (xt_match.table); undefined = all. */
  tables?: readonly TableName[];
  /** Protocol the kernel requires in the rule (xt_match.proto), 0/undefined = any. */
  proto?: number;
}

export interface MatchExtension<D = unknown> extends ExtensionBase<D> {
  kind: 'match';
  /**
   * The packet function (xt_match.match): true when the packet matches.
   * Must not allocate. Undefined while the extension's packet behaviour
   * is not modelled; the engine then refuses the ruleset instead of guessing.
   */
  match?(skb: Skb, data: D): boolean;
}

export interface TargetExtension<D = unknown> extends ExtensionBase<D> {
  kind: 'target';
  /** The packet function (xt_target.target): a verdict (NF_ACCEPT, NF_DROP, ...) or XT_CONTINUE. */
  target?(skb: Skb, data: D): number;
}

export type Extension = MatchExtension | TargetExtension;

/** Helper so extension files can declare typed data and still register as unknown. */
export function defineMatch<D>(m: MatchExtension<D>): MatchExtension {
  return m as unknown as MatchExtension;
}

export function defineTarget<D>(t: TargetExtension<D>): TargetExtension {
  return t as unknown as TargetExtension;
}
