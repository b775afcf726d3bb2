/**
 * Pushdown: the store itself applies a principal's {@link DocumentConstraint},
 * so a search for `k` documents returns `k` permitted ones instead of `k`
 * documents of which the guard then withholds most. Where a store cannot
 * apply (all of) the constraint, the retriever fetches `k × overFetch`
 * documents and the guard keeps the first `k` permitted ones. The guard checks
 * every document either way: pushdown only spares results, it never decides.
 *
 * @module
 */
import type { DocumentInterface } from "@langchain/core/documents";
import type { BaseRetrieverInterface } from "@langchain/core/retrievers";
import { type VectorStoreInterface, VectorStoreRetriever } from "@langchain/core/vectorstores";
import { PolicyError } from "../errors.js";
import { MAX_OVER_FETCH } from "../policy/retriever-rule.js";
import { type DocumentConstraint, isUnconstrained, metadataOf, satisfiesConstraint } from "./document-constraint.js";

/**
 * How a retriever applies a constraint:
 * - `constraint`: it takes a {@link DocumentConstraint} itself ({@link ConstraintRetriever}, e.g. `postgresRetriever`);
 * - `function`: its vector store filters with a predicate over documents (LangChain's `MemoryVectorStore`);
 * - `metadata`: its vector store takes a metadata filter object;
 * - `none`: it cannot; documents are only checked after they are fetched.
 */
export type PushdownKind = "constraint" | "function" | "metadata" | "none";

/**
 * A retriever that applies a {@link DocumentConstraint} itself: it returns at
 * most `k` documents, and `withDocumentConstraint` gives a retriever that
 * returns at most `k` documents meeting the constraint.
 */
export interface ConstraintRetriever extends BaseRetrieverInterface {
  /** How many documents one call returns at most. */
  readonly k: number;
  /** A retriever returning at most `k` documents that meet `constraint`. Never called with a constraint that matches nothing. */
  withDocumentConstraint(constraint: DocumentConstraint, k: number): BaseRetrieverInterface;
}

/** True when `value` implements {@link ConstraintRetriever}. */
export function isConstraintRetriever(value: unknown): value is ConstraintRetriever {
  const candidate = value as Partial<ConstraintRetriever> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.withDocumentConstraint === "function" &&
    typeof candidate.invoke === "function" &&
    Number.isInteger(candidate.k) &&
    (candidate.k as number) > 0
  );
}

/**
 * Turns a constraint into a vector store's own filter syntax, combined with the
 * filter the retriever already carries (`ownFilter`, `undefined` when none).
 * It must express every condition it is given: the guard's own check still
 * withholds what a loose filter lets through, but the caller then gets fewer
 * than `k` documents. Never called with a constraint that matches nothing.
 */
export type MetadataFilterTranslator = (constraint: DocumentConstraint, ownFilter: unknown) => unknown;

/** Options of {@link pushdownFor}. */
export interface PushdownOptions {
  /**
   * How the retriever's vector store takes a filter, when Warden cannot tell
   * by itself (it recognises a `MemoryVectorStore`, type `memory`, on its own):
   * - `"function"`: a predicate over documents (e.g. HNSWLib);
   * - `"equality"`: a plain object whose keys must all equal their values
   *   (`{ tenant: "t1" }`: Pinecone, PGVector, Supabase…); it carries the
   *   tenant condition only, the rest is checked after an over-fetch;
   * - a {@link MetadataFilterTranslator} for any other syntax (Chroma's
   *   `$and`/`$in`, Qdrant's `must`…).
   */
  filter?: "function" | "equality" | MetadataFilterTranslator;
}

/** How to fetch one request's documents. */
export interface FetchPlan {
  /** How the constraint reaches the store for this request. */
  readonly kind: PushdownKind;
  /** The retriever to call, or `undefined` when the constraint matches nothing (no call is needed). */
  readonly retriever: BaseRetrieverInterface | undefined;
  /** How many documents it fetches, when Warden controls it. */
  readonly fetchK: number | undefined;
  /** True when the store applies the whole constraint. */
  readonly complete: boolean;
}

/** The pushdown of one retriever (see {@link pushdownFor}). */
export interface Pushdown {
  /** How the retriever applies a constraint. */
  readonly kind: PushdownKind;
  /** How many documents the retriever returns by itself, when known: the guard returns at most that many. */
  readonly k: number | undefined;
  /**
   * The fetch for one request: `constraint` is the principal's; `residual` is
   * true when rules the constraint does not carry (a `filter` function) still
   * withhold documents; `overFetch` multiplies `k` whenever the store cannot
   * apply everything.
   */
  plan(constraint: DocumentConstraint, options: { overFetch: number; residual: boolean }): FetchPlan;
}

