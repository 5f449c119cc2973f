/**
 * Receive offloads on packet ports: kernel stacks behind veth hand over
 * CHECKSUM_PARTIAL packets and TSO super-packets; read with virtio-net
 * headers, they are completed and cut into wire-sized segments here
 * (src/io/offload.ts) before the engine sees them, so the engine meets
 * exactly what a physical wire would have carried.
 */
import { segmentOffloaded } from '../io/offload';
import type { RxOffload } from './router';

export function makeRxOffload(): RxOffload {
  const out = new Uint8Array(65536 + 256);
  return (buf, off, len, ethernet, deliver) => {
    segmentOffloaded(buf, off, len, ethernet, out, deliver);
  };
}
