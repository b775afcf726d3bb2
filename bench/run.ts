/**
 * Warden benchmarks: the tool guard and its audit trail. Every figure that
 * matters is a ratio against a baseline measured in the same run (machines are
 * shared and noisy; absolute times do not carry from run to run): the median
 * over interleaved rounds of the per-round ratio, with the microseconds added
 * (median of the per-round differences) beside it.
 *
 *   npm run bench        (or: npm run build && npx tsx bench/run.ts)
 *
 * 1. ToolNode graph: a one-node LangGraph graph (StateGraph → ToolNode) running
 *    one tool call, guarded / plain, with the app's own callbacks held equal
 *    (both runs with one no-op callback handler) and with none.
 * 2. createAgent step: langchain's createAgent with a scripted model (no
 *    network): model → tool → model, guarded tool / plain tool, the same two ways.
 * 3. direct: `guarded.invoke(toolCall, warden.config(principal))` / `tool.invoke(toolCall)`.
 * 4. recording alone, through the ToolNode graph: the guard recording its events
 *    to a sink whose consumer keeps nothing / the same guard recording nothing;
 *    the JSONL sink (its write before an allowed action) on its own line.
 * 5. audit events per second: signed and written, and verified.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { type StructuredToolInterface, tool } from "@langchain/core/tools";
import { MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { createAgent } from "langchain";
import {
  type AuditEvent,
  type AuditEventInput,
  AuditLog,
  callbackSink,
  createWarden,
  generateAuditKeys,
  jsonlSink,
  type Principal,
  verifyAuditLog,
  type Warden,
} from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { z } from "zod";
import { compare, describe, type Pair, pair, ROUNDS, type Variant } from "./compare.js";
import { fixed, median } from "./stats.js";

const started = performance.now();
/** CPU time per call (every thread of the process), not elapsed time: see bench/README.md. */
const CLOCK = "cpu" as const;
/**
 * Untimed calls per variant before its rounds: V8 goes on optimising a LangGraph run's code for
 * thousands of runs (about 400 µs of compiler time per run between runs 500 and 2,400 of a
 * one-node graph, 3 µs after 8,000), and a CPU clock counts the compiler's threads.
 */
const WARM_GRAPH = 8_000;
const WARM_DIRECT = 20_000;
const scratch = mkdtempSync(join(tmpdir(), "warden-bench-"));

// ── The subject: one trivial tool, plain and guarded ────────────────────────

const lookup = tool(async ({ orderId, qty }) => `${orderId}:${qty * 2}`, {
  name: "lookup_order",
  description: "Look up an order",
  schema: z.object({ orderId: z.string(), qty: z.number().int() }),
});
const args = { orderId: "o-1", qty: 21 };
const toolCall = { type: "tool_call" as const, id: "call_bench", name: "lookup_order", args };
const policy = { tools: { lookup_order: { scopes: ["orders:read"] } } };
const idp = createTestIdentity();
const token = await idp.issue({ sub: "bench", scope: "orders:read" }, { expiresIn: "1h" });
const keys = generateAuditKeys();
const clock = { now: () => Date.now() };

/** A callback handler that does nothing: what any handler (tracing, the app's own) costs LangChain's callback machinery. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop";
}
const noop = new NoopHandler();

/** An audit log that records nothing: the baseline for the cost of recording. */
class UnrecordedLog extends AuditLog {
  override async record(event: AuditEventInput): Promise<AuditEvent> {
    return event as AuditEvent;
  }
  override recordOrdered(event: AuditEventInput): AuditEvent {
    return event as AuditEvent;
  }
}

