import { GraphInterrupt } from "@langchain/langgraph";
import type { Principal } from "langchain-warden";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type DocumentRulesInput, retrieverRuleSchema } from "../../src/policy/retriever-rule.js";
import { metadataOf, satisfiesConstraint } from "../../src/retrieval/document-constraint.js";
import { aclEntriesFor, aclEntry, compileDocumentRules } from "../../src/retrieval/document-rules.js";
import { doc, principals } from "./support.js";

const ids = principals();
afterAll(() => ids.close());

const compile = (documents: DocumentRulesInput) => compileDocumentRules(retrieverRuleSchema.parse({ scopes: [], documents }).documents);

describe("tenant rule", () => {
  const rules = compile({ tenantKey: "tenant" });

  it("shows a document of the principal's tenant and withholds other tenants' by rule", async () => {
    const ann = await ids.principal({ sub: "ann", tenant: "t1" });
    expect(await rules.check(doc("a", { tenant: "t1" }), ann)).toBe("allowed");
    expect(await rules.check(doc("b", { tenant: "t2" }), ann)).toBe("withheld-rule");
    expect(await rules.check(doc("c", { tenant: "T1" }), ann)).toBe("withheld-rule");
    expect(rules.pushdown(ann)).toEqual({ tenant: { key: "tenant", value: "t1" }, matchesNothing: false });
  });

  it("withholds a document without a usable tenant as missing", async () => {
    const ann = await ids.principal({ sub: "ann", tenant: "t1" });
    for (const metadata of [{}, { tenant: "" }, { tenant: 1 }, { tenant: ["t1"] }, { tenant: null }, { Tenant: "t1" }]) {
      expect(await rules.check(doc("x", metadata), ann)).toBe("withheld-missing");
    }
    expect(await rules.check({ pageContent: "x", metadata: undefined as never }, ann)).toBe("withheld-missing");
    // Only the metadata's own property counts: an inherited tenant is not the document's.
    expect(await rules.check(doc("x", Object.create({ tenant: "t1" })), ann)).toBe("withheld-missing");
  });

  it("shows a principal without a tenant no tenant-keyed document, and the constraint matches nothing", async () => {
    const loner = await ids.principal({ sub: "loner" });
    expect(loner.tenant).toBeUndefined();
    expect(await rules.check(doc("a", { tenant: "t1" }), loner)).toBe("withheld-rule");
    expect(rules.pushdown(loner)).toEqual({ matchesNothing: true });
  });

  it("reads identity from the principal only: a document claiming to be the caller's changes nothing", async () => {
    const ann = await ids.principal({ sub: "ann", tenant: "t1" });
    expect(await rules.check(doc("forged", { tenant: "t2", sub: "ann", principal: { tenant: "t2" } }), ann)).toBe("withheld-rule");
  });
});

