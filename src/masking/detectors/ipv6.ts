/**
 * IPv6 addresses, validated with Node's `net.isIPv6`.
 *
 * Each `:` (from the shared separator index) is a candidate; the run of hexadecimal digits, colons and
 * dots around it (at most 45 characters, the longest IPv6 text) is the
 * candidate. A run glued to a word (`std::vector`) and anything `isIPv6`
 * refuses (times such as `10:30:00`, MAC addresses) are left alone. A
 * trailing dot or single colon (end of a sentence or a label) is not part of
 * the finding; a zone (`fe80::1%eth0`) and a prefix length (`2001:db8::/32`,
 * 0–128) are. Every compressed form counts (`::1`, `1::`, `::ffff:1.2.3.4`),
 * and so does the unspecified address `::` on its own, except where it reads
 * as a type annotation (`name :: Type`: a space and more text follow, and no
 * `=` or `[` comes before it).
 *
 * @module
 */
import { isIPv6 } from "node:net";
import { codeAt, isAlnum, isDigit, isHex, isWord } from "../chars.js";
import type { Detector } from "../detector.js";
import { SeparatorIndex } from "../separators.js";

const MAX = 45;
/** Longest zone name taken after `%` (interface names are short). */
const MAX_ZONE = 16;
const isRunChar = (c: number): boolean => isHex(c) || c === 58 || c === 46;
const isZoneChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 45 || c === 46;

/** Whether a bare `::` at `[start, start + 2)` stands for the unspecified address rather than a type annotation. */
function bareUnspecified(text: string, start: number): boolean {
  const before = codeAt(text, start - 1);
  if (before === 61 || before === 91) return true;
  const after = codeAt(text, start + 2);
  if (after !== 32 && after !== 9) return true;
  const next = codeAt(text, start + 3);
  return next === -1 || next === 10 || next === 13;
}

/** End of the zone (`%eth0`) starting at `at`, or `at` when there is none. */
function zoneEnd(text: string, at: number): number {
  if (codeAt(text, at) !== 37) return at;
  let end = at + 1;
  while (end - at <= MAX_ZONE && isZoneChar(codeAt(text, end))) end++;
  while (end > at + 1 && codeAt(text, end - 1) === 46) end--;
  return end > at + 1 && end - at <= MAX_ZONE ? end : at;
}

/** End of the prefix length (`/64`, 0–128) starting at `at`, or `at` when there is none. */
function prefixEnd(text: string, at: number): number {
  if (codeAt(text, at) !== 47) return at;
  let end = at + 1;
  while (end - at <= 3 && isDigit(codeAt(text, end))) end++;
  if (end === at + 1 || isWord(codeAt(text, end)) || Number(text.slice(at + 1, end)) > 128) return at;
  return end;
}

/** Whether `text[start, end)` holds two colons or more. */
function twoColons(text: string, start: number, end: number): boolean {
  let colons = 0;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 58 && ++colons === 2) return true;
  return false;
}

/** Detector of IPv6 addresses. */
export const ipv6Detector: Detector = {
  types: ["ipv6"],
  reach: MAX + MAX_ZONE + 7,
  lookbehind: MAX + 2,
  triggers: ":",
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
      if (end - start > MAX || start < from || isWord(codeAt(text, start - 1)) || isWord(codeAt(text, next))) continue;
      // Every IPv6 text holds two colons or more: a single one (`key: value`) costs no validation, nor a substring.
      if (!twoColons(text, start, end)) continue;
      const address = text.slice(start, end);
      if (address === "::" ? !bareUnspecified(text, start) : !isIPv6(address)) continue;
      const last = prefixEnd(text, zoneEnd(text, end));
      out.push({ type: "ipv6", start, end: last });
      next = Math.max(next, last);
    }
  },
};
