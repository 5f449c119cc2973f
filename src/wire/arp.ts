/**
 * ARP for Ethernet/IPv4 (RFC 826): the 28-byte message after the Ethernet
 * header, and whole request/reply frames as Linux builds them
 * (net/ipv4/arp.c arp_create): 14 + 28 = 42 bytes, not padded to the
 * 60-byte Ethernet minimum (the driver pads on real wire; veth does not,
 * checked with a capture in a namespace).
 */
import { get16, put16 } from './checksum';
import { ETH_ALEN, ETH_HLEN, ETH_P_ARP, ETH_P_IP } from './ethernet';

export const ARP_HLEN = 28;
export const ARP_FRAME_LEN = ETH_HLEN + ARP_HLEN;
export const ARPHRD_ETHER = 1;
export const ARPHRD_IEEE802 = 6;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

export const BROADCAST_MAC = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ZERO_MAC = new Uint8Array(6);

/** A parsed ARP message: offsets of its addresses in `buf`, and the IPv4 addresses as numbers. Reusable. */
export class ArpMessage {
  buf: Uint8Array = ZERO_MAC;
  hrd = 0;
  pro = 0;
  op = 0;
  /** Offsets of sender/target hardware and protocol addresses. */
  sha = 0;
  spaOff = 0;
  tha = 0;
  tpaOff = 0;
  /** Sender and target IPv4 addresses (unsigned 32-bit). */
  spa = 0;
  tpa = 0;
}

const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/**
 * Parses the ARP message at b[off, end) (after the Ethernet header). Only
 * what arp_rcv/arp_process accept for an Ethernet device: hardware type
 * Ethernet (or IEEE 802), protocol IPv4, address lengths 6 and 4, opcode
 * request or reply. Returns false for anything else.
 */
export function parseArp(b: Uint8Array, off: number, end: number, m: ArpMessage): boolean {
  if (off + ARP_HLEN > end) return false;
  m.buf = b;
  m.hrd = get16(b, off);
  m.pro = get16(b, off + 2);
  m.op = get16(b, off + 6);
  if (m.hrd !== ARPHRD_ETHER && m.hrd !== ARPHRD_IEEE802) return false;
  if (m.pro !== ETH_P_IP || b[off + 4] !== ETH_ALEN || b[off + 5] !== 4) return false;
  if (m.op !== ARPOP_REQUEST && m.op !== ARPOP_REPLY) return false;
  m.sha = off + 8;
  m.spaOff = off + 14;
  m.tha = off + 18;
  m.tpaOff = off + 24;
  m.spa = u32(b, m.spaOff);
  m.tpa = u32(b, m.tpaOff);
  return true;
}

function putMac(b: Uint8Array, at: number, mac: Uint8Array | null, macOff: number): void {
  for (let i = 0; i < ETH_ALEN; i++) b[at + i] = mac === null ? 0 : mac[macOff + i];
}

function putIp(b: Uint8Array, at: number, ip: number): void {
  b[at] = ip >>> 24; b[at + 1] = (ip >>> 16) & 0xff; b[at + 2] = (ip >>> 8) & 0xff; b[at + 3] = ip & 0xff;
}

/**
 * arp_create: an Ethernet frame carrying an ARP message, written at b[off].
 * `ethDst` null means broadcast; `tha` null means all zeros (a request).
 * Returns the frame length (42).
 */
export function buildArpFrame(
  b: Uint8Array, off: number, op: number,
  ethDst: Uint8Array | null, ethDstOff: number,
  sha: Uint8Array, shaOff: number, spa: number,
  tha: Uint8Array | null, thaOff: number, tpa: number,
): number {
  putMac(b, off, ethDst ?? BROADCAST_MAC, ethDst ? ethDstOff : 0);
  putMac(b, off + 6, sha, shaOff);
  put16(b, off + 12, ETH_P_ARP);
  const a = off + ETH_HLEN;
  put16(b, a, ARPHRD_ETHER);
  put16(b, a + 2, ETH_P_IP);
  b[a + 4] = ETH_ALEN;
  b[a + 5] = 4;
  put16(b, a + 6, op);
  putMac(b, a + 8, sha, shaOff);
  putIp(b, a + 14, spa);
  putMac(b, a + 18, tha, thaOff);
  putIp(b, a + 24, tpa);
  return ARP_FRAME_LEN;
}

/** RFC 1112 6.4: IPv4 multicast group -> 01:00:5e + the low 23 bits of the group. */
export function ipv4MulticastMac(b: Uint8Array, ipOff: number, out: Uint8Array, outOff: number): void {
  out[outOff] = 0x01; out[outOff + 1] = 0x00; out[outOff + 2] = 0x5e;
  out[outOff + 3] = b[ipOff + 1] & 0x7f; out[outOff + 4] = b[ipOff + 2]; out[outOff + 5] = b[ipOff + 3];
}
