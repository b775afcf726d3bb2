import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { AccessDeniedError, createWarden, getPrincipal, InvalidTokenError, MissingPrincipalError, type Principal } from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

function setup() {
  const clock = fakeClock();
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const ran: unknown[] = [];
  const searchOrders = tool(
    async ({ query }, config) => {
      ran.push({ tool: "search_orders", query, sub: getPrincipal(config)?.sub });
      return `orders matching ${query}`;
    },
    { name: "search_orders", description: "Search orders", schema: z.object({ query: z.string() }) },
  );
  const refund = tool(
    async ({ orderId, amount }) => {
      ran.push({ tool: "refund_order", orderId, amount });
      return "refunded";
    },
    { name: "refund_order", description: "Refund", schema: z.object({ orderId: z.string(), amount: z.number() }) },
  );
  const runSql = tool(
    async ({ sql }) => {
      ran.push({ tool: "run_sql", sql });
      return "ok";
    },
    { name: "run_sql", description: "SQL", schema: z.object({ sql: z.string() }) },
  );
  const unlisted = tool(async () => "x", { name: "unlisted", description: "no rule", schema: z.object({}) });
  const warden = createWarden({
    identity: idp.identity,
    clock,
    audit: { sink },
    policy: {
      roles: { support: ["orders:read"] },
      tools: {
        search_orders: { scopes: ["orders:read"] },
        refund_order: {
          scopes: ["orders:refund"],
          when: ({ args }) => (Number(args.amount) <= 1000 ? true : "refunds over 1000 are not allowed"),
        },
        run_sql: { scopes: ["db:query"], deny: { args: [/\b(drop|delete|truncate)\b/i] } },
      },
    },
  });
  return { clock, idp, sink, ran, warden, tools: { searchOrders, refund, runSql, unlisted } };
}

const call = (name: string, args: Record<string, unknown>, id = "call-1") => ({ type: "tool_call" as const, id, name, args });

