/**
 * `ip neigh` on the neighbour table: the same commands on a fresh kernel
 * namespace (iproute2 6.1) and on netsieve, outputs compared byte for
 * byte. Listings with several entries are compared as sorted lines: the
 * kernel dumps in its hash order, which is random per boot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runIp, runSysctl } from '../cli/host-commands';
import { kernelUnavailable, withKernel } from '../testing/kernel';
import { newHost, type Host } from './model';
import { NeighTable, NUD_REACHABLE, NUD_STALE } from './neigh';
import { neighFromJson, neighToJson, runIpNeigh } from './neigh-cmd';

const SETUP = [
  'sysctl -q -w net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0',
  'ip link add a0 address 02:00:00:00:00:01 type veth peer name b0 address 02:00:00:00:00:02',
  'ip link set lo up', 'ip link set a0 up', 'ip link set b0 up',
  'ip addr add 10.0.0.1/24 dev a0', 'ip addr add 2001:db8::1/64 dev a0',
];

const CMDS = [
  'ip neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev a0',
  'ip neigh add 10.0.0.8 dev a0',
  'ip neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev a0',
  'ip neigh add 10.0.0.6 lladdr 02:00:00:00:00:06 dev a0 nud reachable',
  'ip neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev nope',
  'ip neigh add 10.0.0.5 lladdr 02:00:00:00:00:05',
  'ip neigh change 10.0.0.4 lladdr 02:00:00:00:00:05 dev a0',
  'ip neigh replace 10.0.0.4 lladdr 02:00:00:00:00:04 dev a0',
  'ip neigh replace 10.0.0.4 lladdr 02:00:00:00:00:44 dev a0',
  'ip neigh del 10.0.0.3 dev a0',
  'ip neigh add 10.0.0.5 lladdr zz dev a0',
  'ip neigh add 10.0.0.5 lladdr 02:00 dev a0',
  'ip neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev a0 nud bogus',
  'ip neigh add 10.0.0.x lladdr 02:00:00:00:00:05 dev a0',
  'ip neigh add 2001:db8::7 lladdr 02:00:00:00:00:07 dev a0 router',
  'ip neighbour add 2001:db8::8 lladdr 2:0:0:0:0:8 dev a0 nud stale',
  'ip neigh add 10.0.0.98 dev a0 nud failed',
  'ip neigh add 10.0.0.97 dev a0 nud incomplete',
  'ip neigh add 10.0.0.96 dev a0 nud stale lladdr 1:2:3:4:5:6',
  'ip neigh add 10.0.0.95 dev a0 nud none',
  'ip neigh add 1.2.3.4 lladdr 02:00:00:00:00:05 dev lo',
  'ip neigh flush', 'ip neigh flush dev nope', 'ip neigh frob',
  'ip neigh show dev a0 10.0.0.7', 'ip neigh show 10.0.0.6', 'ip neigh show nud none', 'ip -6 neigh show dev a0',
  'ip neigh show 10.0.0.0/29', 'ip -4 neigh', 'ip neigh show nud permanent', 'ip neigh show nud failed nud incomplete',
  'ip neigh show nud bogus', 'ip neigh show dev a0', 'ip neighbor list', 'ip neigh',
  'ip neigh del 10.0.0.7 dev a0', 'ip neigh show 10.0.0.7',
  'ip neigh flush dev a0', 'ip neigh show nud all dev a0 to 10.0.0.0/8',
  'ip -s neigh flush all nud all', 'ip -s neigh flush all', 'ip neigh show',
];

const words = (l: string): string[] => l.split(' ').filter((w) => w !== '');
const sortLines = (s: string): string => s.split('\n').filter((l) => l !== '').sort().join('\n');

function hostRun(h: Host, line: string): Host {
  const w = words(line);
  const r = w[0] === 'ip' ? runIp(w.slice(1), h) : runSysctl(w.slice(1), h);
  assert.equal(r.code, 0, `${line}: ${r.stderr}`);
  return r.host;
}

test('ip neigh: netsieve against the kernel and iproute2', (t) => {
  const why = kernelUnavailable();
  if (why) {
    if (process.env.CI === 'true') assert.fail(why);
    t.skip(why);
    return;
  }
  withKernel('neigh', (k) => {
    const kout = k.batch([...SETUP, ...CMDS].map((l) => ({ argv: words(l) }))).slice(SETUP.length);
    let host = newHost();
    for (const l of SETUP) host = hostRun(host, l);
    const table = new NeighTable({ now: 0 });
    const diffs: string[] = [];
    CMDS.forEach((line, i) => {
      const r = runIpNeigh(words(line).slice(1), table, host, 10);
      const ko = kout[i];
      if (ko.code !== r.code || sortLines(ko.stdout) !== sortLines(r.stdout) || ko.stderr !== r.stderr) {
        diffs.push(`## ${line}\n--- kernel (rc ${ko.code})\n${ko.stdout}${ko.stderr}--- netsieve (rc ${r.code})\n${r.stdout}${r.stderr}`);
      }
    });
    assert.equal(diffs.length, 0, diffs.join('\n'));
  });
});

function smallHost(): Host {
  let h = newHost();
  for (const l of SETUP.slice(1)) h = hostRun(h, l);
  return h;
}

test('ip neigh: listing format of every state, as iproute2 6.1 prints it', () => {
  const h = smallHost();
  const table = new NeighTable();
  const run = (l: string): ReturnType<typeof runIpNeigh> => runIpNeigh(words(l), table, h, 0);
  assert.equal(run('neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev a0 nud reachable').code, 0);
  assert.equal(run('neigh add 10.0.0.3 dev a0 nud failed').code, 0);
  assert.equal(run('neigh add fe80::1 lladdr 02:00:00:00:00:09 dev a0 router').code, 0);
  assert.equal(run('neigh show').stdout,
    '10.0.0.2 dev a0 lladdr 02:00:00:00:00:02 REACHABLE \n10.0.0.3 dev a0 FAILED \nfe80::1 dev a0 lladdr 02:00:00:00:00:09 router PERMANENT \n');
  assert.equal(run('neigh show dev a0 nud reachable').stdout, '10.0.0.2 lladdr 02:00:00:00:00:02 REACHABLE \n');
  const del = run('neigh del 10.0.0.2 dev a0');
  assert.equal(del.changed, true);
  assert.equal(run('neigh show 10.0.0.2').stdout, '');
});

test('ip neigh: the table survives neigh.json (states settle: DELAY -> STALE, PROBE -> FAILED)', () => {
  const h = smallHost();
  const table = new NeighTable({ now: 1000 });
  runIpNeigh(words('neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev a0'), table, h, 1000);
  runIpNeigh(words('neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev a0 nud delay'), table, h, 1000);
  runIpNeigh(words('neigh add 2001:db8::5 lladdr 02:00:00:00:00:05 dev a0 nud reachable'), table, h, 1000);
  const json = JSON.parse(JSON.stringify(neighToJson(table, h, 2000))) as unknown;
  const back = neighFromJson(json, h, 50_000);
  assert.equal(runIpNeigh(['show'], back, h, 50_000).stdout,
    '10.0.0.2 dev a0 lladdr 02:00:00:00:00:02 PERMANENT \n10.0.0.3 dev a0 lladdr 02:00:00:00:00:03 STALE \n2001:db8::5 dev a0 lladdr 02:00:00:00:00:05 REACHABLE \n');
  const e = back.entries()[2];
  assert.equal(e.state, NUD_REACHABLE);
  assert.ok(e.timer > 50_000, 'a reachable entry ages again');
  assert.equal(back.entries()[1].state, NUD_STALE);
  assert.equal(neighFromJson({ bogus: 1 }, h, 0).size, 0);
});
