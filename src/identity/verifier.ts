import type { JWTPayload, JWTVerifyOptions } from "jose";
import type { Clock } from "../clock.js";
import { InvalidTokenError, type InvalidTokenReason } from "../errors.js";
import { type ClaimMapping, claimMappingOf, readClaims } from "./claims.js";
import { loadedJose, loadJose } from "./jose-loader.js";
import { createKeySource, JWKS_CACHE_MAX_AGE_MS, type KeySource } from "./keys.js";
import { principalKindOf } from "./kind.js";
import { DEFAULT_ALGORITHMS, HMAC_ALGORITHMS, type ParsedIdentityOptions } from "./options.js";
import { mintPrincipal, type Principal } from "./principal.js";
import { DEFAULT_TOKEN_CACHE_TTL_MS, VerifiedTokenCache } from "./verified-tokens.js";

/** Tokens longer than this are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** The form of a compact JWS: three base64url segments, the last possibly empty. */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Verifies bearer tokens and mints principals. */
export interface TokenVerifier {
  /**
   * Verifies `token` (optionally prefixed with `Bearer `) and mints its
   * principal. An absent or empty token (a request without an Authorization
   * header) is refused with reason `missing`.
   */
  verify(token: string | null | undefined): Promise<Principal>;
  /** The key principals minted by this verifier carry. @internal */
  readonly issuerKey: symbol;
}

function fail(reason: InvalidTokenReason, message: string, claim?: string, cause?: unknown): never {
  throw new InvalidTokenError(reason, message, { ...(claim ? { claim } : {}), cause });
}

/**
 * Maps a jose failure onto a coded, token-free {@link InvalidTokenError}. jose's
 * own error is not kept as `cause`: claim failures carry the decoded payload.
 */
function translate(error: unknown): InvalidTokenError {
  if (error instanceof InvalidTokenError) return error;
  const e = error as { code?: string; claim?: string; reason?: string };
  switch (e.code) {
    case "ERR_JWT_EXPIRED":
      return e.claim === "iat"
        ? new InvalidTokenError("expired", "Token is older than the maximum token age", { claim: "iat" })
        : new InvalidTokenError("expired", "Token expired", { claim: "exp" });
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const claim = e.claim ?? "unknown";
      if ((claim === "nbf" || claim === "iat") && e.reason === "check_failed") {
        return new InvalidTokenError("not-yet-valid", `Token is not valid yet (${claim})`, { claim });
      }
      return new InvalidTokenError("claim", `Token claim "${claim}" is missing or invalid`, { claim });
    }
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return new InvalidTokenError("algorithm", "Token algorithm is not allowed");
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return new InvalidTokenError("signature", "Token signature is invalid");
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
    case "ERR_JWK_INVALID":
      return new InvalidTokenError("key", "No trusted key matches the token");
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
      return new InvalidTokenError("jwks-unavailable", "The key set could not be fetched; the token was refused", { cause: error });
    default:
      return new InvalidTokenError("malformed", "Token is malformed or uses an unsupported feature");
  }
}

/**
 * Creates a verifier for validated identity options. Principals it mints carry
 * `issuerKey` (by default a key of its own), so a warden can refuse principals
 * of another identity provider.
 */
export function createTokenVerifier(options: ParsedIdentityOptions, clock: Clock, issuerKey: symbol = Symbol("warden.verifier")): TokenVerifier {
  const keys: KeySource = createKeySource(options);
  const algorithms = options.algorithms ?? (keys.kind === "secret" ? ["HS256"] : [...DEFAULT_ALGORITHMS]);
  const allowed = new Set(algorithms);
  const mapping: ClaimMapping = claimMappingOf(options);
  const tolerance = options.clockTolerance ?? 0;
  const baseOptions: JWTVerifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms,
    requiredClaims: ["exp", "sub", ...(options.requiredClaims ?? [])],
    clockTolerance: tolerance,
    ...(options.maxTokenAge !== undefined ? { maxTokenAge: options.maxTokenAge } : {}),
    ...(options.typ !== undefined ? { typ: options.typ } : {}),
  };
  // A verification is never reused longer than the remote key set it used is trusted.
  const keyTrustMs = options.jwksUri !== undefined ? (options.jwksCacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS) : Infinity;
  const cache =
    options.tokenCache === false
      ? undefined
      : new VerifiedTokenCache({ ...options.tokenCache, ttlMs: Math.min(options.tokenCache?.ttlMs ?? DEFAULT_TOKEN_CACHE_TTL_MS, keyTrustMs) });

  async function verify(input: string | null | undefined): Promise<Principal> {
    if (input === undefined || input === null) fail("missing", "No token was presented");
    if (typeof input !== "string") fail("malformed", "Token must be a string");
    const token = input.trim().replace(/^bearer(\s+|$)/i, "");
    if (token.length === 0) fail("missing", "No token was presented");
    if (token.length > MAX_TOKEN_LENGTH) fail("malformed", "Token is too long");
    if (!COMPACT_JWS.test(token)) fail("malformed", "Token is not a compact JWS");
    const now = clock.now();
    const cacheKey = cache?.keyOf(token);
    const cached = cacheKey === undefined ? undefined : cache?.get(cacheKey, now);
    if (cached !== undefined) return cached;
    const { decodeProtectedHeader, jwtVerify } = loadedJose() ?? (await loadJose());
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      fail("malformed", "Token header cannot be decoded", undefined, error);
    }
    if (typeof alg !== "string" || !allowed.has(alg)) fail("algorithm", "Token algorithm is not allowed");
    if ((HMAC_ALGORITHMS as readonly string[]).includes(alg) !== (keys.kind === "secret")) {
      fail("algorithm", "Token algorithm does not match the configured key type");
    }
    let payload: JWTPayload;
    try {
      const verifyOptions = { ...baseOptions, currentDate: new Date(now) };
      const result = keys.kind === "secret" ? await jwtVerify(token, keys.secret, verifyOptions) : await jwtVerify(token, keys.getKey, verifyOptions);
      payload = result.payload;
    } catch (error) {
      throw translate(error);
    }
    const nowSeconds = Math.floor(now / 1000);
    if (typeof payload.iat === "number" && payload.iat > nowSeconds + tolerance) {
      fail("not-yet-valid", "Token is not valid yet (iat)", "iat");
    }
    if (typeof payload.sub !== "string" || payload.sub === "") fail("claim", 'Token claim "sub" is missing or invalid', "sub");
    const { scopes, roles, tenant } = readClaims(payload, mapping);
    const expiresAt = (payload.exp as number) * 1000;
    const principal = mintPrincipal(
      { sub: payload.sub, kind: principalKindOf(payload), ...(tenant !== undefined ? { tenant } : {}), scopes, roles, expiresAt, claims: payload },
      issuerKey,
    );
    if (cache !== undefined && cacheKey !== undefined) {
      // Reused only while the token would still pass: before exp (with the tolerance) and within maxTokenAge.
      const maxAgeEnd = options.maxTokenAge !== undefined && typeof payload.iat === "number" ? (payload.iat + options.maxTokenAge + tolerance) * 1000 : Infinity;
      cache.set(cacheKey, principal, now, Math.min(expiresAt + tolerance * 1000, maxAgeEnd));
    }
    return principal;
  }

  return { verify, issuerKey };
}
