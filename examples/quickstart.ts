/**
 * The README quick start, runnable offline:
 *
 *   npm run build && npx tsx examples/quickstart.ts
 *
 * Two stand-ins keep it free of keys and network: a test identity provider
 * (real ES256 tokens from an in-memory key) instead of your IdP's JWKS, and a
 * scripted chat model instead of a real one. Everything else is as in an
 * application.
 */
import { tool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { createWarden, getPrincipal, memorySink } from "langchain-warden";
import { createTestIdentity, scriptedChatModel } from "langchain-warden/testing";
import { z } from "zod";
import { callTool, lastToolMessage, textOf } from "./support/messages.js";

const searchOrders = tool(async ({ query }, config) => `orders of ${getPrincipal(config)?.sub} matching ${query}: A-1042 (shipped)`, {
  name: "search_orders",
  description: "Search the caller's orders",
  schema: z.object({ query: z.string() }),
});
const refundOrder = tool(async ({ orderId, amount }) => `refunded ${amount} on ${orderId}`, {
  name: "refund_order",
  description: "Refund an order",
  schema: z.object({ orderId: z.string(), amount: z.number() }),
});

// Stand-in for your IdP: in an application, `identity` is { issuer, audience, jwksUri }.
const idp = createTestIdentity({ issuer: "https://idp.example.com/", audience: "support-api" });
const audit = memorySink();

const warden = createWarden({
  identity: idp.identity,
  policy: {
    roles: { manager: ["orders:*"] },
    tools: {
      search_orders: { scopes: ["orders:read"] },
      refund_order: { scopes: ["orders:refund"], when: ({ args }) => (Number(args.amount) <= 1000 ? true : "refunds over 1000 go through finance") },
    },
  },
  audit: { sink: audit },
});

// In an application: the request's Authorization header as it comes (string | undefined).
const headers: { authorization?: string } = { authorization: `Bearer ${await idp.issue({ sub: "alice", scope: "orders:read" })}` };
const principal = await warden.authenticate(headers.authorization); // InvalidTokenError if absent or not valid

// Stand-in for a chat model: asks for one tool call, then answers from its result.
const model = scriptedChatModel([callTool("search_orders", { query: "last week" }, "call_1"), (messages) => `You have one recent order: ${textOf(lastToolMessage(messages))}`]);

const agent = createAgent({ model, tools: warden.toolsFor(principal, [searchOrders, refundOrder]), checkpointer: new MemorySaver() });
const result = await agent.invoke({ messages: [{ role: "user", content: "Where is my order?" }] }, warden.config(principal, { configurable: { thread_id: "t-1" } }));

console.log(`tools offered to the model: ${model.lastBoundTools?.join(", ")}`);
console.log(`answer: ${textOf(result.messages.at(-1))}`);
console.log(`audit: ${audit.events.map((e) => `${e.type} (${e.actor.sub} → ${e.target.name})`).join(", ")}`);
await warden.close();
