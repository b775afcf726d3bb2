/**
 * US Social Security numbers written as `AAA-GG-SSSS`, `AAA GG SSSS` or
 * `AAA.GG.SSSS` (one separator throughout). Numbers the SSA never issues are
 * left alone: area 000, 666 or 900–999, group 00, serial 0000. A candidate
 * inside a longer run of digits or hyphenated numbers is not one.
 *
 * Nine bare digits are far more often other identifiers, so they count only
 * after an SSN word (`SSN`, `SSN#`, `SS#`, `social security number`, in any
 * case, not inside a longer word) in the 32 characters before them.
 *
 * @module
 */
import { NINE_DIGITS, type NumericFormat, stickyEnd, wordBefore } from "./numeric.js";

const SSN = /(?<![\w\-.]|\d[,])\d{3}([- .])\d{2}\1\d{4}(?![\w]|[-.,]\d)/y;
const SSN_WORD = /(?:^|[^a-z])(?:ssn|ss#|social\s+security)(?![a-z])/i;
const CONTEXT = 32;

/** Whether area, group and serial could belong to an issued SSN. */
export function isIssuableSsn(area: string, group: string, serial: string): boolean {
  return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
}

/** US Social Security numbers, for the numeric pass. */
export const ssnFormat: NumericFormat = {
  type: "ssn",
  reach: 14,
  lookbehind: CONTEXT + 2,
  fits(text, start, length) {
    const sep = text.charCodeAt(start + 3);
    return length === 9 || (length === 3 && (sep === 45 || sep === 32 || sep === 46));
  },
  matchAt(text, start) {
    if (text.charCodeAt(start + 3) >= 48 && text.charCodeAt(start + 3) <= 57) {
      const end = stickyEnd(NINE_DIGITS, text, start);
      if (end === -1 || !wordBefore(SSN_WORD, text, start, CONTEXT)) return -1;
      return isIssuableSsn(text.slice(start, start + 3), text.slice(start + 3, start + 5), text.slice(start + 5, start + 9)) ? end : -1;
    }
    const end = stickyEnd(SSN, text, start);
    if (end === -1) return -1;
    return isIssuableSsn(text.slice(start, start + 3), text.slice(start + 4, start + 6), text.slice(start + 7, start + 11)) ? end : -1;
  },
};
