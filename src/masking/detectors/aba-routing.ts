/**
 * US ABA routing transit numbers: nine digits with a valid 3-7-1 check digit
 * and a Federal Reserve prefix.
 *
 * One nine-digit number in ten passes the checksum, so a bare number is not
 * enough: a routing word (`routing`, `ABA`, `RTN`, `transit`, in any case,
 * not inside a longer word; `routing_number` counts) must appear in the 48
 * characters before it. Without one, nine-digit numbers are left as they are.
 * The number written as banks print it on cheques, `XXXX-YYYY-C`, is telling
 * enough on its own.
 *
 * @module
 */
import { abaValid } from "../checksums.js";
import { NINE_DIGITS, type NumericFormat, stickyEnd, wordBefore } from "./numeric.js";

const DASHED = /(?<![\w-]|\d[.,])\d{4}-\d{4}-\d(?![\w]|[-.,]\d)/y;
const ROUTING_WORD = /(?:^|[^a-z])(?:routing|aba|rtn|transit)(?![a-z])/i;
const CONTEXT = 48;

/** ABA routing numbers (with a routing word before them), for the numeric pass. */
export const abaRoutingFormat: NumericFormat = {
  type: "aba_routing",
  reach: 12,
  lookbehind: CONTEXT + 2,
  fits: (text, start, length) => length === 9 || (length === 4 && text.charCodeAt(start + 4) === 45),
  matchAt(text, start) {
    const dashed = stickyEnd(DASHED, text, start);
    if (dashed !== -1) return abaValid(text.slice(start, start + 4) + text.slice(start + 5, start + 9) + text[start + 10]) ? dashed : -1;
    const end = stickyEnd(NINE_DIGITS, text, start);
    if (end === -1 || !abaValid(text.slice(start, end))) return -1;
    return wordBefore(ROUTING_WORD, text, start, CONTEXT) ? end : -1;
  },
};
