/**
 * Custom detectors: a regular expression, or a function returning offsets.
 *
 * @module
 */
import { type Detector, eachMatch } from "./detector.js";
import type { Span } from "./types.js";

/** A custom type found by a regular expression. Every non-empty match is a finding. */
export interface CustomPatternDetector {
  /** Finding type, e.g. `employee_id` (letters, digits and `_`, starting with a letter). */
  readonly type: string;
  /** The pattern; flags other than `g` and `y` are kept. Avoid nested quantifiers. */
  readonly pattern: RegExp;
  /** Longest match, for streaming (default 256). */
  readonly maxLength?: number;
}

/** A custom type found by a function. */
export interface CustomFunctionDetector {
  /** Finding type, e.g. `employee_id` (letters, digits and `_`, starting with a letter). */
  readonly type: string;
  /**
   * Returns the offsets of every value of this type in `text`. It should
   * decide each match from nearby text only, so that streaming gives the same
   * result as masking the whole text.
   */
  detect(text: string): readonly { readonly start: number; readonly end: number }[];
  /** Longest match, for streaming (default 256). */
  readonly maxLength?: number;
}

/** A custom detector of either kind. */
export type CustomDetector = CustomPatternDetector | CustomFunctionDetector;

/** Longest custom match assumed for streaming when `maxLength` is not given. */
export const DEFAULT_CUSTOM_LENGTH = 256;

/** Compiles a custom detector into the engine's detector contract. */
export function compileCustom(custom: CustomDetector): Detector {
  const type = custom.type;
  const reach = (custom.maxLength ?? DEFAULT_CUSTOM_LENGTH) + 2;
  if ("pattern" in custom) {
    const regex = new RegExp(custom.pattern.source, `${custom.pattern.flags.replace(/[gy]/g, "")}g`);
    return {
      types: [type],
      reach,
      lookbehind: 64,
      scan(text, from, out) {
        eachMatch(regex, text, from, (m) => {
          if (m[0].length === 0) return false;
          out.push({ type, start: m.index, end: m.index + m[0].length });
          return true;
        });
      },
    };
  }
  return {
    types: [type],
    reach,
    lookbehind: 64,
    scan(text, from, out) {
      for (const found of custom.detect(text)) {
        const { start, end } = found;
        if (!Number.isInteger(start) || !Number.isInteger(end) || start < from || end <= start || end > text.length) continue;
        out.push({ type, start, end } satisfies Span);
      }
    },
  };
}
