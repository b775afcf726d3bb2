import { createPublicKey, KeyObject } from "node:crypto";
import type { FlattenedJWSInput, JWK, JWSHeaderParameters, JWTVerifyGetKey } from "jose";
import { InvalidTokenError } from "../errors.js";
import { loadJose } from "./jose-loader.js";
import type { ParsedIdentityOptions } from "./options.js";

/** A key-set resolver whose token argument may be left out (then only the header picks the key). */
type LocalKeySet = (header: JWSHeaderParameters, token?: FlattenedJWSInput) => ReturnType<JWTVerifyGetKey>;

/** Where verification keys come from: a key-set resolver, or an HMAC secret. */
export type KeySource = { kind: "jwks"; getKey: JWTVerifyGetKey } | { kind: "secret"; secret: Uint8Array };

/** How long keys fetched from a remote JWKS are trusted by default, in ms. */
export const JWKS_CACHE_MAX_AGE_MS = 600_000;

/** Fields of a JWK that are private material and must never be used to verify. */
const PRIVATE_JWK_FIELDS = ["d", "p", "q", "dp", "dq", "qi", "k"] as const;

function publicJwk(jwk: Record<string, unknown>): JWK {
  for (const field of PRIVATE_JWK_FIELDS) {
    if (field in jwk) throw new TypeError("identity.publicKey/jwks must hold public keys only");
  }
  return jwk as JWK;
}

/** PEM armour of private key material (PKCS#8, SEC1, PKCS#1, encrypted PKCS#8). */
const PRIVATE_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

function toJwk(key: unknown): JWK {
  if (typeof key === "string") {
    // createPublicKey() would silently derive the public half of a private key.
    if (PRIVATE_PEM.test(key)) throw new TypeError("identity.publicKey must be a public key");
    return createPublicKey(key).export({ format: "jwk" }) as JWK;
  }
  if (key instanceof KeyObject) {
    if (key.type !== "public") throw new TypeError("identity.publicKey must be a public key");
    return key.export({ format: "jwk" }) as JWK;
  }
  return publicJwk(key as Record<string, unknown>);
}

/** A value built once, on first `get()`, however many callers race for it; `value` once built. */
function lazily<T>(build: () => Promise<T>): { value: T | undefined; get(): Promise<T> } {
  let pending: Promise<T> | undefined;
  const cell = {
    value: undefined as T | undefined,
    get: (): Promise<T> => (pending ??= build().then((value) => (cell.value = value))),
  };
  return cell;
}

/**
 * Wraps a remote key-set resolver so that network failures are reported as
 * `jwks-unavailable` (fail closed) and never as a bad token.
 */
function remoteResolver(uri: string, options: ParsedIdentityOptions): JWTVerifyGetKey {
  const url = new URL(uri);
  const settings = {
    timeoutDuration: options.jwksTimeoutMs ?? 5_000,
    cooldownDuration: options.jwksCooldownMs ?? 30_000,
    cacheMaxAge: options.jwksCacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS,
  };
  // One key set (one cache, one cooldown) however many calls race to build it.
  const remote = lazily(async () => (await loadJose()).createRemoteJWKSet(url, settings));
  return async (header, token) => {
    try {
      return await (remote.value ?? (await remote.get()))(header, token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_JWKS_NO_MATCHING_KEY" || code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS" || code === "ERR_JWK_INVALID") {
        throw error;
      }
      throw new InvalidTokenError("jwks-unavailable", "The key set could not be fetched; the token was refused", { cause: error });
    }
  };
}

/**
 * Resolves the one configured `publicKey`. A PEM, a KeyObject or a JWK without
 * `kid` names no key id, so a token's `kid` cannot select it: the key is
 * pinned and only the token's `alg` (and then its signature) must match it.
 */
function singleKeyResolver(jwk: JWK): JWTVerifyGetKey {
  const local = localResolver([jwk]);
  if (jwk.kid !== undefined) return local;
  // Only the header's `alg` reaches the key set: jose would read a `kid` from the token too.
  return (header) => local({ alg: header.alg });
}

/** jose's local key-set resolver over `keys`, built when it first resolves a key. */
function localResolver(keys: JWK[]): LocalKeySet {
  const local = lazily(async () => (await loadJose()).createLocalJWKSet({ keys }));
  return async (...args) => (local.value ?? (await local.get()))(...args);
}

/** Builds the key source described by validated identity options. */
export function createKeySource(options: ParsedIdentityOptions): KeySource {
  if (options.secret !== undefined) {
    const secret = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
    return { kind: "secret", secret };
  }
  if (options.jwksUri !== undefined) return { kind: "jwks", getKey: remoteResolver(options.jwksUri, options) };
  if (options.jwks !== undefined) {
    const keys = options.jwks.keys.map((k) => publicJwk(k as Record<string, unknown>));
    return { kind: "jwks", getKey: localResolver(keys) };
  }
  return { kind: "jwks", getKey: singleKeyResolver(toJwk(options.publicKey)) };
}
