import { tool } from "@langchain/core/tools";
import { createWarden, scopeGrants } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

describe("scope wildcards", () => {
  it("a middle wildcard stands for exactly one segment: it grants no longer and no shorter scope", () => {
    expect(scopeGrants("orders:*:read", "orders:eu:read")).toBe(true);
    expect(scopeGrants("orders:*:read", "orders:eu:read:all")).toBe(false);
    expect(scopeGrants("orders:*:read", "orders:eu")).toBe(false);
    expect(scopeGrants("orders:*:read", "orders")).toBe(false);
    expect(scopeGrants("orders:*:read", "orders:eu:write")).toBe(false);
    expect(scopeGrants("orders:*:read", "billing:eu:read")).toBe(false);
  });

  it("a trailing wildcard grants one or more further segments, never the bare prefix", () => {
    expect(scopeGrants("orders:*", "orders:read")).toBe(true);
    expect(scopeGrants("orders:*", "orders:refund:large")).toBe(true);
    expect(scopeGrants("orders:*", "orders")).toBe(false);
    expect(scopeGrants("orders:*", "billing:read")).toBe(false);
    expect(scopeGrants("*", "anything:at:all")).toBe(true);
  });

  it("a scope without a wildcard grants only itself, and a required scope is literal", () => {
    expect(scopeGrants("orders:read", "orders:read")).toBe(true);
    expect(scopeGrants("orders:read", "orders:read:all")).toBe(false);
    expect(scopeGrants("orders:read", "orders:*")).toBe(false);
  });
});

describe("toolsFor and tools with several scopes", () => {
  async function offered(scope: string): Promise<string[]> {
    const idp = createTestIdentity();
    const warden = createWarden({
      identity: idp.identity,
      audit: { sink: memorySink() },
      policy: {
        tools: {
          refund_order: { scopes: ["orders:read", "orders:refund"] },
          search_orders: { scopes: ["orders:read"] },
        },
      },
    });
    const make = (name: string) => tool(async () => "ok", { name, description: name, schema: z.object({}) });
    const principal = await warden.authenticate(await idp.issue({ sub: "alice", scope }));
    return warden.toolsFor(principal, [make("refund_order"), make("search_orders")]).map((t) => t.name);
  }

  it("does not offer a tool to a principal holding only one of its scopes", async () => {
    expect(await offered("orders:read")).toEqual(["search_orders"]);
    expect(await offered("orders:refund")).toEqual([]);
  });

  it("offers it when the principal holds every one of them", async () => {
    expect(await offered("orders:read orders:refund")).toEqual(["refund_order", "search_orders"]);
  });
});
