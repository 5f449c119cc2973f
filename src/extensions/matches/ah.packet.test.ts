/**
 * ah match packet function for IPv6 (net/ipv6/netfilter/ip6t_ah.c), on
 * packets built byte by byte, cross-checked against the real kernel
 * (exthdr-testkit.ts): SPI ranges, length, reserved bits, and a header
 * longer than the packet (hotdrop on this kernel).
 */
import { test } from 'node:test';
import { assertSameAsKernelPackets, v6 } from './exthdr-testkit';

const AH = 51;
const NONE = 59;
/** An AH header from its second byte: payload length (32-bit words - 2), reserved, SPI, sequence, ICV of `icv` bytes. */
const ah = (spi: number, icv = 12, res = 0, lenField = (12 + icv) / 4 - 2): [number, number[]] =>
  [AH, [lenField, res >> 8, res & 0xff, spi >>> 24, (spi >>> 16) & 0xff, (spi >>> 8) & 0xff, spi & 0xff, 0, 0, 0, 1, ...new Array<number>(icv).fill(0)]];

test('ah (IPv6): SPI, length and reserved checks, and a truncated header, as the kernel counts and drops them', (t) => {
  assertSameAsKernelPackets(t, [
    ['-m', 'ah', '--ahspi', '100'],
    ['-m', 'ah', '--ahspi', '50:150'],
    ['-m', 'ah', '!', '--ahspi', '100'],
    ['-m', 'ah', '--ahlen', '24'],
    ['-m', 'ah', '--ahres'],
  ], {
    spi100: v6([ah(100)], NONE),
    spi200: v6([ah(200)], NONE),
    reserved: v6([ah(100, 12, 1)], NONE),
    longIcv: v6([ah(100, 20)], NONE),
    // The length field says 24 bytes, but the packet ends after 12.
    truncated: v6([[AH, [4, 0, 0, 0, 0, 0, 100, 0, 0, 0, 1]]], NONE),
  });
});
