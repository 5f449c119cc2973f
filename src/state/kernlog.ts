/**
 * DIR/kern.log: the kernel log lines (LOG, TRACE) the engine produced,
 * one per line as a syslog daemon would store them:
 * `2023-11-14T22:15:00.500000+00:00 netsieve kernel: warning: PREFIX IN=eth0 OUT= ...`
 * with the packet's (wall-clock) time and the printk level as a word.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** One line; `line` may start with the printk level as "<N>" (LOG), else it is a warning (TRACE). */
export function kernLogLine(line: string, sec: number, nsec: number): string {
  const m = /^<([0-7])>/.exec(line);
  const level = m ? LOG_LEVELS[Number(m[1])] : 'warning';
  const text = m ? line.slice(m[0].length) : line;
  const d = new Date(sec * 1000);
  const stamp = `${d.toISOString().slice(0, 19)}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}+00:00`;
  return `${stamp} netsieve kernel: ${level}: ${text}`;
}

export function appendKernLog(dir: string, lines: string[]): void {
  if (lines.length === 0) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, 'kern.log'), lines.map((l) => l + '\n').join(''));
}
