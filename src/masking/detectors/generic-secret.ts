/**
 * Secrets assigned to a telling name: `password=…`, `passwd: …`,
 * `"secret": "…"`, `API_KEY=…`, `X-Api-Key: …`, `?token=…`. Only the value is
 * reported; the name stays readable.
 *
 * The scan is anchored on `=` and `:` (not `==`, `!=`, `=>`, `::` or `://`).
 * The name before it (letters, digits, `_`, `.`, `-`, optionally quoted) must
 * end, in any case, with `password`, `passwd`, `passphrase`, `secret`,
 * `token`, `api_key`, `apikey`, `api-key`, `access_key` or `secret_key`
 * (`db_password`, `client_secret` and `auth_token` count; `max_tokens` and
 * `token_count` do not). The value is the quoted string, or the run up to
 * whitespace or one of `" ' ` , ; & ( ) [ ] { } < >`.
 *
 * A value counts only when it is a plausible secret: 8–256 characters, not a
 * placeholder (`${VAR}`, `{{var}}`, `<your-token>`, `%s`, `$VAR`, `****`,
 * `xxxx`), not a code reference (`process.env.TOKEN`, `config.token`,
 * `getToken()`), and with Shannon entropy of at least 3 bits per character.
 * A value mixing character classes (letters with digits or symbols, or both
 * cases) but too short to reach 3 bits needs `log2(length) - 0.25`, so
 * `Passw0rd!` counts and `changeme` does not.
 *
 * @module
 */
import { codeAt, isAlnum } from "../chars.js";
import { entropyThreshold, shannonEntropy } from "../entropy.js";
import type { Detector } from "../detector.js";
import { SeparatorIndex } from "../separators.js";

const MAX_NAME = 64;
const MAX_VALUE = 256;
const MIN_VALUE = 8;
const KEYWORDS = ["password", "passwd", "passphrase", "secret", "token", "api_key", "apikey", "api-key", "access_key", "secret_key"];
const PLACEHOLDER = /^(?:\$\{[^}]*\}|\{\{[^}]*\}\}|<[^>]*>|%\(?\w*\)?s|\$[A-Za-z_]\w*|\*+|x+|X+|\.{3,}|(.)\1+)$/;
const CODE_PATH = /^(?:process\.env|os\.environ|import\.meta\.env|env|ENV|config|settings|secrets|this|self)[.[]/;

const isNameChar = (c: number): boolean => isAlnum(c) || c === 95 || c === 46 || c === 45;
const isQuote = (c: number): boolean => c === 34 || c === 39 || c === 96;
const endsUnquoted = (c: number): boolean =>
  c <= 32 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59 || c === 38 || c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 60 || c === 62;

/** Whether `text[start, end)` ends with `keyword` (lower case), ignoring case. */
function endsWithKeyword(text: string, start: number, end: number, keyword: string): boolean {
  if (end - start < keyword.length) return false;
  for (let k = keyword.length - 1, i = end - 1; k >= 0; k--, i--) {
    if ((text.charCodeAt(i) | 0x20) !== keyword.charCodeAt(k) && !(keyword.charCodeAt(k) === 95 && text.charCodeAt(i) === 95)) return false;
  }
  return true;
}

/** Whether the name ending just before `index` (after spaces and a quote) is a secret's name. */
function secretName(text: string, index: number): boolean {
  let i = index;
  for (let n = 0; n < 2 && (codeAt(text, i - 1) === 32 || codeAt(text, i - 1) === 9); n++) i--;
  if (isQuote(codeAt(text, i - 1))) i--;
  const end = i;
  const last = codeAt(text, end - 1) | 0x20;
  if (last !== 100 && last !== 101 && last !== 116 && last !== 110 && last !== 121) return false;
  while (i > 0 && end - i <= MAX_NAME && isNameChar(text.charCodeAt(i - 1))) i--;
  if (end - i > MAX_NAME) return false;
  for (const keyword of KEYWORDS) if (endsWithKeyword(text, i, end, keyword)) return true;
  return false;
}

/** The value after the operator at `op`, or undefined. */
function valueAfter(text: string, op: number): [number, number] | undefined {
  let i = op + 1;
  for (let n = 0; n < 4 && (codeAt(text, i) === 32 || codeAt(text, i) === 9); n++) i++;
  const quote = codeAt(text, i);
  if (isQuote(quote)) {
    const start = i + 1;
    let end = start;
    while (end < text.length && end - start <= MAX_VALUE && text.charCodeAt(end) !== quote && text.charCodeAt(end) !== 10) end++;
    if (codeAt(text, end) !== quote || end - start > MAX_VALUE) return undefined;
    return [start, end];
  }
  const start = i;
  let end = start;
  while (end < text.length && end - start <= MAX_VALUE && !endsUnquoted(text.charCodeAt(end))) end++;
  if (end - start > MAX_VALUE || codeAt(text, end) === 40) return undefined;
  return [start, end];
}

/** Number of character classes (lower case, upper case, digits, others) in `value`. */
function classes(value: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

/** Whether `value` looks like a real secret rather than a placeholder, a reference or a word. */
export function plausibleSecret(value: string): boolean {
  if (value.length < MIN_VALUE || value.length > MAX_VALUE) return false;
  if (PLACEHOLDER.test(value) || CODE_PATH.test(value)) return false;
  const required = classes(value) >= 2 ? entropyThreshold(value.length) : 3;
  return shannonEntropy(value) >= required;
}

/** Whether the `=` or `:` at `op` is an assignment (not `==`, `!=`, `=>`, `::`, `://`). */
function isAssignment(text: string, op: number): boolean {
  const c = text.charCodeAt(op);
  const before = codeAt(text, op - 1);
  const after = codeAt(text, op + 1);
  if (c === 61) return after !== 61 && after !== 62 && before !== 61 && before !== 33 && before !== 60 && before !== 62;
  return after !== 58 && before !== 58 && !(after === 47 && codeAt(text, op + 2) === 47);
}

/** Detector of secrets assigned to telling names. */
export const genericSecretDetector: Detector = {
  types: ["generic_secret"],
  reach: MAX_VALUE + 2,
  lookbehind: MAX_NAME + 12,
  scan(text, from, out, separators) {
    const origin = Math.max(0, from - 6);
    for (const operator of ["=", ":"]) {
      const positions = separators.positions(operator);
      for (let k = SeparatorIndex.firstAtOrAfter(positions, origin); k < positions.length; k++) {
        const op = positions[k] as number;
        if (!isAssignment(text, op) || !secretName(text, op)) continue;
        const value = valueAfter(text, op);
        if (value !== undefined && value[0] >= from && plausibleSecret(text.slice(value[0], value[1]))) {
          out.push({ type: "generic_secret", start: value[0], end: value[1] });
        }
      }
    }
  },
};