const memory = memorySink();
const memoryWarden = createWarden({ identity: idp.identity, policy, audit: { sink: memory, signingKey: keys.privateKey } });
const fileWarden = createWarden({ identity: idp.identity, policy, audit: { sink: jsonlSink(join(scratch, "guard.jsonl")), signingKey: keys.privateKey } });
// Recording alone: events built, chained, hashed, signed at checkpoints and handed to a sink that keeps
// nothing (a callback sink whose consumer discards them): no growing heap, no file write.
const forwardedWarden = createWarden({ identity: idp.identity, policy, audit: { sink: callbackSink(() => undefined), signingKey: keys.privateKey } });
const unrecordedWarden = createWarden({ identity: idp.identity, policy, audit: { log: new UnrecordedLog({ sink: memorySink(), clock }) } });
const wardens: Warden[] = [memoryWarden, fileWarden, forwardedWarden, unrecordedWarden];
const principals = new Map<Warden, Principal>();
for (const warden of wardens) principals.set(warden, await warden.authenticate(token));

/** The run config of a variant: the plain app's (nothing, or one no-op handler) or `warden.config()` on top of it. */
function configOf(warden: Warden | undefined, handler: boolean): RunnableConfig {
  const base: RunnableConfig = handler ? { callbacks: [noop] } : {};
  return warden ? warden.config(principals.get(warden)!, base) : base;
}

/** Checks a variant once before it is timed: the call must have run the tool. */
async function checked(variant: Variant, ok: (result: unknown) => boolean): Promise<Variant> {
  if (!ok(await variant.call())) throw new Error(`${variant.key}: the bench call did not run the tool`);
  variant.reset?.();
  return variant;
}

const toolResult = (messages: BaseMessage[]) => messages.find((m): m is ToolMessage => m instanceof ToolMessage);

// ── 1. ToolNode graph ───────────────────────────────────────────────────────

const toolNodeState = () => ({ messages: [new AIMessage({ content: "", tool_calls: [toolCall] })] });
const toolNodeGraph = (tools: StructuredToolInterface[]) => new StateGraph(MessagesAnnotation).addNode("tools", new ToolNode(tools)).addEdge("__start__", "tools").compile();

function toolNodeVariant(key: string, warden: Warden | undefined, handler: boolean): Promise<Variant> {
  const graph = toolNodeGraph([warden ? warden.tool(lookup) : lookup]);
  const config = configOf(warden, handler);
  const variant: Variant = { key, call: () => graph.invoke(toolNodeState(), config), ...(warden === memoryWarden ? { reset: () => memory.clear() } : {}) };
  return checked(variant, (r) => {
    const result = toolResult((r as { messages: BaseMessage[] }).messages);
    return result?.content === "o-1:42" && result.status !== "error";
  });
}

// ── 2. createAgent step ─────────────────────────────────────────────────────

function agentVariant(key: string, warden: Warden | undefined, handler: boolean): Promise<Variant> {
  const model = scriptedChatModel([[{ name: "lookup_order", args }], "done"]);
  const agent = createAgent({ model, tools: [warden ? warden.tool(lookup) : lookup] });
  const config = configOf(warden, handler);
  const variant: Variant = {
    key,
    call: () => agent.invoke({ messages: [new HumanMessage("look up order o-1")] }, config),
    reset: () => {
      model.received.length = 0;
      if (warden === memoryWarden) memory.clear();
    },
  };
  return checked(variant, (r) => {
    const messages = (r as { messages: BaseMessage[] }).messages;
    const result = toolResult(messages);
    return result?.content === "o-1:42" && result.status !== "error" && messages.at(-1)?.content === "done";
  });
}

/** Guarded / plain with the app's callbacks held equal (one no-op handler on both) and with none. */
async function graphPairs(name: string, make: (key: string, warden: Warden | undefined, handler: boolean) => Promise<Variant>) {
  const result = await compare(
    [
      await make("plain", undefined, false),
      await make("guarded", memoryWarden, false),
      await make("plainHandler", undefined, true),
      await make("guardedHandler", memoryWarden, true),
    ],
    ROUNDS,
    CLOCK,
    WARM_GRAPH,
  );
  const held = pair(result, "plainHandler", "guardedHandler");
  const none = pair(result, "plain", "guarded");
  const handlerAlone = pair(result, "plain", "plainHandler");
  console.log(`   ${name}, callbacks held equal (one no-op handler each): ${describe(held, 1.1)}`);
  console.log(`   ${name}, no callbacks:                                ${describe(none, 1.25)}`);
  console.log(`   ${name}, a no-op handler alone on the plain app:      ${describe(handlerAlone)}`);
  return { held, none, handlerAlone, us: result.us };
}

