import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tool } from "@langchain/core/tools";
import { type AuditEvent, type AuditEventInput, AuditLog, AuditWriteError, createWarden, generateAuditKeys, jsonlSink, verifyAuditLog } from "langchain-warden";
import { createTestIdentity, fakeClock } from "langchain-warden/testing";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";

// Count fsyncs while keeping the real behaviour.
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  return { ...actual, fdatasync: vi.fn(actual.fdatasync), fdatasyncSync: vi.fn(actual.fdatasyncSync) };
});

const repo = fileURLToPath(new URL("../../", import.meta.url));
const keys = generateAuditKeys();
const idp = createTestIdentity();
const root = mkdtempSync(join(tmpdir(), "warden-jsonl-"));
let dir = root;
let counter = 0;

beforeEach(() => {
  dir = join(root, String(++counter));
  mkdirSync(dir);
  vi.mocked(fdatasync).mockClear();
  vi.mocked(fdatasyncSync).mockClear();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const input = (i: number): AuditEventInput => ({
  type: "tool.end",
  outcome: "success",
  actor: { sub: `user-${i % 3}`, tenant: "acme" },
  target: { kind: "tool", name: "lookup" },
  data: { i },
});

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n");
}

/** Appends `count` events as a fresh chain (a new instance) and closes it. */
async function appendChain(path: string, count: number): Promise<AuditLog> {
  const log = new AuditLog({ sink: jsonlSink(path), clock: { now: () => Date.now() }, signingKey: keys.privateKey, signEvery: 10, signIntervalMs: 0 });
  for (let i = 0; i < count; i++) await log.record(input(i));
  await log.close();
  return log;
}

/**
 * How the child process loads Warden: the TypeScript sources through tsx (a
 * dev dependency), else the built package in dist/.
 */
function childRuntime(): { args: string[]; modules: { auditLog: string; jsonl: string } } | undefined {
  if (existsSync(join(repo, "node_modules/tsx/package.json"))) {
    return {
      args: ["--import", "tsx"],
      modules: { auditLog: join(repo, "src/audit/audit-log.ts"), jsonl: join(repo, "src/audit/jsonl-sink.ts") },
    };
  }
  if (existsSync(join(repo, "dist/index.js"))) {
    return { args: [], modules: { auditLog: join(repo, "dist/index.js"), jsonl: join(repo, "dist/index.js") } };
  }
  return undefined;
}
const runtime = childRuntime();

/**
 * Writes events forever in batches of concurrent records, letting the event
 * loop turn between batches as a service does; prints the seq, hash and chain
 * of every signed checkpoint once it is written and fsynced (onCheckpoint).
 */
const CHILD = `
import { pathToFileURL } from "node:url";
const [auditLogPath, jsonlPath, file] = process.argv.slice(2);
const { AuditLog } = await import(pathToFileURL(auditLogPath).href);
const { jsonlSink } = await import(pathToFileURL(jsonlPath).href);
const log = new AuditLog({
  sink: jsonlSink(file, { durability: "checkpoint" }),
  clock: { now: () => Date.now() },
  signingKey: JSON.parse(process.env.WARDEN_CRASH_TEST_KEY),
  signEvery: 10,
  signIntervalMs: 0,
  onCheckpoint: (event) => process.stdout.write(\`checkpoint \${event.seq} \${event.hash} \${event.chain}\\n\`),
});
process.stdout.write("ready\\n");
for (let i = 0; ; i++) {
  await Promise.all(
    Array.from({ length: 4 }, (_, j) =>
      log.record({
        type: "tool.end",
        outcome: "success",
        actor: { sub: "user-" + j },
        target: { kind: "tool", name: "lookup" },
        data: { i, j, pad: "x".repeat((i * 31 + j * 7) % 512) },
      }),
    ),
  );
  await new Promise((resolve) => setImmediate(resolve));
}
`;

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
});

interface Acked {
  seq: number;
  hash: string;
  chain: string;
}

