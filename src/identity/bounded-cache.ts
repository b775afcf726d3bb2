import { performance } from "node:perf_hooks";

interface Entry<V> {
  readonly value: V;
  /** Monotonic time from which the entry is gone. */
  readonly until: number;
}

/**
 * A small cache with a size bound and a time to live per entry, in real
 * (monotonic) time. When full, the oldest entry makes room for a new one, so
 * a flood of distinct keys costs a bounded amount of memory. Keys are
 * digests: callers never key it by a credential itself.
 * @internal
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  /** @param maxEntries - most entries kept (0 keeps none) */
  constructor(private readonly maxEntries: number) {}

  /** The live value of `key`, or `undefined`. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (performance.now() >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps `value` for `ttlMs` of real time (nothing when `ttlMs` ≤ 0). */
  set(key: string, value: V, ttlMs: number): void {
    if (!(ttlMs > 0) || this.maxEntries === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: performance.now() + ttlMs });
  }

  /** Drops `key`. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Number of entries held (live or not yet swept). */
  get size(): number {
    return this.entries.size;
  }
}
