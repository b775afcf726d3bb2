import { sha256Hex } from "../audit/digest.js";
import type { Principal } from "./principal.js";

/** Limits of the verified-token cache. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens kept (default 1000); the oldest entry makes room for a new one. */
  maxEntries?: number;
  /** How long one verification is reused, in ms (default 60000), at most until the token expires. */
  ttlMs?: number;
}

interface Entry {
  readonly principal: Principal;
  readonly verifiedAt: number;
  /** Epoch ms from which the entry is not reused: the earliest of expiry, maximum token age and `ttlMs`. */
  readonly reuseUntil: number;
}

/**
 * Principals of recently verified tokens, so that a token presented again
 * (an approver's bearer token answering several requests, a client calling
 * several times) costs a lookup instead of a signature verification.
 *
 * Only successful verifications are kept, keyed by the SHA-256 of the token
 * (the token itself is not held). An entry is reused only while the clock is
 * between its verification time and the earliest of the token's `exp` (plus
 * the clock tolerance), `iat + maxTokenAge` and `ttlMs` after verification;
 * outside that window the token is verified again in full, so an expired token
 * fails with the same error as without the cache and a clock set back never
 * revives an entry. A key removed from the key set stops a cached token at
 * most `ttlMs` later.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  /** @param options - size and reuse limits */
  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  /** Cache key of a token. */
  keyOf(token: string): string {
    return sha256Hex(token);
  }

  /** The principal verified for `key`, if it may still be reused at `now`. */
  get(key: string, now: number): Principal | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now < entry.verifiedAt || now >= entry.reuseUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /**
   * Keeps `principal`, verified at `now`, for `key`; `notAfter` is the epoch ms
   * from which the token itself would fail verification.
   */
  set(key: string, principal: Principal, now: number, notAfter: number): void {
    const reuseUntil = Math.min(notAfter, now + this.ttlMs);
    if (reuseUntil <= now || this.maxEntries === 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { principal, verifiedAt: now, reuseUntil });
  }
}
