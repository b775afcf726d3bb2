import { type KeyObject, sign, verify } from "node:crypto";
import type { JWK } from "jose";
import { importSigningKey, importVerifyKey } from "./keys.js";

/** Signs event hashes with an Ed25519 key. */
export interface HashSigner {
  /** Key id (RFC 7638 thumbprint) written into signed events. */
  readonly kid: string;
  /** Ed25519 signature over the hex hash's bytes, base64url. */
  sign(hash: string): string;
}

/** Verifies signatures made by {@link HashSigner}. */
export interface HashVerifier {
  readonly kid: string;
  verify(hash: string, signature: string): boolean;
}

/** Creates a signer from a private Ed25519 JWK. */
export function createHashSigner(privateJwk: JWK): HashSigner {
  const { key, kid } = importSigningKey(privateJwk);
  return { kid, sign: (hash) => sign(null, Buffer.from(hash, "hex"), key).toString("base64url") };
}

/** Creates a verifier from a public Ed25519 JWK. */
export function createHashVerifier(publicJwk: JWK): HashVerifier {
  const { key, kid }: { key: KeyObject; kid: string } = importVerifyKey(publicJwk);
  return {
    kid,
    verify(hash, signature) {
      try {
        return verify(null, Buffer.from(hash, "hex"), key, Buffer.from(signature, "base64url"));
      } catch {
        return false;
      }
    },
  };
}
