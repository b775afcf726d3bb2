/**
 * Overhead of a guarded tool call against the plain `tool.invoke` of the same
 * tool, measured in one process and reported as ratios to that baseline.
 *
 *   npm run bench
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { createWarden } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";

const ROUNDS = 7;
const ROUND_MS = 500;
const WARMUP_MS = 800;
const MIN_CALLS = 200;

// ── Subject: one trivial tool, plain and guarded ────────────────────────────

const lookup = tool(async ({ orderId, qty }) => `${orderId}:${qty * 2}`, {
  name: "lookup_order",
  description: "Look up an order",
  schema: z.object({ orderId: z.string(), qty: z.number().int() }),
});

const idp = createTestIdentity();
const sink = memorySink();
const warden = createWarden({
  identity: idp.identity,
  audit: { sink },
  policy: { tools: { lookup_order: { scopes: ["orders:read"] } } },
});
const guarded = warden.tool(lookup);
const principal = await warden.authenticate(await idp.issue({ sub: "bench", scope: "orders:read" }, { expiresIn: "1h" }));
const withAudit: RunnableConfig = warden.config(principal);
const withoutHandler: RunnableConfig = { ...withAudit, callbacks: [] };
const input = { type: "tool_call" as const, id: "call_bench", name: "lookup_order", args: { orderId: "o-1", qty: 21 } };

interface Variant {
  key: "plain" | "guarded" | "guardedNoHandler";
  label: string;
  call: () => Promise<unknown>;
  calls: number;
}

const variants: Variant[] = [
  { key: "plain", label: "plain tool.invoke", call: () => lookup.invoke(input), calls: 0 },
  { key: "guarded", label: "guarded, warden.config()", call: () => guarded.invoke(input, withAudit), calls: 0 },
  { key: "guardedNoHandler", label: "guarded, audit handler removed", call: () => guarded.invoke(input, withoutHandler), calls: 0 },
];

// ── Sanity: every variant does the real work and the guard allows ───────────

for (const variant of variants) {
  const result = await variant.call();
  if (!(result instanceof ToolMessage) || result.content !== "o-1:42" || result.status === "error") {
    throw new Error(`${variant.key}: unexpected result ${JSON.stringify(result)}`);
  }
}
if (sink.ofType("access.allowed").length !== 2 || sink.ofType("access.denied").length !== 0) {
  throw new Error("the guard did not allow the bench call");
}
sink.clear();

// ── Measurement ─────────────────────────────────────────────────────────────

/** Mean µs per call over `n` sequential calls. */
async function measure(variant: Variant, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await variant.call();
  const elapsed = performance.now() - start;
  sink.clear();
  return (elapsed * 1000) / n;
}

/** Runs `variant` for about `ms` and returns the mean µs per call. */
async function runFor(variant: Variant, ms: number): Promise<number> {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 50; i++) await variant.call();
    calls += 50;
  }
  const elapsed = performance.now() - start;
  sink.clear();
  return (elapsed * 1000) / calls;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const started = performance.now();
for (const variant of variants) {
  const warmUs = await runFor(variant, WARMUP_MS / variants.length);
  variant.calls = Math.max(MIN_CALLS, Math.round((ROUND_MS * 1000) / warmUs));
}

interface Round {
  round: number;
  order: string[];
  plainUs: number;
  guardedUs: number;
  guardedNoHandlerUs: number;
  guardedRatio: number;
  guardedNoHandlerRatio: number;
}

const runs: Round[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  const us: Record<Variant["key"], number> = { plain: 0, guarded: 0, guardedNoHandler: 0 };
  for (const variant of order) us[variant.key] = await measure(variant, variant.calls);
  runs.push({
    round: r + 1,
    order: order.map((v) => v.key),
    plainUs: us.plain,
    guardedUs: us.guarded,
    guardedNoHandlerUs: us.guardedNoHandler,
    guardedRatio: us.guarded / us.plain,
    guardedNoHandlerRatio: us.guardedNoHandler / us.plain,
  });
}
const totalSeconds = (performance.now() - started) / 1000;

const ratios = {
  guarded: median(runs.map((r) => r.guardedRatio)),
  guardedNoHandler: median(runs.map((r) => r.guardedNoHandlerRatio)),
};
const medians = {
  plainUs: median(runs.map((r) => r.plainUs)),
  guardedUs: median(runs.map((r) => r.guardedUs)),
  guardedNoHandlerUs: median(runs.map((r) => r.guardedNoHandlerUs)),
};

// ── Report ──────────────────────────────────────────────────────────────────

const f = (n: number, digits = 1) => n.toFixed(digits);
const line = (cells: string[], widths: number[]) => cells.map((c, i) => c.padStart(widths[i] ?? 8)).join("  ");
const widths = [5, 9, 11, 14, 13, 16];

console.log(`guarded tool call vs plain tool.invoke: same tool, same ToolCall input, one process`);
console.log(`node ${process.version}, ${ROUNDS} rounds, alternating order; calls per round: ${variants.map((v) => `${v.key} ${v.calls}`).join(", ")}`);
console.log();
console.log(line(["round", "plain µs", "guarded µs", "no handler µs", "guarded/plain", "no handler/plain"], widths));
for (const r of runs) {
  console.log(line([String(r.round), f(r.plainUs), f(r.guardedUs), f(r.guardedNoHandlerUs), f(r.guardedRatio, 2), f(r.guardedNoHandlerRatio, 2)], widths));
}
console.log();
console.log(`median ratio guarded / plain:                          ${f(ratios.guarded, 2)}`);
console.log(`median ratio guarded without audit handler / plain:    ${f(ratios.guardedNoHandler, 2)}`);
console.log();
console.log(`median µs per call (informative only, machine-dependent):`);
console.log(`  plain ${f(medians.plainUs)}   guarded ${f(medians.guardedUs)}   guarded without handler ${f(medians.guardedNoHandlerUs)}`);
console.log(`measured in ${f(totalSeconds)} s`);

const resultsPath = new URL("./results.json", import.meta.url);
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      ratios: { guarded: Number(f(ratios.guarded, 3)), guardedNoHandler: Number(f(ratios.guardedNoHandler, 3)) },
      medians: {
        plainUs: Number(f(medians.plainUs, 2)),
        guardedUs: Number(f(medians.guardedUs, 2)),
        guardedNoHandlerUs: Number(f(medians.guardedNoHandlerUs, 2)),
      },
      runs: runs.map((r) => ({
        ...r,
        plainUs: Number(f(r.plainUs, 2)),
        guardedUs: Number(f(r.guardedUs, 2)),
        guardedNoHandlerUs: Number(f(r.guardedNoHandlerUs, 2)),
        guardedRatio: Number(f(r.guardedRatio, 3)),
        guardedNoHandlerRatio: Number(f(r.guardedNoHandlerRatio, 3)),
      })),
      calls: Object.fromEntries(variants.map((v) => [v.key, v.calls])),
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote bench/results.json`);
await warden.close();
