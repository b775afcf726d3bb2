import { createWarden, generateAuditKeys, memoryApprovalStore, PolicyError, scopeGrants } from "langchain-warden";
import { autoApprove, createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";

const idp = createTestIdentity();

function policyError(policy: unknown): PolicyError {
  try {
    createWarden({ identity: idp.identity, policy: policy as never });
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe("WARDEN_POLICY");
    return error as PolicyError;
  }
  throw new Error("expected createWarden to throw PolicyError");
}

describe("scope matching", () => {
  it.each([
    ["orders:read", "orders:read", true],
    ["orders:read", "orders:write", false],
    ["orders:*", "orders:read", true],
    ["orders:*", "orders:refund:large", true],
    ["orders:*", "orders", false],
    ["orders:*", "ordersx:read", false],
    ["*:read", "orders:read", true],
    ["*:read", "orders:write", false],
    ["*:read", "orders:sub:read", false],
    ["*", "anything:at:all", true],
    ["orders", "orders:read", false],
  ])("%s grants %s: %s", (granted, required, expected) => {
    expect(scopeGrants(granted, required)).toBe(expected);
  });
});

describe("policy validation", () => {
  it("names the path of a rule without scopes", () => {
    expect(policyError({ tools: { refund_order: { risk: "destructive" } } }).path).toBe("policy.tools.refund_order.scopes");
  });

  it("refuses unknown keys so a typo never weakens a rule", () => {
    const error = policyError({ tools: { refund_order: { scope: ["orders:refund"], scopes: [] } } });
    expect(error.path).toBe("policy.tools.refund_order");
    expect(policyError({ tool: {} }).path).toBe("policy");
  });

  it("refuses wildcards in required scopes", () => {
    expect(policyError({ tools: { t: { scopes: ["orders:*"] } } }).path).toBe("policy.tools.t.scopes[0]");
  });

  it("refuses deny patterns that are not regular expressions", () => {
    expect(policyError({ tools: { t: { scopes: [], deny: { args: ["drop"] } } } }).path).toBe("policy.tools.t.deny.args[0]");
  });

  it("refuses a non-function condition and a bad approval rule", () => {
    expect(policyError({ tools: { t: { scopes: [], when: "true" } } }).path).toBe("policy.tools.t.when");
    expect(policyError({ tools: { t: { scopes: [], approval: { quorum: 0 } } } }).path).toBe("policy.tools.t.approval.quorum");
    expect(policyError({ tools: { t: { scopes: [], approval: { ttl: "soon" } } } }).path).toBe("policy.tools.t.approval.ttl");
  });

  it("refuses an invalid risk and an invalid model rate", () => {
    expect(policyError({ tools: { t: { scopes: [], risk: "spicy" } } }).path).toBe("policy.tools.t.risk");
    expect(policyError({ models: { default: { perUser: "lots" } } }).path).toBe("policy.models.default.perUser");
  });

  it("accepts the tools of the design brief, with approval defaults", () => {
    const warden = createWarden({
      audit: { sink: memorySink() },
      identity: idp.identity,
      policy: {
        tools: {
          search_orders: { scopes: ["orders:read"] },
          refund_order: { scopes: ["orders:refund"], approval: { when: ({ args }) => Number(args.amount) > 100 } },
          delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } },
        },
        models: { default: { scopes: ["llm:use"] } },
      },
    });
    const approval = warden.policy.tools.delete_customer?.approval;
    expect(approval).toMatchObject({ ttl: 300_000, quorum: 1, allowEdit: true, selfApproval: false });
  });

  it("expands the approval: true shorthand to every default, and keeps approval: false", () => {
    const warden = createWarden({
      audit: { sink: memorySink() },
      identity: idp.identity,
      policy: { tools: { t: { scopes: [], approval: true }, u: { scopes: [], approval: false } } },
    });
    expect(warden.policy.tools.t?.approval).toEqual({ ttl: 300_000, quorum: 1, allowEdit: true, selfApproval: false });
    expect(warden.policy.tools.u?.approval).toBe(false);
  });

  it("refuses bad top-level options with a path", () => {
    expect(() => createWarden({ identity: idp.identity, policy: {}, audit: { sink: {} as never } })).toThrow(PolicyError);
    expect(() => createWarden({ identity: idp.identity, policy: {}, clock: 5 as never })).toThrow(/options\.clock/);
  });
});

describe("settings that look like protection but are not enforced are refused", () => {
  it("refuses a retriever rule whose document rules cannot be enforced as written", () => {
    expect(policyError({ retrievers: { kb: { scopes: [], documents: { classificationKey: "level" } } } }).path).toBe("policy.retrievers.kb.documents.clearance");
    expect(policyError({ retrievers: { kb: { scopes: [], documents: {} } } }).path).toBe("policy.retrievers.kb.documents");
  });

  it("refuses the old tokensPerDay, naming what replaced it", () => {
    const error = policyError({ models: { gpt: { tokensPerDay: 200_000 } } });
    expect(error.path).toBe("policy.models.gpt.tokensPerDay");
    expect(error.message).toContain("tokens: { perUser: { day } }");
  });

  it("keeps model scopes, which the model guard enforces, and an empty retrievers section", () => {
    const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: { models: { default: { scopes: ["llm:use"] }, small: {} }, retrievers: {} } });
    expect(warden.policy.models.default?.scopes).toEqual(["llm:use"]);
  });

  it("refuses audit signing cadence and checkpoint publishing without a signing key", () => {
    for (const [key, value] of [
      ["signEvery", 10],
      ["signIntervalMs", 0],
      ["onCheckpoint", () => {}],
    ] as const) {
      const attempt = () => createWarden({ identity: idp.identity, policy: {}, audit: { [key]: value } });
      expect(attempt).toThrow(PolicyError);
      expect(attempt).toThrow(expect.objectContaining({ code: "WARDEN_POLICY", path: `options.audit.${key}` }));
    }
    const signingKey = generateAuditKeys().privateKey;
    expect(() =>
      createWarden({ identity: idp.identity, policy: {}, audit: { sink: memorySink(), signingKey, signEvery: 10, signIntervalMs: 0, onCheckpoint: () => {} } }),
    ).not.toThrow();
  });

  it("refuses an approval store with a callback approver, which never claims", () => {
    const attempt = () => createWarden({ identity: idp.identity, policy: {}, approvals: { approver: autoApprove(), store: memoryApprovalStore() } });
    expect(attempt).toThrow(expect.objectContaining({ code: "WARDEN_POLICY", path: "options.approvals.store" }));
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: {}, approvals: { store: memoryApprovalStore() } })).not.toThrow();
  });
});
