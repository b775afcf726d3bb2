import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { type Command, type Interrupt, interrupt } from "@langchain/langgraph";
import { createWarden, getPrincipal } from "langchain-warden";
import { createTestIdentity, fakeClock, type IssueOptions, memorySink } from "langchain-warden/testing";
import { z } from "zod";

/** What a tool body saw when it ran. */
export interface ToolRun {
  tool: string;
  args: Record<string, unknown>;
  /** `getPrincipal(config)?.sub` inside the body. */
  sub: string | undefined;
  /** `getPrincipal()?.sub` (no argument) inside the body. */
  bareSub: string | undefined;
  threadId: unknown;
}

/** Records the errors LangChain reports for tool runs. */
export class ToolErrorCatcher extends BaseCallbackHandler {
  name = "tool_error_catcher";
  override awaitHandlers = true;
  readonly errors: unknown[] = [];

  override handleToolError(error: unknown): void {
    this.errors.push(error);
  }
}

/** A warden with the reference policy, its test identity provider, an audit sink, and recording tools. */
export function setup() {
  const clock = fakeClock();
  const idp = createTestIdentity({ clock });
  const sink = memorySink();
  const ran: ToolRun[] = [];
  /** Side effects a test can plug into tool bodies. */
  const hooks: { search?: (query: string) => void | Promise<void> } = {};

  const record = (name: string, args: Record<string, unknown>, config: { configurable?: Record<string, unknown> }) => {
    ran.push({
      tool: name,
      args,
      sub: getPrincipal(config)?.sub,
      bareSub: getPrincipal()?.sub,
      threadId: config.configurable?.thread_id,
    });
  };

  const searchOrders = tool(
    async ({ query }, config) => {
      await hooks.search?.(query);
      record("search_orders", { query }, config);
      return `orders matching ${query} for ${getPrincipal(config)?.sub ?? "nobody"}`;
    },
    { name: "search_orders", description: "Search orders", schema: z.object({ query: z.string() }) },
  );
  const refundOrder = tool(
    async ({ orderId, amount }, config) => {
      record("refund_order", { orderId, amount }, config);
      return "refunded";
    },
    { name: "refund_order", description: "Refund an order", schema: z.object({ orderId: z.string(), amount: z.number() }) },
  );
  const runSql = tool(
    async ({ sql }, config) => {
      record("run_sql", { sql }, config);
      return "ok";
    },
    { name: "run_sql", description: "Run SQL", schema: z.object({ sql: z.string() }) },
  );
  const unlisted = tool(
    async (_input, config) => {
      record("unlisted", {}, config);
      return "unlisted ran";
    },
    { name: "unlisted", description: "A tool with no policy rule", schema: z.object({}) },
  );
  const cancelOrder = tool(
    async ({ orderId }, config) => {
      const answer: unknown = interrupt({ ask: "confirm", orderId });
      record("cancel_order", { orderId, answer }, config);
      return `cancelled ${orderId}: ${String(answer)}`;
    },
    { name: "cancel_order", description: "Cancel an order after confirmation", schema: z.object({ orderId: z.string() }) },
  );

  const warden = createWarden({
    identity: idp.identity,
    clock,
    audit: { sink },
    policy: {
      tools: {
        search_orders: { scopes: ["orders:read"] },
        refund_order: { scopes: ["orders:refund"] },
        run_sql: { scopes: ["db:query"], deny: { args: [/\bdrop\b/i] } },
        cancel_order: { scopes: ["orders:cancel"] },
      },
    },
  });

  const login = async (sub: string, scope: string, options?: IssueOptions) => warden.authenticate(await idp.issue({ sub, scope }, options));

  return {
    clock,
    idp,
    sink,
    ran,
    hooks,
    warden,
    login,
    tools: { searchOrders, refundOrder, runSql, unlisted, cancelOrder },
  };
}

export type Fixture = ReturnType<typeof setup>;

/** The state an agent run returns. */
export interface AgentResult {
  messages: BaseMessage[];
  __interrupt__?: Interrupt[];
}

/** What an agent run can be started or resumed with. */
export type AgentInput = { messages: BaseMessage[] } | Command;

/** An agent and a typed way to invoke it. */
export interface AgentHandle {
  agent: unknown;
  invoke(input: AgentInput, config: RunnableConfig): Promise<AgentResult>;
}

/** Wraps an agent graph so that `invoke` takes and returns the shapes these tests use. */
export function agentHandle(agent: { invoke(input: never, config: RunnableConfig): Promise<unknown> }): AgentHandle {
  return {
    agent,
    async invoke(input, config) {
      return (await agent.invoke(input as never, config)) as AgentResult;
    },
  };
}

/** A conversation opened by one human message. */
export const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

/** A run config naming a thread. */
export const thread = (thread_id: string) => ({ configurable: { thread_id } });

/** The last message of a run. */
export function lastMessage(result: AgentResult): BaseMessage | undefined {
  return result.messages.at(-1);
}

/** The ToolMessages of a conversation. */
export function toolMessages(messages: readonly BaseMessage[]): ToolMessage[] {
  return messages.filter((message): message is ToolMessage => ToolMessage.isInstance(message));
}

/** A promise that settles once `count` parties have arrived. */
export function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    arrived++;
    if (arrived >= count) open();
    return opened;
  };
}

/** The text of the latest human message. */
export function lastHumanText(messages: readonly BaseMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (HumanMessage.isInstance(message)) return message.text;
  }
  return "";
}
