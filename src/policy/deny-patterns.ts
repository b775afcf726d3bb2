import { canonicalJson } from "../canonical-json.js";

/** A deny pattern with stateful flags (`g`, `y`) removed, so `test` never depends on an earlier call's `lastIndex`. */
export function statelessPattern(pattern: RegExp): RegExp {
  return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, "")) : pattern;
}

/**
 * The texts deny patterns are tested against: the canonical JSON of the
 * arguments (for patterns that need the structure), then every non-empty object
 * key and every string value at any depth, as written — a newline is a newline, not
 * `\n`. Read back from the canonical JSON, so they are exactly the values it
 * holds (a `toJSON` result, such as a date's ISO string, included). `json` is
 * the arguments' canonical JSON when the caller has it already.
 */
export function denyTexts(args: Record<string, unknown>, json: string = canonicalJson(args)): string[] {
  const texts = [json];
  JSON.parse(json, function collect(this: unknown, key: string, value: unknown) {
    // `this` holds `key`: array indices are not keys anyone wrote, and the outermost call's key is "".
    if (key !== "" && !Array.isArray(this)) texts.push(key);
    if (typeof value === "string") texts.push(value);
    return value;
  });
  return texts;
}

/**
 * The index of the first of `patterns` that matches the arguments (their
 * canonical JSON, any key or any string value), or -1 when none does.
 * The patterns are a parsed policy's: made stateless by the schema. `json` is
 * the arguments' canonical JSON when the caller has it already.
 */
export function matchingDenyPattern(patterns: readonly RegExp[], args: Record<string, unknown>, json?: string): number {
  const texts = denyTexts(args, json);
  return patterns.findIndex((pattern) => texts.some((text) => pattern.test(text)));
}
