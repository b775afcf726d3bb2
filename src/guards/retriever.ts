import { randomUUID } from "node:crypto";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseRetriever, type BaseRetrieverInterface } from "@langchain/core/retrievers";
import { ensureConfig, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { auditRun } from "../audit/event.js";
import { errorCode } from "../audit/tool-lifecycle.js";
import { AccessDeniedError } from "../errors.js";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";
import { decideRetriever, ruleOf } from "../policy/decision.js";
import type { RetrieverRule } from "../policy/retriever-rule.js";
import { type CompiledDocumentRules, compileDocumentRules } from "../retrieval/document-rules.js";
import { type PermittedRetrieval, retrievePermitted } from "../retrieval/permitted.js";
import { type Pushdown, type PushdownOptions, pushdownFor } from "../retrieval/pushdown.js";
import { PRINCIPAL_KEY, parentRunOf, principalSlot } from "../run-config.js";
import { type EventContext, GuardPipeline, withoutHandler } from "./pipeline.js";
import type { GuardRuntime } from "./runtime.js";
import { type StandaloneGuardOptions, standaloneRuntime } from "./standalone.js";

/** Per-guard options of a retriever guard. */
export interface RetrieverGuardOptions {
  /**
   * How the wrapped retriever's vector store takes a metadata filter, when
   * Warden cannot tell by itself (it recognises LangChain's in-memory store
   * and `postgresRetriever` on its own): `"function"`, `"equality"`, or a
   * translator of the document constraint into the store's own filter syntax.
   */
  filter?: PushdownOptions["filter"];
}

/** What a retrieval returned, as `retriever.end` records it: counts and keyed digests of document ids, never content. */
interface RetrievalRecord {
  documents: readonly DocumentInterface[];
  permitted: PermittedRetrieval;
}

/** The id of a document, when it has one (`id`, or a string or number `metadata.id`). */
function documentId(document: DocumentInterface): string | undefined {
  if (typeof document.id === "string" && document.id !== "") return document.id;
  const id = (document.metadata as Record<string, unknown> | undefined)?.id;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

/** Masks documents as the caller will see them: content and metadata (keys and numbers too), in one pass over all of them; ids kept. */
function maskDocuments(masker: Masker, documents: DocumentInterface[], options: MaskCallOptions): { output: DocumentInterface[]; findings: readonly { type: string }[] } {
  const { value, findings } = masker.maskDeep(
    documents.map((document) => ({ pageContent: document.pageContent, metadata: document.metadata ?? {} })),
    options,
  );
  const output = value.map(
    (masked, index) => new Document({ pageContent: masked.pageContent, metadata: masked.metadata, ...(documents[index]!.id !== undefined ? { id: documents[index]!.id } : {}) }),
  );
  return { output, findings };
}

/**
 * A LangChain retriever behind Warden, usable wherever the wrapped one is
 * (`invoke`, `batch`, chains, `createRetrieverTool` in an agent). Each call
 * needs the run's verified principal and a `policy.retrievers[name]` rule
 * (deny by default) whose scopes it holds. The rule's document rules (tenant,
 * ACL, classification, filter) are pushed down to the store where it can take
 * them, and always checked on every document returned; documents are masked
 * (content and metadata) before they leave. An `untrusted` retriever taints
 * the thread when it returns anything. Recorded as `access.*` and
 * `retriever.end` (counts and keyed digests of document ids).
 */
export class GuardedRetriever extends BaseRetriever {
  static override lc_name(): string {
    return "GuardedRetriever";
  }

  lc_namespace = ["langchain_warden", "retrievers"];

  /** The retriever's name in `policy.retrievers`. */
  readonly retrieverName: string;
  /** The wrapped retriever. */
  readonly inner: BaseRetrieverInterface;
  private readonly runtime: GuardRuntime;
  private readonly pipeline: GuardPipeline;
  private readonly rules: CompiledDocumentRules;
  private readonly rule: RetrieverRule | undefined;
  private readonly pushdown: Pushdown;

  /**
   * @param inner - the retriever to guard
   * @param runtime - policy, audit, masking and taint shared by the guards
   * @param name - its name in `policy.retrievers`
   * @param options - per-guard options
   */
  constructor(inner: BaseRetrieverInterface, runtime: GuardRuntime, name: string, options: RetrieverGuardOptions = {}) {
    super({});
    this.inner = inner;
    this.runtime = runtime;
    this.retrieverName = name;
    this.rule = ruleOf(runtime.policy, "retrievers", name);
    this.rules = compileDocumentRules(this.rule?.documents);
    this.pushdown = pushdownFor(inner, options.filter !== undefined ? { filter: options.filter } : {});
    const audit = runtime.audit;
    this.pipeline = new GuardPipeline(
      runtime,
      { kind: "retriever", name },
      {
        end: (context: EventContext, output: unknown) => {
          const { documents, permitted } = output as RetrievalRecord;
          const ids = documents.map(documentId).map((id) => (id === undefined ? null : audit.digest(id)));
          return {
            type: "retriever.end",
            outcome: "success",
            ...context,
            data: {
              documentIds: ids,
              fetched: permitted.fetched,
              pushdown: permitted.pushdown,
              returned: documents.length,
              withheld: { missing: permitted.withheld.missing, rule: permitted.withheld.rule },
            },
          };
        },
        error: (context: EventContext, error: unknown) => ({
          type: "retriever.end",
          outcome: "failure",
          ...context,
          reason: "the retriever failed",
          data: { error: errorCode(error) },
        }),
      },
    );
  }

  /** True when this guard enforces `runtime` (a warden's own policy, audit log and trust). @internal */
  guardedBy(runtime: GuardRuntime): boolean {
    return this.runtime === runtime;
  }

  /** The config of a call: the caller's, else the run in progress, with the run's principal when the caller's names none. */
  private callConfig(options: RunnableConfig | undefined): RunnableConfig & { runId: string } {
    const config = ensureConfig(options) as RunnableConfig;
    if (principalSlot(config) === undefined) {
      const running = principalSlot(AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined);
      if (running !== undefined) config.configurable = { ...config.configurable, [PRINCIPAL_KEY]: running };
    }
    return { ...config, runId: config.runId ?? randomUUID() };
  }

  override async invoke(query: string, options?: RunnableConfig): Promise<DocumentInterface[]> {
    const config = this.callConfig(options);
    const context = await this.pipeline.begin(config, auditRun(config.runId, parentRunOf(config), config.configurable?.thread_id));
    const decision = decideRetriever(this.runtime.policy, this.retrieverName, context.principal);
    const allowed = decision.effect === "allow";
    await this.pipeline.recordAccess(context, allowed, decision, null);
    if (!allowed) {
      throw new AccessDeniedError(
        "retriever",
        this.retrieverName,
        decision.code === "no-rule" ? `no policy rule for this retriever (policy.retrievers.${this.retrieverName})` : "you are not permitted to use this retriever",
      );
    }
    try {
      let permitted: PermittedRetrieval;
      try {
        permitted = await retrievePermitted({
          query,
          principal: context.principal,
          rules: this.rules,
          pushdown: this.pushdown,
          overFetch: this.rule!.overFetch,
          config: { ...config, runId: undefined, callbacks: withoutHandler(config.callbacks, this.runtime.auditHandler) },
        });
      } catch (error) {
        await this.pipeline.recordFailure(context, error);
        throw error;
      }
      const documents = await this.pipeline.mask(context, permitted.documents, maskDocuments);
      if (this.rule!.untrusted && documents.length > 0) {
        try {
          await this.pipeline.markTainted(context, { kind: "retriever", name: this.retrieverName });
        } catch (error) {
          await this.pipeline.recordFailure(context, error);
          throw error;
        }
      }
      await this.pipeline.recordEnd(context, { documents, permitted } satisfies RetrievalRecord);
      return documents;
    } catch (error) {
      throw await this.pipeline.leaving(context, error);
    }
  }

  /** Direct calls of the LangChain retriever API take the principal of the run in progress. */
  override async _getRelevantDocuments(query: string): Promise<DocumentInterface[]> {
    return this.invoke(query);
  }
}

/** Options of {@link guardRetriever}: the standalone guard options, the retriever's policy name and the guard's own. */
export interface GuardRetrieverOptions extends StandaloneGuardOptions, RetrieverGuardOptions {
  /** The retriever's name in `policy.retrievers`. */
  name: string;
}

/**
 * Guards a retriever without the facade. Any principal minted by a Warden
 * verifier is accepted; prefer `warden.retriever()`, which accepts only
 * principals of the warden's own identity provider.
 */
export function guardRetriever(retriever: BaseRetrieverInterface, options: GuardRetrieverOptions): GuardedRetriever {
  return new GuardedRetriever(retriever, standaloneRuntime(options), options.name, options);
}
