/**
 * Benchmark: the pause-and-resume cycle of a Warden approval against the same
 * cycle done with LangGraph alone. Every figure is a ratio against the baseline
 * measured in the same run, as the median of several rounds.
 *
 *   npm run build && npx tsx bench/approvals.ts      (also part of `npm run bench`)
 *
 * One cycle = invoke a graph on a fresh thread until it pauses, read the
 * pending interrupt, resume it with `Command`, and check the end result. Two
 * graphs, each with `MemorySaver`:
 *
 * - `toolNode`: `StateGraph(MessagesAnnotation)` → `ToolNode`, fed an
 *   `AIMessage` with the tool call (the smallest graph that can pause a tool);
 * - `agent`: langchain's `createAgent` with a scripted model that asks for the
 *   delete, then answers "done" after the tool's result (model → tools →
 *   model, as an agent app runs).
 *
 * Four variants per graph, run in alternating order:
 *
 * - `baseline`: a plain tool whose body calls `interrupt()`; resumed with
 *   `new Command({ resume: { [interruptId]: "approve" } })`.
 * - `warden`: the guarded tool (a rule that needs a manager's approval),
 *   `warden.config(requester)`; the request read with `pendingApprovals()` and
 *   resumed with a real decision `{ requestId, decision: "approve",
 *   approverToken }` that Warden verifies (bound request id, ES256 approver
 *   token, scope, approver ≠ requester, single use); the audit events
 *   approval.requested, approval.granted, access.allowed and tool.end are
 *   recorded (signed checkpoints, memory sink).
 * - `wardenNoHandler`: `warden` with the audit callback handler left out of the
 *   run config: the guard and the approval alone (the guarded tool records its
 *   own events either way).
 * - `baselineHandler`: `baseline` with one no-op callback handler: what any
 *   callback handler (LangSmith tracing, Warden's audit handler) costs
 *   LangChain's callback machinery.
 *
 * The approver-token verification is also timed on its own, in full and when
 * the token was verified before.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { Command, interrupt, MemorySaver, MessagesAnnotation, StateGraph, type Interrupt } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import { z } from "zod";
import { createWarden, generateAuditKeys, pendingApprovals, type Principal, type Warden } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { fixed, median } from "./stats.js";

const ROUNDS = 9;
const ROUND_MS = 400;
const TARGET = 1.2;
const started = performance.now();


// ── The subjects ────────────────────────────────────────────────────────────

const schema = z.object({ id: z.string() });
const toolCall = { id: "call_bench", name: "delete_customer", args: { id: "cus_42" } };
type State = { messages: BaseMessage[]; __interrupt__?: Interrupt[] };

interface GraphShape {
  name: "toolNode" | "agent";
  /** A fresh compiled graph over `tools`, with its own MemorySaver. */
  build(tools: StructuredToolInterface[]): { invoke(input: unknown, config: RunnableConfig): Promise<unknown> };
  input(): { messages: BaseMessage[] };
  /** True when the resumed run ended as it should (the tool ran with the approved arguments). */
  finished(state: State): boolean;
}

const shapes: GraphShape[] = [
  {
    name: "toolNode",
    build: (tools) =>
      new StateGraph(MessagesAnnotation).addNode("tools", new ToolNode(tools)).addEdge("__start__", "tools").compile({ checkpointer: new MemorySaver() }),
    input: () => ({ messages: [new AIMessage({ content: "", tool_calls: [toolCall] })] }),
    finished: (state) => {
      const last = state.messages.at(-1);
      return last instanceof ToolMessage && last.content === "deleted cus_42";
    },
  },
  {
    name: "agent",
    build: (tools) =>
      createAgent({ model: scriptedChatModel([[{ name: "delete_customer", args: toolCall.args }], "done"]), tools, checkpointer: new MemorySaver() }),
    input: () => ({ messages: [new HumanMessage("please delete customer cus_42")] }),
    finished: (state) => {
      const result = state.messages.find((m): m is ToolMessage => m instanceof ToolMessage);
      return result?.content === "deleted cus_42" && state.messages.at(-1)?.content === "done";
    },
  },
];

