/**
 * Splitting an iptables-restore rule line into words as xshared.c
 * add_param_to_argv does: blanks separate words, double quotes group,
 * inside quotes \" and \\ are escapes; single quotes are ordinary.
 * Plain words are sliced out whole; only quoted ones are built up.
 */
const MAX_PARAM = 1024;

export function tokenizeRestoreLine(line: string): string[] | 'too-long' {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10) { i++; continue; }
    // Fast path: a word without quotes.
    const start = i;
    while (i < n) {
      c = line.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 34) break;
      i++;
    }
    if (i >= n || c !== 34) {
      if (i - start >= MAX_PARAM) return 'too-long';
      out.push(line.slice(start, i));
      continue;
    }
    // Slow path: the word contains a double quote somewhere.
    let cur = line.slice(start, i);
    let quote = false;
    let escaped = false;
    for (; i < n; i++) {
      const ch = line[i];
      if (quote) {
        if (escaped) {
          if (ch !== '"' && ch !== '\\') cur += '\\';
          cur += ch; escaped = false; continue;
        }
        if (ch === '\\') { escaped = true; continue; }
        if (ch === '"') { quote = false; continue; }
        cur += ch; continue;
      }
      if (ch === '"') { quote = true; continue; }
      if (ch === ' ' || ch === '\t' || ch === '\n') break;
      cur += ch;
      if (cur.length >= MAX_PARAM) return 'too-long';
    }
    if (cur.length >= MAX_PARAM) return 'too-long';
    out.push(cur);
  }
  return out;
}
