import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuditEvent, AuditLog, type AuditSink, type AuditVerification, generateAuditKeys, jsonlSink, verifyAuditLog } from "langchain-warden";
import { fakeClock, memorySink } from "langchain-warden/testing";
import { afterAll, describe, expect, it } from "vitest";

const keys = generateAuditKeys();
const withKey = { publicKey: keys.publicKey };
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "warden-verify-gaps-"));
  dirs.push(dir);
  return join(dir, "audit.jsonl");
}

/** A signed log whose clock moves `stepMs` before each event; `close` appends the final checkpoint. */
function signedLog(options: { sink?: AuditSink; signEvery?: number; signIntervalMs?: number } = {}) {
  const clock = fakeClock(Date.UTC(2025, 0, 1));
  const sink = memorySink();
  const log = new AuditLog({
    sink: options.sink ?? sink,
    clock,
    signingKey: keys.privateKey,
    signEvery: options.signEvery ?? 100,
    signIntervalMs: options.signIntervalMs ?? 0,
  });
  let n = 0;
  const record = async (stepMs = 1_000) => {
    clock.advance(stepMs);
    n++;
    await log.record({
      type: "access.allowed",
      outcome: "success",
      actor: { sub: "alice", tenant: "acme" },
      target: { kind: "tool", name: "refund_order" },
      reason: "policy allows",
      data: { n },
    });
  };
  return { clock, sink, log, record, events: () => structuredClone([...sink.events]) as AuditEvent[] };
}

/** A closed signed log of `count` events written to a JSONL file: its path and lines (without the final newline). */
async function jsonlLog(count = 6): Promise<{ path: string; lines: string[] }> {
  const path = tempFile();
  const { log, record } = signedLog({ sink: jsonlSink(path), signEvery: 3 });
  for (let i = 0; i < count; i++) await record();
  await log.close();
  return { path, lines: readFileSync(path, "utf8").trimEnd().split("\n") };
}

/** The events with the signature of `seq` removed (its hash does not cover the signature). */
function withoutSignature(events: AuditEvent[], seq: number): AuditEvent[] {
  return events.map((event) => {
    if (event.seq !== seq) return event;
    const { sig: _sig, ...rest } = event;
    return rest as AuditEvent;
  });
}

const kinds = (result: AuditVerification) => result.problems.map((p) => [p.kind, p.line ?? p.seq]);

describe("unreadable lines of a JSONL file", () => {
  it("a garbage last line in a file that ends with a newline is a parse problem, not a torn write", async () => {
    const { path, lines } = await jsonlLog();
    writeFileSync(path, `${[...lines, "{not json"].join("\n")}\n`);
    const result = await verifyAuditLog(path, withKey);
    expect(kinds(result)).toEqual([["parse", lines.length + 1]]);
    expect(result.ok).toBe(false);
  });

  it("a garbage line before a torn last line is a parse problem; only the last line is torn", async () => {
    const { path, lines } = await jsonlLog();
    const last = lines.at(-1)!;
    writeFileSync(path, [...lines.slice(0, -1), "garbage", last.slice(0, 30)].join("\n"));
    const result = await verifyAuditLog(path, withKey);
    expect(kinds(result)).toEqual([
      ["parse", lines.length],
      ["torn-line", lines.length + 1],
      // The final checkpoint was lost with the torn line: the tail is unsigned, which strict mode alone reports.
    ]);
    expect(result.ok).toBe(false);
  });

  it("a torn last line alone leaves the log ok", async () => {
    const { path, lines } = await jsonlLog();
    writeFileSync(path, `${lines.join("\n")}\n${lines.at(-1)!.slice(0, 30)}`);
    const result = await verifyAuditLog(path, withKey);
    expect(kinds(result)).toEqual([["torn-line", lines.length + 1]]);
    expect(result.ok).toBe(true);
  });

  it("an unreadable line followed by a line holding null is a parse problem", async () => {
    const { path, lines } = await jsonlLog();
    writeFileSync(path, `${[...lines, "{not json", "null"].join("\n")}\n`);
    expect(kinds(await verifyAuditLog(path, withKey))).toEqual([
      ["parse", lines.length + 1],
      ["schema", lines.length + 2],
    ]);
  });

  it("blank lines are skipped, and later problems keep their line numbers", async () => {
    const { path, lines } = await jsonlLog();
    writeFileSync(path, `${lines[0]}\n\n   \n${lines.slice(1).join("\n")}\n`);
    const clean = await verifyAuditLog(path, withKey);
    expect(clean.problems).toEqual([]);
    expect(clean).toMatchObject({ ok: true, count: lines.length });

    writeFileSync(path, `${lines[0]}\n\n${lines.slice(1).join("\n")}\nnot json\n`);
    expect(kinds(await verifyAuditLog(path, withKey))).toEqual([["parse", lines.length + 2]]);
  });
});

