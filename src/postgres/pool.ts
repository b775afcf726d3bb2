/**
 * What the PostgreSQL parts share: the part of a pool they use, their own
 * pools, and table names checked before they reach SQL.
 *
 * @module
 */
import pg from "pg";
import { qualifiedNameParts, quoteIdentifier } from "./identifiers.js";

/**
 * The part of a `pg.Pool` Warden uses (declared here so that the package's
 * types do not need `@types/pg`).
 */
export interface PgPool {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
  connect(): Promise<{ query(text: string, values?: unknown[]): Promise<unknown>; release(): void }>;
  end(): Promise<void>;
}

/** Validates and quotes a possibly schema-qualified table name (`what` names the table in the error). */
export function quoteTable(table: string, what = "audit"): { quoted: string; base: string } {
  const parts = qualifiedNameParts(table);
  if (!parts) throw new TypeError(`invalid ${what} table name "${table}": use letters, digits and underscores, optionally schema-qualified`);
  return { quoted: quoteIdentifier(parts), base: parts[parts.length - 1] as string };
}

/**
 * A pool of Warden's own. An idle connection that the server closes (a
 * restart, a terminated backend) makes the pool emit `error`, which would end
 * the process unheard: the pool has already dropped that connection and opens
 * another for the next query, whose own failure is what refuses actions.
 */
export function ownPool(connectionString: string): PgPool {
  const pool = new pg.Pool({ connectionString, max: 4 });
  pool.on("error", () => undefined);
  return pool;
}
