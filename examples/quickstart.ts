/**
 * Quick start: guard an agent's tools with Warden.
 *
 *   npm run build && npx tsx examples/quickstart.ts
 *
 * Runs offline: a test identity provider mints the bearer token and a scripted
 * model stands in for a real chat model. In an application, point `identity`
 * at your IdP (issuer, audience, jwksUri) and pass your chat model instead.
 */
import { tool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { z } from "zod";
import { createWarden, memorySink } from "langchain-warden";
import { createTestIdentity } from "langchain-warden/testing";
import { callTool, lastToolMessage, ScriptedChatModel, textOf } from "./support/scripted-model.js";

// Your identity provider; here an in-memory one that signs real ES256 tokens.
const idp = createTestIdentity({ issuer: "https://idp.example.com/", audience: "support-api" });

const searchOrders = tool(async ({ query }) => `order ${query}: shipped`, {
  name: "search_orders",
  description: "Search orders",
  schema: z.object({ query: z.string() }),
});

const audit = memorySink(); // in production: a durable sink
const warden = createWarden({
  identity: idp.identity, // in production: { issuer, audience, jwksUri }
  policy: { tools: { search_orders: { scopes: ["orders:read"] } } },
  audit: { sink: audit },
});

// The bearer token of the request; Warden verifies it and mints the principal.
const bearerToken = await idp.issue({ sub: "alice", scope: "orders:read" });
const principal = await warden.authenticate(bearerToken);

const model = new ScriptedChatModel([
  callTool("search_orders", { query: "A-1042" }, "call_1"),
  (messages) => `Order status: ${textOf(lastToolMessage(messages))}`,
]);
const agent = createAgent({ model, tools: warden.tools([searchOrders]), checkpointer: new MemorySaver() });

const result = await agent.invoke(
  { messages: [{ role: "user", content: "Where is order A-1042?" }] },
  warden.config(principal, { configurable: { thread_id: "quickstart" } }),
);

console.log(textOf(result.messages.at(-1)));
for (const event of audit.events) console.log(`audit: ${event.type} ${event.actor.sub} ${event.reason ?? ""}`.trimEnd());
await warden.close();
