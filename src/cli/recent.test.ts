import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runIptables } from './iptables';
import { newRuleset } from '../rules/model';
import { storeRuleset } from '../state/store';
import { runRecent } from './recent';

async function run(dir: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await runRecent(argv, dir, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

test('netsieve recent lists, shows and controls the recent lists as /proc/net/xt_recent does', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-recent-'));
  let rs = newRuleset(4);
  rs = runIptables(rs, ['-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-m', 'recent', '--name', 'sshbf', '--set', '-j', 'ACCEPT']).rs;
  storeRuleset(dir, rs);
  assert.deepEqual(await run(dir, []), { code: 0, out: 'sshbf\n', err: '' });
  assert.deepEqual(await run(dir, ['sshbf']), { code: 0, out: '', err: '' });
  assert.equal((await run(dir, ['sshbf', '+192.0.2.7'])).code, 0);
  const shown = await run(dir, ['sshbf']);
  assert.match(shown.out, /^src=192\.0\.2\.7 ttl: 0 last_seen: \d+ oldest_pkt: 1 \d+\n$/);
  assert.equal((await run(dir, ['sshbf', '-192.0.2.7'])).code, 0);
  assert.equal((await run(dir, ['sshbf'])).out, '');
  assert.equal((await run(dir, ['sshbf', 'bogus'])).code, 1);
  assert.equal((await run(dir, ['nosuch'])).code, 1);
  fs.rmSync(dir, { recursive: true });
});