/** Most documents one guarded request fetches when it over-fetches (never fewer than the retriever's own `k`). */
export const MAX_FETCH = 1_000;

/** How many documents to fetch so that `k` permitted ones likely remain: `k × overFetch`, at most {@link MAX_FETCH} (or `k` when larger). */
export function overFetchCount(k: number, overFetch: number): number {
  if (!Number.isInteger(overFetch) || overFetch < 1 || overFetch > MAX_OVER_FETCH) {
    throw new PolicyError("overFetch", `must be a whole number from 1 to ${MAX_OVER_FETCH}`);
  }
  return Math.min(k * overFetch, Math.max(k, MAX_FETCH));
}

/**
 * A filter function for a vector store that filters with a predicate (LangChain's
 * `MemoryVectorStore`, `filter` of `similaritySearch` or of its retriever). It
 * admits a document only when its metadata meets every condition; for a
 * constraint that matches nothing it admits none.
 */
export function memoryFilterFor(constraint: DocumentConstraint): (document: DocumentInterface) => boolean {
  return (document) => satisfiesConstraint(constraint, metadataOf(document));
}

/**
 * The equality form of a constraint, for stores whose filter object requires
 * each key to equal its value: `{ [tenantKey]: tenant }`. Only the tenant
 * condition has that form, so `complete` is false when the constraint also
 * holds an ACL or classification condition. `undefined` when the constraint
 * matches nothing (no filter object can say so).
 */
export function metadataEqualityFilter(constraint: DocumentConstraint): { filter: Record<string, string>; complete: boolean } | undefined {
  if (constraint.matchesNothing) return undefined;
  const filter: Record<string, string> = {};
  if (constraint.tenant) {
    Object.defineProperty(filter, constraint.tenant.key, { value: constraint.tenant.value, enumerable: true, writable: true, configurable: true });
  }
  return { filter, complete: !constraint.acl && !constraint.classification };
}

/** A plain object of key equalities, with no operator key (`$…`), that another equality can be merged into. */
function isPlainEqualityFilter(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.keys(value).every((key) => !key.startsWith("$"));
}

