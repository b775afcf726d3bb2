import { GraphInterrupt } from "@langchain/langgraph";
import { createWarden, type PolicyInput, type Principal } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { canEverUse, decideModel, decideTool, effectiveScopes } from "../../src/policy/decision.js";
import { policySchema } from "../../src/policy/schema.js";

const idp = createTestIdentity();
const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: {} });
const parse = (policy: PolicyInput) => policySchema.parse(policy);
const login = async (claims: Record<string, unknown>): Promise<Principal> => warden.authenticate(await idp.issue({ sub: "ann", ...claims }));

describe("roles", () => {
  const policy = parse({ roles: { manager: ["orders:*", "customers:read"], auditor: ["audit:read"] }, tools: { refund: { scopes: ["orders:refund"] } } });

  it("a principal without roles holds exactly its own scopes", async () => {
    expect(effectiveScopes(policy, await login({ scope: "orders:read" }))).toEqual(["orders:read"]);
  });

  it("a role adds its scopes to the principal's own; a role the policy does not name adds nothing", async () => {
    const principal = await login({ scope: "kb:read", roles: ["manager", "intern"] });
    expect([...effectiveScopes(policy, principal)].sort()).toEqual(["customers:read", "kb:read", "orders:*"]);
    expect(await decideTool(policy, "refund", principal, {})).toMatchObject({ effect: "allow", rule: "tools.refund" });
  });

  it("a principal whose only role is unknown is refused, with the missing scope named", async () => {
    const principal = await login({ roles: ["intern"] });
    expect(effectiveScopes(policy, principal)).toEqual([]);
    expect(await decideTool(policy, "refund", principal, {})).toEqual({
      effect: "deny",
      code: "missing-scope",
      reason: "missing scope orders:refund",
      rule: "tools.refund.scopes",
    });
  });
});

describe("which tools a principal can ever use (toolsFor)", () => {
  const policy = parse({ roles: { clerk: ["orders:read"] }, tools: { both: { scopes: ["orders:read", "orders:write"] }, read: { scopes: ["orders:read"] } } });

  it("needs every scope of the rule, counting roles, and a rule of its own", async () => {
    expect(canEverUse(policy, await login({ scope: "orders:read" }), "both")).toBe(false);
    expect(canEverUse(policy, await login({ scope: "orders:read orders:write" }), "both")).toBe(true);
    expect(canEverUse(policy, await login({ roles: ["clerk"] }), "read")).toBe(true);
    expect(canEverUse(policy, await login({ roles: ["clerk"] }), "both")).toBe(false);
    expect(canEverUse(policy, await login({ scope: "orders:read" }), "constructor")).toBe(false);
    expect(canEverUse(policy, await login({ scope: "orders:read" }), "unknown")).toBe(false);
  });
});

describe("reasons and rule paths", () => {
  const policy = parse({ tools: { sql: { scopes: ["db:query", "db:write"], deny: { args: [/\bdrop\b/i] } } }, models: { default: {} } });

  it("no rule: code no-rule, the tool named, rule path tools", async () => {
    expect(await decideTool(policy, "export", await login({}), {})).toEqual({ effect: "deny", code: "no-rule", reason: 'no policy rule for tool "export"', rule: "tools" });
  });

  it("missing scopes are listed, separated by a comma and a space", async () => {
    expect(await decideTool(policy, "sql", await login({}), {})).toMatchObject({ reason: "missing scope db:query, db:write", rule: "tools.sql.scopes" });
  });

  it("a deny pattern: the fixed reason and the pattern's index", async () => {
    const principal = await login({ scope: "db:query db:write" });
    expect(await decideTool(policy, "sql", principal, { q: "DROP TABLE t" })).toEqual({
      effect: "deny",
      code: "denied-args",
      reason: "the arguments match a deny pattern",
      rule: "tools.sql.deny.args[0]",
    });
  });

  it("a model with no rule of its own takes models.default, and names it", async () => {
    expect(decideModel(policy, "gpt", await login({}))).toMatchObject({ effect: "allow", rule: "models.default" });
    expect(decideModel(parse({ models: {} }), "gpt", await login({}))).toEqual({
      effect: "deny",
      code: "no-rule",
      reason: 'no policy rule for model "gpt" and no default model rule',
      rule: "models",
    });
  });
});

describe("conditions and LangGraph control flow", () => {
  it("an interrupt raised inside a when condition passes through the decision untouched", async () => {
    const interrupt = new GraphInterrupt([]);
    const policy = parse({
      tools: {
        t: {
          scopes: [],
          when: () => {
            throw interrupt;
          },
        },
      },
    });
    await expect(decideTool(policy, "t", await login({}), {})).rejects.toBe(interrupt);
  });

  it("an approval condition that throws asks for approval (fail closed); one that returns false does not", async () => {
    const principal = await login({});
    const throwing = parse({
      tools: {
        t: {
          scopes: [],
          approval: {
            approverScopes: ["approvals:t"],
            when: () => {
              throw new Error("boom");
            },
          },
        },
      },
    });
    expect(await decideTool(throwing, "t", principal, {})).toMatchObject({ effect: "needs-approval", code: "approval-required", rule: "tools.t.approval" });
    const declining = parse({ tools: { t: { scopes: [], approval: { approverScopes: ["approvals:t"], when: () => false } } } });
    expect(await decideTool(declining, "t", principal, {})).toEqual({ effect: "allow", code: "allowed", reason: "allowed by policy", rule: "tools.t" });
  });
});
