/** The part of an agent the HTTP service uses: run or resume a thread, read its state. */
import type { BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Command } from "@langchain/langgraph";

/** A user's turn, as the service hands it to the agent. */
export interface ChatInput {
  messages: { role: "user"; content: string }[];
}

/** What a run returns: the thread's messages, and its interrupts when it paused. */
export interface AgentOutput {
  messages: BaseMessage[];
  __interrupt__?: unknown;
}

/** An agent with a checkpointer (LangChain `createAgent`, a compiled LangGraph graph, …). */
export interface ServiceAgent {
  /** Runs a turn, or resumes a paused thread with a `Command`. */
  invoke(input: ChatInput | Command, config: RunnableConfig): Promise<AgentOutput>;
  /** The thread's state snapshot (its pending interrupts included). */
  getState(config: RunnableConfig): Promise<unknown>;
}
