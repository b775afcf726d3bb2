/**
 * Document rules of a retriever, compiled once: a check of each returned
 * document against the verified principal, and the same rules as a
 * {@link DocumentConstraint} a store can apply before it returns anything.
 *
 * Identity comes only from the principal (its `sub`, `tenant`, `roles` and
 * verified claims); nothing is read from the query, and a document's metadata
 * only ever says who may read it, never who the caller is.
 *
 * @module
 */
import type { DocumentInterface } from "@langchain/core/documents";
import type { Principal } from "../identity/principal.js";
import { isGraphBubbleUp } from "../langgraph-signals.js";
import type { DocumentRules } from "../policy/retriever-rule.js";
import { type DocumentConstraint, metadataOf, ownValue, UNCONSTRAINED } from "./document-constraint.js";

/**
 * What the rules say of one document:
 * - `allowed`: every rule lets it through;
 * - `withheld-rule`: a rule refuses it for this principal (another tenant, not a
 *   reader, above the principal's clearance, refused or failed by `filter`);
 * - `withheld-missing`: it lacks the metadata a rule reads (no tenant, readers
 *   that are not a list, no or an unknown classification level), so nobody sees it.
 */
export type DocumentVerdict = "allowed" | "withheld-rule" | "withheld-missing";

/**
 * The typed entries of an ACL. A document's readers (`metadata[aclKey]`) is a
 * list of such strings, compared exactly (case-sensitive):
 * `user:<sub>` names one principal, `role:<role>` every principal holding that
 * role, `group:<group>` every principal whose groups claim holds that group.
 * An entry of any other form names nobody. The type prefix keeps a user named
 * `admins` from reading what the group `admins` may read.
 */
export const ACL_ENTRY_PREFIX = Object.freeze({ user: "user:", role: "role:", group: "group:" } as const);

/** One ACL entry: `aclEntry("group", "eng")` is `"group:eng"`. */
export function aclEntry(kind: keyof typeof ACL_ENTRY_PREFIX, id: string): string {
  return ACL_ENTRY_PREFIX[kind] + id;
}

/** The groups a principal's verified claim holds: a string is one group, a list its strings, anything else none. */
export function groupsOf(principal: Principal, groupsClaim: string): string[] {
  const claims = principal.claims as Record<string, unknown>;
  const value = Object.hasOwn(claims, groupsClaim) ? claims[groupsClaim] : undefined;
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === "string" && group !== "");
  return [];
}

/** Every ACL entry that names `principal`: its `user:` entry, a `role:` entry per role, a `group:` entry per group. */
export function aclEntriesFor(principal: Principal, groupsClaim: string): string[] {
  const entries = new Set<string>([aclEntry("user", principal.sub)]);
  for (const role of principal.roles) entries.add(aclEntry("role", role));
  for (const group of groupsOf(principal, groupsClaim)) entries.add(aclEntry("group", group));
  return [...entries];
}

/** Compiled document rules (see {@link compileDocumentRules}). */
export interface CompiledDocumentRules {
  /** The verdict of the rules on one document for `principal`. Never throws for a document; a failing `filter` withholds it. */
  check(document: DocumentInterface, principal: Principal): Promise<DocumentVerdict>;
  /** The rules as a store-neutral constraint for `principal` (`filter` is not part of it). */
  pushdown(principal: Principal): DocumentConstraint;
  /** True when the constraint carries every rule (no `filter`): a store that applies it returns only permitted documents. */
  readonly fullyPushable: boolean;
}

/**
 * Compiles validated document rules (the `documents` of a retriever rule).
 * Without rules every document is allowed.
 *
 * Conventions, all failing closed:
 * - tenant: `metadata[tenantKey]` must be a non-empty string equal to
 *   `principal.tenant`; a principal without a tenant sees no document.
 * - ACL: `metadata[aclKey]` must be a list; it admits the principal when it
 *   holds one of {@link aclEntriesFor}; an empty list admits nobody.
 * - classification: `metadata[classificationKey]` must be one of the
 *   `clearance.levels`; the principal's clearance is the verified claim
 *   `clearance.claim`, which must also be one of the levels, and a document is
 *   seen when its level is at or below it. A principal without that claim, or
 *   with a level the policy does not list, has no clearance and sees no
 *   document (it is never assumed to hold the lowest level).
 * - filter: runs last, only on documents the other rules allow; only `true`
 *   allows, and a filter that throws withholds the document (`withheld-rule`).
 *   LangGraph control flow raised inside it passes through.
 */
