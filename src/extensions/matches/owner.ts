/**
 * owner match, revision 1 (extensions/libxt_owner.c; net/netfilter/
 * xt_owner.c). Kernel: only from OUTPUT and POSTROUTING; a range with
 * min > max is refused. User and group names: netsieve has no passwd/group
 * database, so only "root" (0) resolves, and -L names only id 0 (real
 * iptables would also name other ids found in /etc/passwd, /etc/group).
 */
import { EINVAL_MSG } from '../../rules/validate';
import { paramError } from '../../util/errors';
import { strtoulPrefix } from '../../util/num';
import { defineMatch } from '../types';
import { xtOnce } from '../xtoptions';

const MAX_ID = 0xfffffffe; // -1 is reserved

/** xtables_param_act(XTF_BAD_VALUE, ...). */
function badValue(opt: string, arg: string): never {
  paramError(`owner: Bad value for "--${opt}" option: "${arg}"`);
}

/** xtables_strtoui with an end pointer: a base-0 prefix within [0, MAX_ID]. */
function idPrefix(s: string): { value: number; rest: string } | undefined {
  if (/^\s*-/.test(s)) return undefined;
  const r = strtoulPrefix(s, 0);
  return r && r.value <= MAX_ID ? r : undefined;
}

/** owner_parse_range: "a", "a-b" or "a:b"; a name is looked up first. */
function parseIdRange(opt: string, arg: string): [number, number] {
  if (arg === 'root') return [0, 0];
  const a = idPrefix(arg);
  if (!a) badValue(opt, arg);
  let to = a.value;
  let rest = a.rest;
  if (rest[0] === '-' || rest[0] === ':') {
    const b = idPrefix(rest.slice(1));
    if (!b) badValue(opt, arg);
    to = b.value;
    rest = b.rest;
  }
  if (rest !== '') badValue(opt, arg);
  return [a.value, to];
}

interface IdOpt { range: [number, number]; inv: boolean }

export interface OwnerInfo {
  seen: Set<string>;
  socket?: { inv: boolean };
  uid?: IdOpt;
  gid?: IdOpt;
  suppl: boolean;
}

function item(label: string, o: IdOpt, numeric: boolean): string {
  const [lo, hi] = o.range;
  let v: string;
  if (lo !== hi) v = `${lo}-${hi}`;
  else v = !numeric && lo === 0 ? 'root' : String(lo);
  return `${o.inv ? ' !' : ''} ${label} ${v}`;
}

function render(d: OwnerInfo, numeric: boolean, labels: readonly string[]): string {
  let s = '';
  if (d.socket) s += `${d.socket.inv ? ' !' : ''} ${labels[0]}`;
  if (d.uid) s += item(labels[1], d.uid, numeric);
  if (d.gid) s += item(labels[2], d.gid, numeric);
  if (d.suppl) s += ` ${labels[3]}`;
  return s;
}

export const owner = defineMatch<OwnerInfo>({
  kind: 'match',
  name: 'owner',
  revision: 1,
  family: 0,
  hooks: ['OUTPUT', 'POSTROUTING'],
  options: [
    { name: 'uid-owner', arg: 'required' }, { name: 'gid-owner', arg: 'required' },
    { name: 'socket-exists', arg: 'none' }, { name: 'suppl-groups', arg: 'none' },
  ],
  init: () => ({ seen: new Set(), suppl: false }),
  parse(opt, arg, invert, d) {
    xtOnce('owner', opt, d.seen, invert, opt !== 'suppl-groups');
    switch (opt) {
      case 'uid-owner': d.uid = { range: parseIdRange(opt, arg!), inv: invert }; break;
      case 'gid-owner': d.gid = { range: parseIdRange(opt, arg!), inv: invert }; break;
      case 'socket-exists': d.socket = { inv: invert }; break;
      case 'suppl-groups':
        if (!d.gid) paramError('owner: Bad value for "--suppl-groups" option: "you need to use --gid-owner first"');
        d.suppl = true;
        break;
    }
  },
  finalCheck(d) {
    if (d.seen.size === 0) paramError('owner: At least one of --uid-owner, --gid-owner or --socket-exists is required');
  },
  check(d) {
    if (d.uid && d.uid.range[0] > d.uid.range[1]) return EINVAL_MSG;
    if (d.gid && d.gid.range[0] > d.gid.range[1]) return EINVAL_MSG;
    return null;
  },
  print: (d, ctx) => render(d, ctx.numeric, ['owner socket exists', 'owner UID match', 'owner GID match', 'incl. suppl. groups']),
  save: (d) => render(d, true, ['--socket-exists', '--uid-owner', '--gid-owner', '--suppl-groups']),
  /**
   * xt_owner.c owner_mt. A packet has a socket when it was generated
   * locally with an owner (skb.local, uid >= 0). Without one, the rule
   * matches only if every option given is inverted. Supplementary groups
   * are not modelled (only the primary gid is compared).
   */
  match(skb, d) {
    const hasSock = skb.local && skb.uid >= 0;
    if (!hasSock) {
      return !((d.socket && !d.socket.inv) || (d.uid && !d.uid.inv) || (d.gid && !d.gid.inv));
    }
    if (d.socket && d.socket.inv) return false;
    if (d.uid && (skb.uid >= d.uid.range[0] && skb.uid <= d.uid.range[1]) === d.uid.inv) return false;
    if (d.gid && (skb.gid >= d.gid.range[0] && skb.gid <= d.gid.range[1]) === d.gid.inv) return false;
    return true;
  },
});