describe("the unsigned tail", () => {
  it("events after a checkpoint that is not final are allowed; strict mode names them at the head", async () => {
    const { log, record, events } = signedLog();
    await record();
    await record();
    const checkpoint = await log.checkpoint();
    expect(checkpoint).toMatchObject({ type: "audit.checkpoint", seq: 3 });
    expect(checkpoint?.data?.final).toBeUndefined();
    await record();
    await record();
    const written = events();
    const lax = await verifyAuditLog(written, withKey);
    expect(lax).toMatchObject({ ok: true, problems: [] });
    expect(lax.chains[0]).toMatchObject({ signed: 2, unsignedTail: 2, headSeq: 5 });
    const strict = await verifyAuditLog(written, { ...withKey, strict: true });
    expect(strict.problems.map((p) => [p.kind, p.seq])).toEqual([["unsigned", 5]]);
  });

  it("only the final checkpoint closes a chain: a signed event whose data says final, or that has no data, does not", async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 1));
    const sink = memorySink();
    const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signEvery: 100, signIntervalMs: 0 });
    const event = { type: "access.allowed", outcome: "success", actor: { sub: "alice" }, target: { kind: "tool", name: "export" }, reason: "policy allows" } as const;
    await log.record({ ...event, data: { final: true } });
    await log.record(event);
    const log2 = new AuditLog({ sink, clock, signingKey: keys.privateKey, signEvery: 100, signIntervalMs: 0 });
    await log2.record(event);
    await log2.record(event);
    expect(sink.events.map((e) => e.sig !== undefined)).toEqual([true, false, true, false]);
    expect(await verifyAuditLog([...sink.events], withKey)).toMatchObject({ ok: true, problems: [] });
  });

  it("signing by time: a tail spanning just under signIntervalMs verifies, one spanning exactly signIntervalMs does not", async () => {
    const interval = 10_000;
    const { record, events } = signedLog({ signIntervalMs: interval });
    await record(); // seq 1: signed
    await record(); // seq 2: the first unsigned event
    await record(interval - 1); // seq 3: unsigned, interval - 1 ms after seq 2
    await record(1); // seq 4: exactly interval after seq 2, so the writer signs it
    const written = events();
    expect(written.map((e) => e.sig !== undefined)).toEqual([true, false, false, true]);
    expect(await verifyAuditLog(written.slice(0, 3), withKey)).toMatchObject({ ok: true, problems: [] });
    expect(await verifyAuditLog(written, withKey)).toMatchObject({ ok: true, problems: [] });

    const result = await verifyAuditLog(withoutSignature(written, 4), withKey);
    expect(result.problems).toEqual([{ kind: "unsigned", chain: written[0]!.chain, seq: 4, message: expect.stringContaining(`span ${interval} ms`) }]);
  });

  it("signing by count: the every-th unsigned event is reported, one fewer is not", async () => {
    const { record, events } = signedLog({ signEvery: 3 });
    for (let i = 0; i < 4; i++) await record();
    const written = events();
    expect(written.map((e) => e.sig !== undefined)).toEqual([true, false, false, true]);
    expect(await verifyAuditLog(written.slice(0, 3), withKey)).toMatchObject({ ok: true, problems: [] });
    const result = await verifyAuditLog(withoutSignature(written, 4), withKey);
    expect(result.problems).toEqual([{ kind: "unsigned", chain: written[0]!.chain, seq: 4, message: expect.stringContaining("every 3th") }]);
  });
});