/** Runs the writer and SIGKILLs it once a checkpoint at or beyond `killAfterSeq` is acknowledged. */
function crashWriter(path: string, killAfterSeq: number): Promise<{ acked: Acked | undefined; signal: NodeJS.Signals | null; stderr: string }> {
  const script = join(dir, "writer.mjs");
  writeFileSync(script, CHILD);
  const child = spawn(process.execPath, [...runtime!.args, script, runtime!.modules.auditLog, runtime!.modules.jsonl, path], {
    cwd: repo,
    env: { ...process.env, WARDEN_CRASH_TEST_KEY: JSON.stringify(keys.privateKey) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    let acked: Acked | undefined;
    let pending = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the writer did not reach seq ${killAfterSeq} in time (last acknowledged: ${acked?.seq}); stderr: ${stderr}`));
    }, 12_000);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (pending + chunk).split("\n");
      pending = parts.pop()!;
      for (const line of parts) {
        const [word, seq, hash, chain] = line.split(" ");
        if (word !== "checkpoint") continue;
        acked = { seq: Number(seq), hash: hash!, chain: chain! };
        if (acked.seq >= killAfterSeq && child.signalCode === null) child.kill("SIGKILL");
      }
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // "close": the process is gone and every line it printed has been read.
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      resolve({ acked, signal, stderr });
    });
  });
}

describe("jsonlSink: crash safety", () => {
  it("after a failed fsync, no later fsync vouches for the file: a checkpoint queued behind it is never published, and flush refuses", async () => {
    let fail: (() => void) | undefined;
    vi.mocked(fdatasync).mockImplementationOnce(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      fail = () => callback(Object.assign(new Error("EIO"), { code: "EIO" }));
    }) as typeof fdatasync);
    const published: number[] = [];
    const log = new AuditLog({
      sink: jsonlSink(join(dir, "audit.jsonl")),
      clock: fakeClock(),
      signingKey: keys.privateKey,
      signEvery: 1,
      signIntervalMs: 0,
      onCheckpoint: (event) => published.push(event.seq),
    });
    await log.record(input(0));
    await log.record(input(1));
    expect(fail).toBeDefined();
    fail!();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toEqual([]);
    await expect(log.flush()).rejects.toMatchObject({ code: "EIO" });
    await expect(log.close()).rejects.toBeInstanceOf(AuditWriteError);
  });

  it("publishes a checkpoint (onCheckpoint) only once its fsync is done, and not at all if the fsync fails", async () => {
    const real = vi.mocked(fdatasync).getMockImplementation()!;
    let release: (() => void) | undefined;
    vi.mocked(fdatasync).mockImplementationOnce(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      release = () => real(fd, callback);
    }) as typeof fdatasync);
    const published: number[] = [];
    const log = new AuditLog({
      sink: jsonlSink(join(dir, "audit.jsonl")),
      clock: fakeClock(),
      signingKey: keys.privateKey,
      signEvery: 3,
      signIntervalMs: 0,
      onCheckpoint: (event) => {
        published.push(event.seq);
        throw new Error("a failing hook changes nothing");
      },
    });
    await log.record(input(0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(release).toBeDefined();
    expect(published).toEqual([]);
    release!();
    await vi.waitFor(() => expect(published).toEqual([1]));
    // signEvery 3: at most two unsigned events after a signature, so seq 4 is the next signed.
    for (let i = 1; i < 4; i++) await log.record(input(i));
    await vi.waitFor(() => expect(published).toEqual([1, 4]));

    vi.mocked(fdatasync).mockImplementationOnce(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      callback(Object.assign(new Error("EIO"), { code: "EIO" }));
    }) as typeof fdatasync);
    for (let i = 4; i < 7; i++) await log.record(input(i));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toEqual([1, 4]);
    await expect(log.record(input(7))).rejects.toBeInstanceOf(AuditWriteError);
    await expect(log.close()).rejects.toBeInstanceOf(AuditWriteError);
  });

  it.skipIf(runtime === undefined)(
    "a writer killed with SIGKILL mid-run leaves a log that verifies up to its last fsynced checkpoint, and a new chain appends after it" +
      (runtime === undefined ? " (skipped: neither tsx nor a built dist/ is available to load Warden in a child process)" : ""),
    async () => {
      const path = join(dir, "audit.jsonl");
      const { acked, signal, stderr } = await crashWriter(path, 300);
      expect(signal, stderr).toBe("SIGKILL");
      expect(acked, stderr).toBeDefined();
      expect(acked!.seq).toBeGreaterThanOrEqual(300);

      const crashed = await verifyAuditLog(path, { publicKey: keys.publicKey, expectHead: acked! });
      expect(crashed.problems.filter((p) => p.kind !== "torn-line")).toEqual([]);
      expect(crashed.ok).toBe(true);
      expect(crashed.count).toBeGreaterThanOrEqual(acked!.seq);
      expect(crashed.chains).toHaveLength(1);
      expect(crashed.chains[0]).toMatchObject({ chain: acked!.chain });
      expect(crashed.chains[0]!.headSeq).toBeGreaterThanOrEqual(acked!.seq);

      const next = await appendChain(path, 25);
      const after = await verifyAuditLog(path, { publicKey: keys.publicKey, expectHead: next.latest });
      expect(after.problems.filter((p) => p.kind !== "torn-line")).toEqual([]);
      expect(after.ok).toBe(true);
      expect(after.count).toBe(crashed.count + 26);
      expect(after.chains.map((c) => c.chain)).toEqual([acked!.chain, next.chain]);
      expect(after.chains[1]).toMatchObject({ count: 26, headSeq: 26, unsignedTail: 0 });
    },
  );

  it("a torn last line is reported as torn-line and the log stays ok", async () => {
    const path = join(dir, "audit.jsonl");
    await appendChain(path, 15);
    expect(lines(path)).toHaveLength(17); // 15 events, the final checkpoint, and the empty string after the last newline
    const whole = lines(path)[5]!;
    appendFileSync(path, whole.slice(0, whole.length >> 1));
    const result = await verifyAuditLog(path, { publicKey: keys.publicKey });
    expect(result).toMatchObject({ ok: true, count: 16 });
    expect(result.problems).toEqual([{ kind: "torn-line", line: 17, message: expect.any(String) }]);
  });

  it("a torn line followed by a new chain at seq 1 is torn-line, not parse; the new chain verifies", async () => {
    const path = join(dir, "audit.jsonl");
    const first = await appendChain(path, 15);
    const whole = lines(path)[5]!;
    appendFileSync(path, whole.slice(0, whole.length >> 1));
    const second = await appendChain(path, 5);

    const text = lines(path);
    expect(text[16]).toBe(whole.slice(0, whole.length >> 1));
    expect((JSON.parse(text[17]!) as AuditEvent).seq).toBe(1);

    const result = await verifyAuditLog(path, { publicKey: keys.publicKey, strict: true, expectHead: second.latest });
    expect(result.ok).toBe(true);
    expect(result.count).toBe(16 + 6);
    expect(result.problems).toEqual([{ kind: "torn-line", line: 17, message: expect.any(String) }]);
    expect(result.chains.map((c) => [c.chain, c.count, c.unsignedTail])).toEqual([
      [first.chain, 16, 0],
      [second.chain, 6, 0],
    ]);
  });

  it('durability "event" writes and fsyncs every event before its write resolves', async () => {
    const path = join(dir, "audit.jsonl");
    const log = new AuditLog({ sink: jsonlSink(path, { durability: "event" }), clock: fakeClock(), signingKey: keys.privateKey, signEvery: 4, signIntervalMs: 0 });
    for (let i = 0; i < 12; i++) {
      const event = await log.record(input(i));
      const text = lines(path);
      expect(text).toHaveLength(i + 2);
      expect(JSON.parse(text.at(-2)!)).toEqual(JSON.parse(JSON.stringify(event)));
      expect(fdatasyncSync).toHaveBeenCalledTimes(i + 1);
    }
    await log.close();
    expect(await verifyAuditLog(path, { publicKey: keys.publicKey, strict: true })).toMatchObject({ ok: true, count: 13, problems: [] });
  });

  it('durability "checkpoint" writes each signed checkpoint, with every event before it, before its write returns, and fsyncs it', async () => {
    const path = join(dir, "audit.jsonl");
    const written: AuditEvent[] = [];
    const log = new AuditLog({ sink: jsonlSink(path), clock: fakeClock(), signingKey: keys.privateKey, signEvery: 4, signIntervalMs: 0 });
    for (let i = 0; i < 9; i++) {
      const event = await log.record(input(i));
      written.push(event);
      if (event.sig !== undefined) {
        expect(
          lines(path)
            .slice(0, -1)
            .map((line) => JSON.parse(line)),
        ).toEqual(written.map((e) => JSON.parse(JSON.stringify(e))));
        // An fsync was started for the checkpoint (it completes in the background).
        expect(vi.mocked(fdatasync).mock.calls.length).toBeGreaterThan(0);
      }
    }
    expect(written.filter((e) => e.sig !== undefined).map((e) => e.seq)).toEqual([1, 5, 9]);
    expect(fdatasyncSync).not.toHaveBeenCalled();
    const beforeClose = vi.mocked(fdatasync).mock.calls.length;
    await log.close();
    // Checkpoint fsyncs never overlap (a checkpoint during one queues one more), and
    // close() waits for them, then fsyncs once more after the last write.
    expect(beforeClose).toBeGreaterThanOrEqual(1);
    expect(beforeClose).toBeLessThanOrEqual(3);
    expect(vi.mocked(fdatasync).mock.calls.length).toBeGreaterThan(beforeClose);
    expect(vi.mocked(fdatasync).mock.calls.length).toBeLessThanOrEqual(4);
  });

  it("creates the file with mode 0600", async () => {
    const path = join(dir, "audit.jsonl");
    const log = new AuditLog({ sink: jsonlSink(path), clock: fakeClock(), signIntervalMs: 0 });
    await log.record(input(0));
    await log.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

/**
 * Commits one event at a time until the sink refuses; prints each committed
 * seq, then the code of the refusal's cause.
 */
const LIMITED_WRITER = `
import { pathToFileURL } from "node:url";
const [auditLogPath, jsonlPath, file] = process.argv.slice(2);
const { AuditLog } = await import(pathToFileURL(auditLogPath).href);
const { jsonlSink } = await import(pathToFileURL(jsonlPath).href);
const log = new AuditLog({ sink: jsonlSink(file), clock: { now: () => Date.now() }, signingKey: JSON.parse(process.env.WARDEN_CRASH_TEST_KEY), signIntervalMs: 0 });
for (let i = 0; ; i++) {
  try {
    const event = await log.record({ type: "tool.end", outcome: "success", actor: { sub: "ann" }, target: { kind: "tool", name: "lookup" }, data: { i, pad: "x".repeat(700) } });
    await log.commit();
    process.stdout.write("committed " + event.seq + "\\n");
  } catch (error) {
    process.stdout.write("refused " + error.code + " " + error.cause?.code + "\\n");
    break;
  }
}
`;

describe("jsonlSink: write errors fail closed", () => {
  const lookup = (ran: string[]) => tool(async ({ id }) => (ran.push(id), `customer ${id}`), { name: "lookup", description: "lookup", schema: z.object({ id: z.string() }) });

  async function guardedCall(path: string, signingKey?: typeof keys.privateKey) {
    const warden = createWarden({
      identity: idp.identity,
      policy: { tools: { lookup: { scopes: [] } } },
      audit: { sink: jsonlSink(path), failMode: "closed", ...(signingKey ? { signingKey, signIntervalMs: 0 } : {}) },
    });
    const principal = await warden.authenticate(await idp.issue({ sub: "ann" }));
    const ran: string[] = [];
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const errors: unknown[] = [];
      for (let i = 0; i < 2; i++)
        errors.push(
          await warden
            .tool(lookup(ran))
            .invoke({ id: `c${i}` }, warden.config(principal))
            .catch((e: unknown) => e),
        );
      return { warden, ran, errors };
    } finally {
      quiet.mockRestore();
    }
  }

  it.each([
    ["a path in a directory that does not exist", () => join(dir, "no-such-dir", "audit.jsonl"), "ENOENT"],
    ["a directory as path", () => dir, "EISDIR"],
  ])("%s: the guarded call fails with AuditWriteError and the tool does not run", async (_name, pathOf, code) => {
    const path = pathOf();
    const { warden, ran, errors } = await guardedCall(path);
    for (const error of errors) {
      expect(error).toBeInstanceOf(AuditWriteError);
      expect((error as AuditWriteError).code).toBe("WARDEN_AUDIT_WRITE");
      expect((error as Error).message).not.toContain(code);
      expect((error as Error).message).not.toContain(path);
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe(code);
    }
    expect(ran).toEqual([]);
    // Closing reports the sink's failure once more, and still releases it.
    await expect(warden.close()).rejects.toBeInstanceOf(AuditWriteError);
  });

  it.skipIf(!existsSync("/dev/full") || !existsSync("/proc/self/fd"))(
    "a full disk: the guarded call fails with AuditWriteError, the tool does not run, and close() still releases the file",
    async () => {
      const openOnDevFull = () =>
        readdirSync("/proc/self/fd").filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`) === "/dev/full";
          } catch {
            return false;
          }
        }).length;
      const before = openOnDevFull();
      const { warden, ran, errors } = await guardedCall("/dev/full", keys.privateKey);
      expect(errors).toHaveLength(2);
      for (const error of errors) {
        expect(error).toBeInstanceOf(AuditWriteError);
        expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ENOSPC");
      }
      expect(ran).toEqual([]);
      expect(openOnDevFull()).toBe(before + 1);
      // The final checkpoint cannot be written either: close() reports it, yet releases the file.
      await expect(warden.close()).rejects.toBeInstanceOf(AuditWriteError);
      expect(openOnDevFull()).toBe(before);
      await expect(warden.audit.record(input(0))).rejects.toBeInstanceOf(AuditWriteError);
    },
  );

  it.skipIf(runtime === undefined || !existsSync("/bin/bash"))(
    "a write cut short by a file size limit is completed or refused: only whole, committed events count, and the cut line reads as torn" +
      (runtime === undefined ? " (skipped: neither tsx nor a built dist/ is available to load Warden in a child process)" : ""),
    async () => {
      const path = join(dir, "audit.jsonl");
      const script = join(dir, "limited.mjs");
      writeFileSync(script, LIMITED_WRITER);
      const argv = [process.execPath, ...runtime!.args, script, runtime!.modules.auditLog, runtime!.modules.jsonl, path].map((arg) => `'${arg}'`).join(" ");
      // bash counts the limit in blocks of 1,024 bytes: events of about 1 KB cross it mid-line.
      const child = spawn("/bin/bash", ["-c", `ulimit -f 8 && exec ${argv}`], {
        cwd: repo,
        env: { ...process.env, WARDEN_CRASH_TEST_KEY: JSON.stringify(keys.privateKey) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code, stderr).toBe(0);
      const said = stdout.trim().split("\n");
      expect(said.at(-1), stderr).toBe("refused WARDEN_AUDIT_WRITE EFBIG");
      const committed = said.filter((line) => line.startsWith("committed ")).length;
      expect(committed).toBeGreaterThan(2);
      // The file holds exactly the limit: the refused event's line was cut short, never acknowledged.
      expect(statSync(path).size).toBe(8 * 1024);
      const report = await verifyAuditLog(path, { publicKey: keys.publicKey });
      expect(report.count).toBe(committed);
      expect(report.problems.map((problem) => problem.kind)).toEqual(["torn-line"]);
      expect(report.ok).toBe(true);
    },
  );
});
