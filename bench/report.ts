/**
 * `warden audit report` on a large log: 100,000 signed events written by
 * `jsonlSink` (1,000 users, 20 tools, every kind of event a warden records,
 * in bursts over about two days), reported as a user runs it, against `warden audit
 * verify` of the same file in the same run (the report verifies first: the
 * ratio is what the report adds). Each command runs in its own process, in
 * alternating order; medians of the rounds.
 *
 *   npm run bench   (or: npm run build && tsx bench/report.ts)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AuditEventInput, AuditLog, generateAuditKeys, jsonlSink, renderAuditReport, summarizeAuditEvents, verifyAuditLog } from "langchain-warden";
import { alternate, fixed, median } from "./stats.js";

const EVENTS = 100_000;
const ROUNDS = 7;
const scratch = mkdtempSync(join(tmpdir(), "warden-bench-report-"));
const logPath = join(scratch, "audit.jsonl");
const keyPath = join(scratch, "audit.public.jwk");
const outPath = join(scratch, "report.html");
const bin = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
// Loaded before the binary: at exit, the process's own time (after Node's start-up) and peak RSS.
const probe = join(scratch, "probe.mjs");
writeFileSync(
  probe,
  `const start = performance.now();
process.on("exit", (code) => process.stderr.write("\\n@probe " + JSON.stringify({ ms: performance.now() - start, maxRssMb: process.resourceUsage().maxRSS / 1024, code })));
`,
);

// ── The log: what a busy warden records in two days ─────────────────────────

const keys = generateAuditKeys();
writeFileSync(keyPath, JSON.stringify(keys.publicKey));
let now = Date.parse("2026-03-02T00:00:00.000Z");
const log = new AuditLog({ sink: jsonlSink(logPath), clock: { now: () => now }, signingKey: keys.privateKey });
const digest = (i: number) => `hmac-sha256:bench0001:${i.toString(16).padStart(64, "0")}`;

function eventFor(i: number): AuditEventInput {
  const actor = { sub: `user-${i % 1_000}`, tenant: `tenant-${i % 7}` };
  const tool = { kind: "tool" as const, name: `tool_${i % 20}` };
  const model = { kind: "model" as const, name: "default" };
  const kind = i % 20;
  if (kind < 6)
    return {
      type: "access.allowed",
      outcome: "success",
      actor,
      target: tool,
      reason: "allowed by policy",
      data: { argsDigest: digest(i), code: "allowed", effect: "allow", rule: `tools.${tool.name}` },
    };
  if (kind < 10) return { type: "tool.end", outcome: i % 50 === 0 ? "failure" : "success", actor, target: tool, data: { outputDigest: digest(i) } };
  if (kind === 10)
    return {
      type: "access.denied",
      outcome: "denied",
      actor,
      target: tool,
      reason: `missing scope ${tool.name}:write`,
      data: { argsDigest: digest(i), code: "missing-scope", effect: "deny", rule: `tools.${tool.name}` },
    };
  if (kind === 11) return { type: "mask.applied", outcome: "success", actor, target: tool, data: { counts: { email: 1 + (i % 3), credit_card: i % 2 } } };
  if (kind === 12) return { type: "model.start", outcome: "pending", actor, target: model, data: { messages: 4, reservedTokens: 900, rule: "models.default" } };
  if (kind === 13) return { type: "model.end", outcome: "success", actor, target: model, data: { usage: { input: 700, output: 180, total: 880 } } };
  if (kind === 14)
    return {
      type: "approval.requested",
      outcome: "pending",
      actor,
      target: { kind: "approval", name: tool.name },
      reason: "the call requires human approval",
      data: { argsDigest: digest(i), quorum: 1, requestId: `req-${i}` },
    };
  if (kind === 15)
    return {
      type: "approval.granted",
      outcome: "success",
      actor: { sub: `approver-${i % 5}` },
      target: { kind: "approval", name: `tool_${(i - 1) % 20}` },
      reason: "approved",
      data: { approvals: 1, argsDigest: digest(i - 1), quorum: 1, requestId: `req-${i - 1}` },
    };
  if (kind === 16)
    return {
      type: "ratelimit.exceeded",
      outcome: "denied",
      actor,
      target: model,
      reason: "rate limit reached",
      data: { kind: "rate", limit: "30/min", retryAfterMs: 1_500, rule: "models.default", scope: "user" },
    };
  if (kind === 17) return { type: "retriever.end", outcome: "success", actor, target: { kind: "retriever", name: "kb" }, data: { documents: 4 } };
  if (kind === 18)
    return {
      type: "token.rejected",
      outcome: "denied",
      actor: { sub: "anonymous" },
      target: { kind: "identity", name: "authenticate" },
      reason: "expired",
      data: { source: "jwt", tokenDigest: digest(i) },
    };
  return { type: "budget.exceeded", outcome: "denied", actor, target: model, reason: "token budget spent", data: { retryAfterMs: 3_600_000, rule: "models.default" } };
}

// Bursts of 200 events 20 ms apart, five quiet minutes between them: about 42 hours of
// traffic, signed as the log signs it (the first event, and every second of unsigned events).
const writing = performance.now();
for (let i = 0; i < EVENTS - 1; i++) {
  log.recordOrdered(eventFor(i));
  now += i % 200 === 199 ? 300_000 : 20;
}
await log.close();
const written = performance.now() - writing;
const fileMb = statSync(logPath).size / 1e6;

// ── The commands, each in a fresh process ───────────────────────────────────

interface Run {
  ms: number;
  maxRssMb: number;
  code: number;
}

/** Runs the `warden` binary with `argv` in a new Node process: its own time (after start-up) and peak RSS. */
function runCommand(argv: string[]): Run {
  const child = spawnSync(process.execPath, ["--import", pathToFileURL(probe).href, bin, ...argv], { encoding: "utf8", maxBuffer: 1 << 24 });
  const line = child.stderr.split("\n").find((text) => text.startsWith("@probe "));
  if (!line) throw new Error(`warden ${argv.join(" ")} did not finish: ${child.stderr.slice(0, 500)}`);
  return JSON.parse(line.slice("@probe ".length)) as Run;
}

