import type { Document, DocumentInterface } from "@langchain/core/documents";
import { BaseRetriever } from "@langchain/core/retrievers";
import { FakeVectorStore } from "@langchain/core/utils/testing";
import { VectorStoreRetriever } from "@langchain/core/vectorstores";
import type { Principal } from "langchain-warden";
import { afterAll, describe, expect, it, vi } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { type RetrieverRuleInput, retrieverRuleSchema } from "../../src/policy/retriever-rule.js";
import type { DocumentConstraint } from "../../src/retrieval/document-constraint.js";
import { compileDocumentRules } from "../../src/retrieval/document-rules.js";
import { retrievePermitted } from "../../src/retrieval/permitted.js";
import { MAX_FETCH, memoryFilterFor, metadataEqualityFilter, overFetchCount, type PushdownOptions, pushdownFor } from "../../src/retrieval/pushdown.js";
import { doc, HashingEmbeddings, memoryStore, principals, tenants } from "./support.js";

const ids = principals();
afterAll(() => ids.close());

const QUERY = "refund policy for returned orders";
const TENANTS = tenants(10);

/**
 * 10 tenants × 12 documents. Every tenant's documents answer the query, but
 * t9's are buried in unrelated words, so a plain search ranks every other
 * tenant's documents above them. Three documents carry no tenant at all.
 */
function corpus(): Document[] {
  const documents: Document[] = [];
  for (const tenant of TENANTS) {
    for (let i = 0; i < 12; i++) {
      const text = tenant === "t9" ? `${QUERY} appendix ${i} shipping warehouses pallets customs duties invoices freight carriers manifests` : `${QUERY} section ${i}`;
      documents.push(doc(text, { tenant, n: i, readers: [`group:g${i % 4}`, `user:owner-${tenant}`], lang: i % 2 ? "en" : "de" }));
    }
  }
  // The orphans are the query itself: the most similar documents of all.
  for (let i = 0; i < 3; i++) documents.push(doc(QUERY, { n: i, readers: ["group:g0"] }));
  return documents;
}

const rulesOf = (rule: Omit<RetrieverRuleInput, "scopes">) => {
  const parsed = retrieverRuleSchema.parse({ scopes: [], ...rule });
  return { rules: compileDocumentRules(parsed.documents), overFetch: parsed.overFetch };
};

/** A store of another type: Warden cannot tell how it filters. */
class OpaqueStore extends FakeVectorStore {
  override _vectorstoreType(): string {
    return "opaque";
  }
}

/** A store whose filter is a plain object of key equalities (as Pinecone's or PGVector's). */
class EqualityStore extends FakeVectorStore {
  readonly filters: unknown[] = [];
  override _vectorstoreType(): string {
    return "equality-test";
  }
  override async similaritySearchVectorWithScore(query: number[], k: number, filter?: unknown): Promise<[Document, number][]> {
    this.filters.push(filter);
    if (filter !== undefined && (typeof filter !== "object" || filter === null)) throw new TypeError("this store takes an object filter");
    const equalities = Object.entries((filter ?? {}) as Record<string, unknown>);
    return super.similaritySearchVectorWithScore(query, k, (document) => equalities.every(([key, value]) => document.metadata[key] === value));
  }
}

async function storeOf<S extends FakeVectorStore>(Store: new (embeddings: HashingEmbeddings) => S, documents = corpus()): Promise<S> {
  const store = new Store(new HashingEmbeddings());
  await store.addDocuments(documents);
  return store;
}

/** A retriever over an equality store carrying a filter object of its own. */
const withOwnFilter = (store: EqualityStore, filter: Record<string, unknown>) => new VectorStoreRetriever({ vectorStore: store, k: 4, filter: filter as never });

/** A retriever Warden knows nothing about: it returns what it was given. */
class ListRetriever extends BaseRetriever {
  lc_namespace = ["test", "retrievers"];
  calls = 0;
  constructor(private readonly documents: Document[]) {
    super({});
  }
  override async _getRelevantDocuments(): Promise<Document[]> {
    this.calls += 1;
    return this.documents;
  }
}

