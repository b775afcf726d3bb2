/**
 * API key records in a PostgreSQL table, one row per key, shared by every
 * instance. A key is revoked with `store.revoke(id)` or in SQL
 * (`UPDATE warden_api_keys SET revoked_at = now() WHERE id = $1`), and is
 * refused by every instance from its next request.
 *
 * @module
 */
import type { ApiKeyRecord, ApiKeyRecordInput } from "../identity/api-key-record.js";
import { apiKeyRecordSchema } from "../identity/api-key-record.js";
import type { WritableApiKeyStore } from "../identity/api-key-stores.js";
import { parseOptions } from "../validate.js";
import { ownPool, type PgPool, quoteTable } from "./pool.js";

/** Options of {@link postgresApiKeyStore}. */
export interface PostgresApiKeyStoreOptions {
  /** A connection string (the store owns and closes its pool). */
  connectionString?: string;
  /** Or an existing `pg.Pool` (left open on `close()`). */
  pool?: PgPool;
  /** Table name, optionally schema-qualified (default `warden_api_keys`). */
  table?: string;
  /** Create the table on first use (default `true`). */
  migrate?: boolean;
}

/** An API key store in PostgreSQL. */
export interface PostgresApiKeyStore extends WritableApiKeyStore {
  /** The pool the store queries through. */
  readonly pool: PgPool;
  /** The (validated) table name. */
  readonly table: string;
  /** Closes the store's own pool (a pool passed in is left open). */
  close(): Promise<void>;
}

interface Row {
  id: string;
  hash: string;
  sub: string;
  tenant: string | null;
  scopes: string[];
  roles: string[];
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

/**
 * Creates the API key table if it is missing: `id` (primary key), `hash`,
 * `sub`, `tenant`, `scopes` and `roles` (text arrays), `created_at`,
 * `expires_at` and `revoked_at` (timestamptz). Safe to run concurrently from
 * several instances (serialised by an advisory lock).
 */
export async function migrateApiKeyTable(pool: PgPool, table = "warden_api_keys"): Promise<void> {
  const { quoted } = quoteTable(table, "API key");
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden_api_keys_migrate:${table}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted} (
    id text PRIMARY KEY,
    hash text NOT NULL,
    sub text NOT NULL,
    tenant text,
    scopes text[] NOT NULL DEFAULT '{}',
    roles text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz
  )`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const epochMs = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${column}`;
const timestamp = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** The record a row holds (validated by the warden when it reads it). */
function recordOf(row: Row): ApiKeyRecordInput {
  return {
    id: row.id,
    hash: row.hash,
    sub: row.sub,
    ...(row.tenant !== null ? { tenant: row.tenant } : {}),
    scopes: row.scopes,
    roles: row.roles,
    createdAt: Math.round(row.created_at),
    ...(row.expires_at !== null ? { expiresAt: Math.round(row.expires_at) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: Math.round(row.revoked_at) } : {}),
  };
}

/**
 * A store of API key records in a PostgreSQL table shared by every instance.
 * When the database does not answer, keys are refused
 * (`key-store-unavailable`): nothing is let through unverified.
 */
export function postgresApiKeyStore(options: PostgresApiKeyStoreOptions): PostgresApiKeyStore {
  if (!options.pool && !options.connectionString) throw new TypeError("postgresApiKeyStore() needs a connectionString or a pool");
  const table = options.table ?? "warden_api_keys";
  const { quoted } = quoteTable(table, "API key");
  const ownsPool = !options.pool;
  const pool: PgPool = options.pool ?? ownPool(options.connectionString as string);
  let ready: Promise<void> | undefined;
  const prepare = (): Promise<void> => {
    if (ready === undefined) {
      ready = options.migrate === false ? Promise.resolve() : migrateApiKeyTable(pool, table);
      // A failed migration is tried again on the next call.
      ready.catch(() => {
        ready = undefined;
      });
    }
    return ready;
  };
  const select = `SELECT id, hash, sub, tenant, scopes, roles, ${epochMs("created_at")}, ${epochMs("expires_at")}, ${epochMs("revoked_at")} FROM ${quoted} WHERE id = $1`;

  return {
    pool,
    table,
    async get(id) {
      await prepare();
      const { rows } = await pool.query<Row>(select, [id]);
      return rows[0] === undefined ? undefined : recordOf(rows[0]);
    },
    async put(input) {
      const record: ApiKeyRecord = parseOptions(apiKeyRecordSchema, input, "record");
      await prepare();
      await pool.query(
        `INSERT INTO ${quoted} (id, hash, sub, tenant, scopes, roles, created_at, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET hash = EXCLUDED.hash, sub = EXCLUDED.sub, tenant = EXCLUDED.tenant, scopes = EXCLUDED.scopes,
           roles = EXCLUDED.roles, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, revoked_at = EXCLUDED.revoked_at`,
        [
          record.id,
          record.hash,
          record.sub,
          record.tenant ?? null,
          record.scopes,
          record.roles,
          timestamp(record.createdAt),
          timestamp(record.expiresAt),
          timestamp(record.revokedAt),
        ],
      );
    },
    async revoke(id, at = Date.now()) {
      await prepare();
      // The first revocation's time is kept.
      const { rows } = await pool.query<{ id: string }>(`UPDATE ${quoted} SET revoked_at = coalesce(revoked_at, $2::timestamptz) WHERE id = $1 RETURNING id`, [id, timestamp(at)]);
      return rows.length > 0;
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
