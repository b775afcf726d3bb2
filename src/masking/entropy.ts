/**
 * Shannon entropy, used to tell a random secret (`Zx8Qw3Lp9Vt2`) from a
 * placeholder or a word (`changeit`, `********`, `${TOKEN}`).
 *
 * @module
 */

/** Shannon entropy of `text` in bits per character (0 for an empty string). */
export function shannonEntropy(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * The entropy a value of `length` characters must reach to count as random:
 * 3 bits per character, relaxed for short values whose maximum possible
 * entropy (all characters distinct) is `log2(length)`.
 */
export function entropyThreshold(length: number): number {
  return Math.min(3, Math.log2(Math.max(length, 1)) - 0.25);
}