describe("pushdown into a MemoryVectorStore (filter function)", () => {
  it("returns k documents of the principal's tenant where post-filtering alone returns fewer", async () => {
    const store = await memoryStore(corpus());
    const retriever = store.asRetriever(4);
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const ann = await ids.principal({ sub: "ann", tenant: "t9" });

    // Post-filtering alone: fetch k, then withhold: nothing of t9 is in the top 4.
    const plain = await retriever.invoke(QUERY);
    const kept = [];
    for (const document of plain) if ((await rules.check(document, ann)) === "allowed") kept.push(document);
    expect(plain).toHaveLength(4);
    expect(kept.length).toBeLessThan(4);

    const pushdown = pushdownFor(retriever);
    expect(pushdown.kind).toBe("function");
    expect(pushdown.k).toBe(4);
    const result = await retrievePermitted({ query: QUERY, principal: ann, rules, pushdown, overFetch });
    expect(result.pushdown).toBe("function");
    expect(result.documents).toHaveLength(4);
    expect(result.documents.every((document) => document.metadata.tenant === "t9")).toBe(true);
    // The store applied the whole constraint: nothing fetched needed withholding, and nothing was over-fetched.
    expect(result).toMatchObject({ fetched: 4, withheld: { rule: 0, missing: 0 }, skipped: false });
    // The wrapped retriever is left as it was.
    expect(retriever.k).toBe(4);
    expect(retriever.filter).toBeUndefined();
  });

  it("serves 100 concurrent principals across 10 tenants with no foreign document", async () => {
    const store = await memoryStore(corpus());
    const retriever = store.asRetriever(5);
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant", aclKey: "readers" } });
    const people = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ids.principal({ sub: `u${i}`, tenant: TENANTS[i % 10], groups: [`g${i % 4}`, `g${(i + 1) % 4}`].slice(0, 1 + (i % 2)) })),
    );
    const pushdown = pushdownFor(retriever);
    const results = await Promise.all(people.map((principal) => retrievePermitted({ query: QUERY, principal, rules, pushdown, overFetch })));
    const all = corpus();
    results.forEach((result, i) => {
      const principal = people[i] as Principal;
      const groups = (principal.claims.groups as string[]).map((group) => `group:${group}`);
      const permitted = all.filter((d) => d.metadata.tenant === principal.tenant && (d.metadata.readers as string[]).some((r) => groups.includes(r)));
      expect(result.documents).toHaveLength(Math.min(5, permitted.length));
      for (const document of result.documents) {
        expect(document.metadata.tenant).toBe(principal.tenant);
        expect((document.metadata.readers as string[]).some((reader) => groups.includes(reader))).toBe(true);
      }
    });
    expect(results.reduce((sum, result) => sum + result.documents.length, 0)).toBeGreaterThan(300);
  });

  it("keeps the retriever's own filter alongside the constraint", async () => {
    const store = await memoryStore(corpus());
    const retriever = new VectorStoreRetriever({ vectorStore: store, k: 4, filter: (document: DocumentInterface) => document.metadata.lang === "en" });
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const result = await retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "a", tenant: "t3" }), rules, pushdown: pushdownFor(retriever), overFetch });
    expect(result.documents).toHaveLength(4);
    expect(result.documents.every((d) => d.metadata.tenant === "t3" && d.metadata.lang === "en")).toBe(true);
  });

  it("over-fetches k × overFetch when a filter function still withholds documents, and returns at most k", async () => {
    const store = await memoryStore(corpus());
    const search = vi.spyOn(store, "similaritySearchVectorWithScore");
    const retriever = store.asRetriever(4);
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant", filter: (document) => (document.metadata.n as number) % 3 === 0 }, overFetch: 5 });
    const result = await retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "a", tenant: "t2" }), rules, pushdown: pushdownFor(retriever), overFetch });
    expect(search).toHaveBeenCalledTimes(1);
    expect(search.mock.calls[0]?.[1]).toBe(20);
    expect(result.fetched).toBe(12);
    expect(result.documents).toHaveLength(4);
    expect(result.withheld).toEqual({ rule: 8, missing: 0 });
    expect(result.documents.every((d) => d.metadata.tenant === "t2" && (d.metadata.n as number) % 3 === 0)).toBe(true);
  });

  it("does not ask the store when the principal can see nothing", async () => {
    const store = await memoryStore(corpus());
    const search = vi.spyOn(store, "similaritySearchVectorWithScore");
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const result = await retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "nobody" }), rules, pushdown: pushdownFor(store.asRetriever(4)), overFetch });
    expect(result).toEqual({ documents: [], fetched: 0, withheld: { rule: 0, missing: 0 }, pushdown: "function", skipped: true });
    expect(search).not.toHaveBeenCalled();
  });
});

