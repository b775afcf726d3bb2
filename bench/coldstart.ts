/**
 * Cold start: what importing `langchain-warden` (from `dist`) adds to a Node process.
 *
 *   npm run build && npx tsx bench/coldstart.ts      # also part of `npm run bench`
 *
 * Each sample is a fresh `node` child process that times its own imports (from just before the
 * first `import()` to just after the last), so Node's own start-up is left out. Two scenarios,
 * each a baseline and a variant run alternately, ROUNDS rounds:
 *
 * - `app`:   baseline = an app importing `@langchain/core`, `@langchain/langgraph` and `langchain`;
 *            variant  = the same app also importing `langchain-warden`. Target: ≤ 50 ms added.
 *
 * `COLDSTART_ROUNDS` sets the rounds (default 15); `COLDSTART_ROOT` measures another checkout's
 * build (a directory with its own `dist` and `package.json`).
 * - `alone`: baseline = `@langchain/core/tools` alone; variant = `langchain-warden` alone.
 *
 * Reported, in wall-clock and in CPU time: median ms of each, ms added (median of the per-round
 * differences, with their middle half and range) and the ratio of the medians.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fixed, median } from "./stats.js";

const ROUNDS = Number(process.env.COLDSTART_ROUNDS ?? 15);
const root = process.env.COLDSTART_ROOT ?? fileURLToPath(new URL("..", import.meta.url));

const APP = ["@langchain/core/tools", "@langchain/core/messages", "@langchain/core/runnables", "@langchain/langgraph", "langchain"];

const scenarios = {
  app: { baseline: APP, variant: [...APP, "langchain-warden"] },
  alone: { baseline: ["@langchain/core/tools"], variant: ["langchain-warden"] },
} as const;

interface Sample {
  /** Wall-clock ms of the imports. */
  wall: number;
  /** CPU ms (user + system) of the imports: less disturbed by other processes on a shared machine. */
  cpu: number;
}

/** One fresh process importing `specifiers` in order; returns the ms its imports took. */
function sample(specifiers: readonly string[]): Sample {
  const script = [
    "const { performance } = await import('node:perf_hooks');",
    "const c0 = process.cpuUsage();",
    "const t0 = performance.now();",
    ...specifiers.map((s) => `await import(${JSON.stringify(s)});`),
    "const wall = performance.now() - t0;",
    "const c = process.cpuUsage(c0);",
    "process.stdout.write(JSON.stringify({ wall, cpu: (c.user + c.system) / 1000 }));",
  ].join("\n");
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  return JSON.parse(out) as Sample;
}

interface Figures {
  baselineMs: number;
  variantMs: number;
  /** Median of the per-round differences. */
  addedMs: number;
  /** Lowest and highest per-round difference. */
  addedRangeMs: [number, number];
  /** Middle half of the per-round differences (25th to 75th percentile). */
  addedIqrMs: [number, number];
  ratio: number;
}

interface ScenarioResult {
  wall: Figures;
  cpu: Figures;
  rounds: number;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] as number;
}

function figures(base: readonly number[], variant: readonly number[]): Figures {
  const added = variant.map((v, i) => v - (base[i] as number));
  return {
    baselineMs: fixed(median(base), 1),
    variantMs: fixed(median(variant), 1),
    addedMs: fixed(median(added), 1),
    addedRangeMs: [fixed(Math.min(...added), 1), fixed(Math.max(...added), 1)],
    addedIqrMs: [fixed(quantile(added, 0.25), 1), fixed(quantile(added, 0.75), 1)],
    ratio: fixed(median(variant) / median(base), 2),
  };
}

const show = (f: Figures): string =>
  `baseline ${f.baselineMs} ms, with langchain-warden ${f.variantMs} ms: +${f.addedMs} ms ` +
  `(middle half ${f.addedIqrMs[0]}…${f.addedIqrMs[1]}, all ${f.addedRangeMs[0]}…${f.addedRangeMs[1]}), ×${f.ratio}`;

const results: Record<string, ScenarioResult> = {};
for (const [name, { baseline, variant }] of Object.entries(scenarios)) {
  sample(variant); // warm the file system cache
  const base: Sample[] = [];
  const withWarden: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      base.push(sample(baseline));
      withWarden.push(sample(variant));
    } else {
      withWarden.push(sample(variant));
      base.push(sample(baseline));
    }
  }
  const result: ScenarioResult = {
    wall: figures(
      base.map((s) => s.wall),
      withWarden.map((s) => s.wall),
    ),
    cpu: figures(
      base.map((s) => s.cpu),
      withWarden.map((s) => s.cpu),
    ),
    rounds: ROUNDS,
  };
  results[name] = result;
  console.log(`${name.padEnd(6)} wall ${show(result.wall)}`);
  console.log(`${"".padEnd(6)} cpu  ${show(result.cpu)}`);
}
// On a shared machine wall-clock samples swing by hundreds of ms; CPU time is the steadier figure.
const met = (f: Figures): string => (f.addedMs <= 50 ? "met" : "NOT met");
console.log(`target: app +≤50 ms → wall ${met(results.app!.wall)}, cpu ${met(results.app!.cpu)}`);

writeFileSync(new URL("./coldstart-results.json", import.meta.url), `${JSON.stringify({ node: process.version, ...results }, null, 2)}\n`);
console.log("wrote bench/coldstart-results.json");
