/**
 * LOG target (extensions/libxt_LOG.c; net/netfilter/xt_LOG.c), both families.
 *
 * --log-level takes 0-7 or a syslog name (xtoptions.c xtopt_parse_sysloglevel:
 * case-sensitive names, deprecated "error" and "panic" accepted); the default
 * 4 (warning) is left out of -S. --log-prefix is kept in a 30-byte buffer, so
 * longer prefixes are cut to 29 bytes without a word; an empty one is refused.
 * -L shows level names and flag words, -n shows the raw flags and level.
 */
import { paramError } from '../../util/errors';
import { strtoul } from '../../util/num';
import { saveString } from '../../util/quote';
import { defineTarget } from '../types';
import { optionSpecs, xtParse, type XtOption } from '../xtoptions';
import type { Skb } from '../../engine/skb';
import { XT_CONTINUE } from '../../engine/verdict';
import { logLine } from './logline';

/** xt_LOG.h XT_LOG_* flag bits, in the order -S and -L print them. */
const FLAGS: readonly [opt: string, word: string, bit: number][] = [
  ['log-tcp-sequence', 'tcp-sequence', 0x01],
  ['log-tcp-options', 'tcp-options', 0x02],
  ['log-ip-options', 'ip-options', 0x04],
  ['log-uid', 'uid', 0x08],
  ['log-macdecode', 'macdecode', 0x20],
];

const ENTRIES: readonly XtOption[] = [
  { name: 'log-level', id: 0, type: 'other' },
  { name: 'log-prefix', id: 1, type: 'string', min: 1 },
  ...FLAGS.map(([name], i): XtOption => ({ name, id: 2 + i, type: 'none' })),
];

/** syslog.h names iptables accepts (sorted table in xtoptions.c). */
const LEVEL_NAMES = new Map<string, number>([
  ['alert', 1], ['crit', 2], ['debug', 7], ['emerg', 0], ['error', 3], ['info', 6], ['notice', 5], ['panic', 0], ['warning', 4],
]);
/** Names -L prints, by level (libxt_LOG.c). */
const LEVEL_PRINT = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];

const PREFIX_MAX = 29;
const DEFAULT_LEVEL = 4;

interface LogInfo { level: number; flags: number; prefix: string; xflags: number; }

/** Cut to at most n bytes of UTF-8, as strncpy into the kernel's char[30] does. */
function truncBytes(s: string, n: number): string {
  const b = Buffer.from(s);
  return b.length <= n ? s : b.subarray(0, n).toString('latin1');
}

export const LOG = defineTarget<LogInfo>({
  kind: 'target',
  name: 'LOG',
  family: 0,
  options: optionSpecs(ENTRIES),
  init: () => ({ level: DEFAULT_LEVEL, flags: 0, prefix: '', xflags: 0 }),
  parse(opt, arg, invert, d) {
    xtParse('LOG', ENTRIES, opt, arg, invert, d);
    switch (opt) {
      case 'log-level': {
        let n = strtoul(arg!, 0, 0, 7);
        n ??= LEVEL_NAMES.get(arg!);
        if (n === undefined) paramError(`log level "${arg}" unknown\n`);
        d.level = n;
        break;
      }
      case 'log-prefix':
        if (arg!.includes('\n')) paramError('Newlines not allowed in --log-prefix');
        d.prefix = truncBytes(arg!, PREFIX_MAX);
        break;
      default:
        d.flags |= FLAGS.find(([name]) => name === opt)![2];
    }
  },
  print(d, ctx) {
    let s = ' LOG';
    if (ctx.numeric) {
      s += ` flags ${d.flags} level ${d.level}`;
    } else {
      s += ` level ${LEVEL_PRINT[d.level]}`;
      for (const [, word, bit] of FLAGS) if (d.flags & bit) s += ` ${word}`;
    }
    if (d.prefix) s += ` prefix "${d.prefix}"`;
    return s;
  },
  save(d) {
    let s = '';
    if (d.prefix) s += ' --log-prefix' + saveString(d.prefix);
    if (d.level !== DEFAULT_LEVEL) s += ` --log-level ${d.level}`;
    for (const [opt, , bit] of FLAGS) if (d.flags & bit) s += ` --${opt}`;
    return s;
  },
  /**
   * log_tg: the kernel's line (logline.ts) goes to net.log as
   * "<level>PREFIXIN=... OUT=... ..." (printk's level marker, then the text
   * dmesg shows); the packet goes on. Building the text allocates strings:
   * logging is not a zero-allocation path, in the kernel either.
   */
  target(skb: Skb, d) {
    skb.net.log.push(logLine(skb, d.level, d.flags, d.prefix));
    return XT_CONTINUE;
  },
});
