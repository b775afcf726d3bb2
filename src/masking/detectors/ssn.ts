/**
 * US Social Security numbers written as `AAA-GG-SSSS` or `AAA GG SSSS`.
 * Numbers the SSA never issues are left alone: area 000, 666 or 900–999,
 * group 00, serial 0000. A candidate inside a longer run of digits or
 * hyphenated numbers is not one. Bare nine-digit runs are not reported (they
 * are far more often other identifiers).
 *
 * @module
 */
import { stickyEnd, type NumericFormat } from "./numeric.js";

const SSN = /(?<![\w\-]|\d[.,])\d{3}([\- ])\d{2}\1\d{4}(?![\w]|[\-.,]\d)/y;

/** Whether area, group and serial could belong to an issued SSN. */
export function isIssuableSsn(area: string, group: string, serial: string): boolean {
  return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
}

/** US Social Security numbers, for the numeric pass. */
export const ssnFormat: NumericFormat = {
  type: "ssn",
  reach: 14,
  lookbehind: 2,
  fits(text, start, length) {
    const sep = text.charCodeAt(start + 3);
    return length === 3 && (sep === 45 || sep === 32);
  },
  matchAt(text, start) {
    const end = stickyEnd(SSN, text, start);
    if (end === -1) return -1;
    return isIssuableSsn(text.slice(start, start + 3), text.slice(start + 4, start + 6), text.slice(start + 7, start + 11)) ? end : -1;
  },
};
