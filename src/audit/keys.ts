import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { JWK } from "jose";

/** An Ed25519 key pair as JWKs: the private key signs checkpoints, the public key verifies them. */
export interface AuditKeyPair {
  /** Private JWK (`kty: "OKP"`, `crv: "Ed25519"`, with `d`). Keep it secret. */
  privateKey: JWK;
  /** Public JWK (no `d`), for `verifyAuditLog` and `warden audit verify`. */
  publicKey: JWK;
}

/** RFC 7638 thumbprint of an Ed25519 public JWK: the key id written into signed events. */
export function auditKeyId(jwk: JWK): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash("sha256").update(canonical).digest("base64url");
}

/** Generates an Ed25519 key pair for signing audit checkpoints. Both JWKs carry `kid`, `alg` and `use`. */
export function generateAuditKeys(): AuditKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const privateJwk = privateKey.export({ format: "jwk" }) as JWK;
  const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x };
  const kid = auditKeyId(publicJwk);
  const meta = { kid, alg: "EdDSA", use: "sig" };
  return { privateKey: { ...privateJwk, ...meta }, publicKey: { ...publicJwk, ...meta } };
}

function assertEd25519(jwk: JWK, label: string): void {
  if (jwk?.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new TypeError(`${label} must be an Ed25519 JWK (kty "OKP", crv "Ed25519")`);
  }
}

/** Imports a private Ed25519 JWK; returns the key and its key id. @internal */
export function importSigningKey(jwk: JWK): { key: KeyObject; kid: string } {
  assertEd25519(jwk, "audit.signingKey");
  if (typeof jwk.d !== "string") throw new TypeError("audit.signingKey must be a private JWK (with d)");
  const key = createPrivateKey({ key: jwk as never, format: "jwk" });
  return { key, kid: auditKeyId(jwk) };
}

/** Imports a public Ed25519 JWK (private parts are dropped); returns the key and its key id. @internal */
export function importVerifyKey(jwk: JWK): { key: KeyObject; kid: string } {
  assertEd25519(jwk, "publicKey");
  const publicOnly = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  return { key: createPublicKey({ key: publicOnly as never, format: "jwk" }), kid: auditKeyId(publicOnly) };
}
