/** rt match: option parsing, messages, listings and save against ip6tables-legacy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyIp } from '../../rules/model';
import { EINVAL_MSG } from '../../rules/validate';
import { assertSameAsKernel } from '../../testing/harness';
import { IP6T_RT_FST, IP6T_RT_FST_NSTRICT, IP6T_RT_INV_LEN, IP6T_RT_INV_SGS, IP6T_RT_INV_TYP, IP6T_RT_RES, IP6T_RT_TYP, rt, type RtInfo } from './rt';

const A16 = '::1,::2,::3,::4,::5,::6,::7,::8,::9,::a,::b,::c,::d,::e,::f,::10';

const V6 = [
  '-A INPUT -m rt',
  '-A INPUT -m rt --rt-type 2 -j ACCEPT',
  '-A INPUT -m rt --rt-type 0 --rt-segsleft 2:3 --rt-len 40 --rt-0-res --rt-0-addrs ::1,2001:db8::5 --rt-0-not-strict',
  '-A INPUT -m rt ! --rt-type 2 ! --rt-segsleft 4 ! --rt-len 0',
  // -L prints type with %d; the inverted full segsleft range shows in -L only
  '-A INPUT -m rt --rt-type 4294967295 ! --rt-segsleft 0:4294967295',
  '-A INPUT -m rt --rt-type 0x0 --rt-0-addrs ::ffff:1.2.3.4,2001:DB8:0:0:1:0:0:1',
  `-A INPUT -m rt --rt-type 0 --rt-0-addrs ${A16}`,
  '-A INPUT -m rt --rt-segsleft :5 --rt-len 24',
  '-A INPUT -m rt --rt-segsleft 5: --rt-type 256',
  '-A INPUT -m rt --rt-segsleft 0:4294967295',
  '-A OUTPUT -p tcp -m rt --rt-type 2 --rt-segsleft 1 -m tcp --dport 22',
  '-A INPUT -m rt --rt-t 0 --rt-0-r',
  '-v -A INPUT -m rt ! --rt-type 4294967295 --rt-segsleft 3:1',
  '-A INPUT -m rt --rt-type ! 2',
  // parameter problems
  '-A INPUT -m rt --rt-0-res',
  '-A INPUT -m rt --rt-type 1 --rt-0-res',
  '-A INPUT -m rt ! --rt-type 0 --rt-0-res',
  '-A INPUT -m rt --rt-0-res --rt-type 0',
  '-A INPUT -m rt ! --rt-type 0 --rt-0-addrs ::1',
  '-A INPUT -m rt --rt-0-addrs ::1',
  '-A INPUT -m rt --rt-type 0 --rt-0-not-strict',
  '-A INPUT -m rt --rt-type 0 --rt-0-not-strict --rt-0-addrs ::1',
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1 ! --rt-0-not-strict',
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1 --rt-0-not-strict --rt-0-not-strict',
  '-A INPUT -m rt --rt-type 0 ! --rt-0-addrs ::1',
  '-A INPUT -m rt --rt-type 0 ! --rt-0-res',
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1,',
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs foo',
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs 1.2.3.4',
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1/64',
  `-A INPUT -m rt --rt-type 0 --rt-0-addrs ${A16},::11`,
  `-A INPUT -m rt --rt-type 0 --rt-0-addrs ${A16},bad`,
  '-A INPUT -m rt --rt-type 0 --rt-0-addrs ::1 --rt-0-addrs ::2',
  '-A INPUT -m rt --rt-type 1 --rt-type 2',
  '-A INPUT -m rt --rt-segsleft 1:2:3',
  '-A INPUT -m rt --rt-segsleft x',
  '-A INPUT -m rt --rt-type x',
  '-A INPUT -m rt --rt-type 4294967296',
  '-A INPUT -m rt --rt-len 1:2',
  '-A INPUT -m rt --rt 1',
  '-D INPUT -m rt --rt-type 2 -j ACCEPT',
  '-D INPUT -m rt --rt-type 3',
];

test('rt match: same as ip6tables-legacy', (t) => {
  assertSameAsKernel(t, 6, [V6]);
});

test('rt match: restore and save round trip', (t) => {
  const restore = '*filter\n-A INPUT -m rt --rt-type 0 --rt-segsleft 1:4 --rt-0-res --rt-0-addrs 2001:db8::1,2001:db8::2 --rt-0-not-strict -j DROP\n-A INPUT -m rt ! --rt-type 2\nCOMMIT\n';
  assertSameAsKernel(t, 6, [[{ restore }, { restore: '*filter\n-A INPUT -m rt --rt-0-addrs ::1\nCOMMIT\n' }]]);
});

test('rt match: IPv6 only, iptables cannot load it', (t) => {
  assertSameAsKernel(t, 4, [['-A INPUT -m rt', '-A INPUT -m rt --rt-type 0']]);
});

test('rt match: the kernel-side check wants "--rt-type 0" for the type-0 tests (rt_mt6_check)', () => {
  const base = { rtType: 0, segsleft: [0, 0xffffffff] as [number, number], hdrlen: 0, invflags: 0, addrs: new Uint8Array(16), addrnr: 1, xflags: 0 };
  const ctx = { family: 6 as const, table: 'filter' as const, hookMask: 0, ip: emptyIp(6), matches: [] };
  const chk = (d: Partial<RtInfo>): string | null => rt.check!({ ...base, flags: 0, ...d }, ctx);
  assert.equal(chk({ flags: IP6T_RT_TYP | IP6T_RT_RES }), null);
  assert.equal(chk({ flags: IP6T_RT_TYP | IP6T_RT_FST | IP6T_RT_FST_NSTRICT }), null);
  assert.equal(chk({ flags: IP6T_RT_RES }), EINVAL_MSG);
  assert.equal(chk({ flags: IP6T_RT_TYP | IP6T_RT_FST, rtType: 2 }), EINVAL_MSG);
  assert.equal(chk({ flags: IP6T_RT_TYP | IP6T_RT_FST_NSTRICT, invflags: IP6T_RT_INV_TYP }), EINVAL_MSG);
  assert.equal(chk({ flags: IP6T_RT_TYP, rtType: 2, invflags: 0x08 }), EINVAL_MSG);
  assert.equal(chk({ flags: IP6T_RT_TYP, rtType: 2, invflags: IP6T_RT_INV_TYP | IP6T_RT_INV_SGS | IP6T_RT_INV_LEN }), null);
});
