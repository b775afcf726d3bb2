import { tool } from "@langchain/core/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AccessDeniedError, createWarden, type PolicyInput } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";

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
      { tools: { t: { scopes: [], when: () => { throw new Error("boom"); } } } },
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

  it("refuses calls that need approval until an approver is configured, and says so", async () => {
    const policy = { tools: { t: { scopes: [], approval: { when: ({ args }: { args: Record<string, unknown> }) => Number(args.amount) > 100 } } } };
    expect((await decide(policy, "t", {}, { amount: 50 })).outcome).toBe("ran");
    const big = await decide(policy, "t", {}, { amount: 500 });
    expect(big.outcome).toBe("denied");
    expect(big.event?.data).toMatchObject({ effect: "needs-approval", code: "approval-required", rule: "tools.t.approval" });
    expect((await decide({ tools: { t: { scopes: [], approval: true } } }, "t", {}, {})).outcome).toBe("denied");
  });

  it("asks for approval when the approval condition throws (fail closed)", async () => {
    const policy = { tools: { t: { scopes: [], approval: { when: () => { throw new Error("x"); } } } } };
    expect((await decide(policy, "t", {}, {})).outcome).toBe("denied");
  });
});
