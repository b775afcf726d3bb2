/**
 * Warden as createAgent middleware: one agent, compiled once, whose tools and
 * model are not wrapped, serving two users with different rights; a refund
 * waits for an approver who answers in LangChain's HITLResponse format.
 * Runnable offline:
 *
 *   npm run build && npx tsx examples/middleware.ts
 *
 * A scripted chat model stands in for a provider; with a real one, pass e.g.
 * `new ChatOpenAI({ model: "gpt-4o-mini" })` as the agent's model.
 */
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { createWarden, getPrincipal, type HITLApprovalResponse, pendingApprovals } from "langchain-warden";
import { wardenMiddleware } from "langchain-warden/middleware";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { z } from "zod";
import { lastToolMessage, textOf } from "./support/messages.js";

const idp = createTestIdentity();
const audit = memorySink();
const warden = createWarden({
  identity: idp.identity,
  policy: {
    tools: {
      search_orders: { scopes: ["orders:read"] },
      refund_order: { scopes: ["orders:refund"], approval: { when: ({ args }) => Number(args.amount) > 100, approverScopes: ["approvals:refunds"] } },
    },
    models: { default: { perUser: "30/min" } },
  },
  audit: { sink: audit },
});

// Plain LangChain tools: the middleware guards them.
const searchOrders = tool(async ({ query }, config) => `orders matching ${query} (for ${getPrincipal(config)?.sub})`, {
  name: "search_orders",
  description: "Search orders",
  schema: z.object({ query: z.string() }),
});
const refundOrder = tool(async ({ orderId, amount }) => `refunded ${amount} on ${orderId}`, {
  name: "refund_order",
  description: "Refund an order",
  schema: z.object({ orderId: z.string(), amount: z.number() }),
});

// The model asks to refund whatever the user names, then reports the last tool result.
const model = scriptedChatModel([[{ name: "refund_order", args: { orderId: "o-7", amount: 500 } }], (messages) => `result: ${textOf(lastToolMessage(messages))}`]);

// Compiled once, for every user (as a LangGraph server runs it). List the middleware last.
const agent = createAgent({ model, tools: [searchOrders, refundOrder], checkpointer: new MemorySaver(), middleware: [wardenMiddleware(warden)] });

const reader = await warden.authenticate(await idp.issue({ sub: "rita", scope: "orders:read", tenant: "acme" }));
const clerk = await warden.authenticate(await idp.issue({ sub: "carl", scope: "orders:read orders:refund", tenant: "acme" }));
const ask = { messages: [{ role: "user", content: "Refund order o-7, 500 EUR" }] };

// 1. Rita may only read: the model is offered search_orders alone, and her refund is refused.
const refused = await agent.invoke(ask, warden.config(reader, { configurable: { thread_id: "rita-1" } }));
console.log(`rita: model offered [${model.lastBoundTools?.join(", ")}]; ${textOf(refused.messages.at(-1))}`);

// 2. Carl may refund, above 100 with an approval. His principal travels in createAgent's context.
const carlRun = { context: { principal: clerk }, configurable: { thread_id: "carl-1" } };
const paused = await agent.invoke(ask, carlRun);
const [pending] = pendingApprovals(paused);
if (!pending) throw new Error("expected a pending approval");
// The interrupt value is also LangChain's HITLRequest: an inbox UI built for humanInTheLoopMiddleware shows it.
console.log(
  `carl: waiting for approval of ${pending.request.actionRequests[0].name} ${JSON.stringify(pending.request.actionRequests[0].args)}, allowed ${pending.request.reviewConfigs[0].allowedDecisions.join("/")}`,
);

// 3. The approver answers in the HITLResponse format, with their own token and the request id.
const approverToken = await idp.issue({ sub: "fiona", scope: "approvals:refunds", tenant: "acme" });
const resume: HITLApprovalResponse = { decisions: [{ type: "approve" }], approverToken, requestId: pending.request.id };
const done = await agent.invoke(new Command({ resume: { [pending.interruptId]: resume } }), carlRun);
console.log(`carl: ${textOf(done.messages.at(-1))}`);

const denied = audit.ofType("access.denied").map((event) => `${event.actor.sub} → ${event.target.name}`);
console.log(
  `audit: ${audit.events.length} events; denied: ${denied.join(", ")}; approved by ${audit
    .ofType("approval.granted")
    .map((event) => event.actor.sub)
    .join(", ")}`,
);
await warden.close();
