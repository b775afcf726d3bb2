import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { tool } from "@langchain/core/tools";
import { type AuditEvent, createWarden, DEFAULT_AUDIT_PATH, DEFAULT_MEMORY_SINK_MAX, generateAuditKeys, guardTool, verifyAuditLog } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApprovalLedger, DEFAULT_LEDGER_MAX_ENTRIES } from "../../src/approval/ledger.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** A minimal event: the memory sink keeps whatever it is given. */
const event = (seq: number, type: AuditEvent["type"] = "tool.end"): AuditEvent => ({ seq, type }) as unknown as AuditEvent;

describe("memorySink: a bounded ring", () => {
  it("keeps every event, in order, until max; then the latest max, oldest first, and counts what it dropped", () => {
    const sink = memorySink({ max: 3 });
    for (let seq = 1; seq <= 3; seq++) sink.write(event(seq));
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(sink.dropped).toBe(0);
    for (let seq = 4; seq <= 8; seq++) sink.write(event(seq, seq % 2 === 0 ? "access.allowed" : "tool.end"));
    expect(sink.events.map((e) => e.seq)).toEqual([6, 7, 8]);
    expect(sink.dropped).toBe(5);
    expect(sink.ofType("access.allowed").map((e) => e.seq)).toEqual([6, 8]);
    sink.clear();
    expect(sink.events).toEqual([]);
    expect(sink.dropped).toBe(0);
    sink.write(event(9));
    expect(sink.events.map((e) => e.seq)).toEqual([9]);
  });

  it("defaults to 10,000 events and stays there however many are written", () => {
    const sink = memorySink();
    expect(sink.max).toBe(DEFAULT_MEMORY_SINK_MAX);
    expect(DEFAULT_MEMORY_SINK_MAX).toBe(10_000);
    for (let seq = 1; seq <= 25_000; seq++) sink.write(event(seq));
    expect(sink.events).toHaveLength(10_000);
    expect(sink.events[0]!.seq).toBe(15_001);
    expect(sink.events.at(-1)!.seq).toBe(25_000);
    expect(sink.dropped).toBe(15_000);
  });

  it("keeps everything when told max: Infinity, and refuses a bound that is not one", () => {
    const sink = memorySink({ max: Number.POSITIVE_INFINITY });
    for (let seq = 1; seq <= 12_000; seq++) sink.write(event(seq));
    expect(sink.events).toHaveLength(12_000);
    expect(sink.dropped).toBe(0);
    for (const max of [0, -1, 1.5, Number.NaN]) expect(() => memorySink({ max })).toThrow(RangeError);
  });

  it("a warden recording to it keeps the log's latest events, a contiguous tail of the chain", async () => {
    const idp = createTestIdentity();
    const keys = generateAuditKeys();
    const sink = memorySink({ max: 50 });
    const warden = createWarden({ identity: idp.identity, policy: { tools: { echo: { scopes: [] } } }, audit: { sink, signingKey: keys.privateKey, signEvery: 1 } });
    const echo = warden.tool(tool(async ({ text }) => text, { name: "echo", description: "echo", schema: z.object({ text: z.string() }) }));
    const config = warden.config(await warden.authenticate(await idp.issue({ sub: "alice" })));
    for (let i = 0; i < 60; i++) await echo.invoke({ text: `hi ${i}` }, config);
    await warden.close();
    expect(sink.events).toHaveLength(50);
    // 120 call events and the log's own (a closing checkpoint): every one but the latest 50 dropped.
    expect(sink.dropped).toBeGreaterThanOrEqual(70);
    const seqs = sink.events.map((e) => e.seq);
    expect(seqs.at(-1)! - seqs[0]! + 1).toBe(50);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => seqs[0]! + i));
  });
});

