/**
 * The rule of a retriever, `retrievers.<name>` in the policy: who may call it
 * (`scopes`) and which of the documents it returns each caller may see
 * (`documents`).
 *
 * @module
 */
import type { DocumentInterface } from "@langchain/core/documents";
import { z } from "zod";
import type { Principal } from "../identity/principal.js";
import { claimNameSchema, metadataKeySchema, requiredScopeSchema } from "./rule-fields.js";

/**
 * A document filter of the policy: `true` shows the document to the
 * principal; anything else (including a throw) withholds it.
 */
export type DocumentFilter = (document: DocumentInterface, principal: Principal) => boolean | Promise<boolean>;

/** Claim that holds the principal's groups when `groupsClaim` is left out. */
export const DEFAULT_GROUPS_CLAIM = "groups";
/** How many times `k` documents a retriever fetches when its store cannot apply every rule (`overFetch` left out). */
export const DEFAULT_OVER_FETCH = 3;
/** Largest `overFetch` accepted. */
export const MAX_OVER_FETCH = 10;

const clearanceSchema = z.strictObject({
  levels: z
    .array(z.string().min(1, "a level is a non-empty string"))
    .min(1, "name at least one level")
    .readonly()
    .refine((levels) => new Set(levels).size === levels.length, { message: "levels must be distinct" }),
  claim: claimNameSchema,
});

const documentsSchema = z
  .strictObject({
    tenantKey: metadataKeySchema.optional(),
    aclKey: metadataKeySchema.optional(),
    groupsClaim: claimNameSchema.optional(),
    classificationKey: metadataKeySchema.optional(),
    clearance: clearanceSchema.optional(),
    filter: z.custom<DocumentFilter>((value) => typeof value === "function", { message: "expected a function" }).optional(),
  })
  .superRefine((documents, context) => {
    if (documents.classificationKey !== undefined && documents.clearance === undefined) {
      context.addIssue({ code: "custom", path: ["clearance"], message: "classificationKey needs clearance: { levels, claim } to compare levels with" });
    }
    if (documents.clearance !== undefined && documents.classificationKey === undefined) {
      context.addIssue({ code: "custom", path: ["classificationKey"], message: "clearance needs classificationKey: the metadata key holding each document's level" });
    }
    if (documents.groupsClaim !== undefined && documents.aclKey === undefined) {
      context.addIssue({ code: "custom", path: ["groupsClaim"], message: "groupsClaim is read only with aclKey: name the ACL metadata key, or remove groupsClaim" });
    }
    const rules = [documents.tenantKey, documents.aclKey, documents.classificationKey, documents.filter];
    if (rules.every((rule) => rule === undefined)) {
      context.addIssue({ code: "custom", message: "documents names no rule: give tenantKey, aclKey, classificationKey or filter, or leave documents out" });
    }
  })
  .transform(
    ({ groupsClaim, ...documents }): DocumentRules => ({
      ...documents,
      ...(documents.aclKey !== undefined ? { groupsClaim: groupsClaim ?? DEFAULT_GROUPS_CLAIM } : {}),
    }),
  );

/**
 * Zod schema of a retriever rule (`retrievers.<name>`). Strict: unknown keys
 * are refused, so a misspelt rule never weakens it.
 *
 * - `scopes`: literal scopes the caller must hold.
 * - `documents`: which documents each caller may see (see {@link DocumentRules}).
 * - `untrusted`: what the retriever returns taints the thread (default `false`).
 * - `overFetch`: when the store cannot apply every document rule itself, the
 *   retriever fetches `k × overFetch` documents and keeps the first `k`
 *   permitted ones (an integer from 1 to 10, default 3).
 */
export const retrieverRuleSchema = z.strictObject({
  scopes: z.array(requiredScopeSchema).readonly(),
  documents: documentsSchema.optional(),
  untrusted: z.boolean().default(false),
  overFetch: z
    .number()
    .int("overFetch is a whole number")
    .min(1, "overFetch is at least 1")
    .max(MAX_OVER_FETCH, `overFetch is at most ${MAX_OVER_FETCH}`)
    .default(DEFAULT_OVER_FETCH),
});

/**
 * Validated document rules of a retriever. Every rule given must let a
 * document through; a document lacking the metadata a rule reads is withheld.
 */
export interface DocumentRules {
  /** Metadata key holding the document's tenant; it must equal the principal's tenant. */
  readonly tenantKey?: string;
  /**
   * Metadata key holding the document's readers: a list of typed entries
   * `user:<sub>`, `role:<role>`, `group:<group>` (see `aclEntriesFor`).
   */
  readonly aclKey?: string;
  /** Claim holding the principal's groups (a string or a list); present, defaulting to `groups`, whenever `aclKey` is. */
  readonly groupsClaim?: string;
  /** Metadata key holding the document's classification level. */
  readonly classificationKey?: string;
  /** Classification levels ordered low to high, and the claim holding the principal's clearance level. */
  readonly clearance?: { readonly levels: readonly string[]; readonly claim: string };
  /** A filter of the application's own, run after the rules above. */
  readonly filter?: DocumentFilter;
}

/** A retriever rule as written in the policy. */
export type RetrieverRuleInput = z.input<typeof retrieverRuleSchema>;
/** A validated retriever rule, defaults applied. */
export type RetrieverRule = z.output<typeof retrieverRuleSchema>;
/** Document rules as written in the policy. */
export type DocumentRulesInput = z.input<typeof documentsSchema>;
