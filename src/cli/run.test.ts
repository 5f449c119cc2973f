/**
 * `netsieve run`'s refusals, through bin/netsieve.js: bad arguments, an
 * interface the state directory does not have, and a process without the
 * rights to open devices; and a user who may not talk to a running router.
 * Each must say exactly what is wrong and leave the state directory as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRunInfo } from '../live/control';
import { memoryRouter, needNative, needSetpriv, WITHOUT_CAPS } from '../live/testkit';

const BIN = path.resolve(__dirname, '../../bin/netsieve.js');

function run(dir: string, args: string[], prefix: readonly string[] = []): { code: number; out: string; err: string } {
  const argv = [...prefix, process.execPath, BIN, '--state', dir, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-run-'));
  const r = spawnSync(process.execPath, [BIN, '--state', dir, 'init', 'router', '--lan', 'eth0', '--wan', 'ppp0', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

test('run: argument errors exit 2 with the reason, and touch nothing', () => {
  const dir = stateDir();
  const before = fs.readFileSync(path.join(dir, 'host.json'), 'utf8');
  const none = run(dir, ['run']);
  assert.equal(none.code, 2);
  assert.match(none.err, /^netsieve run: nothing to run: give at least one --attach IFACE=packet:DEVICE or IFACE=tun:NAME$/m);
  const bad = run(dir, ['run', '--attach', 'eth0=veth:x']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--attach eth0=veth:x: expected IFACE=packet:DEVICE or IFACE=tun:NAME/);
  const long = run(dir, ['run', '--attach', 'eth0=packet:a-name-far-too-long']);
  assert.equal(long.code, 2);
  assert.match(long.err, /"a-name-far-too-long" is not a valid device name/);
  const opt = run(dir, ['run', '--frobnicate']);
  assert.equal(opt.code, 2);
  assert.match(opt.err, /unknown option --frobnicate/);
  assert.equal(fs.readFileSync(path.join(dir, 'host.json'), 'utf8'), before);
  fs.rmSync(dir, { recursive: true });
});

test('run: an interface the state directory does not have, or lo, is refused before any device is opened', (t) => {
  if (!needNative(t)) return;
  const dir = stateDir();
  const r = run(dir, ['run', '--attach', 'eth9=tun:nsvx0']);
  assert.equal(r.code, 1);
  assert.match(r.err, /the state directory has no interface eth9/);
  const lo = run(dir, ['run', '--attach', 'lo=tun:nsvx0']);
  assert.equal(lo.code, 1);
  assert.match(lo.err, /the loopback interface stays inside netsieve/);
  assert.ok(!fs.existsSync(path.join(dir, 'run.json')));
  fs.rmSync(dir, { recursive: true });
});

test('run: without the rights to open devices it says what it needs', (t) => {
  if (!needNative(t)) return;
  if (!needSetpriv(t)) return;
  const dir = stateDir();
  const r = run(dir, ['run', '--attach', 'eth0=tun:nsvperm0'], WITHOUT_CAPS);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /^netsieve run: openTun\(nsvperm0\): .*\(opening TUN devices and packet sockets needs root, or CAP_NET_ADMIN and CAP_NET_RAW\)$/m);
  assert.ok(!fs.existsSync(path.join(dir, 'run.json')));
  fs.rmSync(dir, { recursive: true });
});

test('a user who may not use the running router\'s control socket gets an error, and the files stay untouched', async (t) => {
  if (!needSetpriv(t)) return;
  const dir = stateDir();
  const { session: s } = await memoryRouter(dir, [{ iface: 'eth0', kind: 'tun', dev: 'nsvacl0' }]);
  try {
    const before = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8');
    // A socket its owner has no rights on, used by a process without CAP_DAC_OVERRIDE: EACCES,
    // as for another user of the 0600 socket (without needing the checkout readable by that user).
    fs.chmodSync(readRunInfo(dir)!.socket, 0);
    // Asynchronously: this process serves the control socket.
    const child = spawn(WITHOUT_CAPS[0], [...WITHOUT_CAPS.slice(1), process.execPath, BIN, '--state', dir, 'iptables', '-A', 'INPUT', '-j', 'ACCEPT'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 1, err);
    assert.match(err, /^netsieve: a router \(pid \d+\) runs on .*, but its control socket .* cannot be used: .*EACCES/m);
    assert.equal(fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8'), before);
  } finally {
    await s.stop();
  }
  fs.rmSync(dir, { recursive: true });
});
