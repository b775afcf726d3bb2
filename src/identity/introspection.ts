/**
 * Opaque access tokens, read through the identity provider's RFC 7662
 * introspection endpoint: client authentication (`client_secret_basic`), a
 * timeout, a cache bounded by the token's `exp` and a short maximum, and a
 * refusal whenever the endpoint fails, hangs or answers something it should not.
 *
 * @module
 */
import type { JWTPayload } from "jose";
import { sha256Hex } from "../audit/digest.js";
import type { Clock } from "../clock.js";
import { InvalidTokenError, type InvalidTokenReason } from "../errors.js";
import { BoundedCache } from "./bounded-cache.js";
import { type ClaimMapping, readClaims } from "./claims.js";
import { principalKindOf } from "./kind.js";
import { mintPrincipal, type Principal } from "./principal.js";

/** How long one introspection may take by default, in ms. */
export const DEFAULT_INTROSPECTION_TIMEOUT_MS = 3_000;
/** How long an active token's answer is reused at most by default, in ms. */
export const DEFAULT_INTROSPECTION_MAX_TTL_MS = 60_000;
/** How long an inactive (or otherwise refused) token's answer is reused by default, in ms. */
export const DEFAULT_INTROSPECTION_REFUSAL_TTL_MS = 10_000;
/** Largest introspection response read, in characters. */
const MAX_RESPONSE = 64 * 1024;

/** What the introspection verifier needs, validated. @internal */
export interface IntrospectionVerifierOptions {
  endpoint: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Audiences one of which `aud` must name, or `false` when the endpoint itself answers only for this resource. */
  audience: readonly string[] | false;
  issuer?: string;
  cache: false | { maxEntries: number; maxTtlMs: number; refusalTtlMs: number };
}

/** A remembered answer: a principal, or a refusal that a second request would repeat. */
type Answer = { readonly principal: Principal } | { readonly reason: InvalidTokenReason; readonly message: string; readonly claim?: string };

/** Verifies opaque tokens through an introspection endpoint. @internal */
export interface IntrospectionVerifier {
  /** Verifies `token` (already stripped of any `Bearer ` prefix). */
  verify(token: string): Promise<Principal>;
}

function unavailable(message: string, cause?: unknown): InvalidTokenError {
  return new InvalidTokenError("introspection-unavailable", `${message}; the token was refused`, cause !== undefined ? { cause } : undefined);
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 §2.3.1 applies it to client credentials). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function audiences(aud: unknown): string[] | undefined {
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud) && aud.every((item) => typeof item === "string")) return aud as string[];
  return undefined;
}

/**
 * Creates the introspection verifier. `mapping` and `toleranceSeconds` are
 * the identity options' claim mapping and clock tolerance; principals carry
 * `issuerKey`, the key of the warden's identity layer.
 */
