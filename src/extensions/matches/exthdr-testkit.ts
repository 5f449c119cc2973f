/**
 * Shared by the packet tests of the IPv6 extension-header matches (hbh,
 * dst, frag, rt, ipv6header): IPv6 packets built byte by byte with a chain
 * of extension headers, and the kernel cross-check that sends each packet
 * through the real kernel's filter OUTPUT (a throwaway namespace) and
 * compares every rule's counter and whether the packet was dropped.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelUnavailable, withKernel } from '../../testing/kernel';
import { check, makeNet, skbOf } from './packet-testkit';

const net = makeNet();

export type Hdr = readonly [type: number, rest: readonly number[]];

/**
 * IPv6 ::1 -> ::1, hop limit 7: the extension headers in order (each given
 * from its second byte on; the next-header byte is filled in), `last` as the
 * final next header, then `payload`. The payload length is the bytes given.
 */
export function v6(hdrs: readonly Hdr[], last: number, payload: readonly number[] = []): Uint8Array {
  const body: number[] = [];
  hdrs.forEach(([, rest], i) => body.push(i + 1 < hdrs.length ? hdrs[i + 1][0] : last, ...rest));
  body.push(...payload);
  const b = new Uint8Array(40 + body.length);
  b[0] = 0x60;
  b[4] = body.length >> 8;
  b[5] = body.length & 0xff;
  b[6] = hdrs.length ? hdrs[0][0] : last;
  b[7] = 7;
  b[23] = 1;
  b[39] = 1;
  b.set(body, 40);
  return b;
}

/** Per packet: which rules counted it, and whether it was dropped (a hotdrop). */
export interface Outcome { hits: number[]; dropped: boolean; }

/** netsieve: the rules in order; the first hotdrop drops the packet, later rules are not tried. */
export function netsieveOutcome(rules: readonly string[][], pkt: Uint8Array): Outcome {
  const hits = rules.map(() => 0);
  for (let i = 0; i < rules.length; i++) {
    const [m, hotdrop] = check(6, rules[i], skbOf(pkt, net));
    if (hotdrop) return { hits, dropped: true };
    if (m) hits[i] = 1;
  }
  return { hits, dropped: false };
}

const SENDER = String.raw`
import json, socket, subprocess, sys
pkts = json.load(open(sys.argv[1]))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
out = []
for h in pkts:
    subprocess.run(['ip6tables', '-Z', 'OUTPUT'], check=True)
    err = 0
    try:
        s.sendto(bytes.fromhex(h), ('::1', 0))
    except OSError as e:
        err = e.errno
    save = subprocess.run(['ip6tables-save', '-c', '-t', 'filter'], capture_output=True, text=True, check=True).stdout
    out.append({'err': err, 'cnt': [int(l[1:l.index(':')]) for l in save.splitlines() if l.startswith('[') and ' -A OUTPUT ' in l]})
print(json.dumps(out))
`;

/**
 * The kernel: each packet written to a raw IPv6 socket (header included)
 * goes through filter OUTPUT, where each rule sits behind "-m hl --hl-eq 7"
 * so that the kernel's own answers are not counted. A hotdrop makes
 * sendto fail with EPERM. Undefined when the test was skipped.
 */
function kernelOutcomes(t: TestContext, rules: readonly string[][], pkts: readonly Uint8Array[]): Outcome[] | undefined {
  const why = kernelUnavailable();
  if (why) {
    if (process.env.CI === 'true') assert.fail(`kernel oracle unavailable in CI: ${why}`);
    t.skip(`kernel oracle unavailable: ${why}`);
    return undefined;
  }
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsv-x6-'));
  try {
    fs.writeFileSync(path.join(dir, 'send.py'), SENDER);
    fs.writeFileSync(path.join(dir, 'pkts.json'), JSON.stringify(pkts.map((p) => Buffer.from(p).toString('hex'))));
    return withKernel('x6', (k) => {
      const res = k.batch([
        { argv: ['ip', 'link', 'set', 'lo', 'up'] },
        ...rules.map((r) => ({ argv: ['ip6tables', '-A', 'OUTPUT', '-m', 'hl', '--hl-eq', '7', ...r] })),
        { argv: [python, path.join(dir, 'send.py'), path.join(dir, 'pkts.json')] },
      ]);
      for (const r of res) assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(res[res.length - 1].stdout) as { err: number; cnt: number[] }[];
      return out.map((o) => {
        assert.ok(o.err === 0 || o.err === 1, `sendto failed with errno ${o.err}`);
        return { hits: o.cnt.map((c) => Math.min(c, 1)), dropped: o.err === 1 };
      });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function assertSameAsKernelPackets(t: TestContext, rules: readonly string[][], pkts: Record<string, Uint8Array>): void {
  const names = Object.keys(pkts);
  const k = kernelOutcomes(t, rules, names.map((n) => pkts[n]));
  if (!k) return;
  const diffs: string[] = [];
  names.forEach((n, i) => {
    const ns = netsieveOutcome(rules, pkts[n]);
    if (JSON.stringify(ns) !== JSON.stringify(k[i])) diffs.push(`${n}: kernel ${JSON.stringify(k[i])}, netsieve ${JSON.stringify(ns)}`);
  });
  assert.deepEqual(diffs, [], `rules:\n${rules.map((r) => r.join(' ')).join('\n')}`);
}
