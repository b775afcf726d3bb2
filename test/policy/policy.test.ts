import { describe, expect, it } from "vitest";
import { createWarden, PolicyError, scopeGrants } from "langchain-warden";
import { createTestIdentity } from "langchain-warden/testing";

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

  it("accepts the policy of the design brief", () => {
    const warden = createWarden({
      identity: idp.identity,
      policy: {
        tools: {
          search_orders: { scopes: ["orders:read"] },
          refund_order: { scopes: ["orders:refund"], approval: { when: ({ args }) => Number(args.amount) > 100 } },
          delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } },
        },
        retrievers: { kb: { scopes: ["kb:read"], documents: { tenantKey: "tenant", aclKey: "groups" } } },
        models: { default: { perUser: "30/min", global: "600/min", tokensPerDay: 200_000 } },
      },
    });
    const approval = warden.policy.tools.delete_customer?.approval;
    expect(approval).toMatchObject({ ttl: 300_000, quorum: 1, allowEdit: true, selfApproval: false });
  });

  it("refuses bad top-level options with a path", () => {
    expect(() => createWarden({ identity: idp.identity, policy: {}, audit: { sink: {} as never } })).toThrow(PolicyError);
    expect(() => createWarden({ identity: idp.identity, policy: {}, clock: 5 as never })).toThrow(/options\.clock/);
  });
});
