/**
 * Where approved requests are claimed before they run, so a decision runs its
 * action once — across restarts and instances, not only in one process.
 */
export interface ApprovalStore {
  /** Claims `key` for `ttlMs`; resolves `true` the first time only. */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** An in-process store (the default): single use within one process. */
export function memoryApprovalStore(): ApprovalStore {
  const claimed = new Map<string, number>();
  return {
    async claim(key, ttlMs) {
      const now = Date.now();
      if (claimed.size > 10_000) for (const [k, until] of claimed) if (until <= now) claimed.delete(k);
      const until = claimed.get(key);
      if (until !== undefined && until > now) return false;
      claimed.set(key, now + ttlMs);
      return true;
    },
  };
}

/** The part of a Redis client the store uses (ioredis's `Redis` and `Cluster` fit). */
export interface RedisApprovalClient {
  set(key: string, value: string, px: "PX", ttlMs: number, nx: "NX"): Promise<string | null>;
}

/** Options of {@link redisApprovalStore}. */
export interface RedisApprovalStoreOptions {
  /** A connected client, owned by the caller. */
  client: RedisApprovalClient;
  /** Key prefix (default `warden:approval:`). */
  keyPrefix?: string;
}

/**
 * A store shared by every instance through Redis (`SET key NX PX ttl`): an
 * approved request runs once even when its decision is replayed on another
 * instance, after a restart, or from an older checkpoint. Fails closed: if
 * Redis cannot be reached, the claim fails and the action does not run.
 */
export function redisApprovalStore(options: RedisApprovalStoreOptions): ApprovalStore {
  const prefix = options.keyPrefix ?? "warden:approval:";
  return {
    async claim(key, ttlMs) {
      const reply = await options.client.set(`${prefix}${key}`, "1", "PX", Math.max(1, Math.ceil(ttlMs)), "NX");
      return reply === "OK";
    },
  };
}
