import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tool } from "@langchain/core/tools";
import type { JWK } from "jose";
import {
  type AuditEvent,
  AuditLog,
  type AuditSink,
  type AuditVerification,
  auditEventHash,
  createWarden,
  generateAuditKeys,
  jsonlSink,
  NestingLimitError,
  verifyAuditLog,
} from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createHashSigner } from "../../src/audit/signer.js";

const GENESIS = "0".repeat(64);
const keys = generateAuditKeys();
const otherKeys = generateAuditKeys();
const idp = createTestIdentity();
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(name = "audit.jsonl"): string {
  const dir = mkdtempSync(join(tmpdir(), "warden-verify-"));
  dirs.push(dir);
  return join(dir, name);
}

interface WrittenLog {
  /** Deep copies of the events as written, free to tamper with. */
  events: AuditEvent[];
  log: AuditLog;
}

/**
 * Writes `count` events with a clock that moves one second per event. With
 * `close` (default) the log is closed, which appends a signed checkpoint.
 * With the default signEvery 5 and 20 events, seqs 1, 6, 11, 16 and the
 * final checkpoint 21 are signed.
 */
async function writeLog(options: { count?: number; signingKey?: JWK | null; signEvery?: number; close?: boolean; sink?: AuditSink; chain?: string } = {}): Promise<WrittenLog> {
  const clock = fakeClock(Date.UTC(2025, 0, 1));
  const sink = memorySink();
  const signingKey = options.signingKey === null ? undefined : (options.signingKey ?? keys.privateKey);
  const log = new AuditLog({
    sink: options.sink ?? sink,
    clock,
    signEvery: options.signEvery ?? 5,
    signIntervalMs: 0,
    ...(signingKey ? { signingKey } : {}),
    ...(options.chain ? { chain: options.chain } : {}),
  });
  for (let i = 0; i < (options.count ?? 20); i++) {
    clock.advance(1_000);
    await log.record({
      type: i % 2 === 0 ? "access.allowed" : "tool.end",
      outcome: "success",
      actor: { sub: `user-${i % 3}`, tenant: "acme" },
      target: { kind: "tool", name: "refund_order" },
      reason: "policy allows",
      run: { id: `run-${i}` },
      data: { amount: 10 * i, argsDigest: `sha256:${String(i).padStart(64, "0")}` },
    });
  }
  if (options.close ?? true) {
    clock.advance(1_000);
    await log.close();
  }
  return { events: structuredClone([...sink.events]), log };
}

/** The problems as [kind, seq] pairs, in the order they were found. */
function named(result: AuditVerification): Array<[string, number | undefined]> {
  return result.problems.map((problem) => [problem.kind, problem.seq]);
}

function at(events: AuditEvent[], seq: number): AuditEvent {
  const event = events.find((e) => e.seq === seq);
  if (!event) throw new Error(`no event with seq ${seq}`);
  return event;
}

/** What an attacker does after editing an event: make its own hash match again. */
function rehash(event: AuditEvent): AuditEvent {
  event.hash = auditEventHash(event);
  return event;
}

/** What a thorough attacker does: relink and rehash every event from `index` on (one chain). */
function rewriteFrom(events: AuditEvent[], index: number): void {
  for (let i = index; i < events.length; i++) {
    const event = events[i]!;
    event.prev = i === 0 ? GENESIS : events[i - 1]!.hash;
    rehash(event);
  }
}

function forgedEvent(after: AuditEvent, seq: number): AuditEvent {
  return rehash({
    v: 1,
    id: "00000000-0000-4000-8000-000000000000",
    chain: after.chain,
    seq,
    ts: after.ts,
    type: "access.allowed",
    outcome: "success",
    actor: { sub: "mallory", tenant: "acme" },
    target: { kind: "tool", name: "refund_order" },
    reason: "policy allows",
    ...(after.origin ? { origin: after.origin } : {}),
    prev: after.hash,
    hash: "",
  });
}

const verifyKey = { publicKey: keys.publicKey };

