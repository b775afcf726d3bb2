/**
 * Secrets assigned to a telling name: `password=…`, `passwd: …`,
 * `"secret": "…"`, `API_KEY := …`, `<apiToken>…</apiToken>`,
 * `getenv("api_token", "…")`, `X-Api-Key: …`, `?token=…`. Only the value is
 * reported; the name stays readable. The assignment forms are those of
 * {@link eachAssignment} (`=`, `:`, `:=`, `::=`, `?=`, `+=`, `.=`, `=>`, XML
 * elements, call arguments, CSV cells).
 *
 * A name counts when one of its words (split at `_ - . $`, spaces and case
 * changes: `mySecretString` is `my secret string`) ends with `password`,
 * `passwd`, `passphrase`, `pwd`, `secret`, `token`, `auth`, `credential`,
 * `cred` (each also plural), `apikey`, `accesskey`, `secretkey`, `privatekey`
 * or `authkey`, or is `authorization`, or is `key` after `api`, `access`,
 * `secret`, `private`, `auth`, `master`, `encryption` or `signing`
 * (`some_api_token_123`, `db_password`, `creds`, `user_auth`, `X-Api-Key`
 * count). It does not count when a later word says the value is about the
 * secret rather than the secret (`token_count`, `secret_name`,
 * `credentialsId`, `api_key_url`, `auth_type`), or an earlier one says it is
 * not secret (`public_key`, `csrf_token`, `max_tokens`).
 *
 * The value is the quoted string (plain, backtick or JSON-escaped `\"…\"`),
 * or the run up to whitespace, one of `" ' ` , ; & ( ) [ ] { } < >` or an
 * escaped `\n`, `\r`, `\t` (the end of a line inside a JSON string); a YAML
 * block (`token: |` and the next line) and an XML element's text count too.
 * After `Bearer`, `Basic` or `Token`, the value is the word that follows.
 *
 * A value counts only when it is a plausible secret: 8–256 characters, not a
 * placeholder (`${VAR}`, `{{var}}`, `<your-token>`, `%s`, `$VAR`, `****`,
 * `xxxx`, documented examples and template words, see {@link isPlaceholderSecret}),
 * not a code reference (`process.env.TOKEN`, `config.token`, `getToken()`)
 * or a package version (`jjwt-jackson-0.11.2`),
 * not digits alone unless the name is a password's, and with Shannon entropy
 * of at least 3 bits per character. A value mixing character classes
 * (letters with digits or symbols, or both cases) but too short to reach 3
 * bits needs `log2(length) - 0.25`, so `Passw0rd!` counts and `changeme`
 * does not.
 *
 * @module
 */
import { codeAt } from "../chars.js";
import type { Detector } from "../detector.js";
import { entropyThreshold, isPlaceholderSecret, shannonEntropy } from "../entropy.js";
import { tokenShapeEnd, withoutTokenShapes } from "../token-vault.js";
import { ASSIGNMENT_OPERATORS, type AssignmentForm, eachAssignment, isQuote, MAX_NAME, NAME_LOOKBEHIND } from "./assignment.js";

