import { performance } from "node:perf_hooks";
import { sha256Hex } from "../audit/digest.js";
import type { Principal } from "./principal.js";

/** How long one verification is reused by default, in ms. */
export const DEFAULT_TOKEN_CACHE_TTL_MS = 60_000;

/** Limits of the verified-token cache. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens kept (default 1000); the oldest entry makes room for a new one. */
  maxEntries?: number;
  /** How long one verification is reused, in ms of real time (default 60000), at most until the token expires. */
  ttlMs?: number;
}

interface Entry {
  readonly principal: Principal;
  /** Warden-clock time of the verification. */
  readonly verifiedAt: number;
  /** Warden-clock time from which the token itself would fail: expiry or maximum token age. */
  readonly notAfter: number;
  /** Monotonic time of the verification, for `ttlMs`. */
  readonly storedAt: number;
}

/**
 * Principals of recently verified tokens, so that a token presented again
 * (an approver's bearer token answering several requests, a client calling
 * several times) costs a lookup instead of a signature verification.
 *
 * Only successful verifications are kept, keyed by the SHA-256 of the token
 * (the token itself is not held). An entry is reused only while the warden's
 * clock is between its verification time and the earliest of the token's
 * `exp` (plus the clock tolerance) and `iat + maxTokenAge`, and for at most
 * `ttlMs` of real time: claims are judged by the warden's clock, as in a full
 * verification, while the age of an entry is real time, like the key set's
 * own cache, so a key removed from the key set stops a cached token at most
 * `ttlMs` later even under a test clock. Outside that window the token is
 * verified again in full, so an expired token fails with the same error as
 * without the cache and a clock set back never revives an entry.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  /** @param options - size and reuse limits */
  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
  }

  /** Cache key of a token. */
  keyOf(token: string): string {
    return sha256Hex(token);
  }

  /** The principal verified for `key`, if it may still be reused at `now` (warden clock). */
  get(key: string, now: number): Principal | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now < entry.verifiedAt || now >= entry.notAfter || performance.now() - entry.storedAt >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /**
   * Keeps `principal`, verified at `now` (warden clock), for `key`; `notAfter`
   * is the warden-clock time from which the token itself would fail verification.
   */
  set(key: string, principal: Principal, now: number, notAfter: number): void {
    if (notAfter <= now || this.maxEntries === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { principal, verifiedAt: now, notAfter, storedAt: performance.now() });
  }
}
