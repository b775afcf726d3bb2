/**
 * A LangChain retriever over PostgreSQL full-text search that applies a
 * principal's {@link DocumentConstraint} in its WHERE clause, so the database
 * returns only documents the principal may see.
 *
 * @module
 */
import { Document } from "@langchain/core/documents";
import { BaseRetriever, type BaseRetrieverInput } from "@langchain/core/retrievers";
import pg from "pg";
import { PolicyError } from "../errors.js";
import { isMetadataKey } from "../policy/rule-fields.js";
import type { DocumentConstraint } from "../retrieval/document-constraint.js";
import { type ConstraintRetriever, MAX_FETCH } from "../retrieval/pushdown.js";
import { isPostgresIdentifier, qualifiedNameParts, quoteIdentifier } from "./identifiers.js";

/** The part of a `pg.Pool` (or `pg.Client`) the retriever uses. */
export interface PgQueryable {
  query<Row = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
}

/** Options of {@link postgresRetriever}. */
export interface PostgresRetrieverOptions extends BaseRetrieverInput {
  /** A connection string (the retriever owns its pool; `close()` ends it). */
  connectionString?: string;
  /** Or an existing pool or client (left open by `close()`). */
  pool?: PgQueryable;
  /** Table name, optionally schema-qualified: letters, digits and `_` (see `POSTGRES_IDENTIFIER`). */
  table: string;
  /** Column holding the document text. */
  contentColumn: string;
  /** Column holding the document metadata, of type `jsonb`. */
  metadataColumn: string;
  /** Documents per call (default 4, at most 1,000). */
  k?: number;
  /** Text search configuration, e.g. `english` (default), `simple`, `german`. */
  language?: string;
}

/** The validated settings every copy of a retriever shares. */
interface Settings {
  readonly pool: PgQueryable;
  readonly ownPool: { end(): Promise<void> } | undefined;
  readonly from: string;
  readonly content: string;
  readonly metadata: string;
  readonly language: string;
}

const LANGUAGE = /^[a-z_][a-z0-9_]{0,62}$/;
const DEFAULT_K = 4;

function checkK(k: unknown, path: string): number {
  if (!Number.isInteger(k) || (k as number) < 1 || (k as number) > MAX_FETCH) throw new PolicyError(path, `must be a whole number from 1 to ${MAX_FETCH}`);
  return k as number;
}

function identifier(name: unknown, path: string): string {
  if (!isPostgresIdentifier(name)) throw new PolicyError(path, "must be a PostgreSQL identifier: a letter or _, then letters, digits or _, at most 63 characters");
  return quoteIdentifier(name);
}

const isStringList = (value: unknown): value is readonly string[] => Array.isArray(value) && value.every((item) => typeof item === "string");

/**
 * The WHERE conditions of a constraint, with their parameters numbered from
 * `first`. Keys and values are parameters; keys must also be metadata keys
 * (`isMetadataKey`), so a malformed constraint is refused, not run.
 */
