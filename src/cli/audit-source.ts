/**
 * The log an `audit` command reads: a JSONL file, or a PostgreSQL table
 * (`postgres://…`, read with the optional `pg` peer).
 *
 * @module
 */
import { createReadStream, existsSync } from "node:fs";
import { UsageError } from "./usage-error.js";

/** A log to read: a file path, or the events of a table. */
export interface AuditSource {
  /** What to show for it: the path, or host, database and table (never credentials). */
  label: string;
  /** The file's path (the verifier reads it line by line as written), or the table's events. */
  input: string | unknown[];
}

/** Whether `source` names a PostgreSQL database rather than a file. */
export function isPostgresUrl(source: string): boolean {
  return /^postgres(ql)?:\/\//.test(source);
}

/** Host, database and table of a PostgreSQL source, without user or password. */
function postgresLabel(url: string, table: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname} (${table})`;
  } catch {
    throw new UsageError("the postgres:// URL is not a valid URL");
  }
}

/** True when `message` quotes the connection string or its password: such a message is not shown. */
function mayHoldCredentials(message: string, url: string): boolean {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return true;
  }
  return message.includes(url) || (password !== "" && message.includes(password));
}

async function readPostgres(url: string, table: string, chain: string | undefined, label: string): Promise<unknown[]> {
  let postgres: typeof import("../postgres/index.js");
  let pgModule: typeof import("pg");
  try {
    postgres = await import("../postgres/index.js");
    pgModule = (await import("pg")).default as unknown as typeof import("pg");
  } catch {
    throw new UsageError('reading a PostgreSQL log needs the "pg" package: npm install pg', "WARDEN_CLI_IO");
  }
  const pool = new pgModule.Pool({ connectionString: url, max: 1 });
  // An unreachable server fails the query; the pool's own error event must not crash the process.
  pool.on("error", () => undefined);
  try {
    return await postgres.readAuditEvents(pool, table, chain === undefined ? {} : { chain });
  } catch (error) {
    // The driver's code (ECONNREFUSED, 42P01…) says what failed without repeating the URL.
    const code = (error as { code?: unknown })?.code;
    const why = typeof code === "string" ? code : error instanceof TypeError && !mayHoldCredentials(error.message, url) ? error.message : "the query failed";
    throw new UsageError(`cannot read the audit log from ${label}: ${why}`, "WARDEN_CLI_IO");
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/**
 * Opens the log a command names: checks a file exists, or reads a table's
 * events (all chains, or `chain`'s) in chain and seq order.
 *
 * @param source - a file path or a `postgres://` URL
 * @param options - the table (default `warden_audit`) and chain of a PostgreSQL source
 */
export async function openAuditSource(source: string, options: { table?: string | undefined; chain?: string | undefined } = {}): Promise<AuditSource> {
  if (isPostgresUrl(source)) {
    const table = options.table ?? "warden_audit";
    const label = postgresLabel(source, table);
    return { label, input: await readPostgres(source, table, options.chain, label) };
  }
  if (!existsSync(source)) throw new UsageError(`no such file: ${source}`, "WARDEN_CLI_IO");
  return { label: source, input: source };
}

/**
 * Hands each entry of a source to `onEntry`, in order: a file's lines parsed
 * as JSON (`undefined` for a line that is not JSON; blank lines skipped), read
 * as a stream of large chunks, or a table's events.
 */
export async function forEachAuditEntry(source: AuditSource, onEntry: (entry: unknown) => void): Promise<void> {
  if (typeof source.input !== "string") {
    for (const event of source.input) onEntry(event);
    return;
  }
  let rest = "";
  for await (const chunk of createReadStream(source.input, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line.trim() !== "") onEntry(parseLine(line));
  }
  if (rest.trim() !== "") onEntry(parseLine(rest));
}

/** A line as JSON, or `undefined` when it is not JSON (a torn or edited line). */
function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
