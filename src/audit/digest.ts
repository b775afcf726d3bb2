import * as crypto from "node:crypto";
import type { JWK } from "jose";
import { canonicalJson } from "../canonical-json.js";
import { PolicyError } from "../errors.js";
import { importSigningKey } from "./keys.js";

type OneShotHash = (algorithm: string, data: string, encoding: "hex") => string;
/** Node's one-shot `crypto.hash` (Node 20.12+), else the streaming API. */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** Hex SHA-256 of a string. */
export function sha256Hex(data: string): string {
  return oneShot ? oneShot("sha256", data, "hex") : crypto.createHash("sha256").update(data).digest("hex");
}

/**
 * HKDF `info` that derives the digest key from the audit signing key when no
 * `audit.digestKey` is given: HKDF-SHA256 over the private key's 32 bytes
 * (the JWK's `d`), no salt, 32 bytes out.
 */
export const DIGEST_KEY_INFO = "langchain-warden audit digests v1";

/** Shortest digest key accepted, in bytes. */
export const MIN_DIGEST_KEY_BYTES = 32;

/** A secret digest key as `audit.digestKey` takes it: a string (its UTF-8 bytes) or bytes, at least 32 bytes. */
export type AuditDigestKey = string | Uint8Array;

/** Where a digest key comes from: an explicit key, else one derived from the signing key. */
export interface AuditDigestKeySource {
  digestKey?: AuditDigestKey | undefined;
  signingKey?: JWK | undefined;
}

/**
 * Makes the keyed digests of an audit log: `hmac-sha256:<digestKeyId>:<hex>`, the
 * HMAC-SHA256 of a value's canonical JSON under a secret key. Without the key
 * a digest cannot be recomputed from a guessed value (an SSN, a PIN), so the
 * log does not give low-entropy values away; whoever holds the key can check
 * whether a value was used ({@link digestFor}). `digestKeyId` names the key without
 * revealing it.
 */
export interface AuditDigester {
  /** Short id of the digest key (an HMAC of a fixed label under the key), written into every digest. */
  readonly digestKeyId: string;
  /** The keyed digest of `value` (its canonical JSON). Throws for a value canonical JSON refuses. */
  digest(value: unknown): string;
  /**
   * The keyed digest of a value already serialised as canonical JSON (its
   * `canonicalJson()`): the same digest as `digest(value)`, for a caller that
   * serialised the value once for several uses.
   */
  digestJson(json: string): string;
}

/** The bytes of a digest key, refused when shorter than {@link MIN_DIGEST_KEY_BYTES}. */
function digestKeyBytes(key: AuditDigestKey): Uint8Array {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  if (!(bytes instanceof Uint8Array) || bytes.length < MIN_DIGEST_KEY_BYTES) {
    throw new PolicyError("audit.digestKey", `must be a string or Uint8Array of at least ${MIN_DIGEST_KEY_BYTES} bytes`);
  }
  return bytes;
}

/** The digest key derived from a private Ed25519 JWK (HKDF-SHA256, {@link DIGEST_KEY_INFO}). */
export function deriveDigestKey(signingKey: JWK): Uint8Array {
  importSigningKey(signingKey);
  return new Uint8Array(crypto.hkdfSync("sha256", Buffer.from(signingKey.d!, "base64url"), new Uint8Array(0), DIGEST_KEY_INFO, 32));
}

/**
 * The digest key of an audit log: `digestKey` when given, else derived from
 * `signingKey`, else 32 random bytes (digests then cannot be compared across
 * restarts, nor by anyone).
 */
export function resolveDigestKey(source: AuditDigestKeySource): Uint8Array {
  if (source.digestKey !== undefined) return digestKeyBytes(source.digestKey);
  if (source.signingKey !== undefined) return deriveDigestKey(source.signingKey);
  return new Uint8Array(crypto.randomBytes(32));
}

/** Creates the digester of a digest key (see {@link resolveDigestKey}). */
export function createDigester(key: AuditDigestKey): AuditDigester {
  const secret = crypto.createSecretKey(digestKeyBytes(key));
  const keyId = crypto.createHmac("sha256", secret).update("langchain-warden digest key id").digest("base64url").slice(0, 8);
  const prefix = `hmac-sha256:${keyId}:`;
  const digestJson = (json: string): string => prefix + crypto.createHmac("sha256", secret).update(json).digest("hex");
  return {
    digestKeyId: keyId,
    digest: (value) => digestJson(canonicalJson(value)),
    digestJson,
  };
}

/**
 * The digest an audit log with this key records for `value`, to compare with
 * a logged `argsDigest`, `outputDigest`, `inputDigest` or `tokenDigest`
 * (an argument digest covers the whole arguments object, e.g.
 * `{ ssn: "078-05-1120" }`).
 *
 * @param key - the log's `audit.digestKey`, or the private signing JWK it was derived from
 */
export function digestFor(value: unknown, key: AuditDigestKey | JWK): string {
  const bytes = typeof key === "string" || key instanceof Uint8Array ? key : deriveDigestKey(key);
  return createDigester(bytes).digest(value);
}
