/**
 * time match (extensions/libxt_time.c; net/netfilter/xt_time.c). Quirks
 * kept from the C code: each --monthdays item is read from a 3-byte buffer
 * (2 characters) and each --weekdays item from a 4-byte one (3 characters,
 * names compared on their first 2); the weekday mask is a u8; monthdays
 * print with "st/nd/rd/th" by the last digit (11st); --datestop is always
 * saved, even at its default (INT_MAX, 2038-01-19T03:14:07).
 * --localtz is accepted like --kerneltz, but its deprecation warning on
 * stderr is not printed (extensions cannot emit warnings; see report).
 */
import type { Skb } from '../../engine/skb';
import { paramError } from '../../util/errors';
import { defineMatch } from '../types';
import { xtFcheckNamed, xtOnce, type FcheckEntry } from '../xtoptions';

const WEEK_DAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const ALL_MONTHDAYS = 0xfffffffe;
const ALL_WEEKDAYS = 0xfe;
const MAX_DAYTIME = 24 * 60 * 60 - 1;
const INT_MAX = 0x7fffffff;

const TABLE: readonly FcheckEntry[] = [
  { name: 'datestart' }, { name: 'datestop' }, { name: 'timestart' }, { name: 'timestop' },
  { name: 'contiguous' }, { name: 'monthdays' }, { name: 'weekdays' },
  { name: 'localtz', excl: ['utc'] }, { name: 'utc', excl: ['localtz', 'kerneltz'] }, { name: 'kerneltz', excl: ['utc'] },
];

/** C strtoul: no digits gives 0 with the whole string left; a '-' negates modulo 2^32. */
function cStrtoul(s: string, base: number): { value: number; rest: string } {
  const m = /^[ \t\n\v\f\r]*([+-]?)/.exec(s)!;
  let i = m[0].length;
  let b = base;
  if ((b === 0 || b === 16) && s[i] === '0' && /[xX]/.test(s[i + 1] ?? '') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) { i += 2; b = 16; }
  else if (b === 0) b = s[i] === '0' ? 8 : 10;
  const start = i;
  let v = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 36);
    if (Number.isNaN(d) || d >= b) break;
    v = v * BigInt(b) + BigInt(d);
  }
  if (i === start) return { value: 0, rest: s };
  if (m[1] === '-') v = -v;
  return { value: Number(BigInt.asUintN(32, v)), rest: s.slice(i) };
}

/** time_parse_date: YYYY[-MM[-DD[Thh[:mm[:ss]]]]] as UTC seconds (mktime with TZ=UTC). */
function parseDate(os: string): number {
  const bad = (): never => paramError(`Invalid date "${os}" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`);
  const f = [0, 1, 1, 0, 0, 0]; // year, month, day, hour, minute, second
  const seps = ['-', '-', 'T', ':', ':', ''];
  const max = [2038, 12, 31, 23, 59, 59];
  let s = os;
  for (let k = 0; k < 6; k++) {
    const r = cStrtoul(s, 10);
    if ((r.rest[0] !== seps[k] && r.rest !== '') || r.value > max[k] || (k === 0 && r.value < 1970)) bad();
    f[k] = r.value;
    if (r.rest === '') break;
    s = r.rest.slice(1);
  }
  const t = Date.UTC(f[0], f[1] - 1, f[2], f[3], f[4], f[5]) / 1000;
  if (t < 0) paramError('mktime returned an error');
  return t;
}

/** time_parse_minutes: hh:mm[:ss] in seconds. */
function parseDaytime(os: string): number {
  const bad = (s: string): never => paramError(`invalid time "${s}" specified, should be hh:mm[:ss] format and within the boundaries`);
  const h = cStrtoul(os, 10);
  if (h.rest[0] !== ':' || h.value > 23) bad(os);
  const ms = h.rest.slice(1);
  const m = cStrtoul(ms, 10);
  if ((m.rest[0] !== ':' && m.rest !== '') || m.value > 59) bad(ms);
  let sec = 0;
  if (m.rest !== '') {
    const ss = m.rest.slice(1);
    const r = cStrtoul(ss, 10);
    if (r.rest !== '' || r.value > 59) bad(ss);
    sec = r.value;
  }
  return 3600 * h.value + 60 * m.value + sec;
}

