/**
 * IPv6 addresses, validated with Node's `net.isIPv6`.
 *
 * Each `:` (from the shared separator index) is a candidate; the run of hexadecimal digits, colons and
 * dots around it (at most 45 characters, the longest IPv6 text) is the
 * candidate. A run glued to a word (`std::vector`), a run without a
 * hexadecimal digit (`::`), and anything `isIPv6` refuses (times such as
 * `10:30:00`, MAC addresses) are left alone. A trailing dot or single colon
 * (end of a sentence or a label) and a zone suffix (`%eth0`) are not part of
 * the finding.
 *
 * @module
 */
import { isIPv6 } from "node:net";
import { isHex, isWord } from "../chars.js";
import type { Detector } from "../detector.js";
import { SeparatorIndex } from "../separators.js";

const MAX = 45;
const isRunChar = (c: number): boolean => isHex(c) || c === 58 || c === 46;

/** Detector of IPv6 addresses. */
export const ipv6Detector: Detector = {
  types: ["ipv6"],
  reach: MAX + 2,
  lookbehind: MAX + 2,
  scan(text, from, out, separators) {
    const colons = separators.positions(":");
    let next = from;
    for (let k = SeparatorIndex.firstAtOrAfter(colons, from); k < colons.length; k++) {
      const colon = colons[k] as number;
      if (colon < next) continue;
      let start = colon;
      while (start > 0 && colon - start <= MAX && isRunChar(text.charCodeAt(start - 1))) start--;
      let end = colon + 1;
      while (end < text.length && end - start <= MAX && isRunChar(text.charCodeAt(end))) end++;
      next = end;
      while (end > start && text.charCodeAt(end - 1) === 46) end--;
      if (end - start > 2 && text.charCodeAt(end - 1) === 58 && text.charCodeAt(end - 2) !== 58) end--;
      let ok = end - start <= MAX && start >= from && !isWord(start > 0 ? text.charCodeAt(start - 1) : -1) && !isWord(next < text.length ? text.charCodeAt(next) : -1);
      if (ok) {
        let hex = false;
        for (let i = start; i < end && !hex; i++) hex = text.charCodeAt(i) !== 58 && text.charCodeAt(i) !== 46;
        ok = hex && isIPv6(text.slice(start, end));
      }
      if (ok) out.push({ type: "ipv6", start, end });
    }
  },
};