describe("ACL rule: typed entries user:<sub>, role:<role>, group:<group>", () => {
  const rules = compile({ aclKey: "readers" });

  it("admits by sub, by role and by group (string or list claim)", async () => {
    const ann = await ids.principal({ sub: "ann", roles: ["support"], groups: ["eng", "ops"] });
    const bob = await ids.principal({ sub: "bob", groups: "eng" });
    expect(await rules.check(doc("a", { readers: ["user:ann"] }), ann)).toBe("allowed");
    expect(await rules.check(doc("a", { readers: ["user:ann"] }), bob)).toBe("withheld-rule");
    expect(await rules.check(doc("b", { readers: ["role:support"] }), ann)).toBe("allowed");
    expect(await rules.check(doc("b", { readers: ["role:support"] }), bob)).toBe("withheld-rule");
    expect(await rules.check(doc("c", { readers: ["user:zed", "group:eng"] }), ann)).toBe("allowed");
    expect(await rules.check(doc("c", { readers: ["user:zed", "group:eng"] }), bob)).toBe("allowed");
    expect(await rules.check(doc("d", { readers: ["group:ops"] }), bob)).toBe("withheld-rule");
  });

  it("compares entries exactly: untyped, differently typed or differently cased entries name nobody", async () => {
    const admins = await ids.principal({ sub: "admins", roles: ["eng"], groups: ["Ops"] });
    expect(await rules.check(doc("a", { readers: ["admins", "eng", "Ops"] }), admins)).toBe("withheld-rule");
    // A user called "admins" is not the group "admins"; the role "eng" is not the group "eng".
    expect(await rules.check(doc("b", { readers: ["group:admins", "group:eng", "role:admins"] }), admins)).toBe("withheld-rule");
    expect(await rules.check(doc("c", { readers: ["group:ops", "USER:admins"] }), admins)).toBe("withheld-rule");
    expect(await rules.check(doc("d", { readers: [aclEntry("group", "Ops")] }), admins)).toBe("allowed");
  });

  it("admits nobody with an empty list; withholds readers that are not a list as missing", async () => {
    const ann = await ids.principal({ sub: "ann", roles: ["support"] });
    expect(await rules.check(doc("a", { readers: [] }), ann)).toBe("withheld-rule");
    expect(await rules.check(doc("a", { readers: "user:ann" }), ann)).toBe("withheld-missing");
    expect(await rules.check(doc("a", { readers: { 0: "user:ann" } }), ann)).toBe("withheld-missing");
    expect(await rules.check(doc("a", {}), ann)).toBe("withheld-missing");
    expect(await rules.check(doc("a", { readers: [null, 1, ["user:ann"], { user: "ann" }] }), ann)).toBe("withheld-rule");
  });

  it("reads groups from the configured claim only, and ignores non-string groups", async () => {
    const teams = compile({ aclKey: "readers", groupsClaim: "https://example.com/teams" });
    const ann = await ids.principal({ sub: "ann", groups: ["eng"], "https://example.com/teams": ["blue", 7, ""] });
    expect(await teams.check(doc("a", { readers: ["group:blue"] }), ann)).toBe("allowed");
    expect(await teams.check(doc("a", { readers: ["group:eng"] }), ann)).toBe("withheld-rule");
    expect(aclEntriesFor(ann, "https://example.com/teams")).toEqual(["user:ann", "group:blue"]);
    expect(teams.pushdown(ann)).toEqual({ acl: { key: "readers", anyOf: ["user:ann", "group:blue"] }, matchesNothing: false });
  });
});

describe("classification rule: fail closed", () => {
  const rules = compile({ classificationKey: "level", clearance: { levels: ["public", "internal", "secret"], claim: "clearance" } });

  it("shows documents at or below the principal's clearance", async () => {
    const ann = await ids.principal({ sub: "ann", clearance: "internal" });
    expect(await rules.check(doc("a", { level: "public" }), ann)).toBe("allowed");
    expect(await rules.check(doc("b", { level: "internal" }), ann)).toBe("allowed");
    expect(await rules.check(doc("c", { level: "secret" }), ann)).toBe("withheld-rule");
    expect(rules.pushdown(ann)).toEqual({ classification: { key: "level", allowed: ["public", "internal"] }, matchesNothing: false });
  });

  it("withholds a document without a known level as missing", async () => {
    const top = await ids.principal({ sub: "top", clearance: "secret" });
    for (const metadata of [{}, { level: "confidential" }, { level: "SECRET" }, { level: 2 }, { level: ["public"] }]) {
      expect(await rules.check(doc("x", metadata), top)).toBe("withheld-missing");
    }
  });

  it("gives a principal without a known clearance nothing, not the lowest level", async () => {
    const none = await ids.principal({ sub: "none" });
    const odd = await ids.principal({ sub: "odd", clearance: "top-secret" });
    const list = await ids.principal({ sub: "list", clearance: ["secret"] });
    for (const principal of [none, odd, list]) {
      expect(await rules.check(doc("a", { level: "public" }), principal)).toBe("withheld-rule");
      expect(rules.pushdown(principal)).toEqual({ classification: { key: "level", allowed: [] }, matchesNothing: true });
    }
  });
});

