/**
 * JSON Web Tokens in compact form: three base64url parts joined by dots whose
 * header decodes to a JSON object with an `alg` member and whose payload
 * decodes to a JSON object. The signature may be empty (unsecured tokens).
 *
 * The scan is anchored on the `J` of the `eyJ` every token starts with (the
 * base64url of `{"`): `J` is found with `indexOf`, which is several times
 * faster than a regex looking for `eyJ` (`e` is the commonest letter of
 * prose), and the whole token pattern only runs where `ey` precedes it.
 *
 * A token may be up to about 11,000 characters; the streaming masker holds
 * back a token that more text could still extend (see `pending`).
 *
 * @module
 */
import type { Detector } from "../detector.js";

const MAX_HEADER = 2048;
const MAX_PAYLOAD = 8192;
const MAX_SIGNATURE = 1400;
const MAX = MAX_HEADER + MAX_PAYLOAD + MAX_SIGNATURE + 2;
/** A whole token, tried where `eyJ` starts. */
const TOKEN = new RegExp(`(?<![\\w\\-])eyJ[\\w\\-]{1,${MAX_HEADER - 3}}\\.[\\w\\-]{2,${MAX_PAYLOAD}}\\.[\\w\\-]{0,${MAX_SIGNATURE}}(?![\\w\\-])`, "y");

const isRunChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46;

/**
 * Decodes a base64url part to a JSON object, or undefined. Text that cannot
 * be an object (not `{…}`) is refused before parsing, so truncated tokens and
 * look-alikes do not pay for a thrown exception.
 */
function jsonObject(part: string): Record<string, unknown> | undefined {
  const json = Buffer.from(part, "base64url").toString("latin1").trim();
  if (json.charCodeAt(0) !== 123 || json.charCodeAt(json.length - 1) !== 125) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `token` (three dot-separated parts) is a JWT: JSON header with `alg`, JSON payload. */
export function isJwt(token: string): boolean {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first < 0 || second < 0) return false;
  const header = jsonObject(token.slice(0, first));
  if (header === undefined || typeof header.alg !== "string") return false;
  return jsonObject(token.slice(first + 1, second)) !== undefined;
}

/** End of the JSON Web Token starting at `start` (where `eyJ` is), or -1. */
function tokenEnd(text: string, start: number): number {
  TOKEN.lastIndex = start;
  const m = TOKEN.exec(text);
  return m !== null && isJwt(m[0]) ? start + m[0].length : -1;
}

/** Detector of JSON Web Tokens. */
export const jwtDetector: Detector = {
  types: ["jwt"],
  reach: 0,
  lookbehind: 1,
  triggers: "J",
  scan(text, from, out) {
    let j = text.indexOf("J", from + 2);
    while (j !== -1) {
      const start = j - 2;
      const end = text.startsWith("ey", start) ? tokenEnd(text, start) : -1;
      if (end !== -1) out.push({ type: "jwt", start, end });
      j = text.indexOf("J", end === -1 ? j + 1 : end + 2);
    }
  },
  pending(text, from) {
    let runStart = text.length;
    while (runStart > 0 && text.length - runStart <= MAX && isRunChar(text.charCodeAt(runStart - 1))) runStart--;
    let at = text.indexOf("eyJ", Math.max(from, runStart, text.length - MAX));
    while (at !== -1) {
      const before = at > 0 ? text.charCodeAt(at - 1) : -1;
      if (!(isRunChar(before) && before !== 46)) return at;
      at = text.indexOf("eyJ", at + 1);
    }
    return -1;
  },
};
