/** time match packet function (net/netfilter/xt_time.c time_mt) against the injected wall clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, skbOf, type TestNet } from './packet-testkit';

function at(net: TestNet, iso: string): void { net.clock.wallMs = Date.parse(iso); }

test('time of day, inclusive bounds, and a range wrapping past midnight', () => {
  const net = makeNet();
  const s = skbOf(pkt4('udp'), net);
  const m = (...a: string[]): boolean => check(4, ['-m', 'time', ...a], s)[0];
  at(net, '2024-01-15T12:00:00Z');
  assert.equal(m(), true);
  assert.equal(m('--timestart', '11:00', '--timestop', '13:00'), true);
  assert.equal(m('--timestart', '12:00:01', '--timestop', '13:00'), false);
  assert.equal(m('--timestart', '11:00', '--timestop', '12:00'), true); // packet_time > daytime_stop only fails past it
  at(net, '2024-01-15T12:00:00.999Z'); // whole seconds (ktime_get_real_seconds)
  assert.equal(m('--timestart', '11:00', '--timestop', '12:00'), true);
  at(net, '2024-01-15T12:00:01Z');
  assert.equal(m('--timestart', '11:00', '--timestop', '12:00'), false);
  at(net, '2024-01-15T23:30:00Z');
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00'), true);
  at(net, '2024-01-16T00:59:59Z');
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00'), true);
  at(net, '2024-01-16T01:00:01Z');
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00'), false);
});

test('weekdays and monthdays, and --contiguous moving the small hours to the previous day', () => {
  const net = makeNet();
  const s = skbOf(pkt4('udp'), net);
  const m = (...a: string[]): boolean => check(4, ['-m', 'time', ...a], s)[0];
  at(net, '2024-01-15T12:00:00Z'); // a Monday, the 15th
  assert.equal(m('--weekdays', 'Mon'), true);
  assert.equal(m('--weekdays', 'Tue,Wed'), false);
  assert.equal(m('!', '--weekdays', 'Mon'), false);
  assert.equal(m('--weekdays', '1'), true);
  assert.equal(m('--monthdays', '15'), true);
  assert.equal(m('--monthdays', '14,16'), false);
  at(net, '2024-02-29T08:00:00Z'); // leap day, a Thursday
  assert.equal(m('--monthdays', '29', '--weekdays', 'Thu'), true);
  at(net, '1970-01-01T00:00:00Z'); // day 0 was a Thursday
  assert.equal(m('--weekdays', 'Thu', '--monthdays', '1'), true);
  // Tuesday 00:30: without --contiguous the weekday is Tuesday; with it the packet belongs to Monday's range.
  at(net, '2024-01-16T00:30:00Z');
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00', '--weekdays', 'Mon'), false);
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00', '--weekdays', 'Mon', '--contiguous'), true);
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00', '--monthdays', '15', '--contiguous'), true);
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00', '--monthdays', '16', '--contiguous'), false);
  at(net, '2024-01-15T23:30:00Z'); // before midnight --contiguous changes nothing
  assert.equal(m('--timestart', '23:00', '--timestop', '01:00', '--weekdays', 'Mon', '--contiguous'), true);
});

test('date range, and --kerneltz with the kernel timezone at UTC', () => {
  const net = makeNet();
  const s = skbOf(pkt4('udp'), net);
  const m = (...a: string[]): boolean => check(4, ['-m', 'time', ...a], s)[0];
  at(net, '2024-01-15T12:00:00Z');
  assert.equal(m('--datestart', '2024-01-15T12:00:00'), true);
  assert.equal(m('--datestart', '2024-01-15T12:00:01'), false);
  assert.equal(m('--datestop', '2024-01-15T12:00:00'), true);
  assert.equal(m('--datestop', '2024-01-15T11:59:59'), false);
  assert.equal(m('--datestart', '2024', '--datestop', '2024-02'), true);
  assert.equal(m('--timestart', '11:00', '--timestop', '13:00', '--kerneltz'), true);
  at(net, '2038-01-19T03:14:08Z'); // past the default --datestop (INT_MAX)
  assert.equal(m(), false);
});
