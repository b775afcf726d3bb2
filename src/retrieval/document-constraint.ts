/**
 * A store-neutral description of the documents one principal may see, built
 * from the policy's document rules and the verified principal only. Pushdown
 * adapters turn it into a store's own filter, so the store returns permitted
 * documents in the first place; the guard still checks every document after.
 *
 * @module
 */

/**
 * The documents a principal may see, as conditions on their metadata. Every
 * condition present must hold.
 *
 * - `tenant`: `metadata[key]` is the string `value`.
 * - `acl`: `metadata[key]` is an array holding at least one string of `anyOf`.
 * - `classification`: `metadata[key]` is one of the strings in `allowed`.
 *
 * `matchesNothing` is `true` when no document can be seen at all (a principal
 * without a tenant facing a tenant rule, a principal without a known clearance
 * facing a classification rule): the store need not be asked, and an adapter
 * must never turn such a constraint into a filter.
 */
export interface DocumentConstraint {
  /** Tenant equality. Absent when there is no tenant rule, or when `matchesNothing`. */
  readonly tenant?: { readonly key: string; readonly value: string };
  /** ACL overlap: the document's readers and `anyOf` share an entry. */
  readonly acl?: { readonly key: string; readonly anyOf: readonly string[] };
  /** Classification membership: the document's level is one of `allowed` (empty when the principal has no known clearance). */
  readonly classification?: { readonly key: string; readonly allowed: readonly string[] };
  /** No document can match: do not query the store. */
  readonly matchesNothing: boolean;
}

/** The constraint of a retriever without document rules: every document. */
export const UNCONSTRAINED: DocumentConstraint = Object.freeze({ matchesNothing: false });

/** True when `constraint` has no condition (every document matches). */
export function isUnconstrained(constraint: DocumentConstraint): boolean {
  return !constraint.matchesNothing && !constraint.tenant && !constraint.acl && !constraint.classification;
}

/** The metadata of a document as a record, or `undefined` when it is not a plain object. */
export function metadataOf(document: unknown): Record<string, unknown> | undefined {
  if (typeof document !== "object" || document === null) return undefined;
  const metadata = (document as { metadata?: unknown }).metadata;
  return typeof metadata === "object" && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : undefined;
}

/** `metadata[key]` when it is the metadata's own property, else `undefined` (`__proto__` or `constructor` never read through). */
export function ownValue(metadata: Record<string, unknown> | undefined, key: string): unknown {
  return metadata !== undefined && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
}

/**
 * Whether a document's metadata meets every condition of `constraint`. The
 * same semantics as the document rules' own checks, for stores that filter
 * with a function.
 */
export function satisfiesConstraint(constraint: DocumentConstraint, metadata: Record<string, unknown> | undefined): boolean {
  if (constraint.matchesNothing) return false;
  if (constraint.tenant) {
    const tenant = ownValue(metadata, constraint.tenant.key);
    if (typeof tenant !== "string" || tenant === "" || tenant !== constraint.tenant.value) return false;
  }
  if (constraint.acl) {
    const readers = ownValue(metadata, constraint.acl.key);
    if (!Array.isArray(readers)) return false;
    const anyOf = new Set(constraint.acl.anyOf);
    if (!readers.some((reader) => typeof reader === "string" && anyOf.has(reader))) return false;
  }
  if (constraint.classification) {
    const level = ownValue(metadata, constraint.classification.key);
    if (typeof level !== "string" || !constraint.classification.allowed.includes(level)) return false;
  }
  return true;
}
