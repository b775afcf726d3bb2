/**
 * Benchmark: the pause-and-resume cycle of a Warden approval against the same
 * cycle done with LangGraph alone. The figure is a ratio against the baseline
 * measured in the same run, as the median of several rounds.
 *
 *   npm run build && npx tsx bench/approvals.ts      (also part of `npm run bench`)
 *
 * One cycle = invoke a one-node graph on a fresh thread until it pauses, read
 * the pending interrupt, resume it with `Command`, and get the tool's result.
 * Both graphs are `StateGraph(MessagesAnnotation)` → `ToolNode` with
 * `MemorySaver`, fed the same `AIMessage` tool call:
 *
 * - baseline: a plain tool whose body calls `interrupt()`; resumed with
 *   `new Command({ resume: { [interruptId]: "approve" } })`.
 * - warden: the guarded tool (a policy rule that needs approval by a manager
 *   scope); the request is read with `pendingApprovals()` and resumed with a
 *   real decision `{ requestId, decision: "approve", approverToken }` that
 *   Warden verifies (bound request id, ES256 approver token, scope, approver ≠
 *   requester), then the audit events approval.requested, approval.granted,
 *   access.allowed and tool.end are recorded (signed checkpoints, memory sink).
 *
 * Two more variants, informative only, split the difference: `wardenNoHandler`
 * is the warden cycle with the audit callback handler left out of the run
 * config (the guard and the approval alone; in this graph the handler records
 * nothing, guarded tools record their own lifecycle), and `baselineHandler` is
 * the baseline with one no-op callback handler (LangChain's callback machinery
 * alone). The approver-token verification is timed on its own as well.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Command, interrupt, MemorySaver, MessagesAnnotation, StateGraph, type Interrupt } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { z } from "zod";
import { createWarden, generateAuditKeys, pendingApprovals, type Principal, type Warden } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";

const ROUNDS = 7;
const ROUND_MS = 400;
const TARGET = 1.2;
const started = performance.now();

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const fixed = (n: number, digits = 2) => Number(n.toFixed(digits));

const schema = z.object({ id: z.string() });
const toolCall = { id: "call_bench", name: "delete_customer", args: { id: "cus_42" } };
const input = () => ({ messages: [new AIMessage({ content: "", tool_calls: [toolCall] })] });
type State = { messages: unknown[]; __interrupt__?: Interrupt[] };

/** A graph of one ToolNode over `tools`, with a fresh MemorySaver. */
function toolGraph(tools: ConstructorParameters<typeof ToolNode>[0]) {
  return new StateGraph(MessagesAnnotation)
    .addNode("tools", new ToolNode(tools))
    .addEdge("__start__", "tools")
    .compile({ checkpointer: new MemorySaver() });
}

function check(key: string, result: State): void {
  const last = result.messages.at(-1);
  if (!(last instanceof ToolMessage) || last.content !== "deleted cus_42" || result.__interrupt__?.length) {
    throw new Error(`${key}: the cycle did not end with the tool's result`);
  }
}

interface Variant {
  key: string;
  /** One pause-and-resume cycle on thread `thread`. */
  cycle(thread: string): Promise<void>;
  /** Runs between rounds, outside the timed section. */
  reset(): void;
}

// ── Baseline: LangGraph alone ───────────────────────────────────────────────

const plainDelete = tool(
  async ({ id }) => {
    const answer = interrupt({ ask: "delete?", id });
    return answer === "approve" ? `deleted ${id}` : "not deleted";
  },
  { name: "delete_customer", description: "Delete a customer record", schema },
);
let plainGraph = toolGraph([plainDelete]);
const resetPlain = () => {
  plainGraph = toolGraph([plainDelete]);
};

/** A callback handler that does nothing: what any handler costs LangChain's callback machinery. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop";
  override awaitHandlers = true;
}
const noop = new NoopHandler();

/** One baseline cycle; `withHandler` adds the no-op callback handler to the run config. */
async function baselineCycle(key: string, thread: string, withHandler: boolean): Promise<void> {
  const config: RunnableConfig = { configurable: { thread_id: thread }, ...(withHandler ? { callbacks: [noop] } : {}) };
  const paused = (await plainGraph.invoke(input(), config)) as State;
  const interruptId = paused.__interrupt__?.[0]?.id;
  if (!interruptId) throw new Error(`${key}: the graph did not pause`);
  check(key, (await plainGraph.invoke(new Command({ resume: { [interruptId]: "approve" } }), config)) as State);
}
const baseline: Variant = { key: "baseline", cycle: (thread) => baselineCycle("baseline", thread, false), reset: resetPlain };
const baselineHandler: Variant = { key: "baselineHandler", cycle: (thread) => baselineCycle("baselineHandler", thread, true), reset: resetPlain };

