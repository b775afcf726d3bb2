import { NestingLimitError } from "./errors.js";

/**
 * The deepest nesting Warden digests and masks: a container (object, array,
 * map, set, error) more than this many levels below the root is refused with
 * `NestingLimitError`, by canonical JSON (so by every digest) and by deep
 * masking alike. A cycle counts as too deep where a value is serialised.
 */
export const MAX_NESTING = 256;

/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): object keys sorted by
 * UTF-16 code units, no white space, numbers and strings serialised as ECMAScript
 * does. Used for argument digests, deny patterns and the audit hash chain.
 * Throws `NestingLimitError` for a value nested deeper than {@link MAX_NESTING}
 * (or circular).
 *
 * The value is first brought into canonical key order (objects whose keys are
 * already sorted are reused as they are), then serialised by `JSON.stringify`,
 * whose output for sorted keys is the canonical form.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalOrder(value, 0)) ?? "null";
}

function canonicalOrder(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) {
    return typeof value === "bigint" ? value.toString() : value;
  }
  if (depth > MAX_NESTING) throw new NestingLimitError(MAX_NESTING);
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function") return canonicalOrder(withToJson.toJSON(), depth + 1);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = canonicalOrder(value[i], depth + 1);
      if (item !== value[i] && copy === undefined) copy = value.slice(0, i);
      if (copy !== undefined) copy.push(item);
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) if ((keys[i - 1] as string) > (keys[i] as string)) sorted = false;
  if (sorted) {
    // Reuse the object unless one of its values had to change.
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = canonicalOrder(record[key], depth + 1);
      if (item !== record[key]) return rebuild(record, keys, i, item, depth);
    }
    return record;
  }
  return rebuild(record, keys.sort(), 0, undefined, depth);
}

/** A null-prototype copy in key order (so a `__proto__` key stays a plain key). */
function rebuild(record: Record<string, unknown>, keys: string[], from: number, first: unknown, depth: number): Record<string, unknown> {
  const ordered: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i < from) ordered[key] = record[key];
    else if (i === from && first !== undefined) ordered[key] = first;
    else ordered[key] = canonicalOrder(record[key], depth + 1);
  }
  return ordered;
}
