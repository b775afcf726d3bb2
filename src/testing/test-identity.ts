import { generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { type JWK, type JWTPayload, SignJWT } from "jose";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { IdentityOptions } from "../identity/options.js";

/** Options of {@link createTestIdentity}. */
export interface TestIdentityOptions {
  /** Issuer of minted tokens (default `https://idp.test/`). */
  issuer?: string;
  /** Audience of minted tokens (default `warden-test`). */
  audience?: string;
  /** Clock for `iat`/`exp` (pass the same fake clock as the warden's). */
  clock?: Clock;
}

/** Per-token options of `issue()`. */
export interface IssueOptions {
  /**
   * Lifetime: seconds from now, or a string such as `"5m"` (default `"1h"`); negative values
   * mint expired tokens. A number above 10^9 is taken as an absolute `exp` (epoch seconds).
   */
  expiresIn?: number | string;
  /** Not-before: seconds from now or a string such as `"5m"`; a number above 10^9 is an absolute `nbf`. */
  notBefore?: number | string;
  /** Extra protected-header fields (e.g. `typ`). */
  header?: Record<string, unknown>;
}

/** A test identity provider: real keys, real signatures, in memory. */
export interface TestIdentity {
  /** Identity options for `createWarden({ identity })`: the provider's public JWKS. */
  readonly identity: IdentityOptions;
  /** The public JWKS, e.g. to serve from a test JWKS endpoint. */
  readonly jwks: { keys: JWK[] };
  /** The signing key (private), for tests that craft tokens by hand. */
  readonly privateKey: KeyObject;
  /** Key id of the signing key. */
  readonly kid: string;
  /**
   * Mints a signed ES256 token. Defaults: `sub` `"test-user"`, `iss`, `aud`,
   * `iat` now, `exp` in one hour, a fresh `jti`. Claims override defaults.
   */
  issue(claims?: JWTPayload, options?: IssueOptions): Promise<string>;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Epoch seconds above this are absolute timestamps, not offsets. */
const ABSOLUTE_THRESHOLD = 1e9;

function at(now: number, value: number | string): number {
  if (typeof value === "number" && Math.abs(value) > ABSOLUTE_THRESHOLD) return Math.floor(value);
  return now + seconds(value);
}

function seconds(value: number | string): number {
  if (typeof value === "number") return value;
  const match = /^(-?\d+)\s*([smhd])$/.exec(value.trim());
  if (!match) throw new TypeError(`invalid duration "${value}": use seconds or a string such as "5m"`);
  return Number(match[1]) * (UNITS[match[2] as string] ?? 1);
}

/** Creates a test identity provider with a fresh in-memory ES256 key. */
export function createTestIdentity(options: TestIdentityOptions = {}): TestIdentity {
  const issuer = options.issuer ?? "https://idp.test/";
  const audience = options.audience ?? "warden-test";
  const clock = options.clock ?? systemClock;
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = `test-${randomUUID()}`;
  const publicJwk = { ...(publicKey.export({ format: "jwk" }) as JWK), kid, alg: "ES256", use: "sig" };
  const jwks = { keys: [publicJwk] };
  return {
    identity: { issuer, audience, jwks },
    jwks,
    privateKey,
    kid,
    async issue(claims = {}, issueOptions = {}) {
      const now = Math.floor(clock.now() / 1000);
      const payload: JWTPayload = {
        sub: "test-user",
        iss: issuer,
        aud: audience,
        iat: now,
        exp: at(now, issueOptions.expiresIn ?? "1h"),
        jti: randomUUID(),
        ...(issueOptions.notBefore !== undefined ? { nbf: at(now, issueOptions.notBefore) } : {}),
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader({ ...issueOptions.header, alg: "ES256", kid }).sign(privateKey);
    },
  };
}