console.log("1. ToolNode graph: StateGraph → ToolNode running one tool call, guarded / plain");
const toolNode = await graphPairs("ToolNode graph", toolNodeVariant);

console.log("2. createAgent step: scripted model → tool → model, guarded tool / plain tool");
const agent = await graphPairs("createAgent step", agentVariant);

// ── 3. direct tool.invoke ───────────────────────────────────────────────────

console.log("3. direct: guarded.invoke(toolCall, warden.config(principal)) / tool.invoke(toolCall)");
const guardedLookup = memoryWarden.tool(lookup);
const directConfig = configOf(memoryWarden, false);
const directResult = await compare(
  [
    await checked({ key: "plain", call: () => lookup.invoke(toolCall) }, (r) => (r as ToolMessage).content === "o-1:42"),
    await checked(
      { key: "guarded", call: () => guardedLookup.invoke(toolCall, directConfig), reset: () => memory.clear() },
      (r) => (r as ToolMessage).content === "o-1:42" && (r as ToolMessage).status !== "error",
    ),
  ],
  ROUNDS,
  CLOCK,
  WARM_DIRECT,
);
const direct = pair(directResult, "plain", "guarded");
console.log(`   direct tool.invoke: ${describe(direct, 1.5)}`);

// ── 4. Recording alone, through the ToolNode graph ──────────────────────────

console.log("4. recording alone through the ToolNode graph (no callbacks): the guard recording / the same guard recording nothing");
const recordingResult = await compare(
  [
    await toolNodeVariant("unrecorded", unrecordedWarden, false),
    await toolNodeVariant("recording", forwardedWarden, false),
    await toolNodeVariant("memory", memoryWarden, false),
    await toolNodeVariant("jsonl", fileWarden, false),
  ],
  ROUNDS,
  CLOCK,
  WARM_GRAPH,
);
const recording = {
  alone: pair(recordingResult, "unrecorded", "recording"),
  memory: pair(recordingResult, "unrecorded", "memory"),
  jsonl: pair(recordingResult, "unrecorded", "jsonl"),
  jsonlWrite: pair(recordingResult, "recording", "jsonl"),
};
console.log(`   recording alone (events built, chained, hashed, handed to a sink keeping nothing): ${describe(recording.alone, 1.15)}`);
console.log(`   memory sink (also keeps every event on the heap):                                  ${describe(recording.memory)}`);
console.log(`   JSONL sink, the price of fail-closed (its write(2) before the allowed action), against recording alone: ${describe(recording.jsonlWrite)}`);
console.log(`   JSONL sink in all, against recording nothing:                                      ${describe(recording.jsonl)}`);

// ── 5. Audit events per second ──────────────────────────────────────────────

const EVENTS = 20_000;
const sample: AuditEventInput = {
  type: "access.allowed",
  outcome: "success",
  actor: { sub: "user-42", tenant: "acme" },
  target: { kind: "tool", name: "lookup_order" },
  reason: "allowed by policy",
  run: { id: "6f1c2b9e-8d2a-4d8e-9c55-0b7a3f1e2d4c", threadId: "thread-1" },
  data: { argsDigest: "hmac-sha256:AbCdEfGh:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", code: "allowed", effect: "allow", rule: "tools.lookup_order" },
};

async function eventsPerSecond(makeLog: () => AuditLog): Promise<number> {
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    const log = makeLog();
    const start = performance.now();
    for (let i = 0; i < EVENTS; i++) await log.record(sample);
    await log.close();
    rates.push(EVENTS / ((performance.now() - start) / 1000));
  }
  return Math.round(median(rates));
}

