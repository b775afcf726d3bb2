/**
 * One guarded retrieval, minus the guard's shared stages (principal,
 * decision, audit, masking): fetch with the principal's constraint pushed down
 * where the store can take it, check every document against the rules, keep
 * the first `k` permitted ones, and count what was withheld and why.
 *
 * @module
 */
import type { DocumentInterface } from "@langchain/core/documents";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Principal } from "../identity/principal.js";
import type { CompiledDocumentRules } from "./document-rules.js";
import type { Pushdown, PushdownKind } from "./pushdown.js";

/** Input of {@link retrievePermitted}. */
export interface PermittedRetrievalInput {
  /** The query, passed to the retriever as it is (never read for identity). */
  readonly query: string;
  /** The verified caller. */
  readonly principal: Principal;
  /** The retriever rule's compiled document rules. */
  readonly rules: CompiledDocumentRules;
  /** The wrapped retriever's pushdown. */
  readonly pushdown: Pushdown;
  /** The rule's `overFetch` factor. */
  readonly overFetch: number;
  /** The run config to call the retriever with (callbacks, signal…). */
  readonly config?: RunnableConfig;
}

/** What a retrieval returned and withheld: counts only, never document contents. */
export interface PermittedRetrieval {
  /** The permitted documents, in the retriever's order, at most the retriever's own `k` when known. */
  readonly documents: DocumentInterface[];
  /** How many documents the store returned. */
  readonly fetched: number;
  /** How many were withheld: refused by a rule, or lacking the metadata a rule reads. */
  readonly withheld: { readonly rule: number; readonly missing: number };
  /** How the constraint reached the store for this request. */
  readonly pushdown: PushdownKind;
  /** True when the store was not asked at all (the principal can see no document). */
  readonly skipped: boolean;
}

/**
 * Fetches the documents `principal` may see. Every fetched document is checked
 * by the rules, whatever the store was told; a document the rules withhold
 * never reaches the result. A retriever that returns anything but a list is
 * an error.
 */
export async function retrievePermitted(input: PermittedRetrievalInput): Promise<PermittedRetrieval> {
  const { principal, rules, pushdown } = input;
  const constraint = rules.pushdown(principal);
  const plan = pushdown.plan(constraint, { overFetch: input.overFetch, residual: !rules.fullyPushable });
  if (!plan.retriever) {
    return { documents: [], fetched: 0, withheld: { rule: 0, missing: 0 }, pushdown: plan.kind, skipped: true };
  }
  const fetched: unknown = await plan.retriever.invoke(input.query, input.config);
  if (!Array.isArray(fetched)) throw new TypeError("the retriever returned something other than a list of documents");
  const documents = fetched as DocumentInterface[];
  const verdicts = await Promise.all(documents.map((document) => rules.check(document, principal)));
  const permitted: DocumentInterface[] = [];
  let rule = 0;
  let missing = 0;
  verdicts.forEach((verdict, index) => {
    if (verdict === "allowed") permitted.push(documents[index] as DocumentInterface);
    else if (verdict === "withheld-missing") missing += 1;
    else rule += 1;
  });
  const limit = pushdown.k;
  return {
    documents: limit === undefined ? permitted : permitted.slice(0, limit),
    fetched: documents.length,
    withheld: { rule, missing },
    pushdown: plan.kind,
    skipped: false,
  };
}
