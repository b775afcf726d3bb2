/**
 * The support agent behind the HTTP service: three tools over a small
 * customer store, the policy that guards them, and a scripted chat model so the
 * service runs offline (swap in any LangChain chat model).
 */

import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import type { PolicyInput, Warden } from "langchain-warden";
import { type ScriptedAnswer, scriptedChatModel, turnIndex } from "langchain-warden/testing";
import { z } from "zod";
import type { ServiceAgent } from "./service-agent.js";

/** One customer of the demo store. */
export interface Customer {
  id: string;
  name: string;
  email: string;
}

/** One order of the demo store. */
export interface Order {
  id: string;
  customerId: string;
  status: string;
  total: number;
}

/**
 * The application's data: customers and orders, kept in memory. `deleted`
 * and `refunds` list what the tools did, in order, so a test can tell that a
 * destructive call ran exactly once.
 */
export class CustomerStore {
  readonly customers = new Map<string, Customer>();
  readonly orders = new Map<string, Order>();
  readonly deleted: { customerId: string; reason: string }[] = [];
  readonly refunds: { orderId: string; amount: number }[] = [];

  /** A store with two customers and their orders. */
  static demo(): CustomerStore {
    const store = new CustomerStore();
    for (const customer of [
      { id: "cus_42", name: "Ada Lovelace", email: "ada.lovelace@example.com" },
      { id: "cus_43", name: "Alan Turing", email: "alan.turing@example.com" },
    ]) {
      store.customers.set(customer.id, customer);
    }
    for (const order of [
      { id: "ORD-1042", customerId: "cus_42", status: "shipped on 3 March", total: 89.9 },
      { id: "ORD-1043", customerId: "cus_43", status: "awaiting payment", total: 240 },
    ]) {
      store.orders.set(order.id, order);
    }
    return store;
  }
}

/** The tools of the support agent, unguarded: the service guards them with the warden. */
export function supportTools(store: CustomerStore) {
  const searchOrders = tool(
    async ({ orderId }) => {
      const order = store.orders.get(orderId);
      if (!order) return `no order ${orderId}`;
      const customer = store.customers.get(order.customerId);
      return `${order.id} for ${customer?.email ?? "a deleted customer"}: ${order.status}, total ${order.total.toFixed(2)} EUR`;
    },
    { name: "search_orders", description: "Look up an order by id", schema: z.object({ orderId: z.string().max(32) }) },
  );
  const refundOrder = tool(
    async ({ orderId, amount }) => {
      if (!store.orders.has(orderId)) return `no order ${orderId}`;
      store.refunds.push({ orderId, amount });
      return `refunded ${amount.toFixed(2)} EUR on ${orderId}`;
    },
    { name: "refund_order", description: "Refund part or all of an order", schema: z.object({ orderId: z.string().max(32), amount: z.number().positive() }) },
  );
  const deleteCustomer = tool(
    async ({ customerId, reason }) => {
      if (!store.customers.delete(customerId)) return `no customer ${customerId}`;
      store.deleted.push({ customerId, reason });
      return `deleted customer ${customerId}`;
    },
    {
      name: "delete_customer",
      description: "Erase a customer record, saying why",
      schema: z.object({ customerId: z.string().max(32), reason: z.string().max(500) }),
    },
  );
  return [searchOrders, refundOrder, deleteCustomer];
}

/** Settings of {@link supportPolicy}. */
export interface SupportPolicyOptions {
  /** Model calls per user, e.g. `"5/min"` (default `"20/min"`). */
  perUser?: string;
  /** Tokens per user and day (default 200,000). */
  tokensPerUserDay?: number;
}

/**
 * The policy of the support service. Chatting at all needs `support:chat` (the
 * model rule); each tool has its own scope; deleting a customer waits for a
 * person holding `approvals:customers`. The `manager` role grants what a shift
 * lead holds.
 */
export function supportPolicy(options: SupportPolicyOptions = {}): PolicyInput {
  return {
    roles: { manager: ["support:chat", "orders:*", "approvals:customers"] },
    models: {
      default: {
        scopes: ["support:chat"],
        perUser: options.perUser ?? "20/min",
        tokens: { perUser: { day: options.tokensPerUserDay ?? 200_000 } },
        maxInputTokens: 16_000,
      },
    },
    tools: {
      search_orders: { scopes: ["orders:read"] },
      refund_order: { scopes: ["orders:refund"] },
      delete_customer: {
        scopes: ["customers:delete"],
        risk: "destructive",
        approval: { approverScopes: ["approvals:customers"], ttl: "1h" },
      },
    },
  };
}

function textOf(message: BaseMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  return content.map((block) => ("text" in block && typeof block.text === "string" ? block.text : "")).join("");
}

/**
 * What the scripted model answers, from the conversation alone (so one model
 * serves every thread): the latest user message picks a tool, and the turn
 * after the tool answers from its result.
 *
 * - `… ORD-1042 …` → `search_orders`; `refund 20 on ORD-1042` → `refund_order`
 * - `delete customer cus_42: <reason>` → `delete_customer`
 * - anything else → a short help text
 */
export function supportScript(messages: readonly BaseMessage[]): ScriptedAnswer {
  const last = messages.at(-1);
  if (last && turnIndex(messages) > 0 && ToolMessage.isInstance(last)) {
    return last.status === "error" ? `I could not do that: ${textOf(last)}` : `Done: ${textOf(last)}.`;
  }
  const question = [...messages].reverse().find((m) => HumanMessage.isInstance(m));
  const text = question ? textOf(question) : "";
  const deletion = /delete customer (cus_\w+)(?::\s*(.+))?/i.exec(text);
  if (deletion) return [{ name: "delete_customer", args: { customerId: deletion[1], reason: deletion[2]?.trim() || "no reason given" } }];
  const refund = /refund (\d+(?:\.\d+)?) on (ORD-\d+)/i.exec(text);
  if (refund) return [{ name: "refund_order", args: { orderId: refund[2], amount: Number(refund[1]) } }];
  const order = /(ORD-\d+)/i.exec(text);
  if (order) return [{ name: "search_orders", args: { orderId: order[1]?.toUpperCase() } }];
  return "I can look up an order (ORD-…), refund one (refund 20 on ORD-…) or erase a customer (delete customer cus_…: why).";
}

/** Settings of {@link createSupportAgent}. */
export interface SupportAgentOptions {
  warden: Warden;
  store: CustomerStore;
  checkpointer: BaseCheckpointSaver;
  /** The chat model (default: the offline scripted model). It is guarded with the warden. */
  model?: BaseChatModel;
}

/**
 * The agent: a LangChain `createAgent` with the guarded model and the guarded
 * tools. Every tool is offered (a denied call comes back to the model as an
 * error message it can explain); `warden.toolsFor(principal, tools)` in an
 * agent built per principal would hide the tools a user may never use.
 */
export function createSupportAgent({ warden, store, checkpointer, model }: SupportAgentOptions): ServiceAgent {
  const agent = createAgent({
    model: warden.model(model ?? scriptedChatModel(supportScript)),
    tools: warden.tools(supportTools(store)),
    checkpointer,
  });
  return {
    invoke: (input, config) => agent.invoke(input as Parameters<typeof agent.invoke>[0], config),
    getState: (config) => agent.graph.getState(config),
  };
}
