/**
 * A fixed-size record of threads a bounded store had to forget (a Bloom
 * filter). It never answers "no" for a thread it was told of; it may answer
 * "yes" for one it was not, which errs on the safe side for taint.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Bits of the record: 2^20, 128 KiB, allocated on the first thread forgotten. */
const BITS = 1 << 20;
/** Bit positions per thread. */
const HASHES = 3;

/** Threads forgotten by a bounded store (see the module notes). */
export interface ForgottenThreads {
  /** Records that `threadId` was forgotten. */
  add(threadId: string): void;
  /** True when `threadId` was recorded, or shares every bit with threads that were (a false positive). */
  has(threadId: string): boolean;
}

/** Creates an empty record of forgotten threads. */
export function forgottenThreads(): ForgottenThreads {
  let bits: Uint8Array | undefined;
  const positions = (threadId: string): number[] => {
    const digest = createHash("sha256").update(threadId, "utf8").digest();
    return Array.from({ length: HASHES }, (_, i) => digest.readUInt32BE(i * 4) % BITS);
  };
  return {
    add(threadId) {
      bits ??= new Uint8Array(BITS / 8);
      for (const position of positions(threadId)) bits[position >>> 3]! |= 1 << (position & 7);
    },
    has(threadId) {
      if (!bits) return false;
      const set = bits;
      return positions(threadId).every((position) => (set[position >>> 3]! & (1 << (position & 7))) !== 0);
    },
  };
}
