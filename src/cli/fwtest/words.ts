/**
 * Command lines as a shell would split them: words, '...' and "..."
 * quoting, backslash escapes, `#` comments, backslash-newline
 * continuations (the seeds write long iptables commands over several
 * lines), and $NAME / ${NAME} from the file's `vars:` (seed 004 writes
 * `--to $PPPIP`). No globbing, no command substitution.
 */

export class WordsError extends Error {}

export type Vars = ReadonlyMap<string, string>;

function expand(name: string, vars: Vars): string {
  const v = vars.get(name);
  if (v === undefined) throw new WordsError(`$${name} is not defined (add it under vars:)`);
  return v;
}

/** Splits one command line into words. */
export function shellWords(line: string, vars: Vars): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const n = line.length;
  const dollar = (): void => {
    // $NAME or ${NAME}; a lone $ stays.
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(line.slice(i));
    if (!m) { cur += '$'; i++; return; }
    cur += expand(m[1] ?? m[2], vars);
    i += m[0].length;
  };
  while (i < n) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (inWord) { out.push(cur); cur = ''; inWord = false; }
      i++;
      continue;
    }
    if (c === '#' && !inWord) break;
    inWord = true;
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      if (j < 0) throw new WordsError('unterminated single quote');
      cur += line.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new WordsError('unterminated double quote');
        const d = line[i];
        if (d === '"') { i++; break; }
        if (d === '\\' && i + 1 < n && '"\\$`'.includes(line[i + 1])) { cur += line[i + 1]; i += 2; continue; }
        if (d === '$') { dollar(); continue; }
        cur += d;
        i++;
      }
    } else if (c === '\\') {
      if (i + 1 < n) cur += line[i + 1];
      i += 2;
    } else if (c === '$') {
      dollar();
    } else {
      cur += c;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** A script's lines joined across backslash-newline, blank and comment-only lines left out. */
export function scriptCommands(ls: { text: string; line: number }[]): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let acc: { text: string; line: number } | undefined;
  for (const l of ls) {
    const t = l.text.replace(/\s+$/, '');
    const cont = /(^|[^\\])\\$/.test(t);
    const body = cont ? t.slice(0, -1) : t;
    if (acc) acc.text += ' ' + body; else acc = { text: body, line: l.line };
    if (cont) continue;
    if (acc.text.trim() !== '' && !acc.text.trim().startsWith('#')) out.push({ text: acc.text.trim(), line: acc.line });
    acc = undefined;
  }
  if (acc && acc.text.trim() !== '') out.push({ text: acc.text.trim(), line: acc.line });
  return out;
}
