/** Interleaved rounds: the way every ratio in these benchmarks is measured. */
import { fixed, median } from "./stats.js";

// Many short rounds, each running every variant in turn: a burst of noise from the shared
// machine then falls on the variants of one round alike, and the median ratio ignores it.
export const ROUNDS = 31;
const ROUND_MS = 60;


export interface Variant {
  key: string;
  call: () => Promise<unknown>;
  /** Runs between rounds, outside the timed section (e.g. clearing a memory sink). */
  reset?: () => void;
}

/** Mean µs per call of `variant` over `n` sequential calls. */
async function timeCalls(variant: Variant, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await variant.call();
  const us = ((performance.now() - start) * 1000) / n;
  variant.reset?.();
  return us;
}

/**
 * Runs every variant in each round (alternating the order), and returns the
 * median over rounds of each variant's µs per call and of its ratio to the
 * first variant (the baseline).
 */
export async function compare(variants: Variant[]): Promise<{ us: Record<string, number>; ratio: Record<string, number> }> {
  const calls = new Map<string, number>();
  for (const variant of variants) {
    const warm = await timeCalls(variant, 500);
    calls.set(variant.key, Math.max(100, Math.round((ROUND_MS * 1000) / warm)));
  }
  const us: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const perCall: Record<string, number> = {};
    for (const variant of order) perCall[variant.key] = await timeCalls(variant, calls.get(variant.key) ?? 100);
    const base = perCall[variants[0]!.key]!;
    for (const variant of variants) {
      (us[variant.key] ??= []).push(perCall[variant.key]!);
      (ratios[variant.key] ??= []).push(perCall[variant.key]! / base);
    }
  }
  return {
    us: Object.fromEntries(Object.entries(us).map(([k, v]) => [k, fixed(median(v))])),
    ratio: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, fixed(median(v), 3)])),
  };
}

