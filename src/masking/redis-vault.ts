/**
 * A token vault in Redis, so that every instance of a service can restore
 * the tokens any of them made. Takes an existing client (ioredis or any
 * client with the same `set` and `mget`); records expire after `ttlSeconds`.
 *
 * @module
 */
import { PolicyError } from "../errors.js";
import type { Vault } from "./vault.js";

/** The part of a Redis client the vault uses (ioredis's `Redis` and `Cluster` fit). */
export interface RedisVaultClient {
  /** `SET key value EX seconds`. */
  set(key: string, value: string, mode: "EX", seconds: number): Promise<unknown>;
  /** `MGET key…`. */
  mget(keys: string[]): Promise<(string | null)[]>;
}

/** Options of {@link redisVault}. */
export interface RedisVaultOptions {
  /** A connected client, owned by the caller (the vault never closes it). */
  readonly client: RedisVaultClient;
  /** Prefix of every key (default `warden:vault:`). */
  readonly keyPrefix?: string;
  /** Lifetime of a record in seconds (default 86,400: one day). */
  readonly ttlSeconds?: number;
}

/** Creates a vault stored in Redis. Maskers sharing it must share `vaultKey`. */
export function redisVault(options: RedisVaultOptions): Vault {
  const { client } = options;
  const prefix = options.keyPrefix ?? "warden:vault:";
  const ttl = options.ttlSeconds ?? 86_400;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new PolicyError("redisVault.ttlSeconds", "must be a positive integer");
  return {
    shared: true,
    async set(key, record) {
      await client.set(prefix + key, record, "EX", ttl);
    },
    async get(keys) {
      if (keys.length === 0) return [];
      const values = await client.mget(keys.map((key) => prefix + key));
      return values.map((value) => value ?? undefined);
    },
  };
}
