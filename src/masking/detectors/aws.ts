/**
 * AWS credentials.
 *
 * - Access key ids: `AKIA`, `ASIA`, `ABIA`, `ACCA`, `A3T?` (and the IAM
 *   unique-id prefixes `AGPA`, `AIDA`, `AROA`, `AIPA`, `ANPA`, `ANVA`)
 *   followed by 16 base32 characters, 20 in all, not glued to letters or digits.
 * - Secret access keys: 40 characters of base64 (`A–Z a–z 0–9 / +`) with
 *   upper case, lower case and a digit or symbol. Forty random characters are
 *   otherwise indistinguishable from other blobs, so a candidate counts only
 *   within 100 characters of an access key id (either side), or within 60
 *   characters after `=` or `:` following a name that holds `secret` and
 *   `aws` or `access` in any case (`aws_secret_access_key`, `AWS_SECRET_KEY`,
 *   `SecretAccessKey`, `"aws.secret"`).
 *
 * @module
 */
import { codeAt, isAlnum } from "../chars.js";
import type { Detector } from "../detector.js";
import type { Span } from "../types.js";

const KEY_ID = /(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;
const SECRET = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const NEAR_KEY = 100;
const AFTER_NAME = 60;
const MAX_NAME = 64;

/** Whether a 40-character candidate mixes cases and digits or symbols, as generated secrets do. */
function looksGenerated(candidate: string): boolean {
  return /[a-z]/.test(candidate) && /[A-Z]/.test(candidate) && /[0-9/+]/.test(candidate);
}

/** Whether the name before the `=` or `:` at `op` names an AWS secret key. */
function secretKeyName(text: string, op: number): boolean {
  let end = op;
  while (end > 0 && op - end < 2 && codeAt(text, end - 1) === 32) end--;
  const quote = codeAt(text, end - 1);
  if (quote === 34 || quote === 39) end--;
  const last = codeAt(text, end - 1) | 0x20;
  if (last !== 121 && last !== 116) return false;
  let start = end;
  while (start > 0 && end - start <= MAX_NAME) {
    const c = text.charCodeAt(start - 1);
    if (!(isAlnum(c) || c === 95 || c === 46 || c === 45)) break;
    start--;
  }
  const name = text.slice(start, end).toLowerCase();
  return name.includes("secret") && (name.includes("aws") || name.includes("access"));
}

/** Appends the secret keys that start in `[low, high]` and at or after `from`. */
function secretsIn(text: string, low: number, high: number, from: number, seen: Set<number>, out: Span[]): void {
  const origin = Math.max(0, Math.max(low, from) - 1);
  const window = text.slice(origin, Math.min(text.length, high + 41));
  SECRET.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SECRET.exec(window)) !== null) {
    const start = origin + m.index;
    if (start < low || start < from || start > high) continue;
    if (!seen.has(start) && looksGenerated(m[0])) {
      seen.add(start);
      out.push({ type: "aws_secret_key", start, end: start + 40 });
    }
  }
}

/** Positions of `=` and `:` from `from`, in order. */
function* operators(text: string, from: number): Generator<number> {
  let eq = text.indexOf("=", from);
  let colon = text.indexOf(":", from);
  while (eq !== -1 || colon !== -1) {
    if (colon === -1 || (eq !== -1 && eq < colon)) {
      yield eq;
      eq = text.indexOf("=", eq + 1);
    } else {
      yield colon;
      colon = text.indexOf(":", colon + 1);
    }
  }
}

/** Detector of AWS access key ids and secret access keys. */
export const awsDetector: Detector = {
  types: ["aws_access_key", "aws_secret_key"],
  reach: 2 * NEAR_KEY,
  lookbehind: 2 * NEAR_KEY,
  scan(text, from, out) {
    const seen = new Set<number>();
    KEY_ID.lastIndex = Math.max(0, from - NEAR_KEY - 60);
    let m: RegExpExecArray | null;
    while ((m = KEY_ID.exec(text)) !== null) {
      if (m.index >= from) out.push({ type: "aws_access_key", start: m.index, end: m.index + 20 });
      secretsIn(text, m.index - NEAR_KEY - 40, m.index + 20 + NEAR_KEY, from, seen, out);
    }
    for (const op of operators(text, Math.max(0, from - AFTER_NAME))) {
      if (secretKeyName(text, op)) secretsIn(text, op + 1, op + 1 + AFTER_NAME, from, seen, out);
    }
  },
};