describe("stores without a filter Warden can use", () => {
  it("over-fetches k × overFetch and post-filters: documents without a tenant are withheld as missing", async () => {
    const store = await storeOf(OpaqueStore);
    const retriever = store.asRetriever(4);
    const pushdown = pushdownFor(retriever);
    expect(pushdown.kind).toBe("none");
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const result = await retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "a", tenant: "t0" }), rules, pushdown, overFetch });
    expect(result.fetched).toBe(12);
    expect(result.withheld.missing).toBe(3);
    expect(result.withheld.rule).toBe(12 - 3 - result.documents.length);
    expect(result.documents.length).toBeGreaterThan(0);
    expect(result.documents.length).toBeLessThanOrEqual(4);
    expect(result.documents.every((d) => d.metadata.tenant === "t0")).toBe(true);
  });

  it("calls an unknown retriever as it is and checks everything it returns", async () => {
    const retriever = new ListRetriever([doc("a", { tenant: "t1" }), doc("b", { tenant: "t2" }), doc("c", {}), doc("d", { tenant: "t1" })]);
    const pushdown = pushdownFor(retriever);
    expect(pushdown).toMatchObject({ kind: "none", k: undefined });
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const result = await retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "a", tenant: "t1" }), rules, pushdown, overFetch });
    expect(result.documents.map((d) => d.pageContent)).toEqual(["a", "d"]);
    expect(result.withheld).toEqual({ rule: 1, missing: 1 });
    expect(retriever.calls).toBe(1);
  });

  it("refuses a retriever that returns something other than a list", async () => {
    class Broken extends BaseRetriever {
      lc_namespace = ["test"];
      override async _getRelevantDocuments(): Promise<Document[]> {
        return "not a list" as never;
      }
    }
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    await expect(
      retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "a", tenant: "t1" }), rules, pushdown: pushdownFor(new Broken({})), overFetch }),
    ).rejects.toThrow(TypeError);
  });
});

describe("metadata filter objects", () => {
  const options: PushdownOptions = { filter: "equality" };

  it("pushes the tenant as an equality, over-fetches for the ACL it cannot express", async () => {
    const store = await storeOf(EqualityStore);
    const pushdown = pushdownFor(store.asRetriever(4), options);
    expect(pushdown.kind).toBe("metadata");
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant", aclKey: "readers" } });
    const ann = await ids.principal({ sub: "ann", tenant: "t9", groups: ["g1"] });
    const result = await retrievePermitted({ query: QUERY, principal: ann, rules, pushdown, overFetch });
    expect(store.filters).toEqual([{ tenant: "t9" }]);
    expect(result.fetched).toBe(12);
    expect(result.documents).toHaveLength(3);
    expect(result.documents.every((d) => d.metadata.tenant === "t9" && (d.metadata.readers as string[]).includes("group:g1"))).toBe(true);
  });

  it("fetches only k when the equality carries the whole constraint", async () => {
    const store = await storeOf(EqualityStore);
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const result = await retrievePermitted({
      query: QUERY,
      principal: await ids.principal({ sub: "a", tenant: "t9" }),
      rules,
      pushdown: pushdownFor(store.asRetriever(4), options),
      overFetch,
    });
    expect(result).toMatchObject({ fetched: 4, withheld: { rule: 0, missing: 0 }, pushdown: "metadata" });
  });

  it("merges with the retriever's own equalities; a conflicting own value falls back to over-fetching", async () => {
    const store = await storeOf(EqualityStore);
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const principal = await ids.principal({ sub: "a", tenant: "t4" });
    const merged = await retrievePermitted({ query: QUERY, principal, rules, pushdown: pushdownFor(withOwnFilter(store, { lang: "en" }), options), overFetch });
    expect(store.filters.at(-1)).toEqual({ lang: "en", tenant: "t4" });
    expect(merged.documents).toHaveLength(4);
    expect(merged.documents.every((d) => d.metadata.tenant === "t4" && d.metadata.lang === "en")).toBe(true);

    const conflicting = await retrievePermitted({ query: QUERY, principal, rules, pushdown: pushdownFor(withOwnFilter(store, { tenant: "t5" }), options), overFetch });
    expect(store.filters.at(-1)).toEqual({ tenant: "t5" });
    expect(conflicting).toMatchObject({ pushdown: "none", fetched: 12, documents: [] });
  });

  it("hands constraint and own filter to a translator for any other syntax", async () => {
    const store = await storeOf(EqualityStore);
    const translate = vi.fn((constraint: DocumentConstraint, own: unknown) => ({ ...(own as object), $tenant: constraint.tenant?.value }));
    // The test store reads `$tenant` as a key: the translator's output reaches it as written.
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const principal = await ids.principal({ sub: "a", tenant: "t1" });
    const pushdown = pushdownFor(withOwnFilter(store, { lang: "de" }), { filter: translate });
    expect(pushdown.kind).toBe("metadata");
    const result = await retrievePermitted({ query: QUERY, principal, rules, pushdown, overFetch });
    expect(translate).toHaveBeenCalledWith({ tenant: { key: "tenant", value: "t1" }, matchesNothing: false }, { lang: "de" });
    expect(store.filters.at(-1)).toEqual({ lang: "de", $tenant: "t1" });
    // No stored document has `$tenant`: the store returns nothing, and the guard's check would have caught any other answer.
    expect(result.documents).toEqual([]);
  });

  it("over-fetches with the own filter kept when the own filter holds operators", async () => {
    const store = await storeOf(EqualityStore);
    const pushdown = pushdownFor(withOwnFilter(store, { $or: [] }), options);
    expect(pushdown.kind).toBe("none");
  });
});

