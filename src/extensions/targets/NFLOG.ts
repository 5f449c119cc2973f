/**
 * NFLOG target (extensions/libxt_NFLOG.c; net/netfilter/xt_NFLOG.c).
 *
 * --nflog-group (u16), --nflog-prefix (kept in char[64]: cut to 63 bytes,
 * at least 1, no newline), --nflog-size (u32, sets the copy-len flag),
 * --nflog-range (the old, never working spelling of the same length field,
 * exclusive with --nflog-size; iptables warns about it on stderr in its
 * final check), --nflog-threshold (u16; the default 0 is not printed).
 * -L and -S share one layout; the prefix is quoted like iptables-save does.
 */
import { XtError, paramError } from '../../util/errors';
import { saveString } from '../../util/quote';
import { defineTarget } from '../types';
import { optionSpecs, xtFcheck, xtParse, type XtOption } from '../xtoptions';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { logLine } from './logline';

const O_RANGE = 2;
const O_SIZE = 3;
const XT_NFLOG_F_COPY_LEN = 1;
const PREFIX_MAX = 63;
const RANGE_WARNING = 'warn: --nflog-range has never worked and is no longer supported, please use --nflog-size instead';

const ENTRIES: readonly XtOption[] = [
  { name: 'nflog-group', id: 0, type: 'u16' },
  { name: 'nflog-prefix', id: 1, type: 'string', min: 1 },
  { name: 'nflog-range', id: O_RANGE, type: 'u32', excl: 1 << O_SIZE },
  { name: 'nflog-size', id: O_SIZE, type: 'u32', excl: 1 << O_RANGE },
  { name: 'nflog-threshold', id: 4, type: 'u16' },
];

interface NflogInfo { group: number; prefix: string; len: number; threshold: number; flags: number; xflags: number; }

function text(d: NflogInfo, dashes: string): string {
  let s = '';
  if (d.prefix) s += ` ${dashes}nflog-prefix${saveString(d.prefix)}`;
  if (d.group) s += ` ${dashes}nflog-group ${d.group}`;
  if (d.flags & XT_NFLOG_F_COPY_LEN) s += ` ${dashes}nflog-size ${d.len}`;
  else if (d.len) s += ` ${dashes}nflog-range ${d.len}`;
  if (d.threshold) s += ` ${dashes}nflog-threshold ${d.threshold}`;
  return s;
}

export const NFLOG = defineTarget<NflogInfo>({
  kind: 'target',
  name: 'NFLOG',
  family: 0,
  options: optionSpecs(ENTRIES),
  init: () => ({ group: 0, prefix: '', len: 0, threshold: 0, flags: 0, xflags: 0 }),
  parse(opt, arg, invert, d) {
    const v = xtParse('NFLOG', ENTRIES, opt, arg, invert, d);
    switch (opt) {
      case 'nflog-group': d.group = v; break;
      case 'nflog-prefix':
        if (arg!.includes('\n')) paramError('Newlines not allowed in --log-prefix');
        d.prefix = Buffer.from(arg!).subarray(0, PREFIX_MAX).toString();
        break;
      case 'nflog-range': case 'nflog-size': d.len = v; break;
      case 'nflog-threshold': d.threshold = v; break;
    }
  },
  finalCheck(d, ctx) {
    if (d.xflags & (1 << O_SIZE)) d.flags |= XT_NFLOG_F_COPY_LEN;
    // The deprecation warning reaches stderr first, whether or not a conflict follows.
    if (d.xflags & (1 << O_RANGE)) ctx.warn(`${RANGE_WARNING}\n`);
    xtFcheck('NFLOG', ENTRIES, d.xflags);
  },
  print: (d) => text(d, ''),
  save: (d) => text(d, '--'),
  /**
   * nflog_tg hands the packet to nfnetlink_log group N for a userspace
   * listener (ulogd, tcpdump -i nflog:N); the packet always goes on. There is
   * no listener in this model, so what is recorded is a line in net.log, so
   * tests and traces can see that the rule fired:
   *   "NFLOG group=N prefix=\"P\" " + the LOG text of the packet (no flags),
   * without the "<level>" marker (nfnetlink_log has none). The copy range,
   * size and threshold (batching) only shape what userspace would receive,
   * so they change nothing here.
   */
  target(skb: Skb, d) {
    const line = logLine(skb, 0, 0, '');
    skb.net.log.push(`NFLOG group=${d.group} prefix="${d.prefix}" ${line.slice(3)}`);
    return XT_CONTINUE;
  },
});
