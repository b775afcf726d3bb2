/**
 * A service calls the agent's tools with an API key; a person approves. Runnable offline:
 *
 *   npm run build && npx tsx examples/api-keys.ts
 *
 * The key's record (a digest, never the key) would live in Redis or PostgreSQL
 * (`redisApiKeyStore`, `postgresApiKeyStore`); an in-memory list stands in.
 */
import { tool } from "@langchain/core/tools";
import { createApiKey, createWarden, InvalidTokenError, isWardenApiKey, memoryApiKeyStore } from "langchain-warden";
import { memorySink } from "langchain-warden/testing";
import { z } from "zod";

// Created once (or with `warden keys api create`): the key goes to the service, the record to the store.
const { key, record } = createApiKey({ sub: "billing-service", tenant: "acme", scopes: ["orders:read"] });
const store = memoryApiKeyStore([record]);

const audit = memorySink();
const warden = createWarden({
  identity: { apiKeys: { store } },
  policy: {
    tools: {
      search_orders: { scopes: ["orders:read"] },
      // Only people may refund, whatever scopes a key carries.
      refund_order: { scopes: ["orders:read"], callers: ["user"] },
    },
  },
  audit: { sink: audit },
});

const searchOrders = tool(async ({ query }) => `orders matching ${query}: A-1042`, {
  name: "search_orders",
  description: "Search orders",
  schema: z.object({ query: z.string() }),
});
const refundOrder = tool(async ({ orderId }) => `refunded ${orderId}`, { name: "refund_order", description: "Refund an order", schema: z.object({ orderId: z.string() }) });

// The request's header as it comes: `Authorization: Bearer wdn_live_…`.
const service = await warden.authenticate(`Bearer ${key}`);
console.log(`authenticated ${service.sub} (kind ${service.kind}, tenant ${service.tenant})`);
const config = warden.config(service);
console.log(await warden.tool(searchOrders).invoke({ query: "last week" }, config));
const refused = await warden.tool(refundOrder).invoke({ id: "call_1", name: "refund_order", args: { orderId: "A-1042" }, type: "tool_call" }, config);
console.log(`refund by a service: ${refused.content}`);

// A key that lands in a tool output or a log is masked like any secret.
console.log(`masked: ${warden.masker?.mask(`the key is ${key}`).text} (recognised: ${isWardenApiKey(key)})`);

// Revoked: refused from the next request on.
await store.revoke(record.id);
try {
  await warden.authenticate(key);
} catch (error) {
  if (!(error instanceof InvalidTokenError)) throw error;
  console.log(`after revocation: ${error.code}, reason ${error.reason}`);
}
console.log(`audit: ${audit.events.map((e) => e.type).join(", ")}`);
await warden.close();