describe("guarded tools", () => {
  it("keeps the wrapped tool's name, description and schema", () => {
    const { warden, tools } = setup();
    const guarded = warden.tool(tools.searchOrders);
    expect(guarded.name).toBe("search_orders");
    expect(guarded.description).toBe("Search orders");
    expect(guarded.schema).toBe(tools.searchOrders.schema);
  });

  it("runs an in-scope call and records access.allowed with an argument digest", async () => {
    const { warden, tools, idp, sink, ran } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "alice", scope: "orders:read" }));
    const result = await warden.tool(tools.searchOrders).invoke(call("search_orders", { query: "quartz-77" }), warden.config(principal));
    expect(result).toBeInstanceOf(ToolMessage);
    expect((result as ToolMessage).content).toBe("orders matching quartz-77");
    expect(ran).toEqual([{ tool: "search_orders", query: "quartz-77", sub: "alice" }]);
    const [allowed] = sink.ofType("access.allowed");
    expect(allowed?.actor).toEqual({ sub: "alice" });
    expect(allowed?.data?.argsDigest).toBe(warden.audit.digest({ query: "quartz-77" }));
    expect(JSON.stringify(sink.events)).not.toContain("quartz-77");
  });

  it("refuses an out-of-scope call with an error ToolMessage and records it", async () => {
    const { warden, tools, idp, sink, ran } = setup();
    const principal = await warden.authenticate(await idp.issue({ sub: "bob", scope: "orders:read" }));
    const result = (await warden.tool(tools.refund).invoke(call("refund_order", { orderId: "o1", amount: 5 }), warden.config(principal))) as ToolMessage;
    expect(result.status).toBe("error");
    expect(result.tool_call_id).toBe("call-1");
    expect(String(result.content)).not.toContain("orders:refund");
    expect(ran).toEqual([]);
    const [denied] = sink.ofType("access.denied");
    expect(denied?.reason).toContain("orders:refund");
    expect(denied?.data?.rule).toBe("tools.refund_order.scopes");
  });

  it("throws AccessDeniedError with onDenied: throw", async () => {
    const { warden, tools, idp } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "orders:read" }));
    await expect(warden.tool(tools.refund, { onDenied: "throw" }).invoke(call("refund_order", { orderId: "o1", amount: 5 }), warden.config(principal))).rejects.toBeInstanceOf(
      AccessDeniedError,
    );
  });

  it("denies a tool with no rule, and toolsFor hides it", async () => {
    const { warden, tools, idp, sink } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "orders:read" }));
    const result = (await warden.tool(tools.unlisted).invoke(call("unlisted", {}), warden.config(principal))) as ToolMessage;
    expect(result.status).toBe("error");
    expect(sink.ofType("access.denied")[0]?.data?.code).toBe("no-rule");
    const visible = warden.toolsFor(principal, [tools.searchOrders, tools.refund, tools.runSql, tools.unlisted]).map((t) => t.name);
    expect(visible).toEqual(["search_orders"]);
  });

  it("expands roles into scopes and honours wildcards", async () => {
    const { warden, tools, idp, ran } = setup();
    const viaRole = await warden.authenticate(await idp.issue({ sub: "r", roles: ["support"] }));
    await warden.tool(tools.searchOrders).invoke({ query: "a" }, warden.config(viaRole));
    const viaWildcard = await warden.authenticate(await idp.issue({ sub: "w", scp: ["orders:*"] }));
    await warden.tool(tools.refund).invoke({ orderId: "o", amount: 1 }, warden.config(viaWildcard));
    expect(ran.map((r) => (r as { tool: string }).tool)).toEqual(["search_orders", "refund_order"]);
  });

  it("refuses arguments matching a deny pattern and a failing condition", async () => {
    const { warden, tools, idp, sink, ran } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "db:query orders:refund" }));
    const sql = (await warden.tool(tools.runSql).invoke(call("run_sql", { sql: "DROP TABLE users" }), warden.config(principal))) as ToolMessage;
    expect(sql.status).toBe("error");
    const big = (await warden.tool(tools.refund).invoke(call("refund_order", { orderId: "o", amount: 5000 }), warden.config(principal))) as ToolMessage;
    expect(String(big.content)).toContain("refunds over 1000 are not allowed");
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied").map((e) => e.data?.code)).toEqual(["denied-args", "condition"]);
  });

  it("validates arguments against the schema before any check", async () => {
    const { warden, tools, idp, sink } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "orders:read" }));
    await expect(warden.tool(tools.searchOrders).invoke({ query: 42 } as never, warden.config(principal))).rejects.toThrow(/schema/);
    expect(sink.events.filter((e) => e.type.startsWith("access."))).toEqual([]);
  });

  it("throws MissingPrincipalError without a principal, or with a look-alike, and records it", async () => {
    const { warden, tools, idp, sink, ran } = setup();
    const guarded = warden.tool(tools.searchOrders);
    await expect(guarded.invoke(call("search_orders", { query: "x" }))).rejects.toBeInstanceOf(MissingPrincipalError);
    const real = await warden.authenticate(await idp.issue({ scope: "orders:read" }));
    const forged = { ...real } as Principal;
    await expect(guarded.invoke(call("search_orders", { query: "x" }), { configurable: { __warden_principal: forged } })).rejects.toBeInstanceOf(MissingPrincipalError);
    expect(() => warden.config(forged)).toThrow(MissingPrincipalError);
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied").map((e) => e.actor.sub)).toEqual(["anonymous", "anonymous"]);
  });

  it("refuses a principal of another warden's identity provider", async () => {
    const { warden, tools } = setup();
    const other = setup();
    const foreign = await other.warden.authenticate(await other.idp.issue({ scope: "orders:read" }));
    await expect(warden.tool(tools.searchOrders).invoke({ query: "x" }, { configurable: { __warden_principal: foreign } })).rejects.toBeInstanceOf(MissingPrincipalError);
  });

  it("checks token expiry again at every call", async () => {
    const { warden, tools, idp, clock, ran } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "orders:read" }, { expiresIn: 60 }));
    const config = warden.config(principal);
    await warden.tool(tools.searchOrders).invoke({ query: "a" }, config);
    clock.advance(61_000);
    const error = await warden
      .tool(tools.searchOrders)
      .invoke({ query: "b" }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect((error as InvalidTokenError).reason).toBe("expired");
    expect(ran).toHaveLength(1);
  });

  it("principals are immutable", async () => {
    const { warden, idp } = setup();
    const principal = await warden.authenticate(await idp.issue({ scope: "orders:read" }));
    expect(Object.isFrozen(principal)).toBe(true);
    expect(() => (principal.scopes as string[]).push("admin")).toThrow();
    expect(JSON.stringify(principal)).not.toContain("orders:read");
  });
});

describe("onDenied", () => {
  it("can be set once for the whole warden, and a rule still overrides it", async () => {
    const idp = createTestIdentity();
    const warden = createWarden({
      audit: { sink: memorySink() },
      identity: idp.identity,
      onDenied: "throw",
      policy: { tools: { quiet: { scopes: ["x:y"], onDenied: "message" }, loud: { scopes: ["x:y"] } } },
    });
    const principal = await warden.authenticate(await idp.issue({}));
    const make = (name: string) => tool(async () => "ran", { name, description: name, schema: z.object({}) });
    await expect(warden.tool(make("loud")).invoke(call("loud", {}), warden.config(principal))).rejects.toBeInstanceOf(AccessDeniedError);
    const reply = (await warden.tool(make("quiet")).invoke(call("quiet", {}), warden.config(principal))) as ToolMessage;
    expect(reply.status).toBe("error");
  });
});
