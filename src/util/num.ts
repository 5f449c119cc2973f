/**
 * Number parsing as libxtables' xtables_strtoul/strtoui do it: C strtoul with
 * a base (0 = auto: 0x hex, leading 0 octal), whole string consumed, range
 * checked. Returns undefined where xtables would report failure.
 */
export function strtoul(s: string, base: number, min: number, max: number): number | undefined {
  const r = strtoulPrefix(s, base);
  if (r === undefined || r.rest !== '') return undefined;
  if (r.value < min || r.value > max) return undefined;
  return r.value;
}

/** Like C strtoul: parses a prefix, returns value and the unparsed rest. */
export function strtoulPrefix(s: string, base: number): { value: number; rest: string } | undefined {
  const n = s.length;
  let i = 0;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') { neg = s[i] === '-'; i++; }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && i + 2 < n && digit(s.charCodeAt(i + 2)) >= 0 && digit(s.charCodeAt(i + 2)) < 16) {
    i += 2; b = 16;
  } else if (b === 0) {
    b = s[i] === '0' ? 8 : 10;
  }
  const start = i;
  let v = 0;
  while (i < n) {
    const d = digit(s.charCodeAt(i));
    if (d < 0 || d >= b) break;
    v = v * b + d;
    i++;
  }
  if (i === start) return undefined;
  if (neg) return undefined; // xtables rejects negative numbers for unsigned parses
  return { value: v, rest: i === n ? '' : s.slice(i) };
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function digit(x: number): number {
  if (x >= 48 && x <= 57) return x - 48;
  if (x >= 97 && x <= 122) return x - 87;
  if (x >= 65 && x <= 90) return x - 55;
  return -1;
}
