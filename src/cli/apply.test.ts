/**
 * `netsieve apply` as people run iptables-apply: confirmed, not confirmed,
 * a rules file that does not load; on a plain state directory and against
 * a running router, including the case iptables-apply cannot handle (the
 * operator's session dies before answering: the router rolls back itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runInit } from './init';
import { sendControl } from '../live/control';
import { memoryRouter } from '../live/testkit';

const BIN = path.resolve(__dirname, '../../bin/netsieve.js');
const LOCKOUT = '*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\nCOMMIT\n';

function apply(dir: string, args: string[], input: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, '--state', dir, 'apply', ...args], { input, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function inputRules(dir: string): string {
  return spawnSync(process.execPath, [BIN, '--state', dir, 'iptables', '-S', 'INPUT'], { encoding: 'utf8' }).stdout;
}

async function routerDir(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-apply-'));
  assert.equal(await runInit(['router', '--lan', 'eth0', '--wan', 'ppp0', '-q'], dir, { stdout: () => {}, stderr: () => {}, isTTY: false }), 0);
  fs.writeFileSync(path.join(dir, 'lockout.rules'), LOCKOUT);
  fs.writeFileSync(path.join(dir, 'broken.rules'), '*filter\n-A INPUT -j NOPE\nCOMMIT\n');
  return dir;
}

test('apply on a state directory: y keeps the new rules (and -w writes them), no answer or n restores the old ones', async () => {
  const dir = await routerDir();
  const rules = path.join(dir, 'lockout.rules');
  const before = inputRules(dir);
  // End of input before an answer: iptables-apply's "Timeout!" path, exit 255.
  const t = apply(dir, ['-t', '1', rules], '');
  assert.equal(t.code, 255);
  assert.equal(t.out, `Applying new iptables rules from '${rules}'... done.\nCan you establish NEW connections to the machine? (y/N) \nTimeout! Something happened (or did not). Better play it safe...\nReverting to old iptables rules... done.\n`);
  assert.equal(inputRules(dir), before);
  const n = apply(dir, ['-t', '5', rules], 'n\n');
  assert.equal(n.code, 255);
  assert.match(n.out, /No affirmative response! Better play it safe\.\.\.\nReverting to old iptables rules\.\.\. done\.\n$/);
  assert.equal(inputRules(dir), before);
  const saved = path.join(dir, 'saved.rules');
  const y = apply(dir, ['-t', '5', '-w', saved, rules], 'y\n');
  assert.equal(y.code, 0, y.err);
  assert.match(y.out, /Writing successfully applied rules to '.*saved\.rules'\.\.\.\n\.\.\. then my job is done\. See you next time\.\n$/);
  assert.equal(inputRules(dir), '-P INPUT DROP\n');
  assert.match(fs.readFileSync(saved, 'utf8'), /^:INPUT DROP/m);
  // A rules file that does not load: exit 5, and the rules from before stay.
  const b = apply(dir, ['-t', '5', path.join(dir, 'broken.rules')], 'y\n');
  assert.equal(b.code, 5);
  assert.match(b.err, /Couldn't load target `NOPE'/);
  assert.match(b.err, /Error: unknown error applying new iptables rules: /);
  assert.equal(inputRules(dir), '-P INPUT DROP\n');
  // -c RUNCMD: a script that changes the rules through netsieve (NETSIEVE_STATE names the directory).
  const cmd = path.join(dir, 'change.sh');
  fs.writeFileSync(cmd, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" iptables -A INPUT -p tcp --dport 22 -j ACCEPT\n`, { mode: 0o755 });
  const c = apply(dir, ['-t', '5', '-c', cmd], 'n');
  assert.equal(c.code, 255, c.err);
  assert.match(c.out, /^Running command '.*change\.sh'\.\.\. done\.\n/);
  assert.equal(inputRules(dir), '-P INPUT DROP\n', 'rolled back');
  const cy = apply(dir, ['-t', '5', '-c', cmd], 'y');
  assert.equal(cy.code, 0, cy.err);
  assert.equal(inputRules(dir), '-P INPUT DROP\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n');
  assert.equal(apply(dir, ['-c', path.join(dir, 'lockout.rules')], '').code, 6, 'runcmd not executable');
  // iptables-apply's own checks.
  assert.equal(apply(dir, ['-t', 'x', rules], '').code, 1);
  assert.equal(apply(dir, [path.join(dir, 'missing.rules')], '').code, 2);
  fs.rmSync(dir, { recursive: true });
});

test('apply against a running router: the router itself rolls back when the apply process dies unconfirmed', async () => {
  const dir = await routerDir();
  const notices: string[] = [];
  const { session: s } = await memoryRouter(dir, [{ iface: 'eth0', kind: 'tun', dev: 'nsvapply0' }], { notice: (t) => notices.push(t) });
  try {
    const before = (await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout;
    // The operator's apply, whose session dies while the question is asked.
    const child = spawn(process.execPath, [BIN, '--state', dir, 'apply', '-t', '1', path.join(dir, 'lockout.rules')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('(y/N)')) resolve(); }));
    assert.equal((await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout, '-P INPUT DROP\n');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // apply asked for 1 s; the router waits 2 s more for the answer before rolling back.
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal((await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout, before);
    assert.match(notices.join(''), /apply was not confirmed within 3 s: the previous IPv4 rules are restored/);
    // Confirmed through the router: nothing is rolled back.
    // (Asynchronously: this process serves the router's control socket.)
    const yes = spawn(process.execPath, [BIN, '--state', dir, 'apply', '-t', '1', path.join(dir, 'lockout.rules')], { stdio: ['pipe', 'pipe', 'pipe'] });
    yes.stdin.end('y\n');
    const code = await new Promise<number | null>((r) => yes.once('exit', r));
    assert.equal(code, 0);
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal((await sendControl(dir, { prog: 'iptables', argv: ['-S', 'INPUT'] }))!.stdout, '-P INPUT DROP\n');
  } finally {
    await s.stop();
  }
  fs.rmSync(dir, { recursive: true });
});
