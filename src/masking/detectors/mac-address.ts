/**
 * MAC addresses: six pairs of hexadecimal digits separated consistently by
 * `:` or `-` (`00:1A:2B:3C:4D:5E`, `00-1a-2b-3c-4d-5e`), not glued to a word
 * or to a longer separated sequence.
 *
 * The scan is anchored on the separators: each `:` and `-` (from the shared
 * separator index) is checked, and only where two hexadecimal digits stand on both sides and the same
 * separator follows three characters later does the full pattern run.
 *
 * @module
 */
import { codeAt, isHex } from "../chars.js";
import type { Detector } from "../detector.js";
import { SeparatorIndex } from "../separators.js";
import type { Span } from "../types.js";

const PAIRS = /(?<![\w:\-.])[0-9A-Fa-f]{2}([:\-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![\w]|[:\-.][0-9A-Fa-f])/y;

/** Appends the addresses whose first separator is `separator`. */
function scanSeparator(text: string, separator: string, from: number, out: Span[], index: SeparatorIndex): void {
  const code = separator.charCodeAt(0);
  const positions = index.positions(separator);
  let next = from + 2;
  for (let k = SeparatorIndex.firstAtOrAfter(positions, next); k < positions.length; k++) {
    const at = positions[k] as number;
    if (at < next) continue;
    if (
      codeAt(text, at + 3) === code &&
      isHex(codeAt(text, at + 1)) &&
      isHex(codeAt(text, at + 2)) &&
      isHex(codeAt(text, at - 1)) &&
      isHex(codeAt(text, at - 2))
    ) {
      PAIRS.lastIndex = at - 2;
      const m = PAIRS.exec(text);
      if (m !== null) {
        out.push({ type: "mac_address", start: at - 2, end: at - 2 + m[0].length });
        next = at - 2 + m[0].length;
      }
    }
  }
}

/** Detector of MAC addresses. */
export const macAddressDetector: Detector = {
  types: ["mac_address"],
  reach: 19,
  lookbehind: 2,
  scan(text, from, out, separators) {
    scanSeparator(text, ":", from, out, separators);
    scanSeparator(text, "-", from, out, separators);
  },
};
