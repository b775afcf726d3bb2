/**
 * Warden benchmarks. Every figure that matters is a ratio against a baseline
 * measured in the same run (machines are shared and noisy; absolute times do
 * not carry from run to run), taken as the median of several rounds.
 *
 *   npm run bench
 *
 * 1. guard:  a guarded tool call (with its audit events) / the plain tool.invoke
 * 2. audit:  a guarded call with recording (memory, JSONL) / the same guard with recording switched off
 * 3. events: audit events per second, signed and written (memory, JSONL), and verified
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import {
  AuditLog,
  callbackSink,
  createWarden,
  generateAuditKeys,
  jsonlSink,
  verifyAuditLog,
  type AuditEvent,
  type AuditEventInput,
  type Warden,
} from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { compare, ROUNDS, type Variant } from "./compare.js";
import { fixed, median } from "./stats.js";

const started = performance.now();
const scratch = mkdtempSync(join(tmpdir(), "warden-bench-"));

// ── The subject: one trivial tool, plain and guarded ────────────────────────

const lookup = tool(async ({ orderId, qty }) => `${orderId}:${qty * 2}`, {
  name: "lookup_order",
  description: "Look up an order",
  schema: z.object({ orderId: z.string(), qty: z.number().int() }),
});
const input = { type: "tool_call" as const, id: "call_bench", name: "lookup_order", args: { orderId: "o-1", qty: 21 } };
const policy = { tools: { lookup_order: { scopes: ["orders:read"] } } };
const idp = createTestIdentity();
const token = await idp.issue({ sub: "bench", scope: "orders:read" }, { expiresIn: "1h" });
const keys = generateAuditKeys();
const clock = { now: () => Date.now() };

/** An audit log that records nothing: the baseline for the cost of recording. */
class UnrecordedLog extends AuditLog {
  override async record(event: AuditEventInput): Promise<AuditEvent> {
    return event as AuditEvent;
  }
  override recordOrdered(event: AuditEventInput): AuditEvent {
    return event as AuditEvent;
  }
}

async function guardedVariant(key: string, warden: Warden, reset?: () => void): Promise<Variant> {
  const guarded = warden.tool(lookup);
  const config = warden.config(await warden.authenticate(token));
  const variant: Variant = { key, call: () => guarded.invoke(input, config), ...(reset ? { reset } : {}) };
  const result = await variant.call();
  if (!(result instanceof ToolMessage) || result.content !== "o-1:42" || result.status === "error") {
    throw new Error(`${key}: the guard did not allow the bench call`);
  }
  return variant;
}

const memory = memorySink();
const memoryWarden = createWarden({ identity: idp.identity, policy, audit: { sink: memory, signingKey: keys.privateKey } });
const fileWarden = createWarden({
  identity: idp.identity,
  policy,
  audit: { sink: jsonlSink(join(scratch, "guard.jsonl")), signingKey: keys.privateKey },
});
// Recording alone: events chained, hashed, signed and handed to a sink that keeps nothing (a
// callback sink whose consumer discards them), without the memory sink's growing heap or a file write.
const forwardedWarden = createWarden({
  identity: idp.identity,
  policy,
  audit: { sink: callbackSink(() => undefined), signingKey: keys.privateKey },
});
const unrecordedWarden = createWarden({ identity: idp.identity, policy, audit: { log: new UnrecordedLog({ sink: memorySink(), clock }) } });

const plain: Variant = { key: "plain", call: () => lookup.invoke(input) };
const guardedMemory = await guardedVariant("guarded", memoryWarden, () => memory.clear());
const guardedFile = await guardedVariant("guardedJsonl", fileWarden);
const guardedUnrecorded = await guardedVariant("guardedUnrecorded", unrecordedWarden);
const guardedForwarded = await guardedVariant("guardedForwarded", forwardedWarden);

console.log("1. guard: guarded tool call with its audit events vs plain tool.invoke (same tool, same ToolCall input)");
const guard = await compare([plain, guardedMemory]);
console.log(`   plain ${guard.us.plain} µs, guarded ${guard.us.guarded} µs → ratio ${guard.ratio.guarded} (target ≤ 2.0)`);

console.log("2. audit: a guarded call with recording vs the same guard recording nothing (signed checkpoints, default settings)");
const audit = await compare([guardedUnrecorded, guardedForwarded, guardedMemory, guardedFile]);
console.log(
  `   direct tool.invoke: unrecorded ${audit.us.guardedUnrecorded} µs, recording alone ${audit.us.guardedForwarded} µs (×${audit.ratio.guardedForwarded}), memory sink ${audit.us.guarded} µs (×${audit.ratio.guarded}), JSONL ${audit.us.guardedJsonl} µs (×${audit.ratio.guardedJsonl}) (target ≤ 1.15)`,
);