const verifyArgs = ["audit", "verify", logPath, "--key", keyPath];
const reportArgs = ["audit", "report", logPath, "--key", keyPath, "-o", outPath];
const check = runCommand(reportArgs);
if (check.code !== 0) throw new Error(`the report did not verify the log (exit ${check.code})`);

const { baseline: verifyRuns, variant: reportRuns } = alternate(
  ROUNDS,
  () => runCommand(verifyArgs),
  () => runCommand(reportArgs),
);

// ── The report's own work, in process: summary and page from parsed events ──

const events = readFileSync(logPath, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line) as unknown);
const verification = await verifyAuditLog(events, { publicKey: keys.publicKey });
const summaryMs: number[] = [];
const renderMs: number[] = [];
let html = "";
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  const summary = summarizeAuditEvents(events);
  summaryMs.push(performance.now() - started);
  const rendering = performance.now();
  html = renderAuditReport(summary, verification);
  renderMs.push(performance.now() - rendering);
}
const summaryJsonKb = JSON.stringify(summarizeAuditEvents(events)).length / 1e3;

const ms = (runs: Run[]) => median(runs.map((run) => run.ms));
const rss = (runs: Run[]) => median(runs.map((run) => run.maxRssMb));
const result = {
  date: new Date().toISOString(),
  node: process.version,
  events: EVENTS,
  rounds: ROUNDS,
  logMb: fixed(fileMb, 1),
  writeSeconds: fixed(written / 1000),
  verifySeconds: fixed(ms(verifyRuns) / 1000),
  reportSeconds: fixed(ms(reportRuns) / 1000),
  reportOverVerify: fixed(ms(reportRuns) / ms(verifyRuns), 3),
  reportEventsPerSecond: Math.round(EVENTS / (ms(reportRuns) / 1000)),
  verifyPeakRssMb: fixed(rss(verifyRuns), 0),
  reportPeakRssMb: fixed(rss(reportRuns), 0),
  summaryMs: fixed(median(summaryMs), 0),
  renderMs: fixed(median(renderMs), 1),
  summaryKb: fixed(summaryJsonKb, 0),
  htmlKb: fixed(Buffer.byteLength(html) / 1e3, 0),
};

console.log(`audit report of ${EVENTS.toLocaleString("en-US")} events (${result.logMb} MB of JSONL; median of ${ROUNDS} alternating runs, each in its own process)`);
console.log(`  warden audit verify   ${result.verifySeconds} s   peak RSS ${result.verifyPeakRssMb} MB`);
console.log(
  `  warden audit report   ${result.reportSeconds} s   peak RSS ${result.reportPeakRssMb} MB   (×${result.reportOverVerify} of verify; ${result.reportEventsPerSecond.toLocaleString("en-US")} events/s)`,
);
console.log(`  of which, in process: summary ${result.summaryMs} ms, page ${result.renderMs} ms; summary ${result.summaryKb} kB as JSON, page ${result.htmlKb} kB`);

writeFileSync(new URL("./report-results.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
rmSync(scratch, { recursive: true, force: true });
