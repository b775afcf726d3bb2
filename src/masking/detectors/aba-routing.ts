/**
 * US ABA routing transit numbers: nine digits with a valid 3-7-1 check digit
 * and a Federal Reserve prefix.
 *
 * One nine-digit number in ten passes the checksum, so a bare number is not
 * enough: a routing word (`routing`, `ABA`, `RTN`, `transit`, in any case,
 * not inside a longer word; `routing_number` counts) must appear in the 48
 * characters before it. Without one, nine-digit numbers are left as they are.
 *
 * @module
 */
import { abaValid } from "../checksums.js";
import { stickyEnd, type NumericFormat } from "./numeric.js";

const NINE_DIGITS = /(?<![\w\-]|\d[.,])\d{9}(?![\w]|[\-.,]\d)/y;
const ROUTING_WORD = /(?:^|[^a-z])(?:routing|aba|rtn|transit)(?![a-z])/i;
const CONTEXT = 48;

/** ABA routing numbers (with a routing word before them), for the numeric pass. */
export const abaRoutingFormat: NumericFormat = {
  type: "aba_routing",
  reach: 12,
  lookbehind: CONTEXT + 2,
  fits: (_text, _start, length) => length === 9,
  matchAt(text, start) {
    const end = stickyEnd(NINE_DIGITS, text, start);
    if (end === -1 || !abaValid(text.slice(start, end))) return -1;
    return ROUTING_WORD.test(text.slice(Math.max(0, start - CONTEXT), start)) ? end : -1;
  },
};