describe("ConstraintRetriever", () => {
  it("hands the constraint and the fetch count to the retriever itself", async () => {
    const inner = new ListRetriever([doc("a", { tenant: "t1" }), doc("b", { tenant: "t2" })]);
    const seen: [DocumentConstraint, number][] = [];
    const retriever = Object.assign(new ListRetriever([]), {
      k: 3,
      withDocumentConstraint(constraint: DocumentConstraint, k: number) {
        seen.push([constraint, k]);
        return inner;
      },
    });
    const pushdown = pushdownFor(retriever);
    expect(pushdown).toMatchObject({ kind: "constraint", k: 3 });
    const { rules, overFetch } = rulesOf({ documents: { tenantKey: "tenant" } });
    const result = await retrievePermitted({ query: QUERY, principal: await ids.principal({ sub: "a", tenant: "t1" }), rules, pushdown, overFetch });
    expect(seen).toEqual([[{ tenant: { key: "tenant", value: "t1" }, matchesNothing: false }, 3]]);
    // Whatever the retriever returns is still checked.
    expect(result.documents.map((d) => d.pageContent)).toEqual(["a"]);
    expect(result.withheld.rule).toBe(1);
  });
});

describe("adapters", () => {
  it("memoryFilterFor admits nothing for a constraint that matches nothing", () => {
    expect(memoryFilterFor({ matchesNothing: true })(doc("a", { tenant: "t1" }))).toBe(false);
    expect(memoryFilterFor({ matchesNothing: false })(doc("a", {}))).toBe(true);
  });

  it("metadataEqualityFilter gives the tenant equality, says whether it is complete, and has no form for nothing", () => {
    expect(metadataEqualityFilter({ tenant: { key: "tenant", value: "t1" }, matchesNothing: false })).toEqual({ filter: { tenant: "t1" }, complete: true });
    expect(metadataEqualityFilter({ tenant: { key: "tenant", value: "t1" }, acl: { key: "r", anyOf: ["user:a"] }, matchesNothing: false })).toEqual({
      filter: { tenant: "t1" },
      complete: false,
    });
    expect(metadataEqualityFilter({ matchesNothing: true })).toBeUndefined();
    const odd = metadataEqualityFilter({ tenant: { key: "__proto__", value: "t1" }, matchesNothing: false });
    expect(Object.getPrototypeOf(odd?.filter)).toBe(Object.prototype);
    expect(Object.hasOwn(odd?.filter ?? {}, "__proto__")).toBe(true);
  });

  it("overFetchCount multiplies k, bounded, and refuses a factor outside 1..10", () => {
    expect(overFetchCount(4, 3)).toBe(12);
    expect(overFetchCount(4, 1)).toBe(4);
    expect(overFetchCount(500, 10)).toBe(MAX_FETCH);
    expect(overFetchCount(2_000, 3)).toBe(2_000);
    for (const factor of [0, 11, 1.5, Number.NaN]) expect(() => overFetchCount(4, factor)).toThrow(PolicyError);
  });
});
