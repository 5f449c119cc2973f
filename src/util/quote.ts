/**
 * xtables_save_string: how iptables-save quotes a free-text value
 * (comments, log prefixes). Safe words stay bare; anything else is put in
 * double quotes with ", \ and ' escaped by a backslash.
 */
const SAFE = /^[_\-0-9a-zA-Z]+$/;

export function saveString(v: string): string {
  if (SAFE.test(v)) return ' ' + v;
  return ' "' + v.replace(/["\\']/g, (c) => '\\' + c) + '"';
}
