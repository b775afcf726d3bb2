/**
 * Where API key records live: in this process, or in Redis for several
 * instances (a PostgreSQL table is in `langchain-warden/postgres`). A store
 * only has to answer `get(id)`; the warden validates what it answers.
 *
 * @module
 */
import { PolicyError } from "../errors.js";
import { parseOptions } from "../validate.js";
import { type ApiKeyRecord, type ApiKeyRecordInput, apiKeyRecordSchema } from "./api-key-record.js";

/**
 * Where the warden looks up the record of an API key by its lookup id. The
 * answer is validated on every lookup (a record it cannot read refuses the
 * key), and nothing is cached but refusals, so a record changed in the store
 * (revoked, given other scopes) applies from the next request.
 */
export interface ApiKeyStore {
  /** The record of `id`, or `undefined`/`null` when there is none. */
  get(id: string): Promise<ApiKeyRecordInput | null | undefined> | ApiKeyRecordInput | null | undefined;
}

/** A store the application also writes to: add records, revoke keys. */
export interface WritableApiKeyStore extends ApiKeyStore {
  /** Adds (or replaces) a record. Throws `PolicyError` for a malformed one. */
  put(record: ApiKeyRecordInput): Promise<void>;
  /**
   * Revokes the key `id` at once: its record keeps `revokedAt` (`at`, epoch ms;
   * default now) and the key is refused with reason `revoked` from the next
   * request on. Resolves `false` when no such key is stored.
   */
  revoke(id: string, at?: number): Promise<boolean>;
}

/** A validated record, frozen. */
function checked(record: ApiKeyRecordInput, path: string): ApiKeyRecord {
  const parsed = parseOptions(apiKeyRecordSchema, record, path);
  Object.freeze(parsed.scopes);
  Object.freeze(parsed.roles);
  return Object.freeze(parsed);
}

/**
 * A store in this process, seeded with `records` (e.g. read from a secrets
 * file at start-up). `identity.apiKeys.records` builds one; pass
 * `identity.apiKeys.store: memoryApiKeyStore(records)` instead to keep a
 * handle and `revoke()` keys while the warden runs.
 */
export function memoryApiKeyStore(records: Iterable<ApiKeyRecordInput> = []): WritableApiKeyStore {
  const byId = new Map<string, ApiKeyRecord>();
  let index = 0;
  for (const record of records) {
    const parsed = checked(record, `records[${index}]`);
    if (byId.has(parsed.id)) throw new PolicyError(`records[${index}].id`, "another record has this id");
    byId.set(parsed.id, parsed);
    index++;
  }
  return {
    async get(id) {
      return byId.get(id);
    },
    async put(record) {
      const parsed = checked(record, "record");
      byId.set(parsed.id, parsed);
    },
    async revoke(id, at = Date.now()) {
      const record = byId.get(id);
      if (record === undefined) return false;
      if (record.revokedAt === undefined) byId.set(id, Object.freeze({ ...record, revokedAt: at }));
      return true;
    },
  };
}

/** The part of a Redis client the store uses (ioredis's `Redis` and `Cluster` fit). */
export interface RedisApiKeyClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
}

/** Options of {@link redisApiKeyStore}. */
export interface RedisApiKeyStoreOptions {
  /** A connected client, owned by the caller. */
  client: RedisApiKeyClient;
  /** Key prefix (default `warden:apikey:`): the record of `id` is the JSON string at `<prefix><id>`. */
  prefix?: string;
}

/**
 * A store shared by every instance through Redis: each record is a JSON
 * string at `<prefix><id>`. A revocation (`revoke(id)`, or any write of
 * `revokedAt` to the record) applies to every instance from its next request.
 * When Redis does not answer, keys are refused (`key-store-unavailable`).
 */
export function redisApiKeyStore(options: RedisApiKeyStoreOptions): WritableApiKeyStore {
  const prefix = options.prefix ?? "warden:apikey:";
  const { client } = options;
  const read = async (id: string): Promise<ApiKeyRecordInput | undefined> => {
    const text = await client.get(`${prefix}${id}`);
    if (text === null) return undefined;
    // A value that is not JSON fails the lookup (and refuses the key); it is never shown.
    try {
      return JSON.parse(text) as ApiKeyRecordInput;
    } catch {
      throw new TypeError("the stored API key record is not JSON");
    }
  };
  return {
    get: read,
    async put(record) {
      const parsed = checked(record, "record");
      await client.set(`${prefix}${parsed.id}`, JSON.stringify(parsed));
    },
    async revoke(id, at = Date.now()) {
      const stored = await read(id);
      if (stored === undefined) return false;
      const record = checked(stored, "record");
      if (record.revokedAt === undefined) await client.set(`${prefix}${id}`, JSON.stringify({ ...record, revokedAt: at }));
      return true;
    },
  };
}