describe("the approval ledger: bounded, and it keeps outcomes rather than runs", () => {
  it("keeps at most maxEntries of each kind, forgetting the oldest", () => {
    const ledger = new ApprovalLedger({ maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) {
      expect(ledger.first(`answer-${i}`, i)).toBe(true);
      ledger.rememberVerdict(`answer-${i}`, { ok: true }, i);
      ledger.remember(`run-${i}`, Promise.resolve(i), i);
    }
    expect(ledger.size).toEqual({ seen: 100, verdicts: 100, runs: 100 });
    expect(ledger.first("answer-999", 1_000)).toBe(false);
    expect(ledger.first("answer-0", 1_000)).toBe(true);
    expect(ledger.verdict("answer-0")).toBeUndefined();
    expect(ledger.run("run-0")).toBeUndefined();
    expect(new ApprovalLedger().maxEntries).toBe(DEFAULT_LEDGER_MAX_ENTRIES);
  });

  it("forgets entries past the retention as new ones arrive", () => {
    const ledger = new ApprovalLedger({ retentionMs: 1_000 });
    ledger.first("old", 0);
    ledger.rememberVerdict("old", "v", 0);
    ledger.remember("old", Promise.resolve("r"), 0);
    ledger.first("new", 5_000);
    ledger.rememberVerdict("new", "v", 5_000);
    ledger.remember("new", Promise.resolve("r"), 5_000);
    expect(ledger.size).toEqual({ seen: 1, verdicts: 1, runs: 1 });
    expect(ledger.first("old", 5_001)).toBe(true);
  });

  it("gives a replay the same outcome — the value, or the error — once the run ended", async () => {
    const ledger = new ApprovalLedger();
    const failure = new Error("refused");
    ledger.remember("ok", Promise.resolve("done"), 0);
    const failed = Promise.reject(failure);
    ledger.remember("failed", failed, 0);
    await failed.catch(() => undefined);
    await expect(ledger.run("ok")).resolves.toBe("done");
    await expect(ledger.run("failed")).rejects.toBe(failure);
  });

  it("a concurrent replay joins the run while it runs; once it ended, the run's promise and context are released", async () => {
    const ledger = new ApprovalLedger();
    let finish!: (value: string) => void;
    let context: { payload: number[] } | undefined = { payload: Array.from({ length: 10_000 }, (_, i) => i) };
    const contextRef = new WeakRef(context);
    let run: Promise<string> | undefined = (async (held) => {
      const value = await new Promise<string>((resolve) => (finish = resolve));
      return `${value}:${held.payload.length}`;
    })(context);
    const runRef = new WeakRef(run);
    ledger.remember("key", run, 0);
    expect(ledger.run("key")).toBe(run);
    context = undefined;
    finish("done");
    await run;
    run = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(runRef.deref()).toBeUndefined();
    expect(contextRef.deref()).toBeUndefined();
    await expect(ledger.run("key")).resolves.toBe("done:10000");
  });

  it("createWarden takes its bounds (approvals.ledger) and refuses bad ones", () => {
    const idp = createTestIdentity();
    const options = { identity: idp.identity, policy: { tools: {} }, audit: { sink: memorySink() } };
    expect(() => createWarden({ ...options, approvals: { ledger: { maxEntries: 500, retentionMs: 60_000 } } })).not.toThrow();
    expect(() => createWarden({ ...options, approvals: { ledger: { maxEntries: 0 } } })).toThrow(/approvals\.ledger\.maxEntries/);
    expect(() => createWarden({ ...options, approvals: { ledger: { retentionMs: -1 } } })).toThrow(/approvals\.ledger\.retentionMs/);
  });
});

describe("the default audit sink", () => {
  it("is the JSONL file DEFAULT_AUDIT_PATH in the working directory, for a warden and for a guard on its own", async () => {
    expect(DEFAULT_AUDIT_PATH).toBe("warden-audit.jsonl");
    const dir = mkdtempSync(join(tmpdir(), "warden-default-sink-"));
    const cwd = process.cwd();
    const idp = createTestIdentity();
    const keys = generateAuditKeys();
    const echo = tool(async ({ text }) => text, { name: "echo", description: "echo", schema: z.object({ text: z.string() }) });
    try {
      process.chdir(dir);
      const warden = createWarden({ identity: idp.identity, policy: { tools: { echo: { scopes: [] } } }, audit: { signingKey: keys.privateKey } });
      process.chdir(cwd);
      const principal = await warden.authenticate(await idp.issue({ sub: "alice" }));
      await warden.tool(echo).invoke({ text: "hello" }, warden.config(principal));
      await warden.close();
      const path = join(dir, DEFAULT_AUDIT_PATH);
      expect(existsSync(path)).toBe(true);
      const report = await verifyAuditLog(path, { publicKey: keys.publicKey });
      expect(report.ok).toBe(true);
      const types = readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as AuditEvent).type);
      expect(types).toEqual(expect.arrayContaining(["access.allowed", "tool.end"]));

      process.chdir(dir);
      const guarded = guardTool(
        tool(async () => "x", { name: "other", description: "other", schema: z.object({}) }),
        { policy: { tools: { other: { scopes: [] } } } },
      );
      process.chdir(cwd);
      await guarded.invoke({}, warden.config(principal));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const lines = readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as AuditEvent);
      expect(lines.filter((e) => e.target?.name === "other").map((e) => e.type)).toEqual(expect.arrayContaining(["access.allowed"]));
      // Two logs, two chains, one file: each chain stays whole (the guard's is unsigned: it was given no key).
      const both = await verifyAuditLog(path, { publicKey: keys.publicKey });
      expect(both.chains).toHaveLength(2);
      expect(both.problems.map((p) => p.kind)).toEqual(["unsigned"]);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
