/**
 * Splitting an iptables-restore rule line into words as xshared.c
 * add_param_to_argv does: blanks separate words, double quotes group,
 * inside quotes \" and \\ are escapes; single quotes are ordinary.
 */
export function tokenizeRestoreLine(line: string): string[] | 'too-long' {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote = false;
  let escaped = false;
  for (const ch of line) {
    if (quote) {
      if (escaped) {
        if (ch !== '"' && ch !== '\\') cur += '\\';
        cur += ch; escaped = false; continue;
      }
      if (ch === '\\') { escaped = true; continue; }
      if (ch === '"') { quote = false; continue; }
      cur += ch; continue;
    }
    if (ch === '"') { quote = true; have = true; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (have) { out.push(cur); cur = ''; have = false; }
      continue;
    }
    cur += ch; have = true;
    if (cur.length >= 1024) return 'too-long';
  }
  if (have) out.push(cur);
  return out;
}
