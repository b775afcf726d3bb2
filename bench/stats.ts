/** Small numeric helpers shared by the benchmarks. */

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `n` rounded to `digits` decimals, as a number (for JSON results). */
export const fixed = (n: number, digits = 2): number => Number(n.toFixed(digits));
