/**
 * mac match (extensions/libxt_mac.c; net/netfilter/xt_mac.c):
 * [!] --mac-source XX:XX:XX:XX:XX:XX, only where a source MAC exists
 * (hooks PREROUTING, INPUT, FORWARD).
 */
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtMandatory, xtOnce, type Seen } from '../xtoptions';

export interface MacInfo { mac: number[]; invert: boolean; seen: Seen; }

/**
 * C strtoul(s, &end, 16): blanks, a sign and "0x" are accepted, negatives
 * wrap. Returns the low byte (what is stored in a uint8_t) and the length
 * consumed (0 if there are no digits).
 */
function strtoul16(s: string): { byte: number; len: number } {
  const m = /^([ \t\n\v\f\r]*)([+-]?)(0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(s);
  if (!m) return { byte: 0, len: 0 };
  let v = BigInt('0x' + m[4]);
  if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
  if (m[2] === '-') v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
  return { byte: Number(v & 0xffn), len: m[0].length };
}

/** xtopt_parse_ethermac: six hex fields, each at most two characters long. */
function parseMac(arg: string): number[] {
  const out: number[] = [];
  let s = arg;
  for (let i = 0; i < 6; i++) {
    const r = strtoul16(s);
    const end = s[r.len];
    if (r.len > 2 || (i < 5 ? end !== ':' : end !== undefined)) paramError('Invalid MAC address specified.');
    out.push(r.byte);
    s = s.slice(r.len + 1);
  }
  return out;
}

const text = (mac: number[]): string => mac.map((b) => b.toString(16).padStart(2, '0')).join(':');

export const mac = defineMatch<MacInfo>({
  kind: 'match',
  name: 'mac',
  family: 0,
  hooks: ['PREROUTING', 'INPUT', 'FORWARD'],
  options: [{ name: 'mac-source', arg: 'required' }],
  init: () => ({ mac: [0, 0, 0, 0, 0, 0], invert: false, seen: new Set() }),
  parse(_opt, arg, invert, d) {
    xtOnce('mac', 'mac-source', d.seen, invert, true);
    d.mac = parseMac(arg!);
    d.invert = invert;
  },
  finalCheck: (d) => xtMandatory('mac', 'mac-source', d.seen),
  print: (d) => ` MAC${d.invert ? ' !' : ''} ${text(d.mac)}`,
  save: (d) => `${d.invert ? ' !' : ''} --mac-source ${text(d.mac)}`,
  /**
   * xt_mac.c mac_mt: only with an Ethernet header in front of the packet
   * (none: false, whatever the inversion); compares the source address.
   */
  match(skb, d) {
    const v = skb.view;
    if (v.l2 < 0 || v.l2 + 14 > v.l3) return false;
    const m = d.mac;
    const b = v.buf;
    const s = v.l2 + 6;
    const eq = b[s] === m[0] && b[s + 1] === m[1] && b[s + 2] === m[2] && b[s + 3] === m[3] && b[s + 4] === m[4] && b[s + 5] === m[5];
    return eq !== d.invert;
  },
});