/** my_strseg: comma-separated items, each cut to bufsize-1 characters; stops at an empty rest. */
function segments(arg: string, bufsize: number): string[] {
  const out: string[] = [];
  let rest: string | undefined = arg;
  while (rest !== undefined && rest !== '') {
    const c: number = rest.indexOf(',');
    const item: string = c < 0 ? rest : rest.slice(0, c);
    rest = c < 0 ? undefined : rest.slice(c + 1);
    out.push(item.slice(0, bufsize - 1));
  }
  return out;
}

function parseMonthdays(arg: string): number {
  let ret = 0;
  for (const day of segments(arg, 3)) {
    const r = cStrtoul(day, 0);
    if ((r.rest !== '' && r.rest[0] !== ',') || r.value > 31) paramError(`${day} is not a valid day for --monthdays`);
    ret = (ret | (1 << r.value)) >>> 0;
  }
  return ret;
}

function parseWeekdays(arg: string): number {
  let ret = 0;
  for (const day of segments(arg, 4)) {
    const r = cStrtoul(day, 0);
    if (r.rest === '') {
      if (r.value === 0) paramError('No, the week does NOT begin with Sunday.');
      ret |= 1 << r.value; // x86 shifts modulo 32, as JS does
      continue;
    }
    let valid = false;
    for (let i = 1; i < WEEK_DAYS.length; i++) {
      if (day.length >= 2 && day.slice(0, 2) === WEEK_DAYS[i].slice(0, 2)) { ret |= 1 << i; valid = true; }
    }
    if (!valid) paramError(`${day} is not a valid day specifier`);
  }
  return ret & 0xff; // weekdays_match is a __u8
}

export interface TimeInfo {
  seen: Set<string>;
  dateStart: number;
  dateStop: number;
  dayStart: number;
  dayStop: number;
  monthdays: number;
  weekdays: number;
  localTz: boolean;
  contiguous: boolean;
}

