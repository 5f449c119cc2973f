/**
 * A parsed iptables command line (what xshared.c's do_parse produces).
 */
import type { Family, Rule, TableName } from './model';

export type CommandName = 'A' | 'C' | 'D' | 'R' | 'I' | 'L' | 'S' | 'F' | 'Z' | 'N' | 'X' | 'E' | 'P' | 'V' | 'h';

export interface Command {
  family: Family;
  /** Main command; -L/-S may come with -Z (zero after listing). */
  cmd: CommandName;
  zero: boolean;
  table: TableName;
  chain?: string;
  newName?: string;
  policy?: string;
  /** 1-based rule number, when given. */
  rulenum?: number;
  /** Rules to add, delete or check: one per source x destination address. */
  rules: Rule[];
  /** Target name as given (for chain jump resolution against the table). */
  jumpto?: string;
  numeric: boolean;
  verbose: number;
  exact: boolean;
  lineNumbers: boolean;
  /** Messages iptables prints to stderr even when it succeeds. */
  warnings: string;
  /** -c given. */
  counters?: { pcnt: number; bcnt: number };
}
