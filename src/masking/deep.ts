/**
 * Copies a structured value with its strings replaced, keeping its shape.
 *
 * Arrays, plain objects, class instances (same prototype, own enumerable
 * properties), `Map` values, `Set` members and errors (every own property —
 * message, stack, cause, code… — and a `name` or `message` read through the
 * prototype) are copied. On request, object keys and string `Map` keys, and
 * numbers and bigints (as their JSON text), go through the same replacement,
 * and adjacent text blocks of an array are replaced together. Booleans,
 * functions, symbols and objects whose state is not in properties (dates,
 * regular expressions, buffers, typed arrays, promises, weak collections) are
 * shared with the input. Cycles and shared references are reproduced in the
 * copy. The input is never modified. A container more than `MAX_NESTING`
 * levels deep throws `NestingLimitError`.
 *
 * @module
 */
import { MAX_NESTING } from "../canonical-json.js";
import { NestingLimitError } from "../errors.js";

/** Keys and indexes from the root to a string. */
export type Path = readonly (string | number)[];

/** What {@link mapDeep} replaces, and how. */
export interface DeepMapper {
  /**
   * Replaces a string. `key` is the object or `Map` key the string sits under
   * (context for detectors that look for a label before a value), if any.
   */
  text(text: string, path: Path, key: string | undefined): string;
  /**
   * Replaces object keys and string `Map` keys too (with `text`, no context;
   * `path` names the object holding the key). Keys that end up equal are told
   * apart deterministically: keys left as they were keep their names, and a
   * replaced key that meets a name already taken gets `#2`, `#3`, … appended.
   */
  readonly keys?: boolean;
  /**
   * Replaces finite numbers and bigints, given as the text JSON gives them
   * (`4111111111111111`); one whose text changes becomes that string.
   * Without it numbers are kept.
   */
  number?(written: string, path: Path, key: string | undefined): string;
  /**
   * Replaces the texts of two or more adjacent text blocks
   * (`{ type: "text", text }`) of an array together, so a value split across
   * blocks is seen whole; returns one text per block.
   */
  textRun?(texts: readonly string[], paths: readonly Path[]): readonly string[];
}

/** Whether `value`'s state lives outside its own properties, so it is shared rather than copied. */
function opaque(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Promise ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)
  );
}

/**
 * Defines a data property (safe for keys such as `__proto__`). An enumerable
 * one that neither `target` nor its prototypes know is assigned, which makes
 * the same property for a fraction of the cost.
 */
function define(target: object, key: string, value: unknown, enumerable = true): void {
  if (enumerable && !(key in target)) (target as Record<string, unknown>)[key] = value;
  else Object.defineProperty(target, key, { value, writable: true, enumerable, configurable: true });
}

/** A content block of text: `{ type: "text", text: "…" }` (a plain object). */
function isTextBlock(value: unknown): value is { type: "text"; text: string } {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const block = value as { type?: unknown; text?: unknown };
  return block.type === "text" && typeof block.text === "string";
}

/**
 * Names for keys after replacement, never two alike: unchanged keys keep their
 * names; a replaced key that meets a taken name gets the first free `#n` (n ≥ 2).
 */
function distinctKeys(keys: readonly string[], replaced: readonly string[]): string[] {
  const taken = new Set<string>();
  keys.forEach((key, i) => {
    if (replaced[i] === key) taken.add(key);
  });
  return keys.map((key, i) => {
    const name = replaced[i] as string;
    if (name === key) return key;
    let candidate = name;
    for (let n = 2; taken.has(candidate); n++) candidate = `${name}#${n}`;
    taken.add(candidate);
    return candidate;
  });
}

