import type { JWK } from "jose";
import { z } from "zod";
import { apiKeyRecordSchema } from "./api-key-record.js";
import type { ApiKeyStore } from "./api-key-stores.js";
import { DEFAULT_KEY_LOOKUP_TIMEOUT_MS, DEFAULT_REFUSAL_CACHE_ENTRIES, DEFAULT_REFUSAL_CACHE_TTL_MS } from "./api-keys.js";
import { DEFAULT_INTROSPECTION_MAX_TTL_MS, DEFAULT_INTROSPECTION_REFUSAL_TTL_MS, DEFAULT_INTROSPECTION_TIMEOUT_MS } from "./introspection.js";

/** Asymmetric JWS algorithms accepted by default. */
export const DEFAULT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"] as const;

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

/** Hosts to which an introspection endpoint may be called over plain HTTP. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Zod schema of `identity.apiKeys`. */
const apiKeysSchema = z
  .strictObject({
    records: z.array(apiKeyRecordSchema).optional(),
    store: z.custom<ApiKeyStore>((v) => typeof (v as ApiKeyStore | undefined)?.get === "function", { message: "expected a store with get(id)" }).optional(),
    lookupTimeoutMs: z.number().int().positive().default(DEFAULT_KEY_LOOKUP_TIMEOUT_MS),
    refusalCache: z
      .strictObject({
        maxEntries: z.number().int().nonnegative().default(DEFAULT_REFUSAL_CACHE_ENTRIES),
        ttlMs: z.number().int().positive().default(DEFAULT_REFUSAL_CACHE_TTL_MS),
      })
      .default({ maxEntries: DEFAULT_REFUSAL_CACHE_ENTRIES, ttlMs: DEFAULT_REFUSAL_CACHE_TTL_MS }),
  })
  .superRefine((o, ctx) => {
    if ((o.records === undefined) === (o.store === undefined)) {
      ctx.addIssue({ code: "custom", path: [], message: "give exactly one of records (a list) and store (memoryApiKeyStore(), redisApiKeyStore(), …)" });
      return;
    }
    const seen = new Set<string>();
    for (const [i, record] of (o.records ?? []).entries()) {
      if (seen.has(record.id)) ctx.addIssue({ code: "custom", path: ["records", i, "id"], message: "another record has this id" });
      seen.add(record.id);
    }
  });

/** Zod schema of `identity.introspection`. */
const introspectionSchema = z.strictObject({
  endpoint: z
    .string()
    .url()
    .refine(
      (v) => {
        if (!URL.canParse(v)) return true; // reported by url()
        const url = new URL(v);
        return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
      },
      { message: "the endpoint must use https (plain http only on 127.0.0.1, ::1 or localhost): the client secret and the tokens travel in the request" },
    ),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  audience: z.union([stringOrList, z.literal(false)], {
    message: "name the audience an introspected token must carry in aud (this API's identifier), or false when the endpoint answers only for this API",
  }),
  issuer: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().max(60_000).default(DEFAULT_INTROSPECTION_TIMEOUT_MS),
  cache: z
    .union([
      z.literal(false),
      z.strictObject({
        maxEntries: z.number().int().nonnegative().default(1000),
        maxTtlMs: z.number().int().positive().default(DEFAULT_INTROSPECTION_MAX_TTL_MS),
        refusalTtlMs: z.number().int().positive().default(DEFAULT_INTROSPECTION_REFUSAL_TTL_MS),
      }),
    ])
    .default({ maxEntries: 1000, maxTtlMs: DEFAULT_INTROSPECTION_MAX_TTL_MS, refusalTtlMs: DEFAULT_INTROSPECTION_REFUSAL_TTL_MS }),
});

/** Options that only JWT verification reads. */
const JWT_ONLY = ["algorithms", "maxTokenAge", "requiredClaims", "typ", "jwksTimeoutMs", "jwksCooldownMs", "jwksCacheMaxAgeMs", "tokenCache"] as const;
/** The key sources of JWT verification. */
const KEY_SOURCES = ["jwksUri", "jwks", "publicKey", "secret"] as const;

/** Zod schema of {@link IdentityOptions}. */
export const identityOptionsSchema = z
  .strictObject({
    issuer: stringOrList.optional(),
    audience: stringOrList.optional(),
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
    tokenCache: z.union([z.literal(false), z.strictObject({ maxEntries: z.number().int().nonnegative().optional(), ttlMs: z.number().int().positive().optional() })]).optional(),
    claims: z
      .strictObject({
        scopes: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
        tenant: z.string().min(1).optional(),
        roles: z.string().min(1).optional(),
      })
      .optional(),
    apiKeys: apiKeysSchema.optional(),
    introspection: introspectionSchema.optional(),
  })
  .superRefine((o, ctx) => {
    const sources = KEY_SOURCES.filter((k) => o[k] !== undefined);
    const jwt = sources.length > 0 || o.issuer !== undefined || o.audience !== undefined;
    if (!jwt) {
      if (o.apiKeys === undefined && o.introspection === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [],
          message: "no identity source: configure JWT verification (issuer, audience and one key source), apiKeys, or introspection",
        });
        return;
      }
      for (const key of JWT_ONLY) {
        if (o[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "has no effect without JWT verification (issuer, audience and one key source)" });
      }
      for (const key of ["claims", "clockTolerance"] as const) {
        if (o[key] !== undefined && o.introspection === undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: "has no effect without JWT verification or introspection" });
        }
      }
      return;
    }
    if (o.issuer === undefined) ctx.addIssue({ code: "custom", path: ["issuer"], message: "JWT verification needs the expected issuer" });
    if (o.audience === undefined) ctx.addIssue({ code: "custom", path: ["audience"], message: "JWT verification needs the expected audience" });
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
 * Where callers' identities come from; any combination of three sources, at
 * least one:
 *
 * - JWT verification: `issuer`, `audience` and exactly one key source:
 *   `jwksUri` (remote JWKS, cached, with cooldown and timeout), `jwks` (a local
 *   key set), `publicKey` (a JWK or SPKI PEM) or `secret` (HMAC; only then are
 *   HS* algorithms allowed);
 * - `apiKeys`: service API keys (`wdn_…`), looked up in `records` or a `store`;
 * - `introspection`: opaque access tokens read through an RFC 7662 endpoint.
 *
 * `authenticate()` tells them apart by the credential's form. A warden with
 * no source is refused with `PolicyError` (`identity`).
 */
export type IdentityOptions = z.input<typeof identityOptionsSchema>;
/** `identity.apiKeys`: records or a store, and the lookup's timeout and refusal cache. */
export type ApiKeyOptions = z.input<typeof apiKeysSchema>;
/** `identity.introspection`: an RFC 7662 endpoint, client credentials, the expected audience, timeout and cache. */
export type IntrospectionOptions = z.input<typeof introspectionSchema>;
/** Identity options after validation. @internal */
export type ParsedIdentityOptions = z.output<typeof identityOptionsSchema>;
