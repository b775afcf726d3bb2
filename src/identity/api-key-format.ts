/**
 * The form of a Warden API key:
 *
 *     wdn_<environment>_<id>_<secret><checksum>
 *     wdn_live_4fQx9TzL2mWc8RbK_Gd0v…(43 characters)…Kp2Q8z
 *
 * - `wdn_`: a fixed prefix, so a key is recognised in a header, a log or a
 *   tool output (the masker's `warden_api_key` detector);
 * - `environment`: 1 to 12 lower-case letters or digits (`live` by default,
 *   `test`, `staging`, …), a label for humans;
 * - `id`: 16 base62 characters, the lookup id of the key's record (not secret);
 * - `secret`: 43 base62 characters, 256 bits from the system's CSPRNG;
 * - `checksum`: the CRC-32 of everything before it, as 6 base62 characters,
 *   so that a detector or a client can tell a key from a look-alike (or a
 *   mistyped key) without any lookup, as GitHub's token checksums do.
 *
 * Letters and digits only between the separators: a key survives a
 * double-click, a URL and a shell unquoted.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { crc32 } from "../masking/checksums.js";

/** The prefix every Warden API key starts with. */
export const API_KEY_PREFIX = "wdn_";
/** Characters of a key's lookup id. */
export const API_KEY_ID_LENGTH = 16;
/** Random characters of a key's secret (43 base62 characters: 256 bits). */
export const API_KEY_SECRET_LENGTH = 43;
/** Characters of a key's checksum. */
export const API_KEY_CHECKSUM_LENGTH = 6;
/** Longest environment label. */
export const API_KEY_MAX_ENVIRONMENT = 12;
/** Longest key: prefix, label, two separators, id, secret and checksum. */
export const API_KEY_MAX_LENGTH = API_KEY_PREFIX.length + API_KEY_MAX_ENVIRONMENT + 1 + API_KEY_ID_LENGTH + 1 + API_KEY_SECRET_LENGTH + API_KEY_CHECKSUM_LENGTH;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A label: lower-case letters and digits. */
export const ENVIRONMENT_PATTERN = new RegExp(`^[a-z0-9]{1,${API_KEY_MAX_ENVIRONMENT}}$`);
/** A lookup id. */
export const API_KEY_ID_PATTERN = new RegExp(`^[A-Za-z0-9]{${API_KEY_ID_LENGTH}}$`);

const KEY = new RegExp(
  `^wdn_([a-z0-9]{1,${API_KEY_MAX_ENVIRONMENT}})_([A-Za-z0-9]{${API_KEY_ID_LENGTH}})_([A-Za-z0-9]{${API_KEY_SECRET_LENGTH}})([A-Za-z0-9]{${API_KEY_CHECKSUM_LENGTH}})$`,
);

/** The parts of a well-formed key. */
export interface ApiKeyParts {
  readonly environment: string;
  readonly id: string;
  readonly secret: string;
}

/** `count` base62 characters from the CSPRNG, without modulo bias (rejection sampling). */
export function randomBase62(count: number): string {
  let out = "";
  while (out.length < count) {
    for (const byte of randomBytes(count * 2)) {
      // 248 = 4 × 62: bytes from 248 up would favour the first characters.
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === count) break;
    }
  }
  return out;
}

/** The 6-character base62 CRC-32 of `body`. */
export function apiKeyChecksum(body: string): string {
  let value = crc32(body);
  let out = "";
  for (let i = 0; i < API_KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Assembles a key from its parts, with its checksum. */
export function formatApiKey(parts: ApiKeyParts): string {
  const body = `${API_KEY_PREFIX}${parts.environment}_${parts.id}_${parts.secret}`;
  return body + apiKeyChecksum(body);
}

/**
 * The parts of `text` when it is a Warden API key of the right form with a
 * valid checksum; `undefined` otherwise. Looks at nothing secret: any
 * code path may call it.
 */
export function parseApiKey(text: string): ApiKeyParts | undefined {
  if (text.length > API_KEY_MAX_LENGTH || !text.startsWith(API_KEY_PREFIX)) return undefined;
  const match = KEY.exec(text);
  if (match === null) return undefined;
  const [, environment, id, secret, checksum] = match as unknown as [string, string, string, string, string];
  if (apiKeyChecksum(text.slice(0, text.length - API_KEY_CHECKSUM_LENGTH)) !== checksum) return undefined;
  return { environment, id, secret };
}

/**
 * True when `value` is a Warden API key: the `wdn_` form with a valid
 * checksum. Says nothing about whether the key is known or valid; use it to
 * route a credential (an `X-Api-Key` header) or to spot a key in text.
 */
export function isWardenApiKey(value: unknown): value is string {
  return typeof value === "string" && parseApiKey(value) !== undefined;
}