describe("verifyAuditLog: an untampered log", () => {
  it("verifies with signatures at seq 1, every signEvery-th event and the final checkpoint", async () => {
    const { events, log } = await writeLog();
    expect(events.filter((e) => e.sig !== undefined).map((e) => e.seq)).toEqual([1, 6, 11, 16, 21]);
    const result = await verifyAuditLog(events, { ...verifyKey, expectHead: log.latest, strict: true });
    expect(result).toMatchObject({ ok: true, count: 21, head: log.latest.hash, problems: [] });
    expect(result.chains).toEqual([{ chain: log.chain, count: 21, head: log.latest.hash, headSeq: 21, signed: 5, unsignedTail: 0 }]);
  });
});

describe("verifyAuditLog: tampering is detected and named", () => {
  it.each([
    ["reason", (e: AuditEvent) => void (e.reason = "approved by admin")],
    ["actor.sub", (e: AuditEvent) => void (e.actor.sub = "someone-else")],
    ["data", (e: AuditEvent) => void (e.data = { ...e.data, amount: 1 })],
    ["outcome", (e: AuditEvent) => void (e.outcome = "denied")],
  ])("a modified event (%s) → hash at its seq", async (_field, edit) => {
    const { events } = await writeLog();
    edit(at(events, 7));
    const result = await verifyAuditLog(events, verifyKey);
    expect(result.ok).toBe(false);
    expect(named(result)).toEqual([["hash", 7]]);
  });

  it("a modified signed event keeps a valid signature over the old hash, but hash names it and it no longer counts as signed", async () => {
    const { events } = await writeLog();
    at(events, 6).actor.sub = "someone-else";
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([["hash", 6]]);
    expect(result.chains[0]?.signed).toBe(4);
  });

  it("a modified event whose hash the attacker recomputed → chain at the next seq", async () => {
    const { events } = await writeLog();
    rehash(Object.assign(at(events, 7), { reason: "approved by admin" }));
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([["chain", 8]]);
  });

  it("a modified signed event whose hash the attacker recomputed → signature at its seq, chain at the next", async () => {
    const { events } = await writeLog();
    rehash(Object.assign(at(events, 11), { reason: "approved by admin" }));
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([
      ["signature", 11],
      ["chain", 12],
    ]);
  });

  it("a modified event with the rest of the chain rewritten → the next signature (and every later one) catches it, and the tail oversteps the chain's signing", async () => {
    const { events } = await writeLog();
    at(events, 7).data = { amount: 1 };
    rewriteFrom(events, events.indexOf(at(events, 7)));
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([
      ["signature", 11],
      ["signature", 16],
      ["signature", 21],
      // Seq 6 is the last valid signature; this chain signs every 5th event, so seq 11 must be signed.
      ["unsigned", 11],
    ]);
  });

  it("a rewritten chain whose signatures after the first were stripped → unsigned where a signature is due, even without strict", async () => {
    const { events } = await writeLog();
    const stripped = events.map(({ sig: _sig, kid: _kid, signing: _signing, ...event }, index) => (index === 0 ? events[0]! : (event as AuditEvent)));
    at(stripped, 9).actor.sub = "mallory";
    rewriteFrom(stripped, 1);
    expect(named(await verifyAuditLog(stripped, verifyKey))).toEqual([["unsigned", 6]]);
  });

  it("an event appended after the chain's final checkpoint → unsigned at its seq, even without strict", async () => {
    const { events } = await writeLog();
    const final = events.at(-1)!;
    expect(final).toMatchObject({ type: "audit.checkpoint", data: { final: true } });
    events.push(forgedEvent(final, final.seq + 1));
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([["unsigned", 22]]);
    expect(result.problems[0]!.message).toMatch(/closed/);
  });

  it("signing by time: an event that finds unsigned ones signIntervalMs old is signed, and a tail older than that is reported", async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 1));
    const sink = memorySink();
    const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signEvery: 1000, signIntervalMs: 2_500 });
    for (let i = 0; i < 12; i++) {
      clock.advance(1_000);
      await log.record({ type: "tool.end", outcome: "success", actor: { sub: "ann" }, target: { kind: "tool", name: "t" } });
    }
    await log.close();
    // Seq 1, then every fourth event (the first to find an unsigned one 3 s old), then the final checkpoint.
    expect(sink.events.filter((event) => event.sig !== undefined).map((event) => event.seq)).toEqual([1, 5, 9, 13]);
    expect(sink.events.find((event) => event.seq === 5)?.signing).toEqual({ every: 1000, intervalMs: 2_500 });
    const events = structuredClone([...sink.events]);
    expect(await verifyAuditLog(events, { ...verifyKey, strict: true })).toMatchObject({ ok: true, problems: [] });
    const stripped = events.map(({ sig: _sig, kid: _kid, signing: _signing, ...event }, index) => (index === 0 ? events[0]! : (event as AuditEvent)));
    rewriteFrom(stripped, 1);
    expect(named(await verifyAuditLog(stripped, verifyKey))).toEqual([["unsigned", 5]]);
    await log.close();
  });

  it("LIMIT: a rewritten unsigned tail after the last signature verifies, unless strict (unsigned) or expectHead (truncated) is used", async () => {
    const { events, log } = await writeLog({ count: 18, close: false });
    expect(events.at(-1)?.sig).toBeUndefined();
    at(events, 17).actor.sub = "someone-else";
    rewriteFrom(events, events.indexOf(at(events, 17)));
    expect(await verifyAuditLog(events, verifyKey)).toMatchObject({ ok: true, problems: [] });
    expect(named(await verifyAuditLog(events, { ...verifyKey, strict: true }))).toEqual([["unsigned", 18]]);
    expect(named(await verifyAuditLog(events, { ...verifyKey, expectHead: log.latest }))).toEqual([["truncated", 18]]);
  });

  it("a deleted event → missing at the seq after the gap", async () => {
    const { events } = await writeLog();
    events.splice(events.indexOf(at(events, 9)), 1);
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([["missing", 10]]);
    expect(result.problems[0]?.message).toContain("9..9");
  });

  it("a deleted first event → missing: the chain starts after seq 1", async () => {
    const { events } = await writeLog();
    events.shift();
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([["missing", 2]]);
  });

  it("an inserted, well-formed forged event with a correct hash → order at the displaced seq, chain at the one after", async () => {
    const { events } = await writeLog();
    const forged = forgedEvent(at(events, 8), 9);
    expect(auditEventHash(forged)).toBe(forged.hash);
    events.splice(events.indexOf(at(events, 9)), 0, forged);
    const result = await verifyAuditLog(events, verifyKey);
    expect(named(result)).toEqual([
      ["order", 9],
      ["chain", 10],
    ]);
  });

  it("a forged event reusing the id of the event it displaces → order (a replacement, never passed off as a duplicate)", async () => {
    const { events } = await writeLog();
    const original = at(events, 9);
    const forged = rehash({ ...forgedEvent(at(events, 8), 9), id: original.id });
    // After the original...
    const after = [...events];
    after.splice(after.indexOf(original) + 1, 0, forged);
    expect(named(await verifyAuditLog(after, verifyKey))).toEqual([["order", 9]]);
    // ...and in its place, ahead of it.
    const before = [...events];
    before.splice(before.indexOf(original), 0, forged);
    expect(named(await verifyAuditLog(before, verifyKey))).toEqual([
      ["order", 9],
      ["chain", 10],
    ]);
  });

  it("an inserted forged event with every later event renumbered and relinked → the next signature catches it", async () => {
    const { events } = await writeLog();
    const index = events.indexOf(at(events, 9));
    events.splice(index, 0, forgedEvent(at(events, 8), 9));
    for (let i = index + 1; i < events.length; i++) events[i]!.seq += 1;
    rewriteFrom(events, index);
    const result = await verifyAuditLog(events, verifyKey);
    // Seqs 11, 16 and 21 moved to 12, 17 and 22; their signatures cover the old hashes.
    expect(named(result)).toEqual([
      ["signature", 12],
      ["signature", 17],
      ["signature", 22],
      ["unsigned", 11],
    ]);
  });

  it("reordered events → missing where the later one comes first, order where the earlier one follows", async () => {
    const { events } = await writeLog();
    const i = events.indexOf(at(events, 9));
    [events[i], events[i + 1]] = [events[i + 1]!, events[i]!];
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([
      ["missing", 10],
      ["order", 9],
    ]);
  });

  it("a duplicated event → duplicate at its seq, right after it or at the end of the log", async () => {
    const { events } = await writeLog();
    const copy = structuredClone(at(events, 9));
    const next = [...events];
    next.splice(next.indexOf(at(events, 9)) + 1, 0, copy);
    expect(named(await verifyAuditLog(next, verifyKey))).toEqual([["duplicate", 9]]);
    expect(named(await verifyAuditLog([...events, copy], verifyKey))).toEqual([["duplicate", 9]]);
  });

  it("a truncated tail → truncated against expectHead (as a head object or a bare hash)", async () => {
    const { events, log } = await writeLog();
    const truncated = events.slice(0, 15);
    expect(named(await verifyAuditLog(truncated, { ...verifyKey, expectHead: log.latest }))).toEqual([["truncated", 21]]);
    const bare = await verifyAuditLog(truncated, { ...verifyKey, expectHead: log.latest.hash });
    expect(bare.problems.map((p) => p.kind)).toEqual(["truncated"]);
    expect(bare.problems[0]?.seq).toBeUndefined();
  });

  it("LIMIT: without expectHead a truncated log verifies (even strict, when the cut falls right after a signed event)", async () => {
    const { events } = await writeLog();
    const truncated = events.slice(0, 16);
    expect(truncated.at(-1)?.sig).toBeDefined();
    expect(await verifyAuditLog(truncated, verifyKey)).toMatchObject({ ok: true, count: 16, problems: [] });
    expect(await verifyAuditLog(truncated, { ...verifyKey, strict: true })).toMatchObject({ ok: true, problems: [] });
  });

  it("a wrong key → unknown-key at every signed seq, and the chain is unsigned", async () => {
    const { events, log } = await writeLog();
    const result = await verifyAuditLog(events, { publicKey: otherKeys.publicKey });
    expect(result.ok).toBe(false);
    expect(named(result)).toEqual([
      ["unknown-key", 1],
      ["unknown-key", 6],
      ["unknown-key", 11],
      ["unknown-key", 16],
      ["unknown-key", 21],
      ["unsigned", undefined],
    ]);
    expect(result.problems.at(-1)?.chain).toBe(log.chain);
  });

  it("an altered signature → signature", async () => {
    const { events } = await writeLog();
    const event = at(events, 11);
    event.sig = (event.sig!.startsWith("A") ? "B" : "A") + event.sig!.slice(1);
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([["signature", 11]]);
  });

  it("a signature copied from another event → signature", async () => {
    const { events } = await writeLog();
    at(events, 11).sig = at(events, 6).sig;
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([["signature", 11]]);
  });

  it("a signature forged with another key under the real key id → signature", async () => {
    const { events } = await writeLog();
    const event = at(events, 16);
    event.sig = createHashSigner(otherKeys.privateKey).sign(event.hash);
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([["signature", 16]]);
  });

  it("a signature added to an unsigned event by another key → unknown-key", async () => {
    const { events } = await writeLog();
    const event = at(events, 8);
    const signer = createHashSigner(otherKeys.privateKey);
    event.kid = signer.kid;
    event.sig = signer.sign(rehash(event).hash);
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([
      ["unknown-key", 8],
      ["chain", 9],
    ]);
  });

  describe("an event moved to another chain", () => {
    async function twoChains(): Promise<{ a: AuditEvent[]; b: AuditEvent[]; mixed: AuditEvent[] }> {
      const a = (await writeLog({ count: 12, close: false, chain: "chain-a" })).events;
      const b = (await writeLog({ count: 12, close: false, chain: "chain-b" })).events;
      // As two wardens appending to one file: a1, b1, a2, b2, ...
      const mixed = a.flatMap((event, i) => [event, b[i]!]);
      return { a, b, mixed };
    }
    const namedWithChain = (result: AuditVerification) => result.problems.map((p) => [p.kind, p.chain, p.seq]);

    it("its chain field changed → hash, and both chains name the gap and the intruder", async () => {
      const { a, mixed } = await twoChains();
      at(a, 9).chain = "chain-b";
      expect(namedWithChain(await verifyAuditLog(mixed, verifyKey))).toEqual([
        ["hash", "chain-b", 9],
        ["chain", "chain-b", 9],
        ["order", "chain-b", 9],
        ["missing", "chain-a", 10],
        ["chain", "chain-b", 10],
      ]);
    });

    it("its chain field changed and its hash recomputed → the same, without hash", async () => {
      const { a, mixed } = await twoChains();
      rehash(Object.assign(at(a, 9), { chain: "chain-b" }));
      expect(namedWithChain(await verifyAuditLog(mixed, verifyKey))).toEqual([
        ["chain", "chain-b", 9],
        ["order", "chain-b", 9],
        ["missing", "chain-a", 10],
        ["chain", "chain-b", 10],
      ]);
    });

    it("spliced into another warden's log → missing (its chain starts after seq 1) and unsigned", async () => {
      const { a, b } = await twoChains();
      const log = [...b];
      log.splice(4, 0, at(a, 9));
      const result = await verifyAuditLog(log, verifyKey);
      expect(namedWithChain(result)).toEqual([
        ["missing", "chain-a", 9],
        ["unsigned", "chain-a", undefined],
      ]);
      expect(result.chains.map((c) => c.chain)).toEqual(["chain-b", "chain-a"]);
    });

    it("LIMIT: without a head per chain, a foreign chain's signed first event spliced into a log signed by the same key shows only as an extra chain", async () => {
      const { a, b } = await twoChains();
      const result = await verifyAuditLog([...b, at(a, 1)], verifyKey);
      expect(result.ok).toBe(true);
      expect(result.chains.map((c) => [c.chain, c.count])).toEqual([
        ["chain-b", 12],
        ["chain-a", 1],
      ]);
    });
  });

  it("seq going backwards (edited, hash recomputed) → order at the edited seq, missing after it", async () => {
    const { events } = await writeLog();
    rehash(Object.assign(at(events, 10), { seq: 8 }));
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([
      ["order", 8],
      ["missing", 11],
    ]);
  });

  it("time going backwards (ts edited, chain rewritten by the attacker) → time at its seq", async () => {
    const { events } = await writeLog({ signingKey: null });
    const event = at(events, 10);
    event.ts = new Date(Date.parse(at(events, 9).ts) - 60_000).toISOString();
    rewriteFrom(events, events.indexOf(event));
    const result = await verifyAuditLog(events);
    // Without a key the chain is still checked; the result also says no signature was verified.
    expect(named(result)).toEqual([
      ["time", 10],
      ["unsigned", undefined],
    ]);
    expect(result.problems[0]?.message).toContain("backwards");
  });

  it("time going backwards in a signed log → time at its seq, and the next signature catches the rewrite", async () => {
    const { events } = await writeLog();
    const event = at(events, 10);
    event.ts = new Date(Date.parse(at(events, 9).ts) - 60_000).toISOString();
    rehash(event);
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([
      ["time", 10],
      ["chain", 11],
    ]);
    rewriteFrom(events, events.indexOf(event));
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([
      ["time", 10],
      ["signature", 11],
      ["signature", 16],
      ["signature", 21],
      ["unsigned", 11],
    ]);
  });

  it("an event that is not schema v1 → schema at its seq", async () => {
    const { events } = await writeLog();
    (at(events, 5) as unknown as Record<string, unknown>).extra = "field";
    expect(named(await verifyAuditLog(events, verifyKey))).toEqual([
      ["schema", 5],
      ["missing", 6],
    ]);
  });

  it("a torn last line in a JSONL file → torn-line, and the log is still ok", async () => {
    const path = tempFile();
    await writeLog({ sink: jsonlSink(path) });
    const line = readFileSync(path, "utf8").split("\n")[3]!;
    appendFileSync(path, line.slice(0, Math.floor(line.length / 2)));
    const result = await verifyAuditLog(path, verifyKey);
    expect(result.ok).toBe(true);
    expect(result.count).toBe(21);
    expect(result.problems).toEqual([{ kind: "torn-line", line: 22, message: expect.any(String) }]);
  });

  describe("a JSONL file's lines are checked as text", () => {
    /** Writes the standard log to a JSONL file and returns its path and lines (without the final newline). */
    async function jsonlLog(): Promise<{ path: string; lines: string[] }> {
      const path = tempFile();
      await writeLog({ sink: jsonlSink(path) });
      return { path, lines: readFileSync(path, "utf8").trimEnd().split("\n") };
    }
    const rewrite = (path: string, lines: string[]) => writeFileSync(path, `${lines.join("\n")}\n`);

    it("a value edited in a line's text, hash and signature left → hash at its seq", async () => {
      const { path, lines } = await jsonlLog();
      lines[6] = lines[6]!.replace('"reason":"policy allows"', '"reason":"policy allowz"');
      rewrite(path, lines);
      expect(named(await verifyAuditLog(path, verifyKey))).toEqual([["hash", 7]]);
    });

    it("a key repeated in a line so that the parser reads the forged value → hash at its seq", async () => {
      const { path, lines } = await jsonlLog();
      lines[6] = lines[6]!.replace('"reason":"policy allows"', '"reason":"policy allows","reason":"approved by the CFO"');
      rewrite(path, lines);
      expect(named(await verifyAuditLog(path, verifyKey))).toEqual([["hash", 7]]);
    });

    it("a forged key placed before the real one (readers that keep the first key see it) → hash at its seq", async () => {
      const { path, lines } = await jsonlLog();
      lines[6] = lines[6]!.replace('{"actor":', '{"actor":{"sub":"mallory","tenant":"acme"},"actor":');
      lines[8] = lines[8]!.replace('"reason":', '"\\u0072eason":"approved by the CFO","reason":');
      rewrite(path, lines);
      const result = await verifyAuditLog(path, verifyKey);
      expect(named(result)).toEqual([
        ["hash", 7],
        ["hash", 9],
      ]);
      expect(result.problems[0]!.message).toMatch(/twice/);
    });

    it("a __proto__ key slipped into an event's data (dropped by schema parsing) → hash, even strict with every event signed", async () => {
      const path = tempFile();
      await writeLog({ sink: jsonlSink(path), signEvery: 1 });
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      lines[6] = lines[6]!.replace('"data":{', '"data":{"__proto__":{"approvedBy":"CFO"},');
      rewrite(path, lines);
      expect(named(await verifyAuditLog(path, { ...verifyKey, strict: true }))).toEqual([["hash", 7]]);
      const events = lines.map((line) => JSON.parse(line) as AuditEvent);
      expect(named(await verifyAuditLog(events, { ...verifyKey, strict: true }))).toEqual([["hash", 7]]);
    });

    it("an edited line whose hash the attacker recomputed over its text → chain at the next seq", async () => {
      const { path, lines } = await jsonlLog();
      const edited = lines[6]!.replace('"reason":"policy allows"', '"reason":"policy allowz"');
      const cut = edited.lastIndexOf(',"hash":"');
      const body = `${edited.slice(0, cut)}}`;
      lines[6] = `${edited.slice(0, cut)},"hash":"${createHash("sha256").update(body).digest("hex")}"}`;
      rewrite(path, lines);
      expect(named(await verifyAuditLog(path, verifyKey))).toEqual([["chain", 8]]);
    });

    it("lines re-serialised by another writer (other key order, white space) still verify", async () => {
      const { path, lines } = await jsonlLog();
      const reversed = lines.map((line) => {
        const event = JSON.parse(line) as Record<string, unknown>;
        return JSON.stringify(Object.fromEntries(Object.entries(event).reverse()), null, 1).replace(/\n/g, " ");
      });
      rewrite(path, reversed);
      const result = await verifyAuditLog(path, { ...verifyKey, strict: true });
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.count).toBe(21);
    });
  });

  it("an unreadable line in the middle, not followed by a new chain → parse (not torn-line)", async () => {
    const path = tempFile();
    await writeLog({ sink: jsonlSink(path) });
    const lines = readFileSync(path, "utf8").split("\n");
    lines[4] = lines[4]!.slice(0, 40);
    writeFileSync(path, lines.join("\n"));
    const result = await verifyAuditLog(path, verifyKey);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => [p.kind, p.line, p.seq])).toEqual([
      ["parse", 5, undefined],
      ["missing", 6, 6],
    ]);
  });

  it("a log with no signature at all, verified with a public key → unsigned for its chain", async () => {
    const { events, log } = await writeLog({ signingKey: null });
    expect(events.some((e) => e.sig !== undefined)).toBe(false);
    // Without a key, nothing proves who wrote the log: never ok.
    expect(await verifyAuditLog(events)).toMatchObject({ ok: false, problems: [{ kind: "unsigned" }] });
    const result = await verifyAuditLog(events, verifyKey);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ kind: "unsigned", chain: log.chain, message: expect.any(String) }]);
  });

  it("strict mode reports the unsigned tail at the head's seq", async () => {
    const { events } = await writeLog({ count: 18, close: false });
    const lax = await verifyAuditLog(events, verifyKey);
    expect(lax).toMatchObject({ ok: true, problems: [] });
    expect(lax.chains[0]).toMatchObject({ signed: 4, unsignedTail: 2, headSeq: 18 });
    const strict = await verifyAuditLog(events, { ...verifyKey, strict: true });
    expect(named(strict)).toEqual([["unsigned", 18]]);
    expect(strict.problems[0]?.message).toContain("2 event(s)");
  });
});

