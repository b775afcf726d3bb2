/**
 * A pending approval survives a process restart: process 1 pauses a
 * destructive call and exits; process 2, started afresh with the same
 * approvals secret and the same PostgreSQL checkpointer, resumes it with a
 * manager's decision. Both are real child processes (see support/restart-worker.ts).
 */
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type AuditEvent, generateAuditKeys, verifyAuditLog } from "langchain-warden";
import { createTestIdentity } from "langchain-warden/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";
import type { ResumeJob, WorkerReport, WorkerSettings } from "./support/restart-worker.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const worker = join(here, "support", "restart-worker.ts");

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("a pending approval across a process restart (PostgresSaver on 127.0.0.1:5432)", () => {
  const id = randomUUID().replace(/-/g, "").slice(0, 12);
  const schema = `warden_restart_${id}`;
  const idp = createTestIdentity({ issuer: "https://idp.restart.test/", audience: "support-api" });
  const auditKeys = generateAuditKeys();
  let scratch = "";
  let settingsPath = "";
  let settings: WorkerSettings;
  const threads = { approved: `${id}-approved`, misconfigured: `${id}-misconfigured` };

  async function spawnWorker(...args: string[]): Promise<WorkerReport> {
    const { stdout } = await run(process.execPath, ["--import", "tsx", worker, settingsPath, ...args], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    const last = stdout.trim().split("\n").at(-1) ?? "";
    return JSON.parse(last) as WorkerReport;
  }
  let jobs = 0;
  function resumeWith(job: ResumeJob): Promise<WorkerReport> {
    const path = join(scratch, `job-${++jobs}.json`);
    writeFileSync(path, JSON.stringify(job));
    return spawnWorker("resume", path);
  }
  const events = (): AuditEvent[] =>
    readFileSync(settings.auditFile, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as AuditEvent);
  const ofChain = (chain: string) => events().filter((e) => e.chain === chain && e.type !== "audit.checkpoint");
  const runs = (): { pid: number; id: string }[] =>
    existsSync(settings.ranFile)
      ? readFileSync(settings.ranFile, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { pid: number; id: string })
      : [];

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "warden-restart-"));
    settingsPath = join(scratch, "settings.json");
    settings = {
      postgresUrl: POSTGRES_URL,
      schema,
      secret: randomBytes(32).toString("base64url"),
      identity: { issuer: "https://idp.restart.test/", audience: "support-api", jwks: idp.jwks },
      signingKey: { ...idp.privateKey.export({ format: "jwk" }), kid: idp.kid, alg: "ES256" },
      auditFile: join(scratch, "audit.jsonl"),
      auditKey: auditKeys.privateKey,
      ranFile: join(scratch, "ran.jsonl"),
    };
    writeFileSync(settingsPath, JSON.stringify(settings));
  });

  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await pool.end();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("is raised by process 1, refused by an instance with another secret, and run once by process 2", async () => {
    // Process 1: the requester's delete pauses on two threads; the process exits.
    const first = await spawnWorker("request", threads.approved, threads.misconfigured);
    const [request] = first.pending[threads.approved] ?? [];
    const [other] = first.pending[threads.misconfigured] ?? [];
    expect(request?.request).toMatchObject({
      type: "warden.approval",
      tool: "delete_customer",
      args: { id: `cus_${threads.approved}` },
      requester: { sub: "alice" },
      threadId: threads.approved,
      toolCallId: `call_${threads.approved}`,
      risk: "destructive",
      approverScopes: ["approvals:customers"],
      allowedDecisions: ["approve", "edit", "reject"],
    });
    expect(other?.request.threadId).toBe(threads.misconfigured);
    expect(runs()).toEqual([]);
    const requested = ofChain(first.chain);
    expect(requested.map((e) => [e.type, e.actor.sub, e.run?.threadId, e.data?.requestId])).toEqual([
      ["approval.requested", "alice", threads.approved, request!.request.id],
      ["approval.requested", "alice", threads.misconfigured, other!.request.id],
    ]);

    const managerToken = await idp.issue({ sub: "mgr", scope: "approvals:customers" }, { expiresIn: "10m" });

    // An instance started with another approvals secret cannot tell the request is genuine.
    const misconfigured = await resumeWith({
      threadId: threads.misconfigured,
      interruptId: other!.interruptId,
      decision: { requestId: other!.request.id, decision: "approve", approverToken: managerToken },
      secret: randomBytes(32).toString("base64url"),
    });
    expect(misconfigured.pid).not.toBe(first.pid);
    expect(runs()).toEqual([]);
    const refused = ofChain(misconfigured.chain);
    expect(refused.map((e) => e.type)).toEqual(["approval.invalid", "approval.requested"]);
    expect(refused[0]?.data).toMatchObject({ code: "foreign-binding", requestId: other!.request.id });
    // The thread is not wedged: the request is raised again and still waits.
    expect(misconfigured.pending[threads.misconfigured]).toHaveLength(1);

    // Process 2: a fresh process with the shared secret resumes process 1's request.
    const second = await resumeWith({
      threadId: threads.approved,
      interruptId: request!.interruptId,
      decision: { requestId: request!.request.id, decision: "approve", approverToken: managerToken },
    });
    expect(second.pid).not.toBe(first.pid);
    expect(second.pending[threads.approved]).toEqual([]);
    expect(second.last[threads.approved]).toBe(`deleted cus_${threads.approved}`);
    expect(runs()).toEqual([{ pid: second.pid, id: `cus_${threads.approved}` }]);
    const resumed = ofChain(second.chain);
    expect(resumed.map((e) => [e.type, e.actor.sub])).toEqual([
      ["approval.granted", "mgr"],
      ["access.allowed", "alice"],
      ["tool.end", "alice"],
    ]);
    expect(resumed[0]?.data).toMatchObject({ requestId: request!.request.id, approvals: 1, quorum: 1 });
    expect(resumed[1]?.data).toMatchObject({ approval: request!.request.id });
    expect(resumed.every((e) => e.origin?.pid === second.pid && e.run?.threadId === threads.approved)).toBe(true);
    expect(readFileSync(settings.auditFile, "utf8")).not.toContain(managerToken);

    // The same decision delivered again by yet another process: the thread is done, nothing runs.
    const replay = await resumeWith({
      threadId: threads.approved,
      interruptId: request!.interruptId,
      decision: { requestId: request!.request.id, decision: "approve", approverToken: managerToken },
    });
    expect(replay.last[threads.approved]).toBe(`deleted cus_${threads.approved}`);
    expect(runs()).toHaveLength(1);
    expect(ofChain(replay.chain)).toEqual([]);

    // Four processes wrote to one file (the replay recorded nothing): three chains, all verifying offline.
    const verification = await verifyAuditLog(settings.auditFile, { publicKey: auditKeys.publicKey });
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(verification.chains.map((c) => c.chain).sort()).toEqual([first.chain, misconfigured.chain, second.chain].sort());
  }, 90_000);
});