/** A callback handler that does nothing: what any handler costs LangChain's callback machinery. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop";
  override awaitHandlers = true;
}
const noop = new NoopHandler();

const plainDelete = tool(
  async ({ id }) => {
    const answer = interrupt({ ask: "delete?", id });
    return answer === "approve" ? `deleted ${id}` : "not deleted";
  },
  { name: "delete_customer", description: "Delete a customer record", schema },
);

const idp = createTestIdentity();
const sink = memorySink();
const warden: Warden = createWarden({
  identity: idp.identity,
  policy: {
    tools: { delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } } },
  },
  audit: { sink, signingKey: generateAuditKeys().privateKey },
});
const innerDelete = tool(async ({ id }) => `deleted ${id}`, { name: "delete_customer", description: "Delete a customer record", schema });
const guardedDelete = warden.tool(innerDelete);
const requester: Principal = await warden.authenticate(await idp.issue({ sub: "alice", scope: "customers:delete" }, { expiresIn: "2h" }));
const approverToken = await idp.issue({ sub: "mgr", scope: "approvals:customers" }, { expiresIn: "2h" });

interface Variant {
  key: string;
  /** One pause-and-resume cycle on thread `thread`. */
  cycle(thread: string): Promise<void>;
  /** Runs between rounds, outside the timed section. */
  reset(): void;
}

function variantsOf(shape: GraphShape): Variant[] {
  let plainGraph = shape.build([plainDelete]);
  let wardenGraph = shape.build([guardedDelete]);
  const resetPlain = () => {
    plainGraph = shape.build([plainDelete]);
  };
  const resetWarden = () => {
    wardenGraph = shape.build([guardedDelete]);
    sink.clear();
  };
  const done = (key: string, state: State) => {
    if (!shape.finished(state) || state.__interrupt__?.length) throw new Error(`${shape.name}/${key}: the cycle did not end with the tool's result`);
  };

  async function baselineCycle(key: string, thread: string, withHandler: boolean): Promise<void> {
    const config: RunnableConfig = { configurable: { thread_id: thread }, ...(withHandler ? { callbacks: [noop] } : {}) };
    const paused = (await plainGraph.invoke(shape.input(), config)) as State;
    const interruptId = paused.__interrupt__?.[0]?.id;
    if (!interruptId) throw new Error(`${shape.name}/${key}: the graph did not pause`);
    done(key, (await plainGraph.invoke(new Command({ resume: { [interruptId]: "approve" } }), config)) as State);
  }

  /** One Warden cycle; `withHandler: false` leaves the audit callback handler out of the run config. */
  async function wardenCycle(key: string, thread: string, withHandler: boolean): Promise<void> {
    const full = warden.config(requester, { configurable: { thread_id: thread } });
    const { callbacks: _handler, ...bare } = full;
    const config = withHandler ? full : bare;
    const paused = await wardenGraph.invoke(shape.input(), config);
    const [pending] = pendingApprovals(paused);
    if (!pending) throw new Error(`${shape.name}/${key}: the graph did not pause for approval`);
    const decision = { requestId: pending.request.id, decision: "approve" as const, approverToken };
    done(key, (await wardenGraph.invoke(new Command({ resume: { [pending.interruptId]: decision } }), config)) as State);
  }

  return [
    { key: "baseline", cycle: (thread) => baselineCycle("baseline", thread, false), reset: resetPlain },
    { key: "warden", cycle: (thread) => wardenCycle("warden", thread, true), reset: resetWarden },
    { key: "wardenNoHandler", cycle: (thread) => wardenCycle("wardenNoHandler", thread, false), reset: resetWarden },
    { key: "baselineHandler", cycle: (thread) => baselineCycle("baselineHandler", thread, true), reset: resetPlain },
  ];
}

// ── Measurement ─────────────────────────────────────────────────────────────

let threadNo = 0;
/** Mean µs per cycle of `variant` over `n` sequential cycles, each on a fresh thread. */
async function timeCycles(variant: Variant, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await variant.cycle(`${variant.key}-${++threadNo}`);
  const us = ((performance.now() - start) * 1000) / n;
  variant.reset();
  return us;
}

