import { hkdfSync, randomBytes } from "node:crypto";
import type { JWK } from "jose";

/**
 * HKDF-SHA256 `info` of the approval key derived from `audit.signingKey`
 * (input key material: the private key's bytes, JWK `d`; no salt; 32 bytes).
 * Changing it voids every pending request.
 */
export const APPROVAL_KEY_INFO = "langchain-warden approvals v1";

/**
 * The key that binds approval request ids: `approvals.secret` when given;
 * else derived from `audit.signingKey`, so instances sharing a signing key
 * share approvals; else random, good for this process only (a request raised
 * elsewhere is then refused as `foreign-binding`).
 */
export function approvalKey(secret: string | Uint8Array | undefined, signingKey: JWK | undefined): Uint8Array {
  if (secret !== undefined) return typeof secret === "string" ? Buffer.from(secret) : secret;
  if (signingKey?.d !== undefined) {
    return new Uint8Array(hkdfSync("sha256", Buffer.from(signingKey.d, "base64url"), Buffer.alloc(0), APPROVAL_KEY_INFO, 32));
  }
  return randomBytes(32);
}