const recordMemory = await eventsPerSecond(() => new AuditLog({ sink: memorySink(), clock, signingKey: keys.privateKey, signIntervalMs: 0 }));
let fileIndex = 0;
const recordJsonl = await eventsPerSecond(
  () => new AuditLog({ sink: jsonlSink(join(scratch, `events-${fileIndex++}.jsonl`)), clock, signingKey: keys.privateKey, signIntervalMs: 0 }),
);
const recordStrict = await eventsPerSecond(() => new AuditLog({ sink: memorySink(), clock, signingKey: keys.privateKey, signEvery: 1, signIntervalMs: 0 }));

// Every event kept (the memory sink is a ring of 10,000 by default): the whole chain is verified.
const verifySink = memorySink({ max: Number.POSITIVE_INFINITY });
const verifyLog = new AuditLog({ sink: verifySink, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
for (let i = 0; i < 50_000; i++) await verifyLog.record(sample);
await verifyLog.close();
const verifyPath = join(scratch, "verify.jsonl");
const fileLog = new AuditLog({ sink: jsonlSink(verifyPath), clock, signingKey: keys.privateKey, signIntervalMs: 0 });
for (let i = 0; i < 50_000; i++) await fileLog.record(sample);
await fileLog.close();
const verifyRates: number[] = [];
const verifyFileRates: number[] = [];
for (let round = 0; round < 5; round++) {
  let start = performance.now();
  const report = await verifyAuditLog(verifySink.events, { publicKey: keys.publicKey });
  verifyRates.push(report.count / ((performance.now() - start) / 1000));
  if (!report.ok) throw new Error("the benchmark log did not verify");
  start = performance.now();
  const fromFile = await verifyAuditLog(verifyPath, { publicKey: keys.publicKey });
  verifyFileRates.push(fromFile.count / ((performance.now() - start) / 1000));
  if (!fromFile.ok) throw new Error("the benchmark file did not verify");
}
const verifyMemory = Math.round(median(verifyRates));
const verifyFile = Math.round(median(verifyFileRates));

console.log("5. audit events per second (median of 5 runs)");
console.log(`   signed (every 1000th) and written: memory ${recordMemory}/s, JSONL ${recordJsonl}/s; signing every event: ${recordStrict}/s`);
console.log(`   verified: ${verifyMemory}/s from memory, ${verifyFile}/s from a JSONL file (target ≥ 50,000/s)`);

const totalSeconds = fixed((performance.now() - started) / 1000, 1);
console.log(`measured in ${totalSeconds} s on node ${process.version}; CPU µs per call, compare within one run only`);

const met = (p: Pair, target: number) => ({ ...p, target, met: p.ratio <= target });
writeFileSync(
  new URL("./results.json", import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      rounds: ROUNDS,
      clock: CLOCK,
      warmCalls: { graph: WARM_GRAPH, direct: WARM_DIRECT },
      toolNode: { held: met(toolNode.held, 1.1), none: met(toolNode.none, 1.25), handlerAlone: toolNode.handlerAlone, us: toolNode.us },
      agent: { held: met(agent.held, 1.1), none: met(agent.none, 1.25), handlerAlone: agent.handlerAlone, us: agent.us },
      direct: met(direct, 1.5),
      recording: { alone: met(recording.alone, 1.15), memory: recording.memory, jsonlWrite: recording.jsonlWrite, jsonl: recording.jsonl, us: recordingResult.us },
      eventsPerSecond: { recordMemory, recordJsonl, recordSignEveryEvent: recordStrict, verifyMemory, verifyFile },
      seconds: totalSeconds,
    },
    null,
    2,
  )}\n`,
);
console.log("wrote bench/results.json");

await Promise.all(wardens.map((warden) => warden.close()));
rmSync(scratch, { recursive: true, force: true });
