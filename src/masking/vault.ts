/**
 * Storage behind the `tokenize` strategy. A vault keeps opaque records: the
 * masker encrypts every value (AES-256-GCM, bound to its tenant and token)
 * before it reaches a vault, and names records by keyed digests, so a vault
 * never holds a value, a tenant name or a token in the clear.
 *
 * @module
 */

/** Storage of encrypted token records. */
export interface Vault {
  /**
   * Whether several processes share this storage. A shared vault needs the
   * same `vaultKey` on every masker that uses it.
   */
  readonly shared: boolean;
  /** Stores `record` under `key`, replacing any previous one. May finish later. */
  set(key: string, record: string): void | Promise<void>;
  /** Reads the records of `keys`, in order; a missing or expired one is undefined. */
  get(keys: readonly string[]): readonly (string | undefined)[] | Promise<readonly (string | undefined)[]>;
}

/** Options of {@link memoryVault}. */
export interface MemoryVaultOptions {
  /** Records kept at most; the oldest go first (default 100,000). */
  readonly maxEntries?: number;
  /** Lifetime of a record in seconds (default: no expiry). */
  readonly ttlSeconds?: number;
  /** Clock in epoch milliseconds, for tests (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A vault in this process's memory: the default. Tokens can only be restored
 * by the masker that made them (its key is random unless `vaultKey` is set)
 * and are lost on restart. Use {@link redisVault} to share tokens between
 * instances.
 */
export function memoryVault(options: MemoryVaultOptions = {}): Vault {
  const maxEntries = options.maxEntries ?? 100_000;
  const ttlMs = options.ttlSeconds === undefined ? undefined : options.ttlSeconds * 1000;
  const now = options.now ?? Date.now;
  const records = new Map<string, { record: string; expires: number }>();
  return {
    shared: false,
    set(key, record) {
      records.delete(key);
      records.set(key, { record, expires: ttlMs === undefined ? Infinity : now() + ttlMs });
      if (records.size > maxEntries) {
        const oldest = records.keys().next();
        if (oldest.done !== true) records.delete(oldest.value);
      }
    },
    get(keys) {
      const at = now();
      return keys.map((key) => {
        const entry = records.get(key);
        if (entry === undefined) return undefined;
        if (entry.expires <= at) {
          records.delete(key);
          return undefined;
        }
        return entry.record;
      });
    },
  };
}
