/**
 * The strict identifier rule of the PostgreSQL module: table and column
 * names are validated against it and always double-quoted; values are only
 * ever passed as query parameters.
 *
 * @module
 */

/** A PostgreSQL identifier Warden accepts: a letter or `_`, then letters, digits or `_`, at most 63 characters. */
export const POSTGRES_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** True when `name` is an identifier by {@link POSTGRES_IDENTIFIER}. */
export function isPostgresIdentifier(name: unknown): name is string {
  return typeof name === "string" && POSTGRES_IDENTIFIER.test(name);
}

/** The parts of a possibly schema-qualified name (`table` or `schema.table`), or `undefined` when a part is not an identifier. */
export function qualifiedNameParts(name: unknown): string[] | undefined {
  if (typeof name !== "string") return undefined;
  const parts = name.split(".");
  return parts.length <= 2 && parts.every(isPostgresIdentifier) ? parts : undefined;
}

/** Double-quotes a validated identifier (or the parts of a validated qualified name). */
export function quoteIdentifier(parts: string | readonly string[]): string {
  return (typeof parts === "string" ? [parts] : parts).map((part) => `"${part}"`).join(".");
}