const MAX_VALUE = 256;
const MIN_VALUE = 8;
/** Most characters between an operator and its value: spaces, a YAML block indicator, a line break and indentation. */
const MAX_GAP = 16;
const CODE_PATH = /^(?:process\.env|os\.environ|import\.meta\.env|env|ENV|config|settings|secrets|this|self)[.[]/;
/** A package and its version (`jjwt-jackson-0.11.2`, `lodash@4.17.21`): a reference, not a secret. */
const PACKAGE_VERSION = /^[A-Za-z][\w.-]*[-_@]v?\d+(?:\.\d+){1,3}$/;
/** Endings of a word that make it a secret's name (after a plural `s` is dropped). */
const KEYWORD_ENDINGS = ["password", "passwd", "passphrase", "pwd", "secret", "token", "auth", "credential", "cred", "apikey", "accesskey", "secretkey", "privatekey", "authkey"];
/** Words before `key` that make it a secret's name. */
const KEY_QUALIFIERS: ReadonlySet<string> = new Set(["api", "access", "secret", "private", "auth", "master", "encryption", "signing"]);
/** Words after a keyword that name something about the secret, not the secret. */
const ABOUT_WORDS: ReadonlySet<string> = new Set([
  "id",
  "ids",
  "name",
  "names",
  "url",
  "uri",
  "endpoint",
  "file",
  "path",
  "dir",
  "length",
  "len",
  "size",
  "count",
  "type",
  "kind",
  "version",
  "expiry",
  "expires",
  "expiration",
  "ttl",
  "limit",
  "limits",
  "header",
  "field",
  "format",
  "method",
  "mode",
  "scheme",
  "provider",
  "policy",
  "scope",
  "scopes",
  "enabled",
  "required",
  "status",
  "state",
  "level",
  "user",
  "username",
  "email",
  "host",
  "server",
  "service",
  "domain",
  "region",
  "issuer",
  "audience",
  "realm",
  "arn",
  "ref",
  "prefix",
  "label",
  "hint",
  "manager",
  "store",
  "vault",
  "source",
  "variable",
]);
/** Words before a keyword that say the value is not secret. */
const NOT_SECRET_QUALIFIERS: ReadonlySet<string> = new Set(["public", "csrf", "xsrf", "max", "min", "num"]);
/** Authorization schemes whose credential is the next word. */
const SCHEMES: ReadonlySet<string> = new Set(["bearer", "basic", "token"]);

/** The words of a name, lower case: `mySecretString` → my, secret, string; `X-Api-Key` → x, api, key. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Whether the word at `i` makes the name a secret's. */
function isKeyword(list: readonly string[], i: number): boolean {
  const word = list[i] as string;
  if (word === "authorization") return true;
  if (word === "key") return KEY_QUALIFIERS.has(list[i - 1] ?? "");
  const stem = word.length > 4 && word.endsWith("s") ? word.slice(0, -1) : word;
  return KEYWORD_ENDINGS.some((ending) => stem.endsWith(ending));
}

/** What {@link secretName} says of a name. */
interface NameVerdict {
  /** Whether the name is a password's (digits alone may then be the value). */
  readonly password: boolean;
}

/** Most names {@link verdicts} keeps before it starts afresh. */
const MAX_VERDICTS = 1024;
/**
 * Names judged and their verdicts (`null`: no secret's name). Texts repeat a
 * handful of names (`token`, `api_key`, `password`), often in turn, so they
 * are split into words once, not at each assignment. Bounded by
 * {@link MAX_VERDICTS}.
 */
const verdicts = new Map<string, NameVerdict | null>();

/** Whether the name `text[start, end)` names a secret, and whether a password's. */
function secretName(text: string, start: number, end: number): NameVerdict | undefined {
  // Only names holding a keyword's core reach here (see eachAssignment).
  const name = text.slice(start, end);
  const known = verdicts.get(name);
  if (known !== undefined) return known ?? undefined;
  let verdict: NameVerdict | undefined;
  const list = words(name);
  for (let i = list.length - 1; i >= 0; i--) {
    if (!isKeyword(list, i)) continue;
    const about = NOT_SECRET_QUALIFIERS.has(list[i - 1] ?? "") || list.slice(i + 1).some((w) => ABOUT_WORDS.has(w));
    verdict = about ? undefined : { password: /pass|pwd/.test(list[i] as string) };
    break;
  }
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(name, verdict ?? null);
  return verdict;
}

const endsUnquoted = (c: number): boolean =>
  c <= 32 || c === 34 || c === 39 || c === 96 || c === 44 || c === 59 || c === 38 || c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 60 || c === 62;
/** Whether a backslash followed by `next` is an escape that ends a value (`\n`, `\r`, `\t`, `\"`, `\'`). */
const endsWithEscape = (next: number): boolean => next === 110 || next === 114 || next === 116 || next === 34 || next === 39;

/** Index of the first character of a value after the operator ending at `from`, or -1. */
function valueStart(text: string, from: number, form: AssignmentForm): number {
  let i = from;
  const limit = Math.min(text.length, from + MAX_GAP);
  while (i < limit && (codeAt(text, i) === 32 || codeAt(text, i) === 9)) i++;
  const c = codeAt(text, i);
  const block = form === "operator" && (c === 124 || c === 62) && (codeAt(text, i + 1) === 10 || codeAt(text, i + 1) === 13);
  if (block) i++;
  if (block || form === "element") while (i < limit && codeAt(text, i) <= 32 && codeAt(text, i) >= 0) i++;
  return i < text.length ? i : -1;
}

/** End of an unquoted value starting at `start`, or -1 when it is too long or a call (`getToken()`). */
function unquotedEnd(text: string, start: number): number {
  let end = start;
  const limit = Math.min(text.length, start + MAX_VALUE + 1);
  while (end < limit) {
    const c = text.charCodeAt(end);
    if (c === 60) {
      const token = tokenShapeEnd(text, end);
      if (token === -1) break;
      end = token;
      continue;
    }
    if (endsUnquoted(c) || (c === 92 && endsWithEscape(codeAt(text, end + 1)))) break;
    end++;
  }
  return end - start > MAX_VALUE || codeAt(text, end) === 40 ? -1 : end;
}

/** The value after the operator ending at `from`, or undefined. */
function valueAfter(text: string, from: number, form: AssignmentForm): [number, number] | undefined {
  const at = valueStart(text, from, form);
  if (at === -1) return undefined;
  const escaped = codeAt(text, at) === 92 && isQuote(codeAt(text, at + 1));
  const quote = codeAt(text, escaped ? at + 1 : at);
  let value: [number, number];
  if (isQuote(quote)) {
    const start = escaped ? at + 2 : at + 1;
    let end = start;
    while (end < text.length && end - start <= MAX_VALUE && text.charCodeAt(end) !== quote && text.charCodeAt(end) !== 10) end++;
    if (codeAt(text, end) !== quote || end - start > MAX_VALUE) return undefined;
    value = [start, escaped && codeAt(text, end - 1) === 92 ? end - 1 : end];
  } else {
    if (form === "arrow" || form === "argument") return undefined;
    const end = unquotedEnd(text, at);
    if (end === -1) return undefined;
    if (form === "element") {
      let close = end;
      while (close < text.length && close - end < MAX_GAP && codeAt(text, close) <= 32) close++;
      if (!text.startsWith("</", close)) return undefined;
    }
    value = [at, end];
  }
  return afterScheme(text, value);
}

/**
 * The credential of `Bearer abc…` / `Basic abc…` / `Token abc…`: the word after the scheme,
 * without a full stop that ends the sentence (`… Bearer eyJ….` in prose); other values unchanged.
 */
function afterScheme(text: string, [start, end]: [number, number]): [number, number] {
  let word = start;
  while (word < end && word - start <= 6 && text.charCodeAt(word) !== 32) word++;
  if (word - start > 6) return [start, end];
  if (!SCHEMES.has(text.slice(start, word).toLowerCase())) return [start, end];
  if (word < end) return withoutFullStop(text, word + 1, end);
  const next = unquotedEnd(text, word + 1);
  return codeAt(text, word) === 32 && next > word + 1 ? withoutFullStop(text, word + 1, next) : [start, end];
}

/** `[start, end)` without a last `.` that white space or the end of the text follows. */
function withoutFullStop(text: string, start: number, end: number): [number, number] {
  const next = codeAt(text, end);
  return end - start > 1 && text.charCodeAt(end - 1) === 46 && (next === -1 || next <= 32) ? [start, end - 1] : [start, end];
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

/**
 * Whether `value` looks like a real secret rather than a placeholder, a
 * reference or a word; digits alone count only for a password (`password`).
 */
export function plausibleSecret(value: string, password = false): boolean {
  if (value.length < MIN_VALUE || value.length > MAX_VALUE) return false;
  if (CODE_PATH.test(value) || PACKAGE_VERSION.test(value) || isPlaceholderSecret(value)) return false;
  if (!password && /^\d+$/.test(value)) return false;
  const required = classes(value) >= 2 ? entropyThreshold(value.length) : 3;
  return shannonEntropy(value) >= required;
}

/** Detector of secrets assigned to telling names. */
export const genericSecretDetector: Detector = {
  types: ["generic_secret"],
  reach: MAX_VALUE + MAX_GAP + 4,
  lookbehind: NAME_LOOKBEHIND + MAX_NAME,
  triggers: ASSIGNMENT_OPERATORS,
  scan(text, from, out, separators) {
    let password = false;
    eachAssignment(
      text,
      Math.max(0, from - MAX_GAP - 4),
      separators,
      // Inline, not bound to a name: a named closure made at every scan costs more under some transpilers.
      (t, start, end) => {
        const name = secretName(t, start, end);
        password = name?.password ?? false;
        return name !== undefined;
      },
      (_start, _end, valueFrom, form) => {
        const value = valueAfter(text, valueFrom, form);
        if (value !== undefined && value[0] >= from && plausibleSecret(withoutTokenShapes(text.slice(value[0], value[1])), password)) {
          out.push({ type: "generic_secret", start: value[0], end: value[1] });
        }
      },
    );
  },
};
