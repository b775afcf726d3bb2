import { tool } from "@langchain/core/tools";
import { AccessDeniedError, type Condition, createWarden, type PolicyInput } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();

/** Calls tool `t` under `when` and returns the refusal (or "ran") and the access event recorded. */
async function underCondition(when: Condition) {
  const sink = memorySink();
  const warden = createWarden({ identity: idp.identity, audit: { sink }, policy: { tools: { t: { scopes: [], when } } } });
  const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
  const echo = tool(async () => "ran", { name: "t", description: "t", schema: z.object({}) });
  const outcome = await warden
    .tool(echo, { onDenied: "throw" })
    .invoke({}, warden.config(principal))
    .catch((error: unknown) => error);
  return { outcome, event: sink.events.find((e) => e.type.startsWith("access.")) };
}

describe("the decision of a when condition", () => {
  it.each([
    ["false", () => false],
    ["undefined", () => undefined as never],
    ["an empty string", () => ""],
    ["a number", () => 1 as never],
    ["a promise of false", async () => false],
  ])("returning %s denies with code condition, the fixed reason and rule tools.t.when", async (_, when) => {
    const { outcome, event } = await underCondition(when as Condition);
    expect(outcome).toBeInstanceOf(AccessDeniedError);
    expect((outcome as AccessDeniedError).reason).toBe("the policy condition was not met");
    expect(event).toMatchObject({
      type: "access.denied",
      outcome: "denied",
      reason: "the policy condition was not met",
      data: { code: "condition", effect: "deny", rule: "tools.t.when" },
    });
  });

  it("returning a string denies with that string as the reason", async () => {
    const { outcome, event } = await underCondition(() => "refunds over 1000 go through finance");
    expect((outcome as AccessDeniedError).reason).toBe("refunds over 1000 go through finance");
    expect(event).toMatchObject({ reason: "refunds over 1000 go through finance", data: { code: "condition", rule: "tools.t.when" } });
  });

  it("throwing denies with code condition-error and a reason that says nothing of the error", async () => {
    const { outcome, event } = await underCondition(() => {
      throw new Error("db password hunter2 rejected");
    });
    expect(outcome).toBeInstanceOf(AccessDeniedError);
    expect(event).toMatchObject({ reason: "the policy condition could not be evaluated", data: { code: "condition-error", rule: "tools.t.when" } });
    expect(JSON.stringify(event)).not.toContain("hunter2");
  });

  it("returning true (or a promise of true) allows, recorded with code allowed and rule tools.t", async () => {
    for (const when of [() => true, async () => true] as Condition[]) {
      const { outcome, event } = await underCondition(when);
      expect(outcome).toBe("ran");
      expect(event).toMatchObject({ type: "access.allowed", reason: "allowed by policy", data: { code: "allowed", effect: "allow", rule: "tools.t" } });
    }
  });
});

describe("chat model decisions", () => {
  /** Calls a model guarded under `name` by a principal with `scope`: the outcome and the access event. */
  async function callModel(policy: PolicyInput, name: string, scope?: string) {
    const sink = memorySink();
    const warden = createWarden({ identity: idp.identity, audit: { sink }, policy });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann", ...(scope ? { scope } : {}) }));
    const outcome = await warden
      .model(scriptedChatModel(["hello"]), name)
      .invoke("hi", warden.config(principal))
      .then((message) => message.content)
      .catch((error: unknown) => error);
    return { outcome, event: sink.events.find((e) => e.type.startsWith("access.")) };
  }

  it("a rule without scopes lets any verified principal call the model, recorded as allowed on models.<name>", async () => {
    const { outcome, event } = await callModel({ models: { default: {} } }, "default");
    expect(outcome).toBe("hello");
    expect(event).toMatchObject({
      type: "access.allowed",
      target: { kind: "model", name: "default" },
      reason: "allowed by policy",
      data: { code: "allowed", effect: "allow", rule: "models.default" },
    });
  });

  it("a model with no rule of its own falls back to models.default; with neither it is refused as no-rule, naming both", async () => {
    const fallback = await callModel({ models: { default: {} } }, "reasoning");
    expect(fallback.outcome).not.toBeInstanceOf(Error);
    expect(fallback.event).toMatchObject({ type: "access.allowed", target: { kind: "model", name: "reasoning" }, data: { rule: "models.default" } });
    const { outcome, event } = await callModel({ models: { small: {} } }, "reasoning");
    expect(outcome).toBeInstanceOf(AccessDeniedError);
    expect((outcome as AccessDeniedError).reason).toBe("no policy rule for this model (policy.models.reasoning or policy.models.default)");
    expect(event).toMatchObject({
      type: "access.denied",
      target: { kind: "model", name: "reasoning" },
      reason: 'no policy rule for model "reasoning" and no default model rule',
      data: { code: "no-rule", effect: "deny", rule: "models" },
    });
  });

  it("a missing scope is refused as missing-scope on models.<name>.scopes; holding it allows", async () => {
    const policy = { models: { reasoning: { scopes: ["llm:premium"] } } };
    const refused = await callModel(policy, "reasoning", "llm:use");
    expect(refused.outcome).toBeInstanceOf(AccessDeniedError);
    expect((refused.outcome as AccessDeniedError).reason).toBe("you are not permitted to use this model");
    expect(refused.event).toMatchObject({ reason: "missing scope llm:premium", data: { code: "missing-scope", effect: "deny", rule: "models.reasoning.scopes" } });
    const allowed = await callModel(policy, "reasoning", "llm:*");
    expect(allowed.outcome).toBe("hello");
    expect(allowed.event?.data).toMatchObject({ code: "allowed", rule: "models.reasoning" });
  });
});
