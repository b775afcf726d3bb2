/**
 * Copies a structured value with every string replaced, keeping its shape.
 *
 * Arrays, plain objects, class instances (same prototype, own enumerable
 * properties), `Map` values, `Set` members and errors (message, stack and own
 * properties) are copied; object keys and `Map` keys are kept as they are.
 * Numbers, booleans, bigints, functions, symbols and objects whose state is
 * not in properties (dates, regular expressions, buffers, typed arrays,
 * promises, weak collections) are shared with the input. Cycles and shared
 * references are reproduced in the copy. The input is never modified.
 *
 * @module
 */

/** Keys and indexes from the root to a string. */
export type Path = readonly (string | number)[];

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

/** Defines an ordinary data property (safe for keys such as `__proto__`). */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Returns a copy of `value` where each string `s` at `path` is replaced by `fn(s, path)`. */
export function mapStrings(value: unknown, fn: (text: string, path: Path) => string): unknown {
  const copies = new Map<object, unknown>();
  const path: (string | number)[] = [];

  const visit = (current: unknown): unknown => {
    if (typeof current === "string") return fn(current, path);
    if (typeof current !== "object" || current === null) return current;
    const known = copies.get(current);
    if (known !== undefined || copies.has(current)) return known;
    if (opaque(current)) return current;

    if (Array.isArray(current)) {
      const copy: unknown[] = new Array(current.length);
      copies.set(current, copy);
      for (let i = 0; i < current.length; i++) {
        path.push(i);
        copy[i] = visit(current[i]);
        path.pop();
      }
      return copy;
    }
    if (current instanceof Map) {
      const copy = new Map<unknown, unknown>();
      copies.set(current, copy);
      for (const [key, item] of current) {
        path.push(typeof key === "number" ? key : String(key));
        copy.set(key, visit(item));
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
        copy.add(visit(item));
        path.pop();
      }
      return copy;
    }
    const copy = Object.create(Object.getPrototypeOf(current) as object | null) as Record<string, unknown>;
    copies.set(current, copy);
    if (current instanceof Error) {
      for (const key of ["message", "stack"] as const) {
        if (typeof current[key] === "string") {
          path.push(key);
          Object.defineProperty(copy, key, { value: fn(current[key], path), writable: true, enumerable: false, configurable: true });
          path.pop();
        }
      }
    }
    const source = current as Record<string, unknown>;
    for (const key of Object.keys(source)) {
      path.push(key);
      define(copy, key, visit(source[key]));
      path.pop();
    }
    return copy;
  };

  return visit(value);
}

/** Calls `fn` with every string inside `value` (same traversal as {@link mapStrings}). */
export function forEachString(value: unknown, fn: (text: string) => void): void {
  mapStrings(value, (text) => {
    fn(text);
    return text;
  });
}
