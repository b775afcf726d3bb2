import type { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { createWarden, type PolicyInput } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const idp = createTestIdentity();
const SQL_GUARD = /\b(drop|truncate|delete)\b/i;

/** A `run_sql` tool behind a warden whose rule denies `patterns`; `ran` lists what reached the tool. */
async function setup(patterns: RegExp[] = [SQL_GUARD]) {
  const sink = memorySink();
  const ran: unknown[] = [];
  const runSql = tool(async (args) => (ran.push(args), "ok"), {
    name: "run_sql",
    description: "Run SQL",
    schema: z.object({
      sql: z.string().optional(),
      batch: z.array(z.object({ statement: z.string() })).optional(),
      params: z.record(z.string(), z.string()).optional(),
    }),
  });
  const policy: PolicyInput = { tools: { run_sql: { scopes: ["db:query"], deny: { args: patterns } } } };
  const warden = createWarden({ identity: idp.identity, policy, audit: { sink } });
  const principal = await warden.authenticate(await idp.issue({ sub: "dba", scope: "db:query" }));
  const guarded = warden.tool(runSql);
  let n = 0;
  const call = async (args: Record<string, unknown>) =>
    (await guarded.invoke({ type: "tool_call", id: `call-${++n}`, name: "run_sql", args }, warden.config(principal))) as ToolMessage;
  return { sink, ran, call };
}

describe("deny patterns see each string argument as written", () => {
  it.each([
    ["a newline before the statement", { sql: "\nDROP TABLE users" }],
    ["a tab before the statement", { sql: "\tDELETE FROM users" }],
    ["a statement nested in an array of objects", { batch: [{ statement: "select 1" }, { statement: "select 2;\nTRUNCATE users" }] }],
    ["a statement written as an object key", { params: { "x\nDROP TABLE users": "1" } }],
  ])("refuses %s and records access.denied", async (_, args) => {
    const { sink, ran, call } = await setup();
    const result = await call(args);
    expect(result.status).toBe("error");
    expect(ran).toEqual([]);
    const denied = sink.ofType("access.denied");
    expect(denied).toHaveLength(1);
    expect(denied[0]?.data).toMatchObject({ code: "denied-args", rule: "tools.run_sql.deny.args[0]" });
    expect(sink.ofType("access.allowed")).toEqual([]);
  });

  it("still lets harmless statements through", async () => {
    const { ran, call, sink } = await setup();
    await call({ sql: "SELECT * FROM users\nWHERE dropped_at IS NULL", batch: [{ statement: "select\t1" }], params: { "a\tb": "c" } });
    expect(ran).toHaveLength(1);
    expect(sink.ofType("access.denied")).toEqual([]);
  });

  it("keeps matching patterns that need the structure against the canonical JSON", async () => {
    const { ran, call, sink } = await setup([/"params":\{"role":"admin"\}/]);
    await call({ params: { role: "admin" } });
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied")[0]?.data).toMatchObject({ code: "denied-args", rule: "tools.run_sql.deny.args[0]" });
    await call({ params: { role: "reader" } });
    expect(ran).toHaveLength(1);
  });

  it("names the first pattern that matches any text", async () => {
    const { call, sink } = await setup([/never/, /\btruncate\b/i]);
    await call({ batch: [{ statement: "\ntruncate orders" }] });
    expect(sink.ofType("access.denied")[0]?.data?.rule).toBe("tools.run_sql.deny.args[1]");
  });

  it("denies every time with a pattern carrying both the g and i flags (no lastIndex state)", async () => {
    const { ran, call, sink } = await setup([/\bdrop\b/gi]);
    for (const sql of ["DROP TABLE a", "\ndrop table b", "x;\tDrOp TABLE c", "DROP TABLE a"]) {
      const result = await call({ sql });
      expect(result.status).toBe("error");
    }
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied")).toHaveLength(4);
  });

  it("denies every time with a g and i pattern that only the canonical JSON can match", async () => {
    const { ran, call, sink } = await setup([/"sql":"drop/gi]);
    for (let i = 0; i < 3; i++) expect((await call({ sql: "DROP TABLE a" })).status).toBe("error");
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied")).toHaveLength(3);
  });
});