const pad = (n: number): string => String(n).padStart(2, '0');
function hms(t: number): string {
  return `${pad(Math.floor(t / 3600))}:${pad(Math.floor(t / 60) % 60)}:${pad(t % 60)}`;
}
function date(t: number, sep: string): string {
  const d = new Date(t * 1000);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
function weekdayList(mask: number): string {
  return WEEK_DAYS.filter((_, i) => i > 0 && mask & (1 << i)).join(',');
}
function monthdayList(mask: number, human: boolean): string {
  const out: string[] = [];
  for (let i = 1; i <= 31; i++) {
    if (!(mask & (2 ** i))) continue;
    const suffix = human ? ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[i % 10] ?? 'th' : '';
    out.push(`${i}${suffix}`);
  }
  return out.join(',');
}

// ---- packet side (net/netfilter/xt_time.c) -----------------------------------

const SECONDS_PER_DAY = 86400;
/** sys_tz.tz_minuteswest of the modelled kernel: nothing sets the kernel's timezone, so it is 0 (UTC). */
export const KERNEL_TZ_MINUTESWEST = 0;

/**
 * Day of the month (1-31) of a count of days since 1970-01-01, as
 * localtime_3 finds it (civil-from-days arithmetic, no Date object).
 */
function monthdayOf(days: number): number {
  // Howard Hinnant's civil_from_days: shift the era to start on March 1st.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return doy - Math.floor((153 * mp + 2) / 5) + 1;
}

/**
 * xt_time.c time_mt: the packet's time is the host's wall clock in whole
 * seconds (ktime_get_real_seconds, not the packet's timestamp), shifted by
 * the kernel's timezone for --kerneltz. All of date range, time of day,
 * weekday and monthday must hold. A time-of-day range whose start is not
 * below its stop wraps past midnight; with --contiguous the hours after
 * midnight count as the previous day for the weekday/monthday tests.
 */
export function timeMatch(skb: Skb, d: TimeInfo): boolean {
  let stamp = Math.floor(skb.net.clock.wall() / 1000);
  if (d.localTz) stamp -= 60 * KERNEL_TZ_MINUTESWEST;
  if (stamp < d.dateStart || stamp > d.dateStop) return false;
  // localtime_1: seconds into the day.
  const packetTime = stamp - Math.floor(stamp / SECONDS_PER_DAY) * SECONDS_PER_DAY;
  if (d.dayStart < d.dayStop) {
    if (packetTime < d.dayStart || packetTime > d.dayStop) return false;
  } else {
    if (packetTime < d.dayStart && packetTime > d.dayStop) return false;
    if (d.contiguous && packetTime <= d.dayStop) stamp -= SECONDS_PER_DAY;
  }
  // localtime_2: ISO weekday, 1970-01-01 was a Thursday (4).
  const days = Math.floor(stamp / SECONDS_PER_DAY);
  const weekday = (((4 + days - 1) % 7) + 7) % 7 + 1;
  if (!(d.weekdays & (1 << weekday))) return false;
  // localtime_3 only when some monthday is excluded.
  if (d.monthdays !== ALL_MONTHDAYS) {
    if (!((d.monthdays >>> monthdayOf(days)) & 1)) return false;
  }
  return true;
}

export const time = defineMatch<TimeInfo>({
  kind: 'match',
  name: 'time',
  family: 0,
  options: TABLE.map((e) => ({
    name: e.name,
    arg: ['contiguous', 'localtz', 'utc', 'kerneltz'].includes(e.name) ? 'none' as const : 'required' as const,
  })),
  init: () => ({
    seen: new Set(), dateStart: 0, dateStop: INT_MAX, dayStart: 0, dayStop: MAX_DAYTIME,
    monthdays: ALL_MONTHDAYS, weekdays: ALL_WEEKDAYS, localTz: false, contiguous: false,
  }),
  parse(opt, arg, invert, d, ctx) {
    xtOnce('time', opt, d.seen, invert, opt === 'weekdays' || opt === 'monthdays');
    const a = arg ?? '';
    switch (opt) {
      case 'datestart': d.dateStart = parseDate(a); break;
      case 'datestop': d.dateStop = parseDate(a); break;
      case 'timestart': d.dayStart = parseDaytime(a); break;
      case 'timestop': d.dayStop = parseDaytime(a); break;
      case 'contiguous': d.contiguous = true; break;
      case 'localtz':
        ctx.warn('WARNING: --localtz is being replaced by --kerneltz, since "local" is ambiguous. Note the kernel timezone has caveats - see manpage for details.\n');
        d.localTz = true; break;
      case 'kerneltz': d.localTz = true; break;
      case 'monthdays': d.monthdays = (parseMonthdays(a) ^ (invert ? ALL_MONTHDAYS : 0)) >>> 0; break;
      case 'weekdays': d.weekdays = parseWeekdays(a) ^ (invert ? ALL_WEEKDAYS : 0); break;
    }
  },
  finalCheck(d) {
    if (d.contiguous && d.dayStart < d.dayStop) {
      paramError('time: --contiguous only makes sense when stoptime is smaller than starttime');
    }
    xtFcheckNamed('time', TABLE, d.seen);
  },
  print(d) {
    let s = ' TIME';
    if (d.dayStart !== 0 || d.dayStop !== MAX_DAYTIME) s += ` from ${hms(d.dayStart)} to ${hms(d.dayStop)}`;
    if (d.weekdays !== ALL_WEEKDAYS) s += ` on ${weekdayList(d.weekdays)}`;
    if (d.monthdays !== ALL_MONTHDAYS) s += ` on ${monthdayList(d.monthdays, true)}`;
    if (d.dateStart !== 0) s += ' starting from' + (d.dateStart ? ` ${date(d.dateStart, ' ')}` : '');
    if (d.dateStop !== INT_MAX) s += ' until date' + (d.dateStop ? ` ${date(d.dateStop, ' ')}` : '');
    if (!d.localTz) s += ' UTC';
    if (d.contiguous) s += ' contiguous';
    return s;
  },
  save(d) {
    let s = '';
    if (d.dayStart !== 0 || d.dayStop !== MAX_DAYTIME) s += ` --timestart ${hms(d.dayStart)} --timestop ${hms(d.dayStop)}`;
    if (d.monthdays !== ALL_MONTHDAYS) s += ` --monthdays ${monthdayList(d.monthdays, false)}`;
    if (d.weekdays !== ALL_WEEKDAYS) s += ` --weekdays ${weekdayList(d.weekdays)}`;
    if (d.dateStart !== 0) s += ` --datestart ${date(d.dateStart, 'T')}`;
    if (d.dateStop !== 0) s += ` --datestop ${date(d.dateStop, 'T')}`;
    if (d.localTz) s += ' --kerneltz';
    if (d.contiguous) s += ' --contiguous';
    return s;
  },
  match: timeMatch,
});