describe("verifyAuditLog: no false alarms", () => {
  const lookup = (ran: string[] = []) => tool(async ({ id }) => (ran.push(id), `customer ${id}`), { name: "lookup", description: "lookup", schema: z.object({ id: z.string() }) });
  const policy = { tools: { lookup: { scopes: [] } } };

  async function fiftyConcurrentRuns(sink: AuditSink, signingKey = keys.privateKey) {
    const warden = createWarden({ identity: idp.identity, policy, audit: { sink, signingKey, signEvery: 7, signIntervalMs: 0 } });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann", tenant: "acme" }));
    const ran: string[] = [];
    const guarded = warden.tool(lookup(ran));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => guarded.invoke({ id: `c${i}` }, warden.config(principal))));
    expect(results).toHaveLength(50);
    expect(ran).toHaveLength(50);
    return warden;
  }

  it("10,000 untampered events (signEvery 100) verify with no problem", async () => {
    const sink = memorySink({ max: Number.POSITIVE_INFINITY });
    const log = new AuditLog({ sink, clock: { now: () => Date.now() }, signingKey: keys.privateKey, signEvery: 100, signIntervalMs: 0 });
    for (let i = 0; i < 10_000; i++) {
      await log.record({
        type: "tool.end",
        outcome: i % 7 === 0 ? "failure" : "success",
        actor: { sub: `user-${i % 13}`, ...(i % 2 ? { tenant: "acme" } : {}) },
        target: { kind: "tool", name: `tool_${i % 5}` },
        ...(i % 3 === 0 ? { reason: `reason ${i} — ünïcödé ✓` } : {}),
        data: { i, usage: { output: i % 17, input: i % 11 }, list: [i, "x", null, true], n: i / 7 },
      });
    }
    const open = await verifyAuditLog(sink.events, { publicKey: keys.publicKey, expectHead: log.latest });
    expect(open).toMatchObject({ ok: true, count: 10_000, problems: [] });
    expect(open.chains[0]).toMatchObject({ signed: 100, headSeq: 10_000, unsignedTail: 99 });
    await log.close();
    const closed = await verifyAuditLog(sink.events, { publicKey: keys.publicKey, strict: true, expectHead: log.latest });
    expect(closed).toMatchObject({ ok: true, count: 10_001, problems: [] });
    expect(closed.chains[0]).toMatchObject({ signed: 101, unsignedTail: 0 });
    // The same events after a JSON round trip (as read back from any store).
    const roundTrip = await verifyAuditLog(JSON.parse(JSON.stringify(sink.events)) as unknown[], { publicKey: keys.publicKey, strict: true });
    expect(roundTrip.problems).toEqual([]);
  });

  it("an event that cannot be serialised is refused without leaving a gap in the chain", async () => {
    const sink = memorySink();
    const log = new AuditLog({ sink, clock: fakeClock(), signingKey: keys.privateKey, signEvery: 3, signIntervalMs: 0 });
    const input = { type: "tool.end", outcome: "success", actor: { sub: "ann" }, target: { kind: "tool", name: "lookup" } } as const;
    await log.record(input);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(log.record({ ...input, data: circular })).rejects.toThrow(NestingLimitError);
    await log.record(input);
    await log.close();
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await verifyAuditLog(sink.events, { publicKey: keys.publicKey, strict: true })).toMatchObject({ ok: true, problems: [] });
  });

  it("50 concurrent guarded runs into a memory sink verify", async () => {
    const sink = memorySink();
    const warden = await fiftyConcurrentRuns(sink);
    await warden.close();
    const result = await verifyAuditLog(sink.events, { publicKey: keys.publicKey, strict: true, expectHead: warden.audit.latest });
    expect(result).toMatchObject({ ok: true, count: sink.events.length, problems: [] });
    expect(result.count).toBeGreaterThan(100);
    expect(sink.ofType("access.allowed")).toHaveLength(50);
  });

  it("50 concurrent guarded runs into a JSONL file verify", async () => {
    const path = tempFile();
    const warden = await fiftyConcurrentRuns(jsonlSink(path));
    await warden.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    const result = await verifyAuditLog(path, { publicKey: keys.publicKey, strict: true, expectHead: warden.audit.latest });
    expect(result).toMatchObject({ ok: true, count: lines.length, problems: [] });
    expect(result.chains).toHaveLength(1);
    expect(result.chains[0]?.headSeq).toBe(lines.length);
  });

  it("two wardens writing two chains into the same JSONL file verify, with two chains", async () => {
    const path = tempFile();
    const [one, two] = await Promise.all([fiftyConcurrentRuns(jsonlSink(path)), fiftyConcurrentRuns(jsonlSink(path))]);
    await Promise.all([one.close(), two.close()]);
    const result = await verifyAuditLog(path, { publicKey: keys.publicKey, strict: true });
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(result.chains.map((c) => c.chain).sort()).toEqual([one.audit.chain, two.audit.chain].sort());
    expect(result.chains.every((c) => c.signed > 0 && c.count > 100)).toBe(true);
  });

  it("key rotation: key A's chain then key B's chain in one file verify with both keys, and name unknown-key with only one", async () => {
    const path = tempFile();
    const b = generateAuditKeys();
    const first = await fiftyConcurrentRuns(jsonlSink(path), keys.privateKey);
    await first.close();
    const second = await fiftyConcurrentRuns(jsonlSink(path), b.privateKey);
    await second.close();

    const both = await verifyAuditLog(path, { jwks: { keys: [keys.publicKey, b.publicKey] }, strict: true });
    expect(both).toMatchObject({ ok: true, problems: [] });
    expect(both.chains.map((c) => c.chain)).toEqual([first.audit.chain, second.audit.chain]);

    for (const [only, missingChain] of [
      [keys.publicKey, second.audit.chain],
      [b.publicKey, first.audit.chain],
    ] as const) {
      const result = await verifyAuditLog(path, { jwks: { keys: [only] } });
      expect(result.ok).toBe(false);
      expect(new Set(result.problems.map((p) => p.kind))).toEqual(new Set(["unknown-key", "unsigned"]));
      expect(result.problems.every((p) => p.chain === missingChain)).toBe(true);
      expect(result.problems[0]).toMatchObject({ kind: "unknown-key", seq: 1 });
    }
    // publicKey and jwks combine.
    expect(await verifyAuditLog(path, { publicKey: keys.publicKey, jwks: { keys: [b.publicKey] } })).toMatchObject({ ok: true });
  });
});

describe("verifyAuditLog: an empty log", () => {
  it("is not ok: nothing shows it was not emptied", async () => {
    const keys = generateAuditKeys();
    const report = await verifyAuditLog([], { publicKey: keys.publicKey });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toEqual(["empty"]);
  });
});
