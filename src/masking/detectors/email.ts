/**
 * Email addresses, anchored on `@`: each `@` is found with `indexOf` and the
 * address is grown outwards by hand, so text without an `@` costs almost
 * nothing and no regex can backtrack.
 *
 * Accepted: a local part of 1–64 characters from `A–Z a–z 0–9 . _ % + -`
 * (no leading, trailing or doubled dot) and a domain of at least two labels,
 * each 1–63 letters, digits or inner hyphens, ending in an alphabetic TLD of
 * two or more letters. A trailing dot or hyphen (end of a sentence) is left out,
 * and so is `password@host` inside `scheme://user:password@host` (reported as
 * URL credentials).
 *
 * @module
 */
import { codeAt, isAlnum, isAlpha } from "../chars.js";
import type { Detector } from "../detector.js";
import type { Span } from "../types.js";

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

const isLocalChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
const isDomainChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 45;

/** Whether `text[start, end)` is a domain of two or more valid labels with an alphabetic TLD. */
function validDomain(text: string, start: number, end: number): boolean {
  let labels = 0;
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    if (i === end || text.charCodeAt(i) === 46) {
      const length = i - labelStart;
      if (length < 1 || length > 63) return false;
      if (codeAt(text, labelStart) === 45 || codeAt(text, i - 1) === 45) return false;
      labels++;
      if (i === end) {
        if (length < 2) return false;
        for (let k = labelStart; k < i; k++) if (!isAlpha(text.charCodeAt(k))) return false;
      }
      labelStart = i + 1;
    }
  }
  return labels >= 2;
}

/**
 * Whether the `@` at `at` closes the `user:password` part of a URL
 * (`scheme://user:password@host`): that is a credential, not an address.
 */
function inUrlCredentials(text: string, localStart: number, at: number): boolean {
  let i = localStart - 1;
  const stop = Math.max(0, at - 300);
  let colon = false;
  while (i >= stop) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 47) {
      return colon && c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58;
    }
    if (c === 58) colon = true;
    i--;
  }
  return false;
}

/**
 * Finds the address around the `@` at `at`, or undefined. The local part is
 * everything of local-part characters directly before `@`.
 */
export function emailAround(text: string, at: number): Span | undefined {
  let start = at;
  while (start > 0 && at - start <= MAX_LOCAL && isLocalChar(text.charCodeAt(start - 1))) start--;
  if (at - start > MAX_LOCAL) return undefined;
  while (start < at && text.charCodeAt(start) === 46) start++;
  if (start === at || text.charCodeAt(at - 1) === 46) return undefined;
  for (let i = start + 1; i < at; i++) if (text.charCodeAt(i) === 46 && text.charCodeAt(i - 1) === 46) return undefined;

  let end = at + 1;
  while (end < text.length && end - at - 1 <= MAX_DOMAIN && isDomainChar(text.charCodeAt(end))) end++;
  if (end - at - 1 > MAX_DOMAIN) return undefined;
  while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
  if (!validDomain(text, at + 1, end)) return undefined;
  if (inUrlCredentials(text, start, at)) return undefined;
  return { type: "email", start, end };
}

/** Detector of email addresses. */
export const emailDetector: Detector = {
  types: ["email"],
  reach: MAX_LOCAL + 2 + MAX_DOMAIN + 2,
  lookbehind: 302,
  triggers: "@",
  scan(text, from, out) {
    let at = text.indexOf("@", from);
    while (at !== -1) {
      const span = emailAround(text, at);
      if (span !== undefined && span.start >= from) {
        out.push(span);
        at = text.indexOf("@", span.end);
      } else {
        at = text.indexOf("@", at + 1);
      }
    }
  },
};
