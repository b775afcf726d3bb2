/**
 * The contract between the engine and a detector.
 *
 * A detector reports spans; the engine merges the spans of every enabled
 * detector and decides overlaps. Each detector makes one linear pass over the
 * text, driven by a cheap prefilter (a rare character or literal found with
 * `indexOf` or a literal-led regex) so that the expensive checks only run on
 * candidates.
 *
 * Detectors are also local: whether a span exists depends only on the
 * characters from `lookbehind` before it to `reach` after its start. The
 * streaming masker relies on that to emit text early without ever changing
 * its mind about a value.
 *
 * @module
 */
import type { SeparatorIndex } from "./separators.js";
import type { Span } from "./types.js";

/** A built-in or compiled custom detector. */
export interface Detector {
  /** Types this detector may report. */
  readonly types: readonly string[];
  /**
   * Upper bound, from the start of a match, on the characters that decide it:
   * the longest match plus whatever the detector inspects after it.
   */
  readonly reach: number;
  /** Upper bound on the characters before a match that decide it. */
  readonly lookbehind: number;
  /**
   * Characters of which every text this detector finds something in holds
   * at least one (`"@"` for email addresses, the digits for numbers). A short
   * text holding none of them is not given to the detector. Without it, the
   * detector sees every text.
   */
  readonly triggers?: string;
  /**
   * Appends to `out` every match whose start is at or after `from`. Characters
   * before `from` may be read as context but never start a match.
   * `separators` shares the positions of `:`, `-`, `_`, `=` and `.` between the
   * detectors of one scan (from `from - 256`).
   */
  scan(text: string, from: number, out: Span[], separators: SeparatorIndex): void;
  /**
   * For detectors whose matches may be longer than `reach` (PEM blocks, long
   * JWTs): the start of a candidate at or after `from` that more text could
   * still complete, or -1. The streaming masker holds text from there.
   */
  pending?(text: string, from: number): number;
}

/** The ten digits, as {@link Detector.triggers}. */
export const DIGITS = "0123456789";

/**
 * Runs `regex` (global or sticky) over `text` from `from`, calling `accept`
 * for each match; when `accept` returns false the search resumes one
 * character after the start of the rejected match, so a rejection never hides
 * a later, overlapping match.
 */
export function eachMatch(regex: RegExp, text: string, from: number, accept: (match: RegExpExecArray) => boolean): void {
  regex.lastIndex = from;
  let match: RegExpExecArray | null;
  while ((match = regex.exec(text)) !== null) {
    if (!accept(match)) regex.lastIndex = match.index + 1;
    else if (match[0].length === 0) regex.lastIndex = match.index + 1;
  }
}
