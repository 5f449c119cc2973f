/**
 * Micro-benchmark: PacketView.parse on a TCP/IPv4 SYN with options, and on
 * the same inside an Ethernet frame. Prints packets per second; asserts
 * nothing about speed. Run: node dist/wire/parse.bench.js
 */
import { FIX, hex } from './fixtures';
import { PacketView } from './packet';

function bench(label: string, fn: () => number, n: number): void {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += fn(); // warm up the JIT
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += fn();
  const ns = Number(process.hrtime.bigint() - t0);
  const pps = (n / ns) * 1e9;
  console.log(`${label.padEnd(40)} ${(pps / 1e6).toFixed(2)} M packets/s  (${(ns / n).toFixed(1)} ns/packet, checksum ${sink & 0xff})`);
}

const N = Number(process.env.BENCH_N ?? 5_000_000);
const ip = hex(FIX.tcp4_syn);
const frame = hex(FIX.eth_tcp4_syn);
const view = new PacketView();
bench('PacketView.parse TCP/IPv4 SYN', () => { view.parse(ip, 0, ip.length); return view.dport; }, N);
bench('PacketView.parseFrame Ethernet+TCP/IPv4', () => { view.parseFrame(frame, 0, frame.length); return view.dport; }, N);
const ip6 = hex(FIX.tcp6_synack);
bench('PacketView.parse TCP/IPv6 SYN-ACK', () => { view.parse(ip6, 0, ip6.length); return view.sport; }, N);
bench('parse + IPv4 and TCP checksum verify', () => { view.parse(ip, 0, ip.length); return (view.ipv4ChecksumOk() && view.l4ChecksumOk()) ? 1 : 0; }, N / 5);
