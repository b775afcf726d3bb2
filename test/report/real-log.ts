import { readFileSync } from "node:fs";
import { tool } from "@langchain/core/tools";
import { type AuditKeyPair, createWarden, generateAuditKeys, jsonlSink } from "langchain-warden";
import { createTestIdentity, scriptedApprover } from "langchain-warden/testing";
import { z } from "zod";

/** A tool name and a denial reason an attacker could choose: markup that must stay text. */
export const HOSTILE_TOOL = "<script>window.__pwned=1</script>";
export const HOSTILE_REASON = `<img src=x onerror="window.__pwned=2"> is not allowed`;

/**
 * Writes a real, signed audit log at `path` by running a warden: a rejected
 * token, allowed and denied calls (one to a tool named with markup), masked
 * output, a rate limit, approvals granted and rejected.
 */
export async function writeRealLog(path: string, keys: AuditKeyPair = generateAuditKeys()): Promise<AuditKeyPair> {
  const idp = createTestIdentity();
  const warden = createWarden({
    identity: idp.identity,
    audit: { sink: jsonlSink(path), signingKey: keys.privateKey },
    approvals: {
      approver: scriptedApprover([
        { decision: "approve", approver: "carol" },
        { decision: "reject", approver: "dave" },
      ]),
    },
    policy: {
      tools: {
        search_orders: { scopes: ["orders:read"] },
        refund_order: { scopes: ["orders:refund"] },
        lookup: { scopes: [], perUser: "1/min" },
        delete_customer: { scopes: [], approval: true },
        [HOSTILE_TOOL]: { scopes: [], when: () => HOSTILE_REASON },
      },
    },
  });
  const make = (name: string, body: (args: Record<string, unknown>) => string) =>
    tool(async (args) => body(args), { name, description: name, schema: z.object({ id: z.string() }) });
  await warden.authenticate("not-a-token").catch(() => undefined);
  const alice = await warden.authenticate(await idp.issue({ sub: "alice", tenant: "acme", scope: "orders:read" }));
  const bob = await warden.authenticate(await idp.issue({ sub: "bob", tenant: "acme" }));
  const search = warden.tool(make("search_orders", ({ id }) => `order ${String(id)}: contact jane.doe@example.com, card 4111 1111 1111 1111`));
  await search.invoke({ id: "o-1" }, warden.config(alice));
  await search.invoke({ id: "o-2" }, warden.config(alice));
  await warden
    .tool(make("refund_order", () => "refunded"))
    .invoke({ id: "o-1" }, warden.config(alice))
    .catch(() => undefined);
  await warden
    .tool(make(HOSTILE_TOOL, () => "ran"))
    .invoke({ id: "x" }, warden.config(bob))
    .catch(() => undefined);
  const lookup = warden.tool(make("lookup", () => "found"));
  await lookup.invoke({ id: "1" }, warden.config(bob));
  await lookup.invoke({ id: "2" }, warden.config(bob)).catch(() => undefined);
  const del = warden.tool(make("delete_customer", ({ id }) => `deleted ${String(id)}`));
  await del.invoke({ id: "cus_1" }, warden.config(alice));
  await del.invoke({ id: "cus_2" }, warden.config(alice)).catch(() => undefined);
  await warden.close();
  return keys;
}

/** The lines of a log file as parsed events. */
export function readEvents(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
