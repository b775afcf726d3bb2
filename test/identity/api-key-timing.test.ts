/**
 * The time a wrong API key takes to refuse does not depend on how much of it
 * matched the real key. Measured as two distributions of interleaved samples
 * (wrong keys sharing no character of the real secret, and wrong keys sharing
 * all but the last), compared by their medians within a generous factor:
 * nothing here asserts how long anything takes.
 */
import { performance } from "node:perf_hooks";
import { createApiKey, memoryApiKeyStore } from "langchain-warden";
import { fakeClock } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { formatApiKey, parseApiKey } from "../../src/identity/api-key-format.js";
import { createApiKeyVerifier } from "../../src/identity/api-keys.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ROUNDS = 4_000;
const WARM_UP = 500;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("timing of a wrong key", () => {
  it("does not depend on how much of the secret matched (medians of interleaved distributions within a factor of 2)", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const parts = parseApiKey(key)!;
    // No refusal is remembered here, so every sample runs the whole path: lookup, digest, comparison.
    const verifier = createApiKeyVerifier({ store: memoryApiKeyStore([record]), lookupTimeoutMs: 1_000, refusalCache: { maxEntries: 0, ttlMs: 1 } }, fakeClock(), Symbol("timing"));
    const other = (c: string, by: number) => BASE62[(BASE62.indexOf(c) + by) % 62]!;
    // Wrong secrets that share nothing with the real one, and wrong secrets equal to it but for the last character.
    const nothingShared = Array.from({ length: 61 }, (_, i) => formatApiKey({ ...parts, secret: [...parts.secret].map((c) => other(c, i + 1)).join("") }));
    const allButOne = Array.from({ length: 61 }, (_, i) => formatApiKey({ ...parts, secret: parts.secret.slice(0, -1) + other(parts.secret.at(-1)!, i + 1) }));
    for (const wrong of [...nothingShared, ...allButOne]) {
      expect(wrong).not.toBe(key);
      expect(parseApiKey(wrong)).toBeDefined();
    }

    const time = async (wrong: string): Promise<number> => {
      const start = performance.now();
      const outcome = await verifier.verify(wrong).then(
        () => "accepted",
        (error: { reason?: string }) => error.reason,
      );
      const elapsed = performance.now() - start;
      expect(outcome).toBe("unknown-key");
      return elapsed;
    };
    for (let i = 0; i < WARM_UP; i++) {
      await time(nothingShared[i % 61]!);
      await time(allButOne[i % 61]!);
    }
    const far: number[] = [];
    const near: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Interleaved, and in alternating order, so drift in the machine's load touches both alike.
      if (i % 2 === 0) {
        far.push(await time(nothingShared[i % 61]!));
        near.push(await time(allButOne[i % 61]!));
      } else {
        near.push(await time(allButOne[i % 61]!));
        far.push(await time(nothingShared[i % 61]!));
      }
    }
    const ratio = median(near) / median(far);
    console.log(`wrong key, median µs: nothing shared ${(median(far) * 1000).toFixed(2)}, all but one shared ${(median(near) * 1000).toFixed(2)}, ratio ${ratio.toFixed(3)}`);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
