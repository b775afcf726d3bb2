import type { JWK } from "jose";
import { z } from "zod";

/** Asymmetric JWS algorithms accepted by default. */
export const DEFAULT_ALGORITHMS = [
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
] as const;

/** HMAC algorithms, allowed only with an explicit `secret`. */
export const HMAC_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;

const SUPPORTED = new Set<string>([...DEFAULT_ALGORITHMS, ...HMAC_ALGORITHMS]);
const MIN_SECRET_BYTES = 32;

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** A duration in seconds, or a string such as `"30s"`, `"5m"`, `"1h"`, `"1d"`; parsed to seconds. */
const duration = z.union([
  z.number().nonnegative(),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*[smhd]$/, 'expected seconds or a string such as "30s", "5m", "1h"')
    .transform((v) => Number.parseFloat(v) * (UNIT_SECONDS[v.trim().slice(-1)] ?? 1)),
]);
const jwk = z.custom<JWK>((v) => typeof v === "object" && v !== null && typeof (v as JWK).kty === "string", {
  message: "expected a JWK",
});

/** Zod schema of {@link IdentityOptions}. */
export const identityOptionsSchema = z
  .strictObject({
    issuer: stringOrList,
    audience: stringOrList,
    jwksUri: z.string().url().optional(),
    jwks: z.strictObject({ keys: z.array(jwk).min(1) }).optional(),
    publicKey: z.union([z.string().min(1), jwk, z.custom<object>((v) => typeof v === "object" && v !== null)]).optional(),
    secret: z.union([z.string(), z.instanceof(Uint8Array)]).optional(),
    algorithms: z.array(z.string()).min(1).optional(),
    clockTolerance: duration.optional(),
    maxTokenAge: duration.optional(),
    requiredClaims: z.array(z.string().min(1)).optional(),
    typ: z.string().min(1).optional(),
    jwksTimeoutMs: z.number().int().positive().optional(),
    jwksCooldownMs: z.number().int().nonnegative().optional(),
    jwksCacheMaxAgeMs: z.number().int().positive().optional(),
    tokenCache: z
      .union([
        z.literal(false),
        z.strictObject({ maxEntries: z.number().int().nonnegative().optional(), ttlMs: z.number().int().positive().optional() }),
      ])
      .optional(),
    claims: z
      .strictObject({
        scopes: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        tenant: z.string().min(1).optional(),
        roles: z.string().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((o, ctx) => {
    const sources = (["jwksUri", "jwks", "publicKey", "secret"] as const).filter((k) => o[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({ code: "custom", path: [], message: "exactly one key source is required: jwksUri, jwks, publicKey or secret" });
      return;
    }
    const hmac = o.secret !== undefined;
    if (hmac) {
      const bytes = typeof o.secret === "string" ? new TextEncoder().encode(o.secret).length : (o.secret as Uint8Array).length;
      if (bytes < MIN_SECRET_BYTES) {
        ctx.addIssue({ code: "custom", path: ["secret"], message: `an HMAC secret must be at least ${MIN_SECRET_BYTES} bytes` });
      }
    }
    for (const [i, alg] of (o.algorithms ?? []).entries()) {
      if (!SUPPORTED.has(alg)) {
        ctx.addIssue({ code: "custom", path: ["algorithms", i], message: `unsupported algorithm "${alg}"` });
      } else if (hmac !== alg.startsWith("HS")) {
        ctx.addIssue({
          code: "custom",
          path: ["algorithms", i],
          message: hmac ? "only HMAC algorithms can be used with a secret" : "HMAC algorithms require an explicit secret",
        });
      }
    }
  });

/**
 * How bearer tokens are verified. Exactly one key source: `jwksUri` (remote JWKS,
 * cached, with cooldown and timeout), `jwks` (a local key set), `publicKey`
 * (a JWK or SPKI PEM) or `secret` (HMAC; only then are HS* algorithms allowed).
 */
export type IdentityOptions = z.input<typeof identityOptionsSchema>;
/** Identity options after validation. @internal */
export type ParsedIdentityOptions = z.output<typeof identityOptionsSchema>;
