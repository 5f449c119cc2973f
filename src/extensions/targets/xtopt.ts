/**
 * The guided option parser most target extensions use (libxtables/xtoptions.c
 * xtables_option_parse / xtables_options_fcheck): each option is described
 * by an entry (id, type, flags, exclusions) and the generic code reports
 * repeated use, inversion, bad numbers and conflicting options with fixed
 * messages. Extensions keep the accumulated option bits (xflags) in their data.
 */
import { paramError } from '../../util/errors';
import { strtoul } from '../../util/num';

export interface OptEntry {
  name: string;
  id: number;
  /** 'u8' / 'u16' / 'u32' parse as xtopt_parse_int; 'string' checks length; 'none' takes no argument. */
  type: 'none' | 'u8' | 'u16' | 'u32' | 'string' | 'other';
  /** XTOPT_MULTI: may be given more than once. */
  multi?: boolean;
  /** XTOPT_INVERT: `!` allowed. */
  invert?: boolean;
  /** XTOPT_MAND: must be given. */
  mand?: boolean;
  /** Bitmask of ids this option excludes / requires. */
  excl?: number;
  also?: number;
  min?: number;
  max?: number;
  /** Number base for integers (0 = auto). */
  base?: number;
}

const TYPE_MAX: Record<string, number> = { u8: 0xff, u16: 0xffff, u32: 0xffffffff };

export function findEntry(entries: readonly OptEntry[], name: string): OptEntry {
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`no option entry ${name}`);
  return e;
}

/**
 * xtables_option_parse: the generic checks and, for integer types, the value.
 * Updates the xflags holder. Returns the parsed integer (or 0 for non-integers).
 */
export function xoParse(ext: string, e: OptEntry, arg: string | undefined, invert: boolean, st: { xflags: number }): number {
  const bit = 1 << e.id;
  if ((!e.multi || ((e.excl ?? 0) & bit)) && (st.xflags & bit)) {
    paramError(`${ext}: option "--${e.name}" can only be used once.\n`);
  }
  if (invert && !e.invert) paramError(`${ext}: option "--${e.name}" cannot be inverted.\n`);
  let v = 0;
  if (e.type === 'u8' || e.type === 'u16' || e.type === 'u32') {
    const lmin = e.min ?? 0;
    const lmax = e.max || TYPE_MAX[e.type];
    const n = strtoul(arg ?? '', e.base ?? 0, lmin, lmax);
    if (n === undefined) paramError(`${ext}: bad value for option "--${e.name}", or out of range (${lmin}-${lmax}).\n`);
    v = n;
  } else if (e.type === 'string') {
    const z = Buffer.byteLength(arg ?? '');
    if (e.min && z < e.min) paramError(`Argument must have a minimum length of ${e.min} characters\n`);
    if (e.max && z > e.max) paramError(`Argument must have a maximum length of ${e.max} characters\n`);
  }
  st.xflags |= bit;
  return v;
}

/** xtables_options_fcheck: mandatory options, "also requires", exclusions, in table order. */
export function xoFcheck(ext: string, entries: readonly OptEntry[], xflags: number): void {
  for (const e of entries) {
    const ef = 1 << e.id;
    if (e.mand && !(xflags & ef)) paramError(`${ext}: option "--${e.name}" must be specified\n`);
    if (!(xflags & ef)) continue;
    for (let i = 0; i < 32; i++) {
      if (i === e.id) continue;
      const other = entries.find((x) => x.id === i);
      if (!other) continue;
      const of = 1 << i;
      if ((e.also ?? 0) & of && !(xflags & of)) paramError(`${ext}: option "--${e.name}" also requires "--${other.name}".\n`);
      if ((e.excl ?? 0) & of && (xflags & (ef | of)) === (ef | of)) {
        paramError(`${ext}: option "--${e.name}" cannot be used together with "--${other.name}".\n`);
      }
    }
  }
}

/** The getopt table (name, takes an argument) from the entries. */
export function optionSpecs(entries: readonly OptEntry[]): { name: string; arg: 'none' | 'required' }[] {
  return entries.map((e) => ({ name: e.name, arg: e.type === 'none' ? 'none' : 'required' }));
}
