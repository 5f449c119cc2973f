/** owner, statistic, helper and esp packet functions (xt_owner.c, xt_statistic.c, xt_helper.c, xt_esp.c). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, makeNet, pkt4, ruleMatch, skbOf } from './packet-testkit';

function ownerCheck(args: string[], local: boolean, uid: number, gid: number): boolean {
  const { ext, data } = ruleMatch<unknown>(4, ['-m', 'owner', ...args]);
  const s = skbOf(pkt4('tcp'), makeNet(), 'OUTPUT', '', 'eth0');
  s.local = local; s.uid = uid; s.gid = gid;
  return ext.match!(s, data);
}

test('owner: uid/gid ranges, socket-exists, packets without a socket', () => {
  assert.equal(ownerCheck(['--uid-owner', '1000'], true, 1000, 1000), true);
  assert.equal(ownerCheck(['--uid-owner', '0-999'], true, 1000, 1000), false);
  assert.equal(ownerCheck(['!', '--uid-owner', '0-999'], true, 1000, 1000), true);
  assert.equal(ownerCheck(['--gid-owner', '1000', '--socket-exists'], true, 1000, 1000), true);
  assert.equal(ownerCheck(['--socket-exists'], false, -1, -1), false);
  assert.equal(ownerCheck(['!', '--socket-exists'], false, -1, -1), true);
  assert.equal(ownerCheck(['!', '--uid-owner', '0'], false, -1, -1), true);
});

test('statistic nth counts per rule; random follows the seeded source', () => {
  const net = makeNet();
  const s = skbOf(pkt4('udp'), net);
  const nth = ruleMatch<unknown>(4, ['-m', 'statistic', '--mode', 'nth', '--every', '3', '--packet', '0']);
  const seq = [0, 1, 2, 3, 4, 5].map(() => nth.ext.match!(s, nth.data));
  assert.deepEqual(seq, [false, false, true, false, false, true]);
  const rnd = ruleMatch<unknown>(4, ['-m', 'statistic', '--mode', 'random', '--probability', '0.5']);
  let n = 0;
  for (let i = 0; i < 1000; i++) if (rnd.ext.match!(s, rnd.data)) n++;
  assert.ok(n > 400 && n < 600, String(n));
  const never = ruleMatch<unknown>(4, ['-m', 'statistic', '--mode', 'random', '--probability', '0']);
  assert.equal(never.ext.match!(s, never.data), false);
});

test('helper: no expectations exist, so only the inverted form matches', () => {
  const s = skbOf(pkt4('tcp'), makeNet());
  assert.equal(check(4, ['-m', 'helper', '--helper', 'ftp'], s)[0], false);
  assert.equal(check(4, ['-m', 'helper', '!', '--helper', 'ftp'], s)[0], true);
});

test('esp: SPI range; short header hotdrops', () => {
  const b = pkt4('udp');
  b[9] = 50; // protocol ESP; the UDP ports become the SPI 0x04d20035
  const s = skbOf(b, makeNet());
  assert.equal(check(4, ['-p', 'esp', '-m', 'esp', '--espspi', String(0x04d20035)], s)[0], true);
  assert.equal(check(4, ['-p', 'esp', '-m', 'esp', '!', '--espspi', '1:100'], s)[0], true);
  const cut = b.slice(0, 24);
  cut[2] = 0; cut[3] = 24;
  assert.deepEqual(check(4, ['-p', 'esp', '-m', 'esp', '--espspi', '1'], skbOf(cut, makeNet())), [false, true]);
});
