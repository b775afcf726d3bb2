/**
 * Positions of the separator characters several detectors anchor on (`:`,
 * `-`, `_`, `=`, `.`), found once per scan and shared, so that each character is
 * searched for once however many detectors use it.
 *
 * @module
 */

/** Lazily built, per-scan index of separator positions. */
export class SeparatorIndex {
  readonly #text: string;
  readonly #origin: number;
  readonly #cache = new Map<string, readonly number[]>();
  #derived: Map<unknown, unknown> | undefined;

  /**
   * @param text - the scanned text
   * @param origin - lowest position any detector of this scan asks about
   */
  constructor(text: string, origin: number) {
    this.#text = text;
    this.#origin = Math.max(0, origin);
  }

  /** Sorted positions of `char` (one UTF-16 unit) at or after the origin. */
  positions(char: string): readonly number[] {
    let found = this.#cache.get(char);
    if (found === undefined) {
      const list: number[] = [];
      let at = this.#text.indexOf(char, this.#origin);
      while (at !== -1) {
        list.push(at);
        at = this.#text.indexOf(char, at + 1);
      }
      found = list;
      this.#cache.set(char, found);
    }
    return found;
  }

  /**
   * What `derive` computes from this scan's text and positions, computed on
   * the first call and shared by every later one of the same scan (keyed by
   * `derive` itself), so that detectors reading the same structure (the
   * assignments of a text) find it once.
   */
  derived<T>(derive: (text: string, index: SeparatorIndex) => T): T {
    this.#derived ??= new Map();
    if (this.#derived.has(derive)) return this.#derived.get(derive) as T;
    const value = derive(this.#text, this);
    this.#derived.set(derive, value);
    return value;
  }

  /** Index in `positions` of the first position at or after `start`. */
  static firstAtOrAfter(positions: readonly number[], start: number): number {
    let low = 0;
    let high = positions.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((positions[mid] as number) < start) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** Characters before `from` that separator-anchored detectors may look at. */
export const SEPARATOR_LOOKBACK = 256;
