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
 *   characters after the assignment operator of a name that holds `secret`
 *   and `aws` or `access` in any case (`aws_secret_access_key`,
 *   `AWS_SECRET_KEY`, `SecretAccessKey`, `"aws.secret"`; every assignment
 *   form of {@link eachAssignment}).
 * - Neither counts when it is a placeholder: AWS's published examples
 *   (`AKIAIOSFODNN7EXAMPLE`, `…EXAMPLEKEY`) or filler (`AKIAXXXXXXXXXXXXXXXX`).
 *
 * @module
 */
import { codeAt, holdsWord, isAlnum, isDigit, isUpper } from "../chars.js";
import type { Detector } from "../detector.js";
import { isPlaceholder } from "../entropy.js";
import { ASSIGNMENT_OPERATORS, eachAssignment, NAME_LOOKBEHIND } from "./assignment.js";

/** Four-letter prefixes of access key ids; `A3T` followed by a capital or a digit is one too. */
const KEY_PREFIXES: ReadonlySet<string> = new Set(["AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA"]);
/** The 16 base32 characters after a key id's prefix, not glued to a letter or digit. */
const KEY_BODY = /[A-Z2-7]{16}(?![A-Za-z0-9])/y;
/** Length of a secret access key. */
const SECRET_LENGTH = 40;
const NEAR_KEY = 100;
const AFTER_NAME = 60;

const isBase64 = (c: number): boolean => isAlnum(c) || c === 43 || c === 47;

/**
 * Whether an access key id starts at `at`, an `A`: not glued to a letter or
 * digit before it, a known prefix, then the key's 16 characters. Every prefix
 * starts with `A`, which `indexOf` finds much faster than a regex finds the
 * prefixes (capitals are everywhere in base64).
 */
function keyIdAt(text: string, at: number): boolean {
  if (isAlnum(codeAt(text, at - 1))) return false;
  // Every prefix goes on with a capital or a `3`: a word (`An`, `About`) is passed over before any substring is taken.
  const second = codeAt(text, at + 1);
  if (!isUpper(second) && second !== 51) return false;
  const fourth = codeAt(text, at + 3);
  if (!KEY_PREFIXES.has(text.slice(at, at + 4)) && !(text.startsWith("A3T", at) && (isUpper(fourth) || isDigit(fourth)))) return false;
  KEY_BODY.lastIndex = at + 4;
  return KEY_BODY.test(text);
}

/** An access key id written all in lower case, from its first letter: a known prefix, then 16 base32 characters. */
// Its body holds a digit: 16 letters after "asia" or "aida" are a word (`asiakirjamallikansio`), and a
// generated id has no digit once in about 28.
const LOWER_KEY_ID = /a(?:kia|sia|bia|cca|gpa|ida|roa|ipa|npa|nva|3t[a-z0-9])(?=[a-z]*[2-7])[a-z2-7]{16}(?![A-Za-z0-9])/y;

/** Whether an access key id written all in lower case starts at `at`, an `a` (same rules, one case throughout). */
function lowerKeyIdAt(text: string, at: number): boolean {
  if (isAlnum(codeAt(text, at - 1))) return false;
  LOWER_KEY_ID.lastIndex = at;
  return LOWER_KEY_ID.test(text);
}

/** Whether a 40-character candidate mixes cases and digits or symbols, as generated secrets do. */
function looksGenerated(candidate: string): boolean {
  return /[a-z]/.test(candidate) && /[A-Z]/.test(candidate) && /[0-9/+]/.test(candidate);
}

/** Whether the name `text[start, end)` names an AWS secret key. */
function secretKeyName(text: string, start: number, end: number): boolean {
  if (end - start < 6) return false;
  return holdsWord(text, start, end, "secret") && (holdsWord(text, start, end, "aws") || holdsWord(text, start, end, "access"));
}

/**
 * Collects the starts of the secret keys in `[low, high]` and at or after
 * `from`: maximal runs of base64 characters exactly 40 long, not followed by
 * padding (which would make them part of a longer encoded value).
 */
function secretsIn(text: string, low: number, high: number, from: number, found: number[]): void {
  let start = Math.max(0, low, from);
  while (start > 0 && isBase64(text.charCodeAt(start - 1))) start--;
  // Runs of base64 characters, read in place: only one of exactly 40 is taken out of the text.
  for (let run = start; run <= high && run < text.length; ) {
    if (!isBase64(text.charCodeAt(run))) {
      run++;
      continue;
    }
    let end = run + 1;
    while (end < text.length && isBase64(text.charCodeAt(end))) end++;
    if (end - run === SECRET_LENGTH && run >= low && run >= from && text.charCodeAt(end) !== 61) {
      const candidate = text.slice(run, end);
      if (looksGenerated(candidate) && !isPlaceholder(candidate)) found.push(run);
    }
    run = end;
  }
}

/**
 * Where an access key id may start: a prefix in any case (one
 * case-insensitive search costs less than one for each case, or a visit to
 * every `A` and every frequent `a`); {@link keyIdAt} and {@link lowerKeyIdAt}
 * then check the whole id, in capitals or all in lower case.
 */
const KEY_ID_START = new RegExp([...KEY_PREFIXES, "A3T"].map((prefix) => prefix.toLowerCase()).join("|"), "gi");

/** Whether an access key id, in capitals or all in lower case, starts at `at`. */
function keyIdStartsAt(text: string, at: number): boolean {
  return text.charCodeAt(at) === 65 ? keyIdAt(text, at) : lowerKeyIdAt(text, at);
}

/** Detector of AWS access key ids and secret access keys. */
export const awsDetector: Detector = {
  types: ["aws_access_key", "aws_secret_key"],
  reach: 2 * NEAR_KEY,
  lookbehind: Math.max(2 * NEAR_KEY, AFTER_NAME + NAME_LOOKBEHIND),
  // A key id starts with `A` (`a` in lower case); a secret key without one follows an assignment.
  triggers: `Aa${ASSIGNMENT_OPERATORS}`,
  scan(text, from, out, separators) {
    const found: number[] = [];
    KEY_ID_START.lastIndex = Math.max(0, from - NEAR_KEY - 60);
    let start: RegExpExecArray | null;
    while ((start = KEY_ID_START.exec(text)) !== null) {
      const at = start.index;
      KEY_ID_START.lastIndex = at + 1;
      if (!keyIdStartsAt(text, at) || isPlaceholder(text.slice(at + 4, at + 20).toUpperCase())) continue;
      if (at >= from) out.push({ type: "aws_access_key", start: at, end: at + 20 });
      secretsIn(text, at - NEAR_KEY - 40, at + 20 + NEAR_KEY, from, found);
    }
    eachAssignment(text, Math.max(0, from - AFTER_NAME), separators, secretKeyName, (_start, _end, valueFrom) => {
      secretsIn(text, valueFrom, valueFrom + AFTER_NAME, from, found);
    });
    if (found.length > 1) found.sort((a, b) => a - b);
    for (let i = 0; i < found.length; i++) {
      const start = found[i] as number;
      if (i === 0 || start !== found[i - 1]) out.push({ type: "aws_secret_key", start, end: start + 40 });
    }
  },
};
