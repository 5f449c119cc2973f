// Memory figure: fills a table with 1,000,000 confirmed TCP connections and prints bytes per entry,
// both from the typed-array sizes and from process.memoryUsage(). Run: node dist/conntrack/memory.bench.js
import * as C from './constants';
import { Conntrack } from './conntrack';
import { CtPacket } from './packet';

const N = 1_000_000;
const clock = { t: 0, now(): number { return this.t; } };
const before = process.memoryUsage();
const ct = new Conntrack({ clock, max: N, buckets: 1 << 20, initialCapacity: N, seed: 1 });
const p = new CtPacket();
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  p.reset();
  p.protocol = C.IPPROTO_TCP;
  p.src[0] = 10; p.src[1] = (i >>> 16) & 0xff; p.src[2] = (i >>> 8) & 0xff; p.src[3] = i & 0xff;
  p.dst[0] = 192; p.dst[1] = 0; p.dst[2] = 2; p.dst[3] = 1;
  p.sport = 1024 + (i % 60000);
  p.dport = 443;
  p.tcpFlags = C.TH_SYN;
  p.seq = i;
  p.window = 64240;
  if (ct.in(p) !== C.NF_ACCEPT || p.ct < 0 || ct.confirm(p) !== C.NF_ACCEPT) throw new Error(`entry ${i} not created`);
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const after = process.memoryUsage();
const tab = ct.tab;
const arrays = [tab.addr, tab.port, tab.l3, tab.l4, tab.status, tab.timeout, tab.mark, tab.next, tab.t8, tab.t32, tab.lastWin, tab.aux, tab.heads];
const typed = arrays.reduce((s, a) => s + a.byteLength, 0);
const rss = after.rss - before.rss;
const ab = after.arrayBuffers - before.arrayBuffers;
console.log(`entries: ${ct.count}`);
console.log(`typed arrays: ${typed} bytes = ${(typed / N).toFixed(1)} bytes/entry (entry arrays ${(typed - tab.heads.byteLength) / N}, hash heads ${tab.heads.byteLength / N})`);
console.log(`process.memoryUsage: arrayBuffers +${(ab / N).toFixed(1)} bytes/entry, rss +${(rss / N).toFixed(1)} bytes/entry`);
console.log(`insert rate: ${(N / ms * 1000).toFixed(0)} new connections/s (in + confirm)`);
if (typed / N >= 256) { console.log('FAIL: over 256 bytes per entry'); process.exitCode = 1; }
