/**
 * Heap: does a long-running process grow with every guarded call?
 *
 *   npm run build && node --expose-gc --import tsx bench/heap.ts      # also part of `npm run bench`
 *
 * Each variant is a warden guarding one trivial tool, called CALLS times (default 100,000) after a
 * warm-up; the heap is measured after full garbage collections before and after, and reported in MB
 * and bytes per call. Variants:
 *
 * - `jsonl`: the default sink (`jsonlSink`, here on a temporary file): nothing kept per call.
 * - `memory`: `memorySink()` (a ring of 10,000 events): grows until the ring is full, then flat.
 * - `memoryUnbounded`: `memorySink({ max: Infinity })`, every event kept (how the memory sink,
 *   then the default, behaved before it was bounded): the per-call growth the bounds remove.
 *
 * Target: `jsonl` and `memory` (past its ring) leave the heap flat: under 64 bytes per call.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { type AuditSink, createWarden, jsonlSink, memorySink } from "langchain-warden";
import { createTestIdentity } from "langchain-warden/testing";
import { z } from "zod";
import { fixed } from "./stats.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc (see the header of bench/heap.ts)");

const CALLS = Number(process.env.HEAP_CALLS ?? 100_000);
const WARMUP = 12_000; // more than the memory sink's ring, so `memory` starts full
const scratch = mkdtempSync(join(tmpdir(), "warden-heap-"));

const lookup = tool(async ({ orderId, qty }) => `${orderId}:${qty * 2}`, {
  name: "lookup_order",
  description: "Look up an order",
  schema: z.object({ orderId: z.string(), qty: z.number().int() }),
});
const input = { type: "tool_call" as const, id: "call_heap", name: "lookup_order", args: { orderId: "o-1", qty: 21 } };
const policy = { tools: { lookup_order: { scopes: ["orders:read"] } } };
const idp = createTestIdentity();
const token = await idp.issue({ sub: "bench", scope: "orders:read" }, { expiresIn: "1h" });

async function heapMb(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

interface HeapResult {
  calls: number;
  beforeMb: number;
  afterMb: number;
  grownMb: number;
  bytesPerCall: number;
}

async function measure(name: string, sink: AuditSink): Promise<HeapResult> {
  const warden = createWarden({ identity: idp.identity, policy, audit: { sink } });
  const guarded = warden.tool(lookup);
  const config = warden.config(await warden.authenticate(token));
  const call = async (): Promise<void> => {
    const result = await guarded.invoke(input, config);
    if (!(result instanceof ToolMessage) || result.content !== "o-1:42") throw new Error(`${name}: the guard did not allow the call`);
  };
  for (let i = 0; i < WARMUP; i++) await call();
  await sink.flush?.();
  const beforeMb = await heapMb();
  for (let i = 0; i < CALLS; i++) await call();
  await sink.flush?.();
  const afterMb = await heapMb();
  await warden.close();
  const result = {
    calls: CALLS,
    beforeMb: fixed(beforeMb, 1),
    afterMb: fixed(afterMb, 1),
    grownMb: fixed(afterMb - beforeMb, 1),
    bytesPerCall: fixed(((afterMb - beforeMb) * 1024 * 1024) / CALLS, 0),
  };
  console.log(`${name.padEnd(16)} heap ${result.beforeMb} → ${result.afterMb} MB after ${CALLS} calls: ${result.grownMb} MB, ${result.bytesPerCall} bytes per call`);
  return result;
}

const results = {
  node: process.version,
  jsonl: await measure("jsonl (default)", jsonlSink(join(scratch, "heap.jsonl"))),
  memory: await measure("memory (ring)", memorySink()),
  memoryUnbounded: await measure("memory (∞)", memorySink({ max: Number.POSITIVE_INFINITY })),
};
rmSync(scratch, { recursive: true, force: true });
const flat = results.jsonl.bytesPerCall < 64 && results.memory.bytesPerCall < 64;
console.log(`target: the default and the bounded memory sink leave the heap flat (< 64 bytes per call) → ${flat ? "met" : "NOT met"}`);
writeFileSync(new URL("./heap-results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/heap-results.json");
