import { randomUUID } from "node:crypto";
import { PolicyError } from "langchain-warden";
import { postgresRetriever } from "langchain-warden/postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { retrieverRuleSchema } from "../../src/policy/retriever-rule.js";
import { compileDocumentRules } from "../../src/retrieval/document-rules.js";
import { retrievePermitted } from "../../src/retrieval/permitted.js";
import { pushdownFor } from "../../src/retrieval/pushdown.js";
import { principals } from "../retrieval/support.js";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("postgresRetriever (PostgreSQL on 127.0.0.1:5432)", () => {
  const table = `warden_docs_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  let pool: pg.Pool;
  const ids = principals();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
    await pool.query(`CREATE TABLE "${table}" (id serial PRIMARY KEY, body text NOT NULL, meta jsonb NOT NULL)`);
    const rows: [string, object][] = [];
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < 6; i++) {
        // t0's documents mention the words once; every other tenant's, three times: they rank higher.
        const words = t === 0 ? "refund policy" : "refund policy refund policy refund policy";
        rows.push([
          `${words} for orders, tenant t${t} note ${i}`,
          { tenant: `t${t}`, readers: [`group:g${i % 3}`, `user:owner${t}`], level: ["public", "internal", "secret"][i % 3] as string },
        ]);
      }
    }
    rows.push(["refund policy refund policy refund policy without tenant", { readers: ["group:g0"], level: "public" }]);
    rows.push(["refund policy readers as a string", { tenant: "t0", readers: "group:g0", level: "public" }]);
    rows.push(["shipping times and carriers", { tenant: "t0", readers: ["group:g0"], level: "public" }]);
    for (const [body, meta] of rows) await pool.query(`INSERT INTO "${table}" (body, meta) VALUES ($1, $2)`, [body, JSON.stringify(meta)]);
  });

  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
    await ids.close();
  });

  const retriever = (k = 4) => postgresRetriever({ pool, table, contentColumn: "body", metadataColumn: "meta", k });

  it("does ranked full-text search, k documents at most", async () => {
    const documents = await retriever(4).invoke("refund policy");
    expect(documents).toHaveLength(4);
    expect(documents.every((d) => /refund policy/.test(d.pageContent))).toBe(true);
    // Three mentions rank above one: no t0 document makes the top 4.
    expect(documents.some((d) => d.metadata.tenant === "t0")).toBe(false);
    expect(await retriever(10).invoke("carriers")).toHaveLength(1);
    expect(await retriever().invoke("")).toEqual([]);
  });

  it("applies a pushed-down tenant in SQL: k documents of the tenant where post-filtering would find none", async () => {
    const base = retriever(4);
    const scoped = base.withDocumentConstraint({ tenant: { key: "tenant", value: "t0" }, matchesNothing: false }, 4);
    const documents = await scoped.invoke("refund policy");
    expect(documents).toHaveLength(4);
    expect(documents.every((d) => d.metadata.tenant === "t0")).toBe(true);
    expect(base.constraints).toEqual([]);
    // A copy of a copy applies both constraints.
    const narrower = scoped.withDocumentConstraint({ classification: { key: "level", allowed: ["secret"] }, matchesNothing: false }, 4);
    expect((await narrower.invoke("refund policy")).map((d) => [d.metadata.tenant, d.metadata.level])).toEqual([
      ["t0", "secret"],
      ["t0", "secret"],
    ]);
    expect(await scoped.withDocumentConstraint({ matchesNothing: true }, 4).invoke("refund policy")).toEqual([]);
  });

  it("applies an ACL overlap only to documents whose readers are a JSON array", async () => {
    const scoped = retriever(20).withDocumentConstraint(
      { tenant: { key: "tenant", value: "t0" }, acl: { key: "readers", anyOf: ["user:zed", "group:g0"] }, matchesNothing: false },
      20,
    );
    const documents = await scoped.invoke("refund policy");
    expect(documents.map((d) => d.metadata.readers)).toEqual([
      ["group:g0", "user:owner0"],
      ["group:g0", "user:owner0"],
    ]);
    // "readers": "group:g0" (a string) would match `?|` as a scalar: it is not returned.
    expect(documents.some((d) => d.pageContent.includes("as a string"))).toBe(false);
  });

  it("applies a classification membership", async () => {
    const scoped = retriever(20).withDocumentConstraint(
      { tenant: { key: "tenant", value: "t1" }, classification: { key: "level", allowed: ["public", "internal"] }, matchesNothing: false },
      20,
    );
    const levels = (await scoped.invoke("refund policy")).map((d) => d.metadata.level).sort();
    expect(levels).toEqual(["internal", "internal", "public", "public"]);
  });

  it("composes with the document rules: pushdown kind constraint, k permitted documents, nothing withheld", async () => {
    const parsed = retrieverRuleSchema.parse({
      scopes: ["kb:read"],
      documents: { tenantKey: "tenant", aclKey: "readers", classificationKey: "level", clearance: { levels: ["public", "internal", "secret"], claim: "clearance" } },
    });
    const rules = compileDocumentRules(parsed.documents);
    const pushdown = pushdownFor(retriever(2));
    expect(pushdown).toMatchObject({ kind: "constraint", k: 2 });
    const ann = await ids.principal({ sub: "ann", tenant: "t2", groups: ["g1", "g2"], clearance: "secret" });
    const result = await retrievePermitted({ query: "refund policy", principal: ann, rules, pushdown, overFetch: parsed.overFetch });
    expect(result).toMatchObject({ pushdown: "constraint", fetched: 2, withheld: { rule: 0, missing: 0 } });
    expect(result.documents.every((d) => d.metadata.tenant === "t2" && ["group:g1", "group:g2"].includes((d.metadata.readers as string[])[0] as string))).toBe(true);

    const owner = await ids.principal({ sub: "owner3", tenant: "t3", clearance: "public" });
    const own = await retrievePermitted({ query: "refund policy", principal: owner, rules, pushdown: pushdownFor(retriever(10)), overFetch: 3 });
    expect(own.documents.map((d) => [d.metadata.tenant, d.metadata.level])).toEqual([
      ["t3", "public"],
      ["t3", "public"],
    ]);
  });

  it("sends no query for a constraint that matches nothing", async () => {
    const spy = vi.spyOn(pool, "query");
    try {
      expect(await retriever().withDocumentConstraint({ matchesNothing: true }, 4).invoke("refund policy")).toEqual([]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it("refuses table, column and language names that are not plain identifiers", () => {
    const options = { pool, table, contentColumn: "body", metadataColumn: "meta" };
    const refused = (extra: object) => {
      try {
        postgresRetriever({ ...options, ...extra });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(refused({ table: `${table}; DROP TABLE "${table}"` })).toMatchObject({ code: "WARDEN_POLICY", path: "postgresRetriever.table" });
    expect(refused({ table: `a.b.c` })).toMatchObject({ path: "postgresRetriever.table" });
    expect(refused({ contentColumn: 'body" FROM pg_user --' })).toMatchObject({ path: "postgresRetriever.contentColumn" });
    expect(refused({ metadataColumn: "meta->>'x'" })).toMatchObject({ path: "postgresRetriever.metadataColumn" });
    expect(refused({ language: "english'::regconfig) --" })).toMatchObject({ path: "postgresRetriever.language" });
    expect(refused({ k: 0 })).toMatchObject({ path: "postgresRetriever.k" });
    expect(refused({ pool: undefined })).toMatchObject({ path: "postgresRetriever" });
    expect(refused({ table: `public.${table}` })).toBeUndefined();
  });

  it("refuses an injected metadata key before any query, and keeps injected values harmless", async () => {
    const spy = vi.spyOn(pool, "query");
    try {
      const evilKey = retriever().withDocumentConstraint({ tenant: { key: "tenant' OR '1'='1", value: "t0" }, matchesNothing: false }, 4);
      await expect(evilKey.invoke("refund policy")).rejects.toMatchObject({ code: "WARDEN_POLICY", path: "constraint.tenant.key" });
      const evilAclKey = retriever().withDocumentConstraint({ acl: { key: "readers') OR true --", anyOf: ["group:g0"] }, matchesNothing: false }, 4);
      await expect(evilAclKey.invoke("refund policy")).rejects.toThrow(PolicyError);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const evilValue = retriever().withDocumentConstraint({ tenant: { key: "tenant", value: "t0' OR '1'='1" }, matchesNothing: false }, 4);
    expect(await evilValue.invoke("refund policy")).toEqual([]);
    const evilReaders = retriever().withDocumentConstraint({ acl: { key: "readers", anyOf: ["x'] OR true --", "}'::text[] OR true --"] }, matchesNothing: false }, 4);
    expect(await evilReaders.invoke("refund policy")).toEqual([]);
    // The query is text to search: its words must all match (none has "drop"), and the table is untouched.
    expect(await retriever().invoke(`refund'; DROP TABLE "${table}"; --`)).toEqual([]);
    expect(await retriever().invoke(`refund' or 'x`)).toHaveLength(4);
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
    expect(rows[0]?.n).toBe(33);
  });

  it("owns and closes a pool made from a connection string", async () => {
    const own = postgresRetriever({ connectionString: POSTGRES_URL, table, contentColumn: "body", metadataColumn: "meta", k: 1, language: "simple" });
    expect(await own.invoke("carriers")).toHaveLength(1);
    await own.close();
    await expect(own.invoke("carriers")).rejects.toThrow();
  });
});
