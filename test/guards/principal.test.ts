import { tool } from "@langchain/core/tools";
import { createWarden, InvalidTokenError, MissingPrincipalError } from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const START = Date.UTC(2030, 0, 1);

function setup() {
  const clock = fakeClock(START);
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const ran: string[] = [];
  const warden = createWarden({ identity: idp.identity, clock, audit: { sink }, policy: { tools: { search_orders: { scopes: ["orders:read"] } } } });
  const search = warden.tool(
    tool(async ({ query }) => (ran.push(query), `found ${query}`), { name: "search_orders", description: "Search", schema: z.object({ query: z.string() }) }),
  );
  return { clock, idp, sink, ran, warden, search };
}

describe("the principal of a guarded call", () => {
  it("is refused at exactly its expiresAt, and accepted a millisecond before", async () => {
    const { clock, idp, sink, ran, warden, search } = setup();
    const alice = await warden.authenticate(await idp.issue({ sub: "alice", tenant: "acme", scope: "orders:read" }, { expiresIn: 60 }));
    expect(alice.expiresAt).toBe(START + 60_000);
    const config = warden.config(alice);

    clock.set(alice.expiresAt - 1);
    await expect(search.invoke({ query: "a" }, config)).resolves.toBe("found a");

    clock.set(alice.expiresAt);
    const error = await search.invoke({ query: "b" }, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ reason: "expired", claim: "exp", message: "Token expired" });
    expect(ran).toEqual(["a"]);
    expect(sink.ofType("access.denied")).toEqual([
      expect.objectContaining({
        type: "access.denied",
        outcome: "denied",
        actor: { sub: "alice", tenant: "acme" },
        target: { kind: "tool", name: "search_orders" },
        reason: "token expired",
        // The refusal belongs to the run of the call, like every other event of it.
        run: expect.objectContaining({ id: expect.any(String) }),
      }),
    ]);
  });

  it("records a missing and a foreign principal as denied, for an anonymous actor", async () => {
    const { sink, ran, search } = setup();
    const other = setup();
    const foreign = await other.warden.authenticate(await other.idp.issue({ sub: "mallory", scope: "orders:read" }));
    await expect(search.invoke({ query: "a" })).rejects.toBeInstanceOf(MissingPrincipalError);
    const error = await search.invoke({ query: "b" }, other.warden.config(foreign)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingPrincipalError);
    expect((error as Error).message).toBe("The run config carries a principal that no trusted verifier minted");
    expect(ran).toEqual([]);
    expect(sink.ofType("access.denied").map(({ outcome, actor, target, reason }) => ({ outcome, actor, target, reason }))).toEqual([
      { outcome: "denied", actor: { sub: "anonymous" }, target: { kind: "tool", name: "search_orders" }, reason: "no principal in the run config" },
      {
        outcome: "denied",
        actor: { sub: "anonymous" },
        target: { kind: "tool", name: "search_orders" },
        reason: "the principal was not minted by this warden's verifier",
      },
    ]);
  });
});