/** Merges two equality filters; `undefined` when they cannot be merged (the same key with a different or non-string value). */
function mergeEqualities(own: Record<string, unknown> | undefined, ours: Record<string, string>): Record<string, unknown> | undefined {
  const merged: Record<string, unknown> = { ...own };
  for (const [key, value] of Object.entries(ours)) {
    if (own !== undefined && Object.hasOwn(own, key) && own[key] !== value) return undefined;
    Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

type AnyVectorStoreRetriever = VectorStoreRetriever<VectorStoreInterface>;

/** A `VectorStoreRetriever` whose search Warden can repeat with its own `k` and filter (not a subclass with its own search). */
function isRebuildable(retriever: unknown): retriever is AnyVectorStoreRetriever {
  return retriever instanceof VectorStoreRetriever && (retriever as AnyVectorStoreRetriever)._getRelevantDocuments === VectorStoreRetriever.prototype._getRelevantDocuments;
}

/** A copy of `retriever` searching for `k` documents with `filter` in place of its own. */
function rebuild(retriever: AnyVectorStoreRetriever, k: number, filter: unknown): BaseRetrieverInterface {
  const base = { callbacks: retriever.callbacks, tags: retriever.tags, metadata: retriever.metadata, verbose: retriever.verbose };
  const fields =
    retriever.searchType === "mmr"
      ? {
          ...base,
          vectorStore: retriever.vectorStore,
          k,
          filter,
          searchType: "mmr" as const,
          searchKwargs: { ...retriever.searchKwargs, fetchK: Math.max(retriever.searchKwargs?.fetchK ?? 20, k) },
        }
      : { ...base, vectorStore: retriever.vectorStore, k, filter, searchType: "similarity" as const };
  return new VectorStoreRetriever(fields as ConstructorParameters<typeof VectorStoreRetriever<VectorStoreInterface>>[0]);
}

/** The filter style of a vector store retriever: the option, else what its store type tells. */
function filterStyleOf(retriever: AnyVectorStoreRetriever, option: PushdownOptions["filter"]): PushdownOptions["filter"] {
  if (option !== undefined) return option;
  const type = typeof retriever.vectorStore._vectorstoreType === "function" ? retriever.vectorStore._vectorstoreType() : undefined;
  return type === "memory" ? "function" : undefined;
}

const NOTHING = (kind: PushdownKind): FetchPlan => ({ kind, retriever: undefined, fetchK: 0, complete: true });

/**
 * Recognises how `retriever` can apply a constraint:
 * - a {@link ConstraintRetriever} (`postgresRetriever`) takes it as it is;
 * - a `VectorStoreRetriever` over a `MemoryVectorStore` (or any store declared
 *   `filter: "function"`) gets a predicate, combined with its own filter;
 * - a `VectorStoreRetriever` declared `filter: "equality"` or given a
 *   translator gets a metadata filter object;
 * - any other `VectorStoreRetriever` keeps its own filter and over-fetches;
 * - any other retriever is called as it is, and its documents checked after.
 *
 * The wrapped retriever is never changed: a plan calls a copy of it.
 */
export function pushdownFor(retriever: BaseRetrieverInterface, options: PushdownOptions = {}): Pushdown {
  if (isConstraintRetriever(retriever)) {
    const { k } = retriever;
    return {
      kind: "constraint",
      k,
      plan(constraint, { overFetch, residual }) {
        if (constraint.matchesNothing) return NOTHING("constraint");
        const fetchK = residual ? overFetchCount(k, overFetch) : k;
        return { kind: "constraint", retriever: retriever.withDocumentConstraint(constraint, fetchK), fetchK, complete: true };
      },
    };
  }

  if (!isRebuildable(retriever)) {
    return {
      kind: "none",
      k: undefined,
      plan(constraint) {
        if (constraint.matchesNothing) return NOTHING("none");
        return { kind: "none", retriever, fetchK: undefined, complete: isUnconstrained(constraint) };
      },
    };
  }

  const { k } = retriever;
  const own: unknown = retriever.filter;
  const style = filterStyleOf(retriever, options.filter);
  /** The plan when the store is given no filter of ours: its own filter, over-fetching when anything is left to check. */
  const unfiltered = (constraint: DocumentConstraint, overFetch: number, residual: boolean): FetchPlan => {
    if (constraint.matchesNothing) return NOTHING("none");
    const complete = isUnconstrained(constraint);
    if (complete && !residual) return { kind: "none", retriever, fetchK: k, complete };
    const fetchK = overFetchCount(k, overFetch);
    return { kind: "none", retriever: rebuild(retriever, fetchK, own), fetchK, complete };
  };

  if (style === "function" && (own === undefined || typeof own === "function")) {
    const ownPredicate = own as ((document: DocumentInterface) => boolean) | undefined;
    return {
      kind: "function",
      k,
      plan(constraint, { overFetch, residual }) {
        if (constraint.matchesNothing) return NOTHING("function");
        const ours = memoryFilterFor(constraint);
        const filter = ownPredicate ? (document: DocumentInterface) => ours(document) && ownPredicate(document) : ours;
        const fetchK = residual ? overFetchCount(k, overFetch) : k;
        return { kind: "function", retriever: rebuild(retriever, fetchK, filter), fetchK, complete: true };
      },
    };
  }

  if (typeof style === "function") {
    const translate = style;
    return {
      kind: "metadata",
      k,
      plan(constraint, { overFetch, residual }) {
        if (constraint.matchesNothing) return NOTHING("metadata");
        const fetchK = residual ? overFetchCount(k, overFetch) : k;
        return { kind: "metadata", retriever: rebuild(retriever, fetchK, translate(constraint, own)), fetchK, complete: true };
      },
    };
  }

  if (style === "equality" && (own === undefined || isPlainEqualityFilter(own))) {
    const ownEqualities = own as Record<string, unknown> | undefined;
    return {
      kind: "metadata",
      k,
      plan(constraint, { overFetch, residual }) {
        const equality = metadataEqualityFilter(constraint);
        if (!equality) return NOTHING("metadata");
        const filter = mergeEqualities(ownEqualities, equality.filter);
        if (!filter) return unfiltered(constraint, overFetch, residual);
        const fetchK = residual || !equality.complete ? overFetchCount(k, overFetch) : k;
        return { kind: "metadata", retriever: rebuild(retriever, fetchK, filter), fetchK, complete: equality.complete };
      },
    };
  }

  return { kind: "none", k, plan: (constraint, { overFetch, residual }) => unfiltered(constraint, overFetch, residual) };
}
