import type { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createWarden, NestingLimitError } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

/** `{ next: { next: … } }`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let current = root;
  for (let i = 1; i < levels; i++) {
    const next: Record<string, unknown> = {};
    current.next = next;
    current = next;
  }
  current.leaf = "ana.lopez@example.com";
  return root;
}

async function setup(options: { onDenied?: "throw" | "message"; masking?: Record<string, unknown> | false } = {}) {
  const idp = createTestIdentity();
  const sink = memorySink();
  const ran: unknown[] = [];
  const warden = createWarden({
    identity: idp.identity,
    policy: { tools: { store: { scopes: [] }, fetch: { scopes: [] } }, ...(options.onDenied ? { onDenied: options.onDenied } : {}) },
    audit: { sink },
    ...(options.masking !== undefined ? { masking: options.masking as never } : {}),
  });
  const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
  const store = tool(async ({ data }) => (ran.push(data), "stored"), { name: "store", description: "Store", schema: z.object({ data: z.any() }) });
  return { sink, warden, config, ran, store };
}

const call = (args: Record<string, unknown>) => ({ type: "tool_call" as const, id: "call_1", name: "store", args });

describe("arguments nested too deep to digest", () => {
  it("are refused with NestingLimitError, recorded as access.denied, and the tool never runs", async () => {
    const { sink, warden, config, ran, store } = await setup({ onDenied: "throw" });
    const error = await warden
      .tool(store)
      .invoke({ data: nested(300) }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NestingLimitError);
    expect((error as NestingLimitError).code).toBe("WARDEN_TOO_DEEP");
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied")).toMatchObject([{ outcome: "denied", target: { name: "store" }, data: { code: "too-deep", argsDigest: null } }]);
    expect(sink.ofType("access.allowed")).toEqual([]);
  });

  it("are answered with an error ToolMessage by default, and recorded", async () => {
    const { sink, warden, config, ran, store } = await setup();
    const reply = (await warden.tool(store).invoke(call({ data: nested(300) }), config)) as ToolMessage;
    expect(reply.status).toBe("error");
    expect(reply.content).toBe('Access denied: the arguments of the tool "store" are nested too deeply.');
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied").map((e) => e.data?.code)).toEqual(["too-deep"]);
  });

  it("are refused and recorded at a depth that would overflow the stack, and when circular", async () => {
    const { sink, warden, config, ran, store } = await setup({ onDenied: "throw", masking: { maskModelInput: true } });
    await expect(warden.tool(store).invoke({ data: nested(20_000) }, config)).rejects.toBeInstanceOf(NestingLimitError);
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    await expect(warden.tool(store).invoke({ data: circular }, config)).rejects.toBeInstanceOf(NestingLimitError);
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied").map((e) => e.data?.code)).toEqual(["too-deep", "too-deep"]);
  });

  it("runs a call nested within the limit", async () => {
    const { sink, warden, config, ran, store } = await setup();
    await warden.tool(store).invoke(call({ data: nested(200) }), config);
    expect(ran).toHaveLength(1);
    expect(sink.ofType("access.allowed")).toHaveLength(1);
  });
});

describe("outputs nested too deep to digest", () => {
  for (const masking of [{}, false] as const) {
    it(`fail closed and are recorded as tool.error (masking ${masking === false ? "off" : "on"})`, async () => {
      const { sink, warden, config } = await setup({ masking });
      const fetch = tool(async () => nested(300), { name: "fetch", description: "Fetch", schema: z.object({}) });
      const error = await warden
        .tool(fetch)
        .invoke({}, config)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NestingLimitError);
      expect(sink.ofType("tool.error")).toMatchObject([{ outcome: "failure", data: { error: "WARDEN_TOO_DEEP" } }]);
      expect(sink.ofType("tool.end")).toEqual([]);
      expect(JSON.stringify(sink.events)).not.toContain("ana.lopez");
    });
  }
});
