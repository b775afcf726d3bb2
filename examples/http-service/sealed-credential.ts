/**
 * Credentials at rest: a durable pending index keeps the requester's bearer
 * token until an approver answers, so it stores it sealed with AES-256-GCM,
 * bound to its thread (a sealed token moved to another row does not open).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte sealing key derived from a service secret (HKDF-SHA256, with its own info string). */
export function deriveSealingKey(secret: string | Uint8Array, info = "langchain-warden http-service pending credentials v1"): Uint8Array {
  const material = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
  if (material.length < 32) throw new RangeError("the secret must be at least 32 bytes");
  return new Uint8Array(hkdfSync("sha256", material, new Uint8Array(0), info, 32));
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new RangeError("the sealing key must be 32 bytes");
}

/** Seals `credential` for `context` (the thread key): `base64url(iv ‖ tag ‖ ciphertext)`. */
export function sealCredential(key: Uint8Array, credential: string, context: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(credential, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** Opens what {@link sealCredential} sealed for the same `context`; throws if it was altered, moved or sealed with another key. */
export function openCredential(key: Uint8Array, sealed: string, context: string): string {
  checkKey(key);
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error("the sealed credential is truncated");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}
