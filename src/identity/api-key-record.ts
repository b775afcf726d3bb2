/**
 * API key records: what a store holds for each key (a digest and the
 * principal it stands for, never the key), and {@link createApiKey}, which
 * makes a key and its record.
 *
 * @module
 */
import { z } from "zod";
import { sha256Hex } from "../audit/digest.js";
import { PolicyError } from "../errors.js";
import { parseOptions } from "../validate.js";
import { API_KEY_ID_LENGTH, API_KEY_ID_PATTERN, API_KEY_SECRET_LENGTH, ENVIRONMENT_PATTERN, formatApiKey, randomBase62 } from "./api-key-format.js";

/** A stored digest: `sha256:` and 64 lower-case hex digits. */
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const grantedScope = z.string().min(1).regex(/^\S+$/, "a scope has no white space");
const epochMs = z.number().int().nonnegative();

/**
 * Zod schema of a stored record. Unknown fields are refused, so a misspelt
 * `revokedAt` can never leave a key working.
 */
export const apiKeyRecordSchema = z.strictObject({
  id: z.string().regex(API_KEY_ID_PATTERN, `expected the key's ${API_KEY_ID_LENGTH}-character lookup id`),
  hash: z.string().regex(DIGEST, "expected sha256:<64 hex digits>, the digest createApiKey() returns"),
  sub: z.string().min(1),
  tenant: z.string().min(1).optional(),
  scopes: z.array(grantedScope).default([]),
  roles: z.array(z.string().min(1)).default([]),
  createdAt: epochMs,
  expiresAt: epochMs.optional(),
  revokedAt: epochMs.optional(),
});

/**
 * What a store holds for one API key: its lookup `id`, the `hash` of the
 * whole key (`sha256:<hex>`), the principal it stands for (`sub`, `tenant`,
 * `scopes`, `roles`), `createdAt`, and optionally `expiresAt` and `revokedAt`
 * (epoch ms). A record with `revokedAt` is refused whatever the time.
 */
export type ApiKeyRecord = z.output<typeof apiKeyRecordSchema>;
/** A record as written by hand or read from a store (`scopes` and `roles` may be left out). */
export type ApiKeyRecordInput = z.input<typeof apiKeyRecordSchema>;

/** The digest a record stores for `key`: `sha256:` and the hex SHA-256 of the whole key. */
export function apiKeyDigest(key: string): string {
  return `sha256:${sha256Hex(key)}`;
}

const createOptionsSchema = z.strictObject({
  sub: z.string().min(1),
  tenant: z.string().min(1).optional(),
  scopes: z.array(grantedScope).optional(),
  roles: z.array(z.string().min(1)).optional(),
  expiresAt: z
    .union([
      epochMs,
      z.date().transform((date, context) => {
        const time = date.getTime();
        if (Number.isNaN(time)) context.addIssue({ code: "custom", message: "invalid date" });
        return time;
      }),
    ])
    .optional(),
  environment: z.string().regex(ENVIRONMENT_PATTERN, "1 to 12 lower-case letters or digits, e.g. live or test").optional(),
});

/** Options of {@link createApiKey}. */
export interface CreateApiKeyOptions {
  /** The principal's subject: the service's stable id. */
  sub: string;
  /** The tenant the service acts for. */
  tenant?: string;
  /** Scopes the key grants. */
  scopes?: readonly string[];
  /** Roles the key grants; the policy expands them into scopes. */
  roles?: readonly string[];
  /** When the key stops working: epoch ms or a Date (default: never). */
  expiresAt?: number | Date;
  /** The key's label, 1 to 12 lower-case letters or digits (default `live`). */
  environment?: string;
}

/** A new key and its record. */
export interface CreatedApiKey {
  /** The key: hand it to the service once. It is not kept anywhere and cannot be recovered. */
  readonly key: string;
  /** The record to store: it holds the key's digest, never the key. */
  readonly record: ApiKeyRecord;
}

/**
 * Creates an API key for a service and the record to store for it. The key
 * (`wdn_live_<id>_<secret><checksum>`, a 256-bit secret) is returned once;
 * only the record, which holds its SHA-256 digest, goes into the store. Bad
 * options throw `PolicyError` naming the field (`createApiKey.expiresAt`).
 */
export function createApiKey(options: CreateApiKeyOptions): CreatedApiKey {
  const parsed = parseOptions(createOptionsSchema, options, "createApiKey");
  const createdAt = Date.now();
  if (parsed.expiresAt !== undefined && parsed.expiresAt <= createdAt) {
    throw new PolicyError("createApiKey.expiresAt", "must lie in the future");
  }
  const id = randomBase62(API_KEY_ID_LENGTH);
  const key = formatApiKey({ environment: parsed.environment ?? "live", id, secret: randomBase62(API_KEY_SECRET_LENGTH) });
  const record: ApiKeyRecord = {
    id,
    hash: apiKeyDigest(key),
    sub: parsed.sub,
    ...(parsed.tenant !== undefined ? { tenant: parsed.tenant } : {}),
    scopes: [...new Set(parsed.scopes ?? [])],
    roles: [...new Set(parsed.roles ?? [])],
    createdAt,
    ...(parsed.expiresAt !== undefined ? { expiresAt: parsed.expiresAt } : {}),
  };
  return { key, record };
}
