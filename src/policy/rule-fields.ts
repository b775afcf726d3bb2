/**
 * Field schemas shared by policy rules: required scopes, metadata keys and
 * claim names, each validated the same way wherever a rule names one.
 *
 * @module
 */
import { z } from "zod";

/**
 * A scope a rule requires: literal, with no white space and no wildcard
 * (wildcards belong to granted scopes only).
 */
export const requiredScopeSchema = z
  .string()
  .min(1)
  .regex(/^[^\s*]+$/, "a required scope is literal: no white space and no wildcard");

/**
 * Rule of a document metadata key a policy names (`tenantKey`, `aclKey`,
 * `classificationKey`): a letter or `_`, then letters, digits, `_` or `-`, at
 * most 128 characters. Keys are flat (no paths), and never start with `$`, so
 * a key can never be read as an operator by a store's filter syntax.
 */
export const METADATA_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Names that would reach an object's prototype rather than its own data: refused as metadata keys. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** True when `key` follows {@link METADATA_KEY_PATTERN} and is not `__proto__`, `constructor` or `prototype`. */
export function isMetadataKey(key: unknown): key is string {
  return typeof key === "string" && METADATA_KEY_PATTERN.test(key) && !PROTOTYPE_KEYS.has(key);
}

/** What is wrong with a metadata key that {@link isMetadataKey} refuses. */
export const METADATA_KEY_RULE = "a metadata key starts with a letter or _, then letters, digits, _ or -, at most 128 characters, and is not __proto__, constructor or prototype";

/** A document metadata key (see {@link isMetadataKey}). */
export const metadataKeySchema = z.string().refine(isMetadataKey, { message: METADATA_KEY_RULE });

/**
 * The name of a claim of the verified token: 1 to 256 characters without
 * white space (namespaced claims such as `https://example.com/groups` fit).
 */
export const claimNameSchema = z.string().regex(/^\S{1,256}$/, "a claim name has 1 to 256 characters and no white space");