export function compileDocumentRules(rules: DocumentRules | undefined): CompiledDocumentRules {
  if (!rules) {
    return { check: async () => "allowed", pushdown: () => UNCONSTRAINED, fullyPushable: true };
  }
  const { tenantKey, aclKey, classificationKey, clearance, filter } = rules;
  const groupsClaim = rules.groupsClaim ?? "groups";
  const rank = new Map<string, number>((clearance?.levels ?? []).map((level, index) => [level, index]));
  const entriesCache = new WeakMap<Principal, ReadonlySet<string>>();

  const tenantOf = (principal: Principal): string | undefined => (typeof principal.tenant === "string" && principal.tenant !== "" ? principal.tenant : undefined);

  const entriesOf = (principal: Principal): ReadonlySet<string> => {
    let entries = entriesCache.get(principal);
    if (!entries) entriesCache.set(principal, (entries = new Set(aclEntriesFor(principal, groupsClaim))));
    return entries;
  };

  /** The rank of the principal's clearance, or `undefined` without a known one. */
  const clearanceOf = (principal: Principal): number | undefined => {
    if (!clearance) return undefined;
    const claims = principal.claims as Record<string, unknown>;
    const level = Object.hasOwn(claims, clearance.claim) ? claims[clearance.claim] : undefined;
    return typeof level === "string" ? rank.get(level) : undefined;
  };

  async function check(document: DocumentInterface, principal: Principal): Promise<DocumentVerdict> {
    const metadata = metadataOf(document);
    if (tenantKey !== undefined) {
      const tenant = ownValue(metadata, tenantKey);
      if (typeof tenant !== "string" || tenant === "") return "withheld-missing";
      if (tenant !== tenantOf(principal)) return "withheld-rule";
    }
    if (aclKey !== undefined) {
      const readers = ownValue(metadata, aclKey);
      if (!Array.isArray(readers)) return "withheld-missing";
      const mine = entriesOf(principal);
      if (!readers.some((reader) => typeof reader === "string" && mine.has(reader))) return "withheld-rule";
    }
    if (classificationKey !== undefined) {
      const level = ownValue(metadata, classificationKey);
      const documentRank = typeof level === "string" ? rank.get(level) : undefined;
      if (documentRank === undefined) return "withheld-missing";
      const principalRank = clearanceOf(principal);
      if (principalRank === undefined || documentRank > principalRank) return "withheld-rule";
    }
    if (filter) {
      try {
        if ((await filter(document, principal)) !== true) return "withheld-rule";
      } catch (error) {
        if (isGraphBubbleUp(error)) throw error;
        return "withheld-rule";
      }
    }
    return "allowed";
  }

  function pushdown(principal: Principal): DocumentConstraint {
    let matchesNothing = false;
    const constraint: { -readonly [K in keyof DocumentConstraint]: DocumentConstraint[K] } = { matchesNothing };
    if (tenantKey !== undefined) {
      const tenant = tenantOf(principal);
      if (tenant === undefined) matchesNothing = true;
      else constraint.tenant = Object.freeze({ key: tenantKey, value: tenant });
    }
    if (aclKey !== undefined) constraint.acl = Object.freeze({ key: aclKey, anyOf: Object.freeze([...entriesOf(principal)]) });
    if (classificationKey !== undefined && clearance) {
      const principalRank = clearanceOf(principal);
      const allowed = principalRank === undefined ? [] : clearance.levels.slice(0, principalRank + 1);
      if (allowed.length === 0) matchesNothing = true;
      constraint.classification = Object.freeze({ key: classificationKey, allowed: Object.freeze(allowed) });
    }
    constraint.matchesNothing = matchesNothing;
    return Object.freeze(constraint);
  }

  return { check, pushdown, fullyPushable: filter === undefined };
}
