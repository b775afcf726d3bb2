import { existsSync } from "node:fs";
import { tool } from "@langchain/core/tools";
import { type AuditEvent, type AuditSink, AuditWriteError, callbackSink, createWarden, generateAuditKeys, jsonlSink, verifyAuditLog } from "langchain-warden";
import { postgresSink } from "langchain-warden/postgres";
import { createTestIdentity } from "langchain-warden/testing";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";

const idp = createTestIdentity();
const postgresUp = await serviceAvailable("postgres");
const lookup = (ran: string[]) => tool(async ({ id }) => (ran.push(id), id), { name: "lookup", description: "lookup", schema: z.object({ id: z.string() }) });

async function callThrough(sink: AuditSink) {
  const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink } });
  const principal = await warden.authenticate(await idp.issue({}));
  const ran: string[] = [];
  const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
  const error = await warden
    .tool(lookup(ran))
    .invoke({ id: "c1" }, warden.config(principal))
    .catch((e: unknown) => e);
  quiet.mockRestore();
  await warden.close().catch(() => undefined);
  return { error, ran };
}

describe("no action without a stored record, even with batching sinks", () => {
  it.skipIf(!existsSync("/dev/full"))("a JSONL file that cannot be written refuses the call before the tool runs (no signing key: nothing is signed)", async () => {
    const { error, ran } = await callThrough(jsonlSink("/dev/full"));
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(ran).toEqual([]);
  });

  it.skipIf(!postgresUp)("a PostgreSQL sink whose inserts fail refuses the call before the tool runs (PostgreSQL on 127.0.0.1:5432)", async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      const { error, ran } = await callThrough(postgresSink({ pool, table: "warden_audit_never", migrate: false }));
      expect(error).toBeInstanceOf(AuditWriteError);
      expect(ran).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it("a write refused at once leaves no gap: once the sink recovers, the log verifies", async () => {
    const keys = generateAuditKeys();
    const stored: AuditEvent[] = [];
    let down = true;
    const sink = callbackSink((event) => {
      if (down) throw new Error("collector unavailable");
      stored.push(event);
    });
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink, signingKey: keys.privateKey } });
    const principal = await warden.authenticate(await idp.issue({}));
    const ran: string[] = [];
    await expect(warden.tool(lookup(ran)).invoke({ id: "c1" }, warden.config(principal))).rejects.toBeInstanceOf(AuditWriteError);
    down = false;
    await warden.tool(lookup(ran)).invoke({ id: "c2" }, warden.config(principal));
    await warden.close();
    expect(ran).toEqual(["c2"]);
    expect(await verifyAuditLog(stored, { publicKey: keys.publicKey })).toMatchObject({ ok: true, problems: [] });
  });
});

describe("a sink that refuses an event after accepting the call", () => {
  it("takes the refused event back, so the chain the verifier sees has no hole", async () => {
    const keys = generateAuditKeys();
    const kept: AuditEvent[] = [];
    let refuseNext = false;
    const sink = callbackSink(async (event) => {
      if (refuseNext) {
        refuseNext = false;
        throw new Error("pipeline unavailable");
      }
      kept.push(event);
    });
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink, signingKey: keys.privateKey } });
    const config = warden.config(await warden.authenticate(await idp.issue({})));
    const ran: string[] = [];
    const guarded = warden.tool(lookup(ran));
    await guarded.invoke({ id: "a" }, config);
    refuseNext = true;
    expect(await guarded.invoke({ id: "b" }, config).catch((e: unknown) => e)).toBeInstanceOf(AuditWriteError);
    await guarded.invoke({ id: "c" }, config);
    await warden.close();
    expect(ran).toEqual(["a", "c"]);
    const report = await verifyAuditLog(kept, { publicKey: keys.publicKey });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("refuses every later action once events were chained after the refused one", async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const sink = callbackSink(
      (_event) =>
        new Promise<void>((resolve, reject) => {
          calls++;
          if (calls === 1) release = () => reject(new Error("late failure"));
          else resolve();
        }),
    );
    const warden = createWarden({ identity: idp.identity, policy: { tools: { lookup: { scopes: [] } } }, audit: { sink } });
    const first = warden.audit.record({ type: "tool.start", outcome: "pending", actor: { sub: "a" }, target: { kind: "tool", name: "lookup" } });
    const second = warden.audit.record({ type: "tool.start", outcome: "pending", actor: { sub: "a" }, target: { kind: "tool", name: "lookup" } });
    release?.();
    await expect(first).rejects.toBeInstanceOf(AuditWriteError);
    await second;
    const ran: string[] = [];
    const config = warden.config(await warden.authenticate(await idp.issue({})));
    const error = await warden
      .tool(lookup(ran))
      .invoke({ id: "x" }, config)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(ran).toEqual([]);
  });
});
