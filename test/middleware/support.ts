import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { type Command, type Interrupt, MemorySaver } from "@langchain/langgraph";
import { type AgentMiddleware, createAgent } from "langchain";
import { createWarden, getPrincipal, type ModelRuleInput, type Principal, type ToolRuleInput, type WardenOptions } from "langchain-warden";
import { type WardenMiddlewareOptions, wardenMiddleware } from "langchain-warden/middleware";
import { createTestIdentity, fakeClock, type IssueOptions, memorySink, type ScriptedChatModel } from "langchain-warden/testing";
import { expect } from "vitest";
import { z } from "zod";

/** The reference policy of these tests. */
export const TOOL_RULES: Record<string, ToolRuleInput> = {
  search_orders: { scopes: ["orders:read"] },
  refund_order: { scopes: ["orders:refund"], approval: { when: ({ args }) => Number(args.amount) > 100, approverScopes: ["approvals:refunds"], ttl: "2h" } },
  delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } },
};

/** What a tool body saw when it ran. */
export interface ToolRun {
  tool: string;
  args: Record<string, unknown>;
  /** `getPrincipal(config)?.sub` inside the body. */
  sub: string | undefined;
}

/** The state an agent run returns. */
export interface AgentResult {
  messages: BaseMessage[];
  __interrupt__?: Interrupt[];
}

/** Options of {@link setup}. */
export interface SetupOptions {
  models?: Record<string, ModelRuleInput>;
  masking?: WardenOptions["masking"];
}

/** A warden with the reference policy, its test identity provider, an audit sink, and unwrapped recording tools. */
export function setup(options: SetupOptions = {}) {
  const clock = fakeClock(Date.UTC(2030, 0, 1));
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const ran: ToolRun[] = [];
  const record = (name: string, args: Record<string, unknown>, config: RunnableConfig) => ran.push({ tool: name, args, sub: getPrincipal(config)?.sub });
  const searchOrders = tool(
    async ({ query }, config) => {
      record("search_orders", { query }, config);
      return `orders matching ${query} for ${getPrincipal(config)?.sub ?? "nobody"}`;
    },
    { name: "search_orders", description: "Search orders", schema: z.object({ query: z.string() }) },
  );
  const refundOrder = tool(
    async ({ orderId, amount }, config) => {
      record("refund_order", { orderId, amount }, config);
      return `refunded ${amount} on ${orderId}`;
    },
    { name: "refund_order", description: "Refund an order", schema: z.object({ orderId: z.string(), amount: z.number() }) },
  );
  const deleteCustomer = tool(
    async ({ id }, config) => {
      record("delete_customer", { id }, config);
      return `deleted ${id}`;
    },
    { name: "delete_customer", description: "Delete a customer", schema: z.object({ id: z.string() }) },
  );
  const warden = createWarden({
    identity: idp.identity,
    clock,
    audit: { sink },
    policy: { tools: TOOL_RULES, models: options.models ?? { default: {} } },
    ...(options.masking !== undefined ? { masking: options.masking } : {}),
  });
  const tokens: string[] = [];
  const token = async (sub: string, scope: string, issue?: IssueOptions) => {
    const issued = await idp.issue({ sub, scope, tenant: "acme" }, issue);
    tokens.push(issued);
    return issued;
  };
  const login = async (sub: string, scope: string, issue?: IssueOptions): Promise<Principal> => warden.authenticate(await token(sub, scope, issue));
  return {
    clock,
    idp,
    sink,
    ran,
    warden,
    token,
    login,
    tools: { searchOrders, refundOrder, deleteCustomer },
    allTools: [searchOrders, refundOrder, deleteCustomer],
    /** No event holds any token minted in this test. */
    expectNoTokens() {
      const recorded = JSON.stringify(sink.events);
      for (const issued of tokens) expect(recorded).not.toContain(issued);
    },
  };
}

/** The fixture {@link setup} returns. */
export type Fixture = ReturnType<typeof setup>;

/**
 * A real createAgent graph over unwrapped tools and an unwrapped model, with
 * Warden's middleware (after any `before` middleware) and a MemorySaver,
 * compiled once.
 */
export function guardedAgent(fx: Fixture, model: ScriptedChatModel, options: { before?: readonly AgentMiddleware[]; middleware?: WardenMiddlewareOptions } = {}) {
  const agent = createAgent({
    model,
    tools: fx.allTools,
    checkpointer: new MemorySaver(),
    middleware: [...(options.before ?? []), wardenMiddleware(fx.warden, options.middleware)] as const,
  });
  return {
    agent,
    async invoke(input: { messages: BaseMessage[] } | Command, config: RunConfig): Promise<AgentResult> {
      return (await agent.invoke(input as never, config as never)) as unknown as AgentResult;
    },
  };
}

/** What a run is invoked with: a config (`warden.config()`), and createAgent's `context`. */
export type RunConfig = RunnableConfig & { context?: { principal?: unknown } };

/** A conversation opened by one human message. */
export const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

/** The ToolMessages of a conversation. */
export function toolMessages(messages: readonly BaseMessage[]): ToolMessage[] {
  return messages.filter((message): message is ToolMessage => ToolMessage.isInstance(message));
}

/** The error at the root of `error`'s cause chain (LangChain wraps middleware errors in `MiddlewareError`). */
export function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  return current;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}