function constraintConditions(constraint: DocumentConstraint, metadata: string, first: number): { sql: string[]; values: unknown[] } {
  const sql: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${first + values.length - 1}`;
  };
  const key = (value: unknown, path: string) => {
    if (!isMetadataKey(value)) throw new PolicyError(path, "is not a valid metadata key");
    return param(value);
  };
  if (constraint.tenant) {
    const { tenant } = constraint;
    if (typeof tenant.value !== "string" || tenant.value === "") throw new PolicyError("constraint.tenant.value", "must be a non-empty string");
    sql.push(`(${metadata} ->> ${key(tenant.key, "constraint.tenant.key")}) = ${param(tenant.value)}`);
  }
  if (constraint.acl) {
    const { acl } = constraint;
    if (!isStringList(acl.anyOf)) throw new PolicyError("constraint.acl.anyOf", "must be a list of strings");
    const k = key(acl.key, "constraint.acl.key");
    sql.push(`jsonb_typeof(${metadata} -> ${k}) = 'array'`, `(${metadata} -> ${k}) ?| ${param([...acl.anyOf])}::text[]`);
  }
  if (constraint.classification) {
    const { classification } = constraint;
    if (!isStringList(classification.allowed)) throw new PolicyError("constraint.classification.allowed", "must be a list of strings");
    sql.push(`(${metadata} ->> ${key(classification.key, "constraint.classification.key")}) = ANY(${param([...classification.allowed])}::text[])`);
  }
  return { sql, values };
}

/**
 * A retriever doing PostgreSQL full-text search: documents whose content
 * matches `websearch_to_tsquery(language, query)`, best `ts_rank` first. A
 * copy made by {@link PostgresRetriever.withDocumentConstraint} adds the
 * constraint to the WHERE clause (each constraint of a copy of a copy too): tenant equality on `metadata ->> key`, ACL
 * overlap `metadata -> key ?| readers` (the value must be a JSON array), and
 * classification `metadata ->> key = ANY(levels)`. Table and column names are
 * validated identifiers, quoted; every key and value is a query parameter.
 */
export class PostgresRetriever extends BaseRetriever implements ConstraintRetriever {
  /** @returns the LangChain class name */
  static override lc_name(): string {
    return "PostgresRetriever";
  }

  /** LangChain namespace of the class. */
  override lc_namespace = ["langchain_warden", "retrievers", "postgres"];

  /** Documents per call. */
  readonly k: number;
  /** The constraints this copy applies, all of them (none for the retriever `postgresRetriever` made). */
  readonly constraints: readonly DocumentConstraint[];
  readonly #settings: Settings;

  /** @internal use {@link postgresRetriever} */
  constructor(settings: Settings, k: number, constraints: readonly DocumentConstraint[], fields: BaseRetrieverInput) {
    super(fields);
    this.#settings = settings;
    this.k = k;
    this.constraints = Object.freeze(constraints.map((constraint) => Object.freeze({ ...constraint })));
  }

  /** A copy returning at most `k` documents that meet `constraint` as well as every constraint this one applies. */
  withDocumentConstraint(constraint: DocumentConstraint, k: number): PostgresRetriever {
    return new PostgresRetriever(this.#settings, checkK(k, "k"), [...this.constraints, constraint], {
      callbacks: this.callbacks,
      tags: this.tags,
      metadata: this.metadata,
      verbose: this.verbose,
    });
  }

  /** @internal the full-text search, with this copy's constraint */
  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    if (this.constraints.some((constraint) => constraint.matchesNothing)) return [];
    const { pool, from, content, metadata, language } = this.#settings;
    const values: unknown[] = [language, String(query), this.k];
    const where = [`to_tsvector($1::regconfig, ${content}) @@ warden_query`];
    for (const constraint of this.constraints) {
      const conditions = constraintConditions(constraint, metadata, values.length + 1);
      where.push(...conditions.sql);
      values.push(...conditions.values);
    }
    const text =
      `SELECT ${content} AS content, ${metadata} AS metadata FROM ${from}, websearch_to_tsquery($1::regconfig, $2) AS warden_query ` +
      `WHERE ${where.join(" AND ")} ORDER BY ts_rank(to_tsvector($1::regconfig, ${content}), warden_query) DESC LIMIT $3`;
    const result = await pool.query<{ content: unknown; metadata: unknown }>(text, values);
    return result.rows.map(
      (row) =>
        new Document({
          pageContent: typeof row.content === "string" ? row.content : "",
          metadata: typeof row.metadata === "object" && row.metadata !== null && !Array.isArray(row.metadata) ? (row.metadata as Record<string, unknown>) : {},
        }),
    );
  }

  /** Ends the pool the retriever made from `connectionString` (a pool passed in is left open). */
  async close(): Promise<void> {
    await this.#settings.ownPool?.end();
  }
}

/**
 * Creates a {@link PostgresRetriever}. Names are validated here, once:
 * a table, column or language that is not a plain identifier is refused with
 * a {@link PolicyError} naming the option.
 */
export function postgresRetriever(options: PostgresRetrieverOptions): PostgresRetriever {
  const tableParts = qualifiedNameParts(options.table);
  if (!tableParts) throw new PolicyError("postgresRetriever.table", "must be a PostgreSQL identifier, optionally schema-qualified");
  const content = identifier(options.contentColumn, "postgresRetriever.contentColumn");
  const metadata = identifier(options.metadataColumn, "postgresRetriever.metadataColumn");
  const language = options.language ?? "english";
  if (typeof language !== "string" || !LANGUAGE.test(language)) throw new PolicyError("postgresRetriever.language", "must be a text search configuration name such as english");
  const k = checkK(options.k ?? DEFAULT_K, "postgresRetriever.k");
  if (!options.pool && !options.connectionString) throw new PolicyError("postgresRetriever", "needs a connectionString or a pool");
  let pool = options.pool;
  let ownPool: pg.Pool | undefined;
  if (!pool) {
    ownPool = new pg.Pool({ connectionString: options.connectionString, max: 4 });
    // An idle connection the server closes must not end the process; the next query opens another.
    ownPool.on("error", () => undefined);
    pool = ownPool as unknown as PgQueryable;
  }
  const settings: Settings = { pool, ownPool, from: quoteIdentifier(tableParts), content, metadata, language };
  return new PostgresRetriever(settings, k, [], {
    callbacks: options.callbacks,
    tags: options.tags,
    metadata: options.metadata,
    verbose: options.verbose,
  });
}