interface Round {
  round: number;
  order: string[];
  us: Record<string, number>;
  ratio: Record<string, number>;
}

interface ShapeResult {
  cycles: number;
  /** warden / baseline: the headline figure. */
  ratio: number;
  /** Medians of each variant's per-round ratio to `baseline`. */
  ratios: Record<string, number>;
  /** Median of warden / baselineHandler: the approval on a graph whose runs already have a callback handler. */
  ratioVsHandlerBaseline: number;
  medians: Record<string, number>;
  runs: Round[];
}

async function measure(shape: GraphShape): Promise<ShapeResult> {
  const variants = variantsOf(shape);
  // Warm-up; the slowest variant sizes the batch, and every variant runs the same number of cycles.
  let slowest = 0;
  for (const variant of variants) slowest = Math.max(slowest, await timeCycles(variant, 60));
  const cycles = Math.max(60, Math.round((ROUND_MS * 1000) / slowest));
  const rounds: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    const us: Record<string, number> = {};
    for (const variant of order) us[variant.key] = await timeCycles(variant, cycles);
    const base = us.baseline as number;
    rounds.push({
      round,
      order: order.map((v) => v.key),
      us: Object.fromEntries(variants.map((v) => [v.key, fixed(us[v.key] as number)])),
      ratio: Object.fromEntries(variants.map((v) => [v.key, fixed((us[v.key] as number) / base, 3)])),
    });
  }
  const medianOf = (pick: (r: Round) => number) => median(rounds.map(pick));
  const ratios = Object.fromEntries(variants.map((v) => [v.key, fixed(medianOf((r) => r.ratio[v.key] as number), 3)]));
  return {
    cycles,
    ratio: ratios.warden as number,
    ratios,
    ratioVsHandlerBaseline: fixed(medianOf((r) => (r.us.warden as number) / (r.us.baselineHandler as number)), 3),
    medians: Object.fromEntries(variants.map((v) => [v.key, fixed(medianOf((r) => r.us[v.key] as number))])),
    runs: rounds,
  };
}

console.log("approvals: pause-and-resume cycle of a Warden approval vs LangGraph interrupt() + Command (MemorySaver)");
const graphs: Record<string, ShapeResult> = {};
for (const shape of shapes) {
  const result = await measure(shape);
  graphs[shape.name] = result;
  const { ratios, medians } = result;
  console.log(
    `   ${shape.name}: baseline ${medians.baseline} µs, warden ${medians.warden} µs per cycle → ×${result.ratio} (target ≤ ${TARGET}); ` +
      `the approval alone (no audit handler) ×${ratios.wardenNoHandler}; a no-op handler on the baseline ×${ratios.baselineHandler}, ` +
      `warden against it ×${result.ratioVsHandlerBaseline} (${result.cycles} cycles × ${ROUNDS} rounds)`,
  );
}

// The approver-token check on its own: in full (ES256 signature and claims through jose, as for a
// token seen for the first time), and a token presented again (the verified-token cache).
const uncachedWarden = createWarden({ identity: { ...idp.identity, tokenCache: false }, policy: { tools: {} } });
async function verifyUs(subject: Warden): Promise<number> {
  const perRound: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < 200; i++) await subject.authenticate(approverToken);
    perRound.push(((performance.now() - start) * 1000) / 200);
  }
  return fixed(median(perRound));
}
const tokenVerifyUs = await verifyUs(uncachedWarden);
const tokenCachedUs = await verifyUs(warden);
await uncachedWarden.close();
console.log(`   approver-token verification: ${tokenVerifyUs} µs in full, ${tokenCachedUs} µs when the token was verified before`);

const seconds = fixed((performance.now() - started) / 1000, 1);
console.log(`measured in ${seconds} s on node ${process.version}; µs figures are informative only`);
writeFileSync(
  new URL("./approvals-results.json", import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds: ROUNDS, target: TARGET, graphs, tokenVerifyUs, tokenCachedUs, seconds }, null, 2)}\n`,
);
console.log("wrote bench/approvals-results.json");
await warden.close();
