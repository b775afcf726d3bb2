/**
 * PostgreSQL for Warden: an audit sink (an append-only table keyed by chain
 * and seq, with a trigger that refuses UPDATE, DELETE and TRUNCATE), an API
 * key store (one row per key, revoked with an UPDATE), and a full-text
 * retriever that applies a principal's document constraint in SQL.
 *
 * @module langchain-warden/postgres
 */
import type { AuditEvent, AuditSink } from "../audit/event.js";
import { ownPool, type PgPool, quoteTable } from "./pool.js";

export type { PostgresApiKeyStore, PostgresApiKeyStoreOptions } from "./api-keys.js";
export { migrateApiKeyTable, postgresApiKeyStore } from "./api-keys.js";
export { POSTGRES_IDENTIFIER } from "./identifiers.js";
export type { PgPool } from "./pool.js";
export { type PgQueryable, type PostgresRetriever, type PostgresRetrieverOptions, postgresRetriever } from "./retriever.js";

/** When events reach the database. */
export type PostgresDurability = "checkpoint" | "event";

/** Options of {@link postgresSink}. */
export interface PostgresSinkOptions {
  /** A connection string (the sink owns and closes its pool). */
  connectionString?: string;
  /** Or an existing `pg.Pool` (left open on `close()`). */
  pool?: PgPool;
  /** Table name, optionally schema-qualified (default `warden_audit`). */
  table?: string;
  /**
   * `checkpoint` (default): events are inserted in batches, at the latest on the
   * next turn of the event loop; a signed checkpoint's `write` waits until it and
   * every event before it are committed. `event`: each `write` waits for its own
   * insert.
   */
  durability?: PostgresDurability;
  /** Create the table and its trigger on first use (default `true`). */
  migrate?: boolean;
}

/** A PostgreSQL audit sink. */
export interface PostgresSink extends AuditSink {
  /** The pool the sink writes through. */
  readonly pool: PgPool;
  /** The (validated) table name. */
  readonly table: string;
}

const MAX_BATCH = 500;

/**
 * Creates the audit table (if missing) with its append-only trigger. Safe to
 * run concurrently from several instances (serialised by an advisory lock).
 */
export async function migrateAuditTable(pool: PgPool, table = "warden_audit"): Promise<void> {
  const { quoted, base } = quoteTable(table);
  const guard = `"${base}_append_only"`;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`warden_audit_migrate:${table}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted} (
      chain text NOT NULL,
      seq bigint NOT NULL CHECK (seq > 0),
      ts timestamptz NOT NULL,
      type text NOT NULL,
      event json NOT NULL,
      PRIMARY KEY (chain, seq)
    )`);
    await client.query(`CREATE INDEX IF NOT EXISTS "${base}_ts_idx" ON ${quoted} (ts)`);
    await client.query(`CREATE OR REPLACE FUNCTION warden_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit table %.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await client.query(`CREATE OR REPLACE TRIGGER ${guard} BEFORE UPDATE OR DELETE ON ${quoted}
      FOR EACH ROW EXECUTE FUNCTION warden_audit_refuse_change()`);
    await client.query(`CREATE OR REPLACE TRIGGER "${base}_no_truncate" BEFORE TRUNCATE ON ${quoted}
      FOR EACH STATEMENT EXECUTE FUNCTION warden_audit_refuse_change()`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Reads audit events back in chain and seq order (for `verifyAuditLog` and
 * `warden audit verify postgres://…`).
 */
export async function readAuditEvents(pool: PgPool, table = "warden_audit", options: { chain?: string } = {}): Promise<AuditEvent[]> {
  const { quoted } = quoteTable(table);
  const result =
    options.chain === undefined
      ? await pool.query<{ event: AuditEvent }>(`SELECT event FROM ${quoted} ORDER BY chain, seq`)
      : await pool.query<{ event: AuditEvent }>(`SELECT event FROM ${quoted} WHERE chain = $1 ORDER BY seq`, [options.chain]);
  return result.rows.map((row) => row.event);
}

/**
 * Creates a PostgreSQL audit sink. A failed insert is reported to the write
 * that waits for it (and to every later write), so with `failMode: "closed"`
 * no action proceeds unrecorded.
 */
export function postgresSink(options: PostgresSinkOptions): PostgresSink {
  if (!options.pool && !options.connectionString) throw new TypeError("postgresSink() needs a connectionString or a pool");
  const table = options.table ?? "warden_audit";
  const { quoted } = quoteTable(table);
  const ownsPool = !options.pool;
  const pool: PgPool = options.pool ?? ownPool(options.connectionString as string);
  const durability = options.durability ?? "checkpoint";
  let ready: Promise<void> | undefined;
  let pending: AuditEvent[] = [];
  let scheduled = false;
  let tail: Promise<void> = Promise.resolve();
  let failure: unknown;
  let closed = false;

  const prepare = () => (ready ??= options.migrate === false ? Promise.resolve() : migrateAuditTable(pool, table));

  async function insert(events: AuditEvent[]): Promise<void> {
    await prepare();
    const values: unknown[] = [];
    const rows = events.map((event, i) => {
      values.push(event.chain, event.seq, event.ts, event.type, JSON.stringify(event));
      const o = i * 5;
      return `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}::json)`;
    });
    await pool.query(`INSERT INTO ${quoted} (chain, seq, ts, type, event) VALUES ${rows.join(", ")}`, values);
  }

  /** Inserts what is pending, after every earlier batch (batches never overlap). */
  function drain(): Promise<void> {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return tail;
    tail = tail.then(async () => {
      if (failure !== undefined) throw failure;
      for (let i = 0; i < batch.length; i += MAX_BATCH) {
        try {
          await insert(batch.slice(i, i + MAX_BATCH));
        } catch (error) {
          failure ??= error;
          throw error;
        }
      }
    });
    return tail;
  }

  function drainSoon(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      drain().catch(() => undefined);
    });
  }

  return {
    pool,
    table,
    async write(event) {
      if (failure !== undefined) throw failure;
      if (closed) throw new Error("the audit sink is closed");
      pending.push(event);
      if (durability === "event" || event.sig !== undefined) await drain();
      else if (pending.length >= MAX_BATCH) void drain().catch(() => undefined);
      else drainSoon();
    },
    async commit() {
      if (failure !== undefined) throw failure;
      await drain();
    },
    async flush() {
      await drain();
    },
    async close() {
      if (closed) return;
      try {
        await drain();
      } finally {
        closed = true;
        if (ownsPool) await pool.end();
      }
    },
  };
}