// ── Warden: a guarded tool whose rule needs a manager's approval ────────────

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
let wardenGraph = toolGraph([guardedDelete]);
const requester: Principal = await warden.authenticate(await idp.issue({ sub: "alice", scope: "customers:delete" }, { expiresIn: "2h" }));
const approverToken = await idp.issue({ sub: "mgr", scope: "approvals:customers" }, { expiresIn: "2h" });
/** One Warden cycle; `withHandler: false` leaves the audit callback handler out of the run config. */
async function wardenCycle(key: string, thread: string, withHandler: boolean): Promise<void> {
  const full = warden.config(requester, { configurable: { thread_id: thread } });
  const { callbacks: _handler, ...bare } = full;
  const config = withHandler ? full : bare;
  const paused = await wardenGraph.invoke(input(), config);
  const [pending] = pendingApprovals(paused);
  if (!pending) throw new Error(`${key}: the graph did not pause for approval`);
  const decision = { requestId: pending.request.id, decision: "approve" as const, approverToken };
  check(key, (await wardenGraph.invoke(new Command({ resume: { [pending.interruptId]: decision } }), config)) as State);
}
const resetWarden = () => {
  wardenGraph = toolGraph([guardedDelete]);
  sink.clear();
};
const guarded: Variant = { key: "warden", cycle: (thread) => wardenCycle("warden", thread, true), reset: resetWarden };
const guardedNoHandler: Variant = { key: "wardenNoHandler", cycle: (thread) => wardenCycle("wardenNoHandler", thread, false), reset: resetWarden };

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

const variants = [baseline, guarded, guardedNoHandler, baselineHandler];
// Warm-up; the slowest variant sizes the batch, and every variant runs the same number of cycles.
let slowest = 0;
for (const variant of variants) slowest = Math.max(slowest, await timeCycles(variant, 100));
const cycles = Math.max(100, Math.round((ROUND_MS * 1000) / slowest));

interface Round {
  round: number;
  order: string[];
  us: Record<string, number>;
  ratio: Record<string, number>;
}
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
const medians = Object.fromEntries(variants.map((v) => [v.key, fixed(medianOf((r) => r.us[v.key] as number))]));
const ratio = ratios.warden as number;

// The approver-token check on its own: ES256 signature and claims, as Warden verifies each decision's token.
const verifyRounds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const start = performance.now();
  for (let i = 0; i < 200; i++) await warden.authenticate(approverToken);
  verifyRounds.push(((performance.now() - start) * 1000) / 200);
}
const tokenVerifyUs = fixed(median(verifyRounds));
const seconds = fixed((performance.now() - started) / 1000, 1);

console.log("approvals: pause-and-resume cycle of a Warden approval vs LangGraph interrupt() + Command (ToolNode, MemorySaver)");
for (const r of rounds) {
  console.log(`   round ${r.round}: ${variants.map((v) => `${v.key} ${r.us[v.key]} µs (×${r.ratio[v.key]})`).join(", ")}`);
}
console.log(
  `   ${cycles} cycles per variant per round: baseline ${medians.baseline} µs, warden ${medians.warden} µs per cycle → ratio ${ratio} (target ≤ ${TARGET})`,
);
console.log(
  `   breakdown: without the audit callback handler ×${ratios.wardenNoHandler}; baseline with a no-op callback handler ×${ratios.baselineHandler}; one approver-token verification ${tokenVerifyUs} µs on its own`,
);
console.log(`measured in ${seconds} s on node ${process.version}; µs figures are informative only`);

writeFileSync(
  new URL("./approvals-results.json", import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds: ROUNDS, cycles, target: TARGET, ratio, ratios, medians, tokenVerifyUs, runs: rounds, seconds }, null, 2)}\n`,
);
console.log("wrote bench/approvals-results.json");
await warden.close();