describe("what is reported when nothing proves the log", () => {
  it("no public key: one unsigned problem for the log, naming no chain or seq", async () => {
    const { record, events } = signedLog();
    await record();
    const result = await verifyAuditLog(events());
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ kind: "unsigned", message: "no public key was given: the signatures were not verified" }]);
  });

  it("an empty log: one empty problem, with or without a key", async () => {
    for (const options of [{}, withKey]) {
      const result = await verifyAuditLog([], options);
      expect(result).toEqual({
        ok: false,
        count: 0,
        head: undefined,
        heads: [],
        chains: [],
        problems: [{ kind: "empty", message: "the log holds no events: nothing shows it was not emptied" }],
      });
    }
  });

  it("a file of blank lines is an empty log", async () => {
    const path = tempFile();
    writeFileSync(path, "\n\n");
    expect((await verifyAuditLog(path, withKey)).problems.map((p) => p.kind)).toEqual(["empty"]);
  });
});

describe("expectHead", () => {
  async function closedLog() {
    const { log, record, events } = signedLog();
    for (let i = 0; i < 3; i++) await record();
    await log.close();
    const written = events();
    return { written, head: written.at(-1)! };
  }

  it("a null entry is a schema problem and does not stop the search for the head", async () => {
    const { written, head } = await closedLog();
    const result = await verifyAuditLog([...written, null], { ...withKey, expectHead: head.hash });
    expect(result.problems).toEqual([{ kind: "schema", message: expect.any(String) }]);
    const missing = await verifyAuditLog([null, ...written.slice(0, -1)], { ...withKey, expectHead: head.hash });
    expect(missing.problems.map((p) => p.kind)).toEqual(["schema", "truncated"]);
  });

  it("a truncated problem carries the seq and chain of the head that was expected", async () => {
    const { written, head } = await closedLog();
    const cut = written.slice(0, -1);
    expect((await verifyAuditLog(cut, { ...withKey, expectHead: { hash: head.hash, seq: head.seq, chain: head.chain } })).problems).toEqual([
      { kind: "truncated", seq: head.seq, chain: head.chain, message: expect.any(String) },
    ]);
    expect((await verifyAuditLog(cut, { ...withKey, expectHead: head.hash })).problems).toEqual([{ kind: "truncated", message: expect.any(String) }]);
  });

  it("the head must match in seq and chain too, when they are given", async () => {
    const { written, head } = await closedLog();
    expect((await verifyAuditLog(written, { ...withKey, expectHead: { hash: head.hash, seq: head.seq, chain: head.chain } })).ok).toBe(true);
    const otherSeq = await verifyAuditLog(written, { ...withKey, expectHead: { hash: head.hash, seq: head.seq + 1 } });
    expect(otherSeq.problems).toEqual([{ kind: "truncated", seq: head.seq + 1, message: expect.any(String) }]);
    const otherChain = await verifyAuditLog(written, { ...withKey, expectHead: { hash: head.hash, chain: "another-chain" } });
    // A published head of a chain the log does not hold: that whole chain is missing.
    expect(otherChain.problems).toEqual([{ kind: "missing-chain", chain: "another-chain", message: expect.any(String) }]);
  });
});

describe("lines checked as written", () => {
  it("a line rewritten with the same content in other text, and its hash recomputed over that text, breaks the link to the next event only", async () => {
    const { path, lines } = await jsonlLog();
    // `"n":2` and `"n":2.0` parse alike: re-canonicalising the line gives back the original hash.
    const edited = lines[1]!.replace('"n":2}', '"n":2.0}');
    expect(edited).not.toBe(lines[1]);
    const cut = edited.lastIndexOf(',"hash":"');
    const hash = createHash("sha256")
      .update(`${edited.slice(0, cut)}}`)
      .digest("hex");
    lines[1] = `${edited.slice(0, cut)},"hash":"${hash}"}`;
    writeFileSync(path, `${lines.join("\n")}\n`);
    const result = await verifyAuditLog(path, withKey);
    expect(result.problems.map((p) => [p.kind, p.seq])).toEqual([["chain", 3]]);
  });
});
