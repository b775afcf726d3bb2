/**
 * Verification of API keys: form and checksum, one store lookup per key
 * (refusals remembered, concurrent lookups of one id shared), a
 * constant-time comparison of digests, then revocation and expiry.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock.js";
import { InvalidTokenError, type InvalidTokenReason } from "../errors.js";
import { parseApiKey } from "./api-key-format.js";
import { type ApiKeyRecord, apiKeyDigest, apiKeyRecordSchema } from "./api-key-record.js";
import type { ApiKeyStore } from "./api-key-stores.js";
import { BoundedCache } from "./bounded-cache.js";
import { mintPrincipal, type Principal } from "./principal.js";

/** How long one store lookup may take by default, in ms. */
export const DEFAULT_KEY_LOOKUP_TIMEOUT_MS = 2_000;
/** How many refused keys are remembered by default. */
export const DEFAULT_REFUSAL_CACHE_ENTRIES = 10_000;
/** How long a refused key is remembered by default, in ms. */
export const DEFAULT_REFUSAL_CACHE_TTL_MS = 60_000;

/** What the API key verifier needs, validated. @internal */
export interface ApiKeyVerifierOptions {
  store: ApiKeyStore;
  lookupTimeoutMs: number;
  refusalCache: { maxEntries: number; ttlMs: number };
}

/** A remembered refusal. */
interface Refusal {
  readonly reason: InvalidTokenReason;
  readonly message: string;
  readonly keyId?: string;
}

/**
 * The digest compared when no record matches the id, so an unknown id costs
 * the same comparison as a known one.
 */
const NO_RECORD_DIGEST = apiKeyDigest("no record");

const MESSAGES = {
  malformed: "The API key is malformed: its form or checksum is wrong",
  unknown: "The API key is not known",
  revoked: "The API key was revoked",
  expired: "The API key expired",
  unavailable: "The API key store did not answer in time or answered with an invalid record; the key was refused",
} as const;

function refusalError(refusal: Refusal): InvalidTokenError {
  return new InvalidTokenError(refusal.reason, refusal.message, refusal.keyId !== undefined ? { keyId: refusal.keyId } : undefined);
}

/** Rejects after `ms` unless `promise` settles first. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the key store did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Verifies API keys against a store and mints `service` principals. @internal */
export interface ApiKeyVerifier {
  /** Verifies `key` (already stripped of any `Bearer ` prefix). */
  verify(key: string): Promise<Principal>;
}

/**
 * Creates the API key verifier. Principals it mints carry `issuerKey`, the
 * key of the warden's identity layer.
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions, clock: Clock, issuerKey: symbol): ApiKeyVerifier {
  const refusals = new BoundedCache<Refusal>(options.refusalCache.maxEntries);
  const inflight = new Map<string, Promise<unknown>>();

  /** One lookup of `id` at a time: concurrent verifications of keys with this id share it. */
  function lookup(id: string): Promise<unknown> {
    let pending = inflight.get(id);
    if (pending === undefined) {
      const get = Promise.resolve().then(() => options.store.get(id));
      // A lookup that outlives its timeout settles unobserved.
      get.catch(() => undefined);
      pending = withTimeout(get, options.lookupTimeoutMs).finally(() => inflight.delete(id));
      inflight.set(id, pending);
    }
    return pending;
  }

  function refuse(digest: string, refusal: Refusal): never {
    refusals.set(digest, refusal, options.refusalCache.ttlMs);
    throw refusalError(refusal);
  }

  async function verify(key: string): Promise<Principal> {
    const parts = parseApiKey(key);
    if (parts === undefined) throw new InvalidTokenError("malformed", MESSAGES.malformed);
    const digest = apiKeyDigest(key);
    const remembered = refusals.get(digest);
    if (remembered !== undefined) throw refusalError(remembered);

    let stored: unknown;
    try {
      stored = await lookup(parts.id);
    } catch (error) {
      throw new InvalidTokenError("key-store-unavailable", MESSAGES.unavailable, { cause: error });
    }
    let record: ApiKeyRecord | undefined;
    if (stored !== undefined && stored !== null) {
      const parsed = apiKeyRecordSchema.safeParse(stored);
      // A record the warden cannot read refuses the key (never a guess at what it meant).
      if (!parsed.success) throw new InvalidTokenError("key-store-unavailable", MESSAGES.unavailable);
      record = parsed.data;
    }

    // Digests of equal length, compared in constant time: how much of a wrong key matched
    // the real one shows neither in the result nor in the time taken.
    const expected = record !== undefined && record.id === parts.id ? record.hash : NO_RECORD_DIGEST;
    const matches = timingSafeEqual(Buffer.from(digest, "latin1"), Buffer.from(expected, "latin1"));
    if (!matches || record === undefined || record.id !== parts.id) refuse(digest, { reason: "unknown-key", message: MESSAGES.unknown });

    // The secret matched: from here on the key is genuine and its id may be named.
    if (record.revokedAt !== undefined) refuse(digest, { reason: "revoked", message: MESSAGES.revoked, keyId: record.id });
    const now = clock.now();
    if (record.expiresAt !== undefined && record.expiresAt <= now) {
      refuse(digest, { reason: "expired", message: MESSAGES.expired, keyId: record.id });
    }
    return mintPrincipal(
      {
        sub: record.sub,
        kind: "service",
        ...(record.tenant !== undefined ? { tenant: record.tenant } : {}),
        scopes: record.scopes,
        roles: record.roles,
        expiresAt: record.expiresAt ?? Number.POSITIVE_INFINITY,
        claims: {
          sub: record.sub,
          ...(record.tenant !== undefined ? { tenant: record.tenant } : {}),
          scope: record.scopes.join(" "),
          roles: record.roles,
          key_id: record.id,
          iat: Math.floor(record.createdAt / 1000),
          ...(record.expiresAt !== undefined ? { exp: Math.floor(record.expiresAt / 1000) } : {}),
        },
      },
      issuerKey,
    );
  }

  return { verify };
}