export function createIntrospectionVerifier(
  options: IntrospectionVerifierOptions,
  mapping: ClaimMapping,
  toleranceSeconds: number,
  clock: Clock,
  issuerKey: symbol,
): IntrospectionVerifier {
  const authorization = `Basic ${Buffer.from(`${formEncode(options.clientId)}:${formEncode(options.clientSecret)}`).toString("base64")}`;
  const cache = options.cache === false ? undefined : new BoundedCache<Answer>(options.cache.maxEntries);
  const inflight = new Map<string, Promise<Answer>>();
  const tolerance = toleranceSeconds * 1000;

  /** Asks the endpoint about `token`; throws `introspection-unavailable` for anything but a readable answer. */
  async function introspect(token: string): Promise<Record<string, unknown>> {
    let text: string;
    let status: number;
    try {
      const response = await fetch(options.endpoint, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        // Credentials are never sent on to wherever a redirect points.
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const name = (error as { name?: string })?.name;
      if (name === "TimeoutError" || name === "AbortError") throw unavailable(`The introspection endpoint did not answer within ${options.timeoutMs} ms`);
      throw unavailable("The introspection endpoint could not be reached", error);
    }
    if (status !== 200) throw unavailable(`The introspection endpoint answered HTTP ${status}`);
    if (text.length > MAX_RESPONSE) throw unavailable("The introspection response is too large");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // The parser's message quotes the response: not kept.
      throw unavailable("The introspection response is not JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { active?: unknown }).active !== "boolean") {
      throw unavailable("The introspection response has no boolean active member");
    }
    return body as Record<string, unknown>;
  }

  /** What an introspection response says about the token, at the warden clock's `now`. */
  function judge(response: Record<string, unknown>, now: number): Answer {
    const refuse = (reason: InvalidTokenReason, message: string, claim?: string): Answer => ({ reason, message, ...(claim ? { claim } : {}) });
    if (response.active !== true) return refuse("inactive", "The token is not active (revoked, expired or unknown to the identity provider)");
    const { sub, exp, nbf } = response;
    if (typeof sub !== "string" || sub === "") return refuse("claim", 'Token claim "sub" is missing or invalid', "sub");
    if (typeof exp !== "number" || !Number.isFinite(exp)) return refuse("claim", 'Token claim "exp" is missing or invalid', "exp");
    if (exp * 1000 + tolerance <= now) return refuse("expired", "Token expired", "exp");
    if (nbf !== undefined && (typeof nbf !== "number" || nbf * 1000 - tolerance > now)) return refuse("not-yet-valid", "Token is not valid yet (nbf)", "nbf");
    if (options.audience !== false) {
      const aud = audiences(response.aud);
      const expected = options.audience;
      if (aud === undefined || !aud.some((value) => expected.includes(value))) return refuse("claim", 'Token claim "aud" is missing or invalid', "aud");
    }
    if (options.issuer !== undefined && response.iss !== options.issuer) return refuse("claim", 'Token claim "iss" is missing or invalid', "iss");
    let claims: ReturnType<typeof readClaims>;
    try {
      claims = readClaims(response as JWTPayload, mapping);
    } catch (error) {
      const refusal = error as InvalidTokenError;
      return refuse(refusal.reason, refusal.message, refusal.claim);
    }
    const principal = mintPrincipal(
      {
        sub,
        kind: principalKindOf(response),
        ...(claims.tenant !== undefined ? { tenant: claims.tenant } : {}),
        scopes: claims.scopes,
        roles: claims.roles,
        expiresAt: exp * 1000,
        claims: response as JWTPayload,
      },
      issuerKey,
    );
    return { principal };
  }

  /** How long an answer may be reused: an active token's until its `exp`, at most `maxTtlMs`. */
  function ttlOf(answer: Answer, now: number): number {
    if (options.cache === false) return 0;
    if ("principal" in answer) return Math.min(options.cache.maxTtlMs, answer.principal.expiresAt + tolerance - now);
    return Math.min(options.cache.maxTtlMs, options.cache.refusalTtlMs);
  }

  function settle(answer: Answer): Principal {
    if ("principal" in answer) return answer.principal;
    throw new InvalidTokenError(answer.reason, answer.message, answer.claim !== undefined ? { claim: answer.claim } : undefined);
  }

  async function verify(token: string): Promise<Principal> {
    // Keyed by a digest: the cache never holds a token.
    const key = sha256Hex(token);
    const cached = cache?.get(key);
    if (cached !== undefined) {
      // An active answer is reused only while the token has not expired by the warden's clock.
      if (!("principal" in cached) || cached.principal.expiresAt + tolerance > clock.now()) return settle(cached);
      cache?.delete(key);
    }
    let pending = inflight.get(key);
    if (pending === undefined) {
      pending = introspect(token)
        .then((response) => {
          const now = clock.now();
          const answer = judge(response, now);
          cache?.set(key, answer, ttlOf(answer, now));
          return answer;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return settle(await pending);
  }

  return { verify };
}
