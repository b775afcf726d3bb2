/**
 * The warden's identity layer: one entry point for every kind of credential.
 * A credential is routed by its form: an API key (`wdn_…`) to the key store,
 * a compact JWS to JWT verification, anything else to introspection. Every
 * source mints principals with the same key, so the warden trusts them all
 * and nothing else.
 *
 * @module
 */
import type { Clock } from "../clock.js";
import { InvalidTokenError } from "../errors.js";
import { API_KEY_PREFIX } from "./api-key-format.js";
import { memoryApiKeyStore } from "./api-key-stores.js";
import { type ApiKeyVerifier, createApiKeyVerifier } from "./api-keys.js";
import { claimMappingOf } from "./claims.js";
import { createIntrospectionVerifier, type IntrospectionVerifier } from "./introspection.js";
import type { ParsedIdentityOptions } from "./options.js";
import { COMPACT_JWS, createTokenVerifier, MAX_TOKEN_LENGTH, type TokenVerifier } from "./verifier.js";

/** Which source a credential goes to. */
export type CredentialSource = "jwt" | "api-key" | "introspection";

/** Verifies any configured kind of credential. @internal */
export interface Authenticator extends TokenVerifier {
  /** The source `token` would be verified by, or `undefined` when no configured source takes it. */
  sourceOf(token: unknown): CredentialSource | undefined;
}

/** The form of a bearer token (RFC 6750 §2.1 `b64token`): what is ever sent to an introspection endpoint. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The credential without white space around it and without a `Bearer` scheme. */
function strip(token: string): string {
  return token.trim().replace(/^bearer(\s+|$)/i, "");
}

/**
 * Creates the identity layer of validated options: JWT verification when a
 * key source is configured, API keys with `apiKeys`, introspection with
 * `introspection`.
 */
export function createAuthenticator(options: ParsedIdentityOptions, clock: Clock): Authenticator {
  const issuerKey = Symbol("warden.identity");
  const hasJwt = options.jwksUri !== undefined || options.jwks !== undefined || options.publicKey !== undefined || options.secret !== undefined;
  const jwt = hasJwt ? createTokenVerifier(options, clock, issuerKey) : undefined;
  let apiKeys: ApiKeyVerifier | undefined;
  if (options.apiKeys !== undefined) {
    const { records, store, lookupTimeoutMs, refusalCache } = options.apiKeys;
    apiKeys = createApiKeyVerifier({ store: store ?? memoryApiKeyStore(records), lookupTimeoutMs, refusalCache }, clock, issuerKey);
  }
  let introspection: IntrospectionVerifier | undefined;
  if (options.introspection !== undefined) {
    const { audience, ...rest } = options.introspection;
    introspection = createIntrospectionVerifier(
      { ...rest, audience: audience === false ? false : typeof audience === "string" ? [audience] : audience },
      claimMappingOf(options),
      options.clockTolerance ?? 0,
      clock,
      issuerKey,
    );
  }

  function route(token: string): CredentialSource | undefined {
    if (token.startsWith(API_KEY_PREFIX)) return apiKeys ? "api-key" : undefined;
    if (jwt !== undefined && COMPACT_JWS.test(token)) return "jwt";
    if (introspection !== undefined) return "introspection";
    // Only JWTs are accepted: the JWT verifier says what is wrong with this one.
    return jwt !== undefined ? "jwt" : undefined;
  }

  return {
    issuerKey,
    sourceOf(token) {
      return typeof token === "string" && strip(token) !== "" ? route(strip(token)) : undefined;
    },
    async verify(input) {
      if (input === undefined || input === null) throw new InvalidTokenError("missing", "No token was presented");
      if (typeof input !== "string") throw new InvalidTokenError("malformed", "Token must be a string");
      const token = strip(input);
      if (token.length === 0) throw new InvalidTokenError("missing", "No token was presented");
      if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError("malformed", "Token is too long");
      switch (route(token)) {
        case "api-key":
          return apiKeys!.verify(token);
        case "jwt":
          return jwt!.verify(token);
        case "introspection":
          // White space, quotes or control characters are no token: never sent on to the endpoint.
          if (!B64TOKEN.test(token)) throw new InvalidTokenError("malformed", "Token is not a bearer token (RFC 6750 b64token)");
          return introspection!.verify(token);
        default:
          throw new InvalidTokenError(
            "unsupported",
            token.startsWith(API_KEY_PREFIX)
              ? "API keys are not accepted here (no identity.apiKeys)"
              : "This kind of credential is not accepted here (no identity source takes it)",
          );
      }
    },
  };
}
