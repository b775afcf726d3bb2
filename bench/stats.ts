/** Small numeric helpers shared by the benchmarks. */

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `n` rounded to `digits` decimals, as a number (for JSON results). */
export const fixed = (n: number, digits = 2): number => Number(n.toFixed(digits));

/**
 * Runs `baseline` and `variant` once a round for `rounds` rounds, in alternating order (so
 * that a burst of load falls on both alike), and returns what each returned, round by round.
 */
export function alternate<T>(rounds: number, baseline: () => T, variant: () => T): { baseline: T[]; variant: T[] } {
  const results = { baseline: [] as T[], variant: [] as T[] };
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      results.baseline.push(baseline());
      results.variant.push(variant());
    } else {
      results.variant.push(variant());
      results.baseline.push(baseline());
    }
  }
  return results;
}
