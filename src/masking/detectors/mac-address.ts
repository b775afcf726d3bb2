/**
 * MAC addresses: six pairs of hexadecimal digits separated consistently by
 * `:` or `-` (`00:1A:2B:3C:4D:5E`, `00-1a-2b-3c-4d-5e`), or three groups of
 * four separated by dots as Cisco writes them (`0123.4567.89ab`), not glued
 * to a word or to a longer separated sequence. The broadcast address
 * (all `f`) and the all-zero address name no device and are left alone.
 *
 * The scan is anchored on the separators: each `:`, `-` and `.` (from the
 * shared separator index) is checked, and only where hexadecimal digits stand
 * on both sides and the same separator follows where the next one belongs
 * does the full pattern run.
 *
 * @module
 */
import { codeAt, isHex } from "../chars.js";
import type { Detector } from "../detector.js";
import { SeparatorIndex } from "../separators.js";
import type { Span } from "../types.js";

const PAIRS = /(?<![\w:\-.])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w]|[:\-.][0-9A-Fa-f])/y;
const DOTTED = /(?<![\w:\-.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w]|[:\-.][0-9A-Fa-f])/y;

/** Whether the twelve hexadecimal digits of `address` are all `f` or all `0`: broadcast or unset, no device. */
function namesNoDevice(address: string): boolean {
  const digits = address.replace(/[:\-.]/g, "").toLowerCase();
  return digits === "ffffffffffff" || digits === "000000000000";
}

/**
 * Appends the addresses whose first separator is `separator`: `width` hex
 * digits on each side of it and the same separator `width + 1` characters
 * later, matched whole by `pattern`.
 */
function scanSeparator(text: string, separator: string, width: number, pattern: RegExp, from: number, out: Span[], index: SeparatorIndex): void {
  const code = separator.charCodeAt(0);
  const positions = index.positions(separator);
  let next = from + width;
  for (let k = SeparatorIndex.firstAtOrAfter(positions, next); k < positions.length; k++) {
    const at = positions[k] as number;
    if (at < next || codeAt(text, at + width + 1) !== code) continue;
    let hex = true;
    for (let i = 1; hex && i <= width; i++) hex = isHex(codeAt(text, at + i)) && isHex(codeAt(text, at - i));
    if (!hex) continue;
    const start = at - width;
    pattern.lastIndex = start;
    const m = pattern.exec(text);
    if (m !== null && !namesNoDevice(m[0])) {
      out.push({ type: "mac_address", start, end: start + m[0].length });
      next = start + m[0].length;
    }
  }
}

/** Detector of MAC addresses. */
export const macAddressDetector: Detector = {
  types: ["mac_address"],
  reach: 19,
  lookbehind: 4,
  triggers: ":-.",
  scan(text, from, out, separators) {
    scanSeparator(text, ":", 2, PAIRS, from, out, separators);
    scanSeparator(text, "-", 2, PAIRS, from, out, separators);
    scanSeparator(text, ".", 4, DOTTED, from, out, separators);
  },
};
