/**
 * The generic option checks libxtables applies to x6_options-style
 * extensions (libxtables/xtoptions.c): xtables_option_parse (used twice,
 * inverted, missing argument) and xtables_options_fcheck (mandatory
 * options, mutually exclusive options), plus the integer parsers of the
 * XTTYPE_UINT* and XTTYPE_MARKMASK32 option types. Messages end in "\n"
 * because libxtables' do, which shows as an empty line before the
 * "Try `iptables -h'" hint.
 */
import { paramError } from '../../util/errors';
import { strtoul, strtoulPrefix } from '../../util/num';
import type { ArgKind, OptionSpec } from '../types';

export interface XtOption {
  name: string;
  /** Bit number in xflags (the extension's O_* enum value). */
  id: number;
  arg: ArgKind;
  /** XTOPT_MAND */
  mand?: boolean;
  /** XTOPT_MULTI: may be given more than once. */
  multi?: boolean;
  /** XTOPT_INVERT: accepts a preceding "!". */
  invert?: boolean;
  /** Bitmask of option ids this one cannot be combined with. */
  excl?: number;
  /** Bitmask of option ids this one requires. */
  also?: number;
}

/** The getopt table an extension declares for the core. */
export function optionSpecs(table: readonly XtOption[]): OptionSpec[] {
  return table.map((o) => ({ name: o.name, arg: o.arg }));
}

/** xtables_option_parse's generic checks; returns the option's entry and the new xflags. */
export function xtParse(ext: string, table: readonly XtOption[], name: string, invert: boolean, xflags: number): { opt: XtOption; xflags: number } {
  const opt = table.find((o) => o.name === name);
  if (!opt) paramError(`unknown option "--${name}"`);
  const bit = 1 << opt.id;
  if ((!opt.multi || (opt.excl ?? 0) & bit) && xflags & bit) paramError(`${ext}: option "--${opt.name}" can only be used once.\n`);
  if (invert && !opt.invert) paramError(`${ext}: option "--${opt.name}" cannot be inverted.\n`);
  return { opt, xflags: xflags | bit };
}

/** xtables_options_fcheck: table order, then other options by ascending id. */
export function xtFcheck(ext: string, table: readonly XtOption[], xflags: number): void {
  for (const e of table) {
    const ef = 1 << e.id;
    if (e.mand && !(xflags & ef)) paramError(`${ext}: option "--${e.name}" must be specified\n`);
    if (!(xflags & ef)) continue;
    for (let i = 0; i < 32; i++) {
      if (i === e.id) continue;
      const other = table.find((o) => o.id === i);
      if (!other) continue;
      const of = 1 << i;
      if ((e.also ?? 0) & of && !(xflags & of)) paramError(`${ext}: option "--${e.name}" also requires "--${other.name}".\n`);
      if ((e.excl ?? 0) & of && xflags & of) paramError(`${ext}: option "--${e.name}" cannot be used together with "--${other.name}".\n`);
    }
  }
}

/** XTTYPE_UINT8/16/32 (xtopt_parse_int): whole string, base auto, range checked. */
export function parseUintOpt(ext: string, name: string, arg: string, min: number, max: number): number {
  const v = strtoul(arg, 0, min, max);
  if (v === undefined) paramError(`${ext}: bad value for option "--${name}", or out of range (${min}-${max}).\n`);
  return v;
}

/** XTTYPE_MARKMASK32 (xtopt_parse_markmask): value[/mask], mask defaults to all ones. */
export function parseMarkMask(ext: string, name: string, arg: string): { mark: number; mask: number } {
  const bad = (): never => paramError(`${ext}: bad integer value for option "--${name}", or out of range.\n`);
  const a = strtoulPrefix(arg, 0);
  if (!a || a.value > 0xffffffff) bad();
  let rest = a!.rest;
  let mask = 0xffffffff;
  if (rest[0] === '/') {
    const m = strtoulPrefix(rest.slice(1), 0);
    if (!m || m.value > 0xffffffff) bad();
    mask = m!.value;
    rest = m!.rest;
  }
  if (rest !== '') paramError(`${ext}: trailing garbage after value for option "--${name}".\n`);
  return { mark: a!.value, mask };
}

/** printf("0x%x") of a 32-bit value. */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}