describe("filter", () => {
  it("allows only on true, withholds on a throw without failing the other documents", async () => {
    const filter = vi.fn(async (document: { metadata: Record<string, unknown> }, _principal: Principal) => {
      if (document.metadata.boom) throw new Error("filter failed");
      return document.metadata.ok === true ? true : (document.metadata.ok as boolean);
    });
    const rules = compile({ tenantKey: "tenant", filter });
    const ann = await ids.principal({ sub: "ann", tenant: "t1" });
    const verdicts = await Promise.all(
      [
        doc("a", { tenant: "t1", ok: true }),
        doc("b", { tenant: "t1", boom: true }),
        doc("c", { tenant: "t1", ok: "yes" }),
        doc("d", { tenant: "t1", ok: 1 }),
        doc("e", { tenant: "t2", ok: true }),
      ].map((document) => rules.check(document, ann)),
    );
    expect(verdicts).toEqual(["allowed", "withheld-rule", "withheld-rule", "withheld-rule", "withheld-rule"]);
    // The filter runs after the built-in rules, and only on documents they allow.
    expect(filter).toHaveBeenCalledTimes(4);
    expect(filter.mock.calls.every(([, principal]) => principal === ann)).toBe(true);
    expect(rules.fullyPushable).toBe(false);
    expect(rules.pushdown(ann)).toEqual({ tenant: { key: "tenant", value: "t1" }, matchesNothing: false });
  });

  it("lets LangGraph control flow raised inside it pass through", async () => {
    const rules = compile({
      filter: () => {
        throw new GraphInterrupt();
      },
    });
    await expect(rules.check(doc("a", {}), await ids.principal({ sub: "ann" }))).rejects.toBeInstanceOf(GraphInterrupt);
  });
});

describe("without rules", () => {
  it("allows every document and constrains nothing", async () => {
    const rules = compileDocumentRules(undefined);
    const ann = await ids.principal({ sub: "ann" });
    expect(await rules.check(doc("a", {}), ann)).toBe("allowed");
    expect(rules.pushdown(ann)).toEqual({ matchesNothing: false });
    expect(rules.fullyPushable).toBe(true);
  });
});

describe("the pushed-down constraint says what check says", () => {
  it("agrees on every document for every principal (tenant, ACL and classification together)", async () => {
    const rules = compile({
      tenantKey: "tenant",
      aclKey: "readers",
      classificationKey: "level",
      clearance: { levels: ["public", "internal", "secret"], claim: "clearance" },
    });
    const people: Principal[] = [];
    const tenantsOf = ["t1", "t2", undefined];
    const clearances = ["public", "internal", "secret", undefined, "bogus"];
    let n = 0;
    for (const tenant of tenantsOf) {
      for (const clearance of clearances) {
        n += 1;
        people.push(
          await ids.principal({
            sub: `u${n % 4}`,
            ...(tenant ? { tenant } : {}),
            roles: n % 2 ? ["support"] : [],
            groups: n % 3 ? ["eng"] : "ops",
            ...(clearance ? { clearance } : {}),
          }),
        );
      }
    }
    const documents = [];
    const tenantValues = ["t1", "t2", "", 3, undefined];
    const readerLists = [["user:u1"], ["role:support"], ["group:eng", "user:u3"], ["group:ops"], [], "user:u1", undefined];
    const levels = ["public", "internal", "secret", "unknown", undefined];
    for (const tenant of tenantValues) {
      for (const readers of readerLists) {
        for (const level of levels) {
          const metadata: Record<string, unknown> = {};
          if (tenant !== undefined) metadata.tenant = tenant;
          if (readers !== undefined) metadata.readers = readers;
          if (level !== undefined) metadata.level = level;
          documents.push(doc("d", metadata));
        }
      }
    }
    let allowed = 0;
    for (const principal of people) {
      const constraint = rules.pushdown(principal);
      for (const document of documents) {
        const verdict = await rules.check(document, principal);
        expect(satisfiesConstraint(constraint, metadataOf(document)), JSON.stringify({ principal, metadata: document.metadata })).toBe(verdict === "allowed");
        if (verdict === "allowed") allowed += 1;
      }
    }
    // The cases are not all refusals.
    expect(allowed).toBeGreaterThan(20);
  });
});