/** Returns a copy of `value` with its strings (and, on request, keys and numbers) replaced by `mapper`. */
export function mapDeep(value: unknown, mapper: DeepMapper): unknown {
  const copies = new Map<object, unknown>();
  const path: (string | number)[] = [];
  const { text, keys: mapKeys = false, number, textRun } = mapper;

  /** New names of `keys`, replaced and told apart when the mapper asks for it. */
  const rename = (keys: string[]): string[] =>
    mapKeys
      ? distinctKeys(
          keys,
          keys.map((key) => text(key, path, undefined)),
        )
      : keys;

  /** The replaced texts of runs of adjacent text blocks in `array`, by index. */
  const runsOf = (array: readonly unknown[]): Map<number, string> | undefined => {
    let runs: Map<number, string> | undefined;
    for (let start = 0; start < array.length; ) {
      let end = start;
      while (end < array.length && isTextBlock(array[end])) end++;
      if (end - start >= 2) {
        const blocks = array.slice(start, end) as { text: string }[];
        const replaced = textRun!(
          blocks.map((block) => block.text),
          blocks.map((_, i) => [...path, start + i, "text"]),
        );
        runs ??= new Map();
        for (const [i, item] of replaced.entries()) runs.set(start + i, item);
      }
      start = end === start ? start + 1 : end;
    }
    return runs;
  };

  const visit = (current: unknown, depth: number, key: string | undefined, runText?: string): unknown => {
    if (typeof current === "string") return text(current, path, key);
    if (typeof current === "number" || typeof current === "bigint") {
      if (number === undefined || (typeof current === "number" && !Number.isFinite(current))) return current;
      const written = String(current);
      const replaced = number(written, path, key);
      return replaced === written ? current : replaced;
    }
    if (typeof current !== "object" || current === null) return current;
    const known = copies.get(current);
    if (known !== undefined || copies.has(current)) return known;
    if (opaque(current)) return current;
    if (depth > MAX_NESTING) throw new NestingLimitError(MAX_NESTING);

    if (Array.isArray(current)) {
      const copy: unknown[] = new Array(current.length);
      copies.set(current, copy);
      const runs = textRun ? runsOf(current) : undefined;
      for (let i = 0; i < current.length; i++) {
        path.push(i);
        copy[i] = visit(current[i], depth + 1, undefined, runs?.get(i));
        path.pop();
      }
      return copy;
    }
    if (current instanceof Map) {
      const copy = new Map<unknown, unknown>();
      copies.set(current, copy);
      const entries = [...current];
      const stringKeys = entries.flatMap(([k]) => (typeof k === "string" ? [k] : []));
      const names = new Map(rename(stringKeys).map((name, i) => [stringKeys[i], name]));
      for (const [k, item] of entries) {
        const name = typeof k === "string" ? (names.get(k) as string) : k;
        path.push(typeof name === "number" ? name : String(name));
        copy.set(name, visit(item, depth + 1, typeof k === "string" ? k : undefined));
        path.pop();
      }
      return copy;
    }
    if (current instanceof Set) {
      const copy = new Set<unknown>();
      copies.set(current, copy);
      let i = 0;
      for (const item of current) {
        path.push(i++);
        copy.add(visit(item, depth + 1, undefined));
        path.pop();
      }
      return copy;
    }
    const copy = Object.create(Object.getPrototypeOf(current) as object | null) as Record<string, unknown>;
    copies.set(current, copy);
    const source = current as Record<string, unknown>;
    const isError = current instanceof Error;
    // An error keeps its message, stack and cause in own non-enumerable properties.
    const keys = isError ? Object.getOwnPropertyNames(current) : Object.keys(current);
    const names = rename(keys);
    keys.forEach((k, i) => {
      const name = names[i] as string;
      path.push(name);
      // A text block of a run: its text was replaced with the run's.
      const item = runText !== undefined && k === "text" ? runText : visit(source[k], depth + 1, k);
      define(copy, name, item, isError ? Object.getOwnPropertyDescriptor(current, k)?.enumerable === true : true);
      path.pop();
    });
    if (isError) {
      // What `String(error)` reads, when the prototype supplies it.
      for (const k of ["name", "message"] as const) {
        const inherited: unknown = Object.hasOwn(current, k) ? undefined : source[k];
        if (typeof inherited !== "string") continue;
        path.push(k);
        const replaced = text(inherited, path, k);
        path.pop();
        if (replaced !== inherited) define(copy, k, replaced, false);
      }
    }
    return copy;
  };

  return visit(value, 0, undefined);
}

/** Returns a copy of `value` where each string `s` at `path` is replaced by `fn(s, path)` (values only: keys and numbers are kept). */
export function mapStrings(value: unknown, fn: (text: string, path: Path) => string): unknown {
  return mapDeep(value, { text: fn });
}

/** Calls `fn` with every string inside `value` (same traversal as {@link mapStrings}). */
export function forEachString(value: unknown, fn: (text: string) => void): void {
  mapStrings(value, (text) => {
    fn(text);
    return text;
  });
}
