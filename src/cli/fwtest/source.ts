/**
 * A test file as YAML nodes that remember where they were written, so that
 * every mistake in the file is reported as `FILE:LINE: message` (exit
 * status 2). The `yaml` package keeps each node's source range; its
 * LineCounter turns offsets into line numbers.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node as YNode, type YAMLMap } from 'yaml';

/** A mistake in a test file (or in a file it names), at a line. */
export class FileError extends Error {
  constructor(readonly file: string, readonly line: number, msg: string) { super(msg); }
  get where(): string { return this.line > 0 ? `${this.file}:${this.line}` : this.file; }
}

export class Source {
  readonly lc = new LineCounter();
  constructor(readonly file: string, readonly text: string) {}

  /** 1-based line of a source offset. */
  lineAt(offset: number): number {
    return this.lc.linePos(offset).line;
  }

  lineOf(n: YNode | null | undefined, fallback = 1): number {
    const r = n?.range;
    return r ? this.lineAt(r[0]) : fallback;
  }

  error(n: YNode | null | undefined, msg: string): FileError {
    return new FileError(this.file, this.lineOf(n), msg);
  }

  /**
   * The line where line k (0-based) of a string value is written. A literal
   * block (`|`) keeps its lines one to one after its header line; other
   * styles are reported at the value's first line.
   */
  lineOfTextLine(n: YNode, k: number): number {
    const first = this.lineOf(n);
    return isScalar(n) && n.type === Scalar.BLOCK_LITERAL ? first + 1 + k : first;
  }
}

/** Parses the YAML text; a syntax error is a FileError at its line. */
export function parseYaml(src: Source): YNode | null {
  const doc = parseDocument(src.text, { lineCounter: src.lc, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) throw new FileError(src.file, src.lineAt(err.pos[0]), `YAML: ${err.message.split('\n')[0]}`);
  return doc.contents as YNode | null;
}

/** A mapping's entries as [key, keyNode, valueNode], keys being plain strings. */
export function entries(src: Source, n: YNode, what: string): [string, YNode, YNode | null][] {
  if (!isMap(n)) throw src.error(n, `${what} must be a mapping (key: value lines)`);
  const out: [string, YNode, YNode | null][] = [];
  for (const p of (n as YAMLMap<YNode, YNode | null>).items) {
    if (!isPair(p) || !isScalar(p.key)) throw src.error(p.key as YNode, `${what}: keys must be plain words`);
    out.push([String(p.key.value), p.key as YNode, (p.value ?? null) as YNode | null]);
  }
  return out;
}

/** Rejects keys that are not in `allowed`, naming the ones that are. */
export function checkKeys(src: Source, es: [string, YNode, YNode | null][], allowed: readonly string[], what: string): void {
  for (const [k, kn] of es) {
    if (!allowed.includes(k)) throw src.error(kn, `unknown key \`${k}' in ${what} (expected one of: ${allowed.join(', ')})`);
  }
}

export function str(src: Source, n: YNode | null, what: string): string {
  if (!n || !isScalar(n) || n.value === null || typeof n.value === 'object') throw src.error(n, `${what} must be a string`);
  return String(n.value);
}

export function bool(src: Source, n: YNode | null, what: string): boolean {
  if (!n || !isScalar(n) || typeof n.value !== 'boolean') throw src.error(n, `${what} must be true or false`);
  return n.value;
}

export function int(src: Source, n: YNode | null, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = n && isScalar(n) ? n.value : undefined;
  const num = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(num) || num < 0 || num > max) throw src.error(n, `${what} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`);
  return num;
}

/** A string, or a list of strings: one item per element, with its line. */
export function lines(src: Source, n: YNode | null, what: string): { text: string; line: number }[] {
  if (n && isSeq(n)) {
    return n.items.map((it) => ({ text: str(src, it as YNode, `each item of ${what}`), line: src.lineOf(it as YNode) }));
  }
  const s = str(src, n, `${what} (a string or a list of strings)`);
  return s.split('\n').map((text, k) => ({ text, line: src.lineOfTextLine(n!, k) }));
}

export { isMap, isScalar, isSeq, type YNode };
