import { describe, expect, it } from "vitest";
import { PolicyError } from "../../src/errors.js";
import { type RetrieverRuleInput, retrieverRuleSchema } from "../../src/policy/retriever-rule.js";
import { parseOptions } from "../../src/validate.js";

const parse = (rule: unknown) => parseOptions(retrieverRuleSchema, rule, "policy.retrievers.kb");

/** The PolicyError a rule is refused with. */
function refusal(rule: unknown): PolicyError {
  try {
    parse(rule);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error("the rule was accepted");
}

describe("retrieverRuleSchema", () => {
  it("accepts a full rule and applies defaults", () => {
    const filter = () => true;
    const rule = parse({
      scopes: ["kb:read"],
      documents: {
        tenantKey: "tenant",
        aclKey: "readers",
        classificationKey: "level",
        clearance: { levels: ["public", "internal", "secret"], claim: "https://example.com/clearance" },
        filter,
      },
    } satisfies RetrieverRuleInput);
    expect(rule).toEqual({
      scopes: ["kb:read"],
      documents: {
        tenantKey: "tenant",
        aclKey: "readers",
        groupsClaim: "groups",
        classificationKey: "level",
        clearance: { levels: ["public", "internal", "secret"], claim: "https://example.com/clearance" },
        filter,
      },
      untrusted: false,
      overFetch: 3,
    });
  });

  it("keeps a given groupsClaim, untrusted and overFetch; has no groupsClaim without an ACL", () => {
    expect(parse({ scopes: [], documents: { aclKey: "readers", groupsClaim: "teams" }, untrusted: true, overFetch: 10 })).toEqual({
      scopes: [],
      documents: { aclKey: "readers", groupsClaim: "teams" },
      untrusted: true,
      overFetch: 10,
    });
    expect(parse({ scopes: ["kb:read"], documents: { tenantKey: "tenant" } }).documents).toEqual({ tenantKey: "tenant" });
    expect(parse({ scopes: ["kb:read"] }).documents).toBeUndefined();
  });

  it("refuses classificationKey without clearance, and clearance without classificationKey, naming the missing path", () => {
    const a = refusal({ scopes: [], documents: { classificationKey: "level" } });
    expect(a.path).toBe("policy.retrievers.kb.documents.clearance");
    expect(a.code).toBe("WARDEN_POLICY");
    const b = refusal({ scopes: [], documents: { tenantKey: "tenant", clearance: { levels: ["public"], claim: "clearance" } } });
    expect(b.path).toBe("policy.retrievers.kb.documents.classificationKey");
  });

  it("refuses settings that would look like protection they do not give", () => {
    expect(refusal({ scopes: [], documents: {} }).path).toBe("policy.retrievers.kb.documents");
    expect(refusal({ scopes: [], documents: { tenantKey: "tenant", groupsClaim: "groups" } }).path).toBe("policy.retrievers.kb.documents.groupsClaim");
    expect(refusal({ scopes: [], documents: { tenantKey: "tenant", tenantkey: "x" } }).path).toMatch(/^policy\.retrievers\.kb\.documents/);
    expect(refusal({ scopes: [], document: { tenantKey: "tenant" } }).path).toBe("policy.retrievers.kb");
    expect(refusal({ documents: { tenantKey: "tenant" } }).path).toBe("policy.retrievers.kb.scopes");
  });

  it("refuses wildcard or spaced scopes", () => {
    expect(refusal({ scopes: ["kb:*"] }).path).toBe("policy.retrievers.kb.scopes[0]");
    expect(refusal({ scopes: ["kb read"] }).path).toBe("policy.retrievers.kb.scopes[0]");
  });

  it.each(["$or", "__proto__", "constructor", "a.b", "tenant key", "", "1tenant", "x".repeat(129)])("refuses the metadata key %j", (key) => {
    expect(refusal({ scopes: [], documents: { tenantKey: key } }).path).toBe("policy.retrievers.kb.documents.tenantKey");
    expect(refusal({ scopes: [], documents: { aclKey: key } }).path).toBe("policy.retrievers.kb.documents.aclKey");
  });

  it("accepts keys with _, - and digits", () => {
    expect(parse({ scopes: [], documents: { tenantKey: "tenant_id-2", aclKey: "_readers" } }).documents?.tenantKey).toBe("tenant_id-2");
  });

  it("refuses bad clearance settings", () => {
    const base = { scopes: [], documents: { classificationKey: "level" } };
    expect(refusal({ ...base, documents: { ...base.documents, clearance: { levels: [], claim: "c" } } }).path).toBe("policy.retrievers.kb.documents.clearance.levels");
    expect(refusal({ ...base, documents: { ...base.documents, clearance: { levels: ["a", "b", "a"], claim: "c" } } }).path).toBe("policy.retrievers.kb.documents.clearance.levels");
    expect(refusal({ ...base, documents: { ...base.documents, clearance: { levels: ["a"], claim: "has space" } } }).path).toBe("policy.retrievers.kb.documents.clearance.claim");
    expect(refusal({ ...base, documents: { ...base.documents, clearance: { levels: ["a"], claim: "c", order: "desc" } } }).path).toMatch(
      /^policy\.retrievers\.kb\.documents\.clearance/,
    );
  });

  it("refuses a filter that is not a function", () => {
    expect(refusal({ scopes: [], documents: { filter: "tenant = 1" } }).path).toBe("policy.retrievers.kb.documents.filter");
  });

  it.each([0, 11, 2.5, -1, "3"])("refuses overFetch %j", (overFetch) => {
    expect(refusal({ scopes: [], overFetch }).path).toBe("policy.retrievers.kb.overFetch");
  });

  it("refuses a non-boolean untrusted", () => {
    expect(refusal({ scopes: [], untrusted: "yes" }).path).toBe("policy.retrievers.kb.untrusted");
  });
});
