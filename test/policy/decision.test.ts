import { tool } from "@langchain/core/tools";
import { AccessDeniedError, ApprovalRejectedError, createWarden, guardTool, type PolicyInput } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedApprover } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();
const echo = (name: string) =>
  tool(async (args) => JSON.stringify(args), { name, description: name, schema: z.object({ amount: z.number().optional(), note: z.string().optional() }) });

async function decide(policy: PolicyInput, name: string, claims: Record<string, unknown>, args: Record<string, unknown>) {
  const sink = memorySink();
  const warden = createWarden({ identity: idp.identity, policy, audit: { sink } });
  const principal = await warden.authenticate(await idp.issue(claims));
  const outcome = await warden
    .tool(echo(name), { onDenied: "throw" })
    .invoke(args, warden.config(principal))
    .then(() => "ran")
    .catch((error: unknown) => (error instanceof AccessDeniedError ? "denied" : `error:${String(error)}`));
  const event = sink.events.find((e) => e.type.startsWith("access."));
  return { outcome, event };
}

describe("policy decisions", () => {
  it("requires every listed scope", async () => {
    const policy = { tools: { t: { scopes: ["a:read", "b:read"] } } };
    expect((await decide(policy, "t", { scope: "a:read" }, {})).outcome).toBe("denied");
    expect((await decide(policy, "t", { scope: "a:read b:read" }, {})).outcome).toBe("ran");
  });

  it("lets an empty scope list through for any verified principal", async () => {
    expect((await decide({ tools: { t: { scopes: [] } } }, "t", {}, {})).outcome).toBe("ran");
  });

  it("does not let a rule of another tool, or an inherited property name, authorise a call", async () => {
    expect((await decide({ tools: { other: { scopes: [] } } }, "t", {}, {})).outcome).toBe("denied");
    const { outcome, event } = await decide({ tools: {} }, "constructor", {}, {});
    expect(outcome).toBe("denied");
    expect(event?.data?.code).toBe("no-rule");
  });

  it("treats a condition returning false or throwing as a denial", async () => {
    const falsy = await decide({ tools: { t: { scopes: [], when: () => false } } }, "t", {}, {});
    expect(falsy.outcome).toBe("denied");
    const throwing = await decide(
      {
        tools: {
          t: {
            scopes: [],
            when: () => {
              throw new Error("boom");
            },
          },
        },
      },
      "t",
      {},
      {},
    );
    expect(throwing.outcome).toBe("denied");
    expect(throwing.event?.data?.code).toBe("condition-error");
  });

  it("passes the verified principal and validated args to the condition", async () => {
    const seen: unknown[] = [];
    await decide(
      { tools: { t: { scopes: [], when: ({ principal, args }) => (seen.push([principal.sub, principal.tenant, args]), true) } } },
      "t",
      { sub: "carol", tenant: "acme" },
      { amount: 3 },
    );
    expect(seen).toEqual([["carol", "acme", { amount: 3 }]]);
  });

  it("matches deny patterns against canonical JSON, with stateless global regexes", async () => {
    const policy = { tools: { t: { scopes: [], deny: { args: [/"note":"[^"]*secret/g] } } } };
    for (let i = 0; i < 3; i++) expect((await decide(policy, "t", {}, { note: "top secret" })).outcome).toBe("denied");
    expect((await decide(policy, "t", {}, { note: "fine" })).outcome).toBe("ran");
  });

  it("asks the approver only when the approval condition holds", async () => {
    const approver = scriptedApprover(["reject"]);
    const sink = memorySink();
    const warden = createWarden({
      identity: idp.identity,
      audit: { sink },
      approvals: { approver },
      policy: { tools: { t: { scopes: [], approval: { when: ({ args }) => Number(args.amount) > 100 } } } },
    });
    const principal = await warden.authenticate(await idp.issue({}));
    const guarded = warden.tool(echo("t"));
    await guarded.invoke({ amount: 50 }, warden.config(principal));
    expect(approver.requests).toHaveLength(0);
    await expect(guarded.invoke({ amount: 500 }, warden.config(principal))).rejects.toBeInstanceOf(ApprovalRejectedError);
    expect(approver.requests).toHaveLength(1);
    expect(sink.ofType("approval.requested")[0]?.data).toMatchObject({ quorum: 1 });
    expect(sink.ofType("approval.rejected")).toHaveLength(1);
  });

  it("asks for approval when the approval condition throws (fail closed)", async () => {
    const approver = scriptedApprover(["reject"]);
    const warden = createWarden({
      audit: { sink: memorySink() },
      identity: idp.identity,
      approvals: { approver },
      policy: {
        tools: {
          t: {
            scopes: [],
            approval: {
              when: () => {
                throw new Error("x");
              },
            },
          },
        },
      },
    });
    const principal = await warden.authenticate(await idp.issue({}));
    await expect(warden.tool(echo("t")).invoke({}, warden.config(principal))).rejects.toBeInstanceOf(ApprovalRejectedError);
    expect(approver.requests).toHaveLength(1);
  });

  it("refuses calls that need approval when the guard has no approver (standalone guardTool)", async () => {
    const sink = memorySink();
    const guarded = guardTool(echo("t"), { policy: { tools: { t: { scopes: [], approval: true } } }, audit: { sink } });
    const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: {} });
    const principal = await warden.authenticate(await idp.issue({}));
    await expect(guarded.invoke({}, { configurable: { __warden_principal: principal } })).rejects.toBeInstanceOf(AccessDeniedError);
    expect(sink.ofType("access.denied")[0]?.data).toMatchObject({ effect: "needs-approval", code: "approval-required", rule: "tools.t.approval" });
  });
});

describe("hostile claims and conditions", () => {
  it("a role named after an Object.prototype key grants nothing and is refused on the record", async () => {
    const { outcome, event } = await decide({ roles: { admin: ["*"] }, tools: { t: { scopes: ["x:y"] } } }, "t", { roles: ["__proto__", "constructor", "toString"] }, {});
    expect(outcome).toBe("denied");
    expect(event?.data?.code).toBe("missing-scope");
  });
});