/** The same guarded tool called the way agents call it: through LangGraph's ToolNode. */
async function toolNodeVariant(key: string, warden: Warden, reset?: () => void): Promise<Variant> {
  const node = new ToolNode([warden.tool(lookup)]);
  const config = warden.config(await warden.authenticate(token));
  const state = { messages: [new AIMessage({ content: "", tool_calls: [{ id: "call_bench", name: "lookup_order", args: input.args }] })] };
  const variant: Variant = { key, call: () => node.invoke(state, config), ...(reset ? { reset } : {}) };
  const result = (await variant.call()) as { messages: ToolMessage[] };
  if (result.messages[0]?.content !== "o-1:42") throw new Error(`${key}: the guard did not allow the bench call`);
  return variant;
}
const inNode = await compare([
  await toolNodeVariant("unrecorded", unrecordedWarden),
  await toolNodeVariant("forwarded", forwardedWarden),
  await toolNodeVariant("memory", memoryWarden, () => memory.clear()),
  await toolNodeVariant("jsonl", fileWarden),
]);
console.log(
  `   through a ToolNode: unrecorded ${inNode.us.unrecorded} µs, recording alone ${inNode.us.forwarded} µs (×${inNode.ratio.forwarded}), memory sink ${inNode.us.memory} µs (×${inNode.ratio.memory}), JSONL ${inNode.us.jsonl} µs (×${inNode.ratio.jsonl})`,
);

// ── Audit events per second ─────────────────────────────────────────────────

const EVENTS = 20_000;
const sample: AuditEventInput = {
  type: "access.allowed",
  outcome: "success",
  actor: { sub: "user-42", tenant: "acme" },
  target: { kind: "tool", name: "lookup_order" },
  reason: "allowed by policy",
  run: { id: "6f1c2b9e-8d2a-4d8e-9c55-0b7a3f1e2d4c", threadId: "thread-1" },
  data: { argsDigest: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", code: "allowed", effect: "allow", rule: "tools.lookup_order" },
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

const memoryLog = () => new AuditLog({ sink: memorySink(), clock, signingKey: keys.privateKey, signIntervalMs: 0 });
const recordMemory = await eventsPerSecond(memoryLog);
let fileIndex = 0;
const recordJsonl = await eventsPerSecond(
  () => new AuditLog({ sink: jsonlSink(join(scratch, `events-${fileIndex++}.jsonl`)), clock, signingKey: keys.privateKey, signIntervalMs: 0 }),
);
const recordStrict = await eventsPerSecond(() => new AuditLog({ sink: memorySink(), clock, signingKey: keys.privateKey, signEvery: 1, signIntervalMs: 0 }));

const verifySink = memorySink();
const verifyLog = new AuditLog({ sink: verifySink, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
for (let i = 0; i < 50_000; i++) await verifyLog.record(sample);
await verifyLog.close();
// The same events in a file, as the JSONL sink writes them.
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

console.log("3. events per second (median of 5 runs)");
console.log(`   signed (every 1000th) and written: memory ${recordMemory}/s, JSONL ${recordJsonl}/s; signing every event: ${recordStrict}/s`);
console.log(`   verified: ${verifyMemory}/s from memory, ${verifyFile}/s from a JSONL file (target ≥ 50,000/s)`);

const totalSeconds = fixed((performance.now() - started) / 1000, 1);
console.log(`measured in ${totalSeconds} s on node ${process.version}; µs figures are informative only`);

writeFileSync(
  new URL("./results.json", import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      rounds: ROUNDS,
      guard: { ratio: guard.ratio.guarded, us: guard.us },
      audit: {
        direct: { ratioRecording: audit.ratio.guardedForwarded, ratioMemory: audit.ratio.guarded, ratioJsonl: audit.ratio.guardedJsonl, us: audit.us },
        toolNode: { ratioRecording: inNode.ratio.forwarded, ratioMemory: inNode.ratio.memory, ratioJsonl: inNode.ratio.jsonl, us: inNode.us },
      },
      eventsPerSecond: { recordMemory, recordJsonl, recordSignEveryEvent: recordStrict, verifyMemory, verifyFile },
      seconds: totalSeconds,
    },
    null,
    2,
  )}\n`,
);
console.log("wrote bench/results.json");

await Promise.all([memoryWarden.close(), fileWarden.close(), forwardedWarden.close(), unrecordedWarden.close()]);
rmSync(scratch, { recursive: true, force: true });
