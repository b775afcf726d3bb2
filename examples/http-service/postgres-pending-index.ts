/**
 * The pending index in PostgreSQL: every instance of the service sees the
 * same paused threads, and they outlive a restart (with LangGraph's
 * `PostgresSaver` holding the threads themselves).
 */
import pg from "pg";
import type { PendingIndex, PendingThread } from "./pending-index.js";
import { openCredential, sealCredential } from "./sealed-credential.js";

/** Settings of {@link postgresPendingIndex}. */
export interface PostgresPendingIndexOptions {
  /** A connection string (the index owns and closes its pool)… */
  connectionString?: string;
  /** …or a pool of yours (left open on `close()`). */
  pool?: pg.Pool;
  /** Table name: lower-case letters, digits and `_` (default `http_service_pending`). */
  table?: string;
  /** 32-byte key that seals the stored credentials (see `deriveSealingKey`). */
  sealingKey: Uint8Array;
}

interface Row {
  thread_key: string;
  thread_id: string;
  tenant: string | null;
  requester: string;
  credential: string;
  credential_expires_at: string | null;
}

/** A PostgreSQL-backed {@link PendingIndex}; creates its table on first use. */
export function postgresPendingIndex(options: PostgresPendingIndexOptions): PendingIndex {
  const table = options.table ?? "http_service_pending";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new RangeError("table: lower-case letters, digits and _ only");
  if (!options.pool && !options.connectionString) throw new TypeError("postgresPendingIndex() needs a connectionString or a pool");
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
  const ownsPool = !options.pool;
  const key = options.sealingKey;
  let ready: Promise<void> | undefined;
  const prepare = () =>
    (ready ??= pool
      .query(
        `CREATE TABLE IF NOT EXISTS "${table}" (
           thread_key text PRIMARY KEY,
           thread_id text NOT NULL,
           tenant text,
           requester text NOT NULL,
           credential text NOT NULL,
           credential_expires_at double precision,
           updated_at timestamptz NOT NULL DEFAULT now()
         );
         CREATE INDEX IF NOT EXISTS "${table}_tenant" ON "${table}" (tenant)`,
      )
      .then(() => undefined));

  const fromRow = (row: Row): PendingThread => ({
    threadKey: row.thread_key,
    threadId: row.thread_id,
    tenant: row.tenant ?? undefined,
    requester: row.requester,
    credential: openCredential(key, row.credential, row.thread_key),
    credentialExpiresAt: row.credential_expires_at === null ? Number.POSITIVE_INFINITY : Number(row.credential_expires_at),
  });

  return {
    async put(entry) {
      await prepare();
      const expires = Number.isFinite(entry.credentialExpiresAt) ? entry.credentialExpiresAt : null;
      await pool.query(
        `INSERT INTO "${table}" (thread_key, thread_id, tenant, requester, credential, credential_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (thread_key) DO UPDATE SET credential = EXCLUDED.credential,
           credential_expires_at = EXCLUDED.credential_expires_at, updated_at = now()`,
        [entry.threadKey, entry.threadId, entry.tenant ?? null, entry.requester, sealCredential(key, entry.credential, entry.threadKey), expires],
      );
    },
    async remove(threadKey) {
      await prepare();
      await pool.query(`DELETE FROM "${table}" WHERE thread_key = $1`, [threadKey]);
    },
    async get(threadKey) {
      await prepare();
      const { rows } = await pool.query<Row>(`SELECT * FROM "${table}" WHERE thread_key = $1`, [threadKey]);
      return rows[0] && fromRow(rows[0]);
    },
    async listTenant(tenant) {
      await prepare();
      const { rows } = await pool.query<Row>(`SELECT * FROM "${table}" WHERE tenant IS NOT DISTINCT FROM $1 ORDER BY updated_at, thread_key`, [tenant ?? null]);
      return rows.map(fromRow);
    },
    async close() {
      if (ownsPool) await pool.end();
    },
  };
}
