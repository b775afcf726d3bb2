import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuditEvent, type AuditEventInput, AuditLog, createAuditReportSummarizer, generateAuditKeys, summarizeAuditEvents } from "langchain-warden";
import { fakeClock, memorySink } from "langchain-warden/testing";
import { afterAll, describe, expect, it } from "vitest";
import { HOSTILE_REASON, HOSTILE_TOOL, readEvents, writeRealLog } from "./real-log.js";

const dir = mkdtempSync(join(tmpdir(), "warden-report-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START = Date.parse("2026-03-02T09:00:00.000Z");

/** Records `inputs` with a real signed audit log, `stepMs` apart, and returns the events it wrote. */
async function record(inputs: readonly AuditEventInput[], stepMs = 1_000): Promise<AuditEvent[]> {
  const sink = memorySink();
  const clock = fakeClock(START);
  const log = new AuditLog({ sink, clock, signingKey: generateAuditKeys().privateKey, signIntervalMs: 0 });
  for (const input of inputs) {
    await log.record(input);
    clock.advance(stepMs);
  }
  await log.close();
  return [...sink.events];
}

const alice = { sub: "alice", tenant: "acme" };
const tool = (name: string) => ({ kind: "tool" as const, name });
const model = { kind: "model" as const, name: "default" };

describe("summarizeAuditEvents over a real warden's log", () => {
  it("counts what a warden recorded: users, denials by reason, approvals with requester and approver, masking, throttling", async () => {
    const path = join(dir, "real.jsonl");
    await writeRealLog(path);
    const summary = summarizeAuditEvents(readEvents(path));
    expect(summary.events).toBe(20);
    expect(summary.unreadable).toBe(0);
    expect(summary.chains).toBe(1);
    expect(summary.byType).toMatchObject({ "access.allowed": 5, "access.denied": 2, "mask.applied": 2, "ratelimit.exceeded": 1, "token.rejected": 1, "audit.checkpoint": 1 });

    const users = Object.fromEntries(summary.users.map((u) => [`${u.tenant ?? ""}/${u.sub}`, u]));
    expect(users["acme/alice"]).toMatchObject({ allowed: 3, denied: 1, toolCalls: 4, approvalsRequested: 2 });
    expect(users["acme/bob"]).toMatchObject({ allowed: 2, denied: 2, toolCalls: 3 });
    expect(users["/carol"]).toMatchObject({ approvalsDecided: 1 });
    expect(users["/warden"]).toBeUndefined();

    expect(summary.deniedTotal).toBe(5);
    expect(summary.denials.find((d) => d.code === "missing-scope")).toMatchObject({
      type: "access.denied",
      reason: "missing scope orders:refund",
      count: 1,
      targets: ["tool:refund_order"],
    });
    expect(summary.denials.find((d) => d.code === "condition")).toMatchObject({ reason: HOSTILE_REASON, targets: [`tool:${HOSTILE_TOOL}`], users: 1 });
    expect(summary.denials.map((d) => d.type)).toEqual(expect.arrayContaining(["token.rejected", "ratelimit.exceeded", "approval.rejected"]));

    // A callback approver's decisions name no request: they are matched by target and arguments.
    expect(summary.approvals).toMatchObject({ requested: 2, granted: 1, rejected: 1, invalid: 0, undecided: 0, omitted: 0 });
    expect(summary.approvals.rows.map((row) => [row.target, row.requester, row.decisions.map((d) => `${d.type} ${d.approver}`)])).toEqual([
      ["approval:delete_customer", "acme/alice", ["approval.granted carol"]],
      ["approval:delete_customer", "acme/alice", ["approval.rejected dave"]],
    ]);

    expect(summary.masking.byType.counts).toEqual({ credit_card: 2, email: 2 });
    expect(summary.masking.events).toBe(2);
    expect(summary.throttling).toMatchObject({ total: 1, byType: { "ratelimit.exceeded": 1 } });
    expect(summary.throttling.recent[0]).toMatchObject({ type: "ratelimit.exceeded", actor: "acme/bob", rule: "tools.lookup", seq: 13 });
    expect(summary.throttling.byRule.counts).toEqual({ "ratelimit.exceeded tools.lookup": 1 });
    expect(summary.tokensRejected.counts).toEqual({ malformed: 1 });
    expect(summary.targets.find((t) => t.name === "search_orders")).toMatchObject({ kind: "tool", allowed: 2, succeeded: 2, denied: 0 });
    expect(summary.targets.find((t) => t.name === "lookup")).toMatchObject({ allowed: 2, denied: 1, succeeded: 1 });
    expect(summary.targets.some((t) => t.kind === "approval" || t.kind === "identity")).toBe(false);
    expect(summary.checkpoints).toEqual({ count: 1, final: 1 });
  });
});

describe("summarizeAuditEvents, event by event", () => {
  it("sums model tokens as the guard and as the handler record them, and retriever documents", async () => {
    const events = await record([
      { type: "model.start", outcome: "pending", actor: alice, target: model, data: { messages: 2 } },
      { type: "model.end", outcome: "success", actor: alice, target: model, data: { usage: { input: 10, output: 5, total: 15 } } },
      { type: "model.start", outcome: "pending", actor: alice, target: model },
      { type: "model.end", outcome: "success", actor: alice, target: model, data: { usage: { input_tokens: 7, output_tokens: 3 } } },
      { type: "model.error", outcome: "failure", actor: alice, target: model, reason: "the model call failed" },
      { type: "retriever.end", outcome: "success", actor: alice, target: { kind: "retriever", name: "kb" }, data: { documents: 4 } },
      { type: "retriever.end", outcome: "failure", actor: alice, target: { kind: "retriever", name: "kb" }, reason: "the retriever failed" },
    ]);
    const summary = summarizeAuditEvents(events);
    expect(summary.targets.find((t) => t.kind === "model")).toMatchObject({ started: 2, succeeded: 2, failed: 1, volume: 25 });
    expect(summary.targets.find((t) => t.kind === "retriever")).toMatchObject({ started: 2, succeeded: 1, failed: 1, volume: 4 });
    expect(summary.users.find((u) => u.sub === "alice")).toMatchObject({ modelCalls: 2, tokens: 25 });
  });

  it("lists every throttling kind, withheld outputs and tainted threads", async () => {
    const events = await record([
      { type: "budget.exceeded", outcome: "denied", actor: alice, target: model, reason: "token budget spent", data: { rule: "models.default", retryAfterMs: 3_600_000 } },
      {
        type: "circuit.open",
        outcome: "failure",
        actor: alice,
        target: model,
        reason: "the provider keeps failing: calls are refused",
        data: { state: "open", rule: "models.default" },
      },
      {
        type: "circuit.open",
        outcome: "denied",
        actor: alice,
        target: model,
        reason: "the circuit is open: the call was refused",
        data: { retryAfterMs: 900, rule: "models.default" },
      },
      { type: "circuit.close", outcome: "success", actor: alice, target: model, reason: "the provider answers again", data: { state: "closed", rule: "models.default" } },
      {
        type: "limits.unavailable",
        outcome: "denied",
        actor: alice,
        target: tool("t"),
        reason: "the limits store is unavailable: refused (limits.failMode closed)",
        data: { failMode: "closed", rule: "tools.t" },
      },
      {
        type: "mask.applied",
        outcome: "denied",
        actor: alice,
        target: tool("t"),
        reason: "the output holds a blocked type: withheld",
        data: { blocked: true, total: 2, types: ["jwt", "ssn"] },
      },
      { type: "mask.applied", outcome: "success", actor: alice, target: tool("t"), data: { counts: { phone: 3 } } },
      { type: "taint.marked", outcome: "success", actor: alice, target: { kind: "retriever", name: "web" }, data: { source: { kind: "retriever", name: "web" } } },
    ]);
    const summary = summarizeAuditEvents(events);
    expect(summary.throttling.byType).toEqual({ "budget.exceeded": 1, "circuit.open": 2, "circuit.close": 1, "limits.unavailable": 1 });
    expect(summary.throttling.recent.map((e) => e.type)).toEqual(["budget.exceeded", "circuit.open", "circuit.open", "circuit.close", "limits.unavailable"]);
    expect(summary.throttling.recent[2]).toMatchObject({ retryAfterMs: 900, outcome: "denied" });
    expect(summary.throttling.byRule.counts["circuit.open models.default"]).toBe(2);
    expect(summary.masking).toMatchObject({ events: 1, withheld: 1 });
    expect(summary.masking.byType.counts).toEqual({ phone: 3 });
    expect(summary.masking.blockedByType.counts).toEqual({ jwt: 1, ssn: 1 });
    expect(summary.taint.counts).toEqual({ 'retriever "web"': 1 });
    expect(summary.deniedTotal).toBe(4);
  });

  it("joins interrupt decisions to their request by request id, and counts invalid and undecided ones", async () => {
    const approval = { kind: "approval" as const, name: "refund" };
    const events = await record([
      { type: "approval.requested", outcome: "pending", actor: alice, target: approval, reason: "over 100", data: { argsDigest: "d1", requestId: "req-1" } },
      { type: "approval.requested", outcome: "pending", actor: { sub: "bob" }, target: approval, data: { argsDigest: "d2", requestId: "req-2" } },
      {
        type: "approval.invalid",
        outcome: "denied",
        actor: { sub: "alice" },
        target: approval,
        reason: "the approver is the requester",
        data: { code: "self-approval", requestId: "req-1" },
      },
      { type: "approval.granted", outcome: "success", actor: { sub: "mgr" }, target: approval, reason: "approved", data: { argsDigest: "d1", requestId: "req-1" } },
      { type: "approval.requested", outcome: "pending", actor: alice, target: approval, data: { argsDigest: "d3", requestId: "req-3" } },
    ]);
    const { approvals } = summarizeAuditEvents(events);
    expect(approvals).toMatchObject({ requested: 3, granted: 1, rejected: 0, invalid: 1, undecided: 2 });
    expect(approvals.rows[0]).toMatchObject({ requestId: "req-1", requester: "acme/alice", reason: "over 100", seq: 1 });
    expect(approvals.rows[0]!.decisions.map((d) => [d.type, d.approver, d.seq])).toEqual([
      ["approval.invalid", "alice", 3],
      ["approval.granted", "mgr", 4],
    ]);
    expect(approvals.rows[1]).toMatchObject({ requestId: "req-2", requester: "bob", decisions: [] });
  });
});

describe("summarizeAuditEvents stays bounded", () => {
  it("keeps at most the rows it is told to, and counts the rest", async () => {
    const inputs: AuditEventInput[] = [];
    for (let i = 0; i < 30; i++) {
      inputs.push({ type: "access.denied", outcome: "denied", actor: { sub: `u${i}` }, target: tool(`t${i}`), reason: `reason ${i}`, data: { code: "condition" } });
      inputs.push({
        type: "approval.requested",
        outcome: "pending",
        actor: { sub: `u${i}` },
        target: { kind: "approval", name: "x" },
        data: { requestId: `r${i}`, argsDigest: `d${i}` },
      });
      inputs.push({ type: "ratelimit.exceeded", outcome: "denied", actor: { sub: `u${i}` }, target: tool("t"), reason: "rate limit reached", data: { rule: "tools.t" } });
    }
    const events = await record(inputs);
    const summary = summarizeAuditEvents(events, { users: 5, groups: 4, approvals: 3, throttling: 2 });
    expect(summary.users).toHaveLength(5);
    expect(summary.otherUsers).toEqual({ users: 25, events: 75 });
    // Four distinct reasons kept, the rest folded into one row; the total counts every denial.
    expect(summary.denials.filter((d) => d.type !== "(other)")).toHaveLength(4);
    expect(summary.denials.at(-1)).toMatchObject({ type: "(other)" });
    expect(summary.denials.reduce((n, d) => n + d.count, 0)).toBe(60);
    expect(summary.deniedTotal).toBe(60);
    expect(summary.targets.filter((t) => t.kind === "tool")).toHaveLength(4);
    expect(summary.approvals.rows.map((r) => r.requestId)).toEqual(["r0", "r1", "r2"]);
    expect(summary.approvals).toMatchObject({ requested: 30, omitted: 27, undecided: 30 });
    expect(summary.throttling.recent.map((e) => e.seq)).toEqual([87, 90]);
    expect(summary.throttling.total).toBe(30);
  });

  it("coarsens the timeline from minutes to hours to days as the log spans longer", async () => {
    const input: AuditEventInput = { type: "tool.end", outcome: "success", actor: alice, target: tool("t") };
    const minutes = summarizeAuditEvents(
      await record(
        Array.from({ length: 10 }, () => input),
        60_000,
      ),
    );
    expect(minutes.timeline.stepMs).toBe(60_000);
    // Ten events a minute apart, and the closing checkpoint a minute after the last.
    expect(minutes.timeline.buckets.map((b) => b.events)).toEqual(Array.from({ length: 11 }, () => 1));

    const summarizer = createAuditReportSummarizer();
    // 5,000 hours: more minute buckets than kept, then more hour buckets than kept.
    for (let i = 0; i < 5_000; i++)
      summarizer.add({ type: "tool.end", outcome: i % 2 === 0 ? "denied" : "success", ts: new Date(START + i * 3_600_000).toISOString(), seq: i + 1 });
    const days = summarizer.result();
    expect(days.timeline.stepMs).toBe(86_400_000);
    expect(days.timeline.buckets.reduce((n, b) => n + b.events, 0)).toBe(5_000);
    expect(days.timeline.buckets.reduce((n, b) => n + b.denied, 0)).toBe(2_500);
    expect(days.timeline.buckets.length).toBeLessThanOrEqual(Math.ceil(5_000 / 24) + 1);
  });

  it("counts what is not an event as unreadable and summarises the rest", () => {
    const summary = summarizeAuditEvents([undefined, "text", 42, null, { no: "type" }, { type: "tool.end", outcome: "success", ts: "not a time", actor: "x", target: 7 }]);
    expect(summary).toMatchObject({ entries: 6, unreadable: 5, events: 1, first: "not a time" });
    expect(summary.timeline.buckets).toEqual([]);
    expect(summary.users[0]).toMatchObject({ sub: "(none)", events: 1 });
  });
});
