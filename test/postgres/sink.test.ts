import { randomUUID } from "node:crypto";
import { tool } from "@langchain/core/tools";
import { AuditLog, AuditWriteError, createWarden, generateAuditKeys, verifyAuditLog } from "langchain-warden";
import { migrateAuditTable, postgresSink, readAuditEvents } from "langchain-warden/postgres";
import { createTestIdentity } from "langchain-warden/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("postgresSink (PostgreSQL on 127.0.0.1:5432)", () => {
  let pool: pg.Pool;
  const table = `warden_audit_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const keys = generateAuditKeys();
  const clock = { now: () => Date.now() };

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });

  afterAll(async () => {
    // Dropping the table is DDL reserved to its owner; the trigger protects the rows.
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  });

  it("stores a verifiable chain keyed by chain and seq", async () => {
    const sink = postgresSink({ pool, table });
    const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signEvery: 25, signIntervalMs: 0 });
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        log.record({ type: "access.allowed", outcome: "success", actor: { sub: `u${i % 7}`, tenant: "acme" }, target: { kind: "tool", name: "t" } }),
      ),
    );
    await log.close();
    const events = await readAuditEvents(pool, table, { chain: log.chain });
    expect(events).toHaveLength(121);
    const report = await verifyAuditLog(events, { publicKey: keys.publicKey, expectHead: log.latest.hash, strict: true });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("stores a value holding a NUL character as written, and it verifies", async () => {
    const sink = postgresSink({ pool, table });
    const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
    await log.record({ type: "tool.end", outcome: "success", actor: { sub: "u" }, target: { kind: "tool", name: "t" }, run: { id: "r1", threadId: "thread\u0000x" } });
    await log.close();
    const events = await readAuditEvents(pool, table, { chain: log.chain });
    expect(events[0]?.run?.threadId).toBe("thread\u0000x");
    expect((await verifyAuditLog(events, { publicKey: keys.publicKey, expectHead: log.latest.hash })).ok).toBe(true);
  });

  it("is append-only in the database: UPDATE, DELETE and TRUNCATE are refused", async () => {
    const sink = postgresSink({ pool, table });
    const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
    await log.record({ type: "access.denied", outcome: "denied", actor: { sub: "mallory" }, target: { kind: "tool", name: "t" } });
    await log.close();
    await expect(pool.query(`UPDATE "${table}" SET type = 'access.allowed' WHERE chain = $1`, [log.chain])).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM "${table}" WHERE chain = $1`, [log.chain])).rejects.toThrow(/append-only/);
    await expect(pool.query(`TRUNCATE "${table}"`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`INSERT INTO "${table}" (chain, seq, ts, type, event) VALUES ($1, 1, now(), 'x', '{}')`, [log.chain])).rejects.toThrow(/duplicate key/);
    // The signed first event, and the final checkpoint that closes the chain.
    expect((await readAuditEvents(pool, table, { chain: log.chain })).map((event) => event.type)).toEqual(["access.denied", "audit.checkpoint"]);
  });

  it("survives the server closing its idle connection: the process goes on and the next insert opens another", async () => {
    const application = `warden_sink_${randomUUID().slice(0, 8)}`;
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("application_name", application);
    const sink = postgresSink({ connectionString: url.toString(), table });
    const log = new AuditLog({ sink, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
    const event = { type: "tool.end" as const, outcome: "success" as const, actor: { sub: "ann" }, target: { kind: "tool" as const, name: "t" } };
    await log.record(event);
    await log.commit();
    const own = sink.pool as unknown as pg.Pool;
    expect(own.totalCount).toBeGreaterThan(0);
    const killed = await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [application]);
    expect(killed.rowCount).toBeGreaterThan(0);
    // The pool drops the closed connection (after emitting "error", which no listener of this test hears).
    await vi.waitFor(() => expect(own.totalCount).toBe(0), { timeout: 5_000 });
    await log.record(event);
    await log.commit();
    await log.close();
    const stored = await readAuditEvents(pool, table, { chain: log.chain });
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await verifyAuditLog(stored, { publicKey: keys.publicKey, strict: true })).ok).toBe(true);
  });

  it("migrates idempotently, also when several instances start at once", async () => {
    await Promise.all([migrateAuditTable(pool, table), migrateAuditTable(pool, table), migrateAuditTable(pool, table)]);
    await expect(migrateAuditTable(pool, 'x"; DROP TABLE y; --')).rejects.toThrow(/invalid audit table name/);
  });

  it("keeps instances on separate chains and detects a forged row", async () => {
    const sinkA = postgresSink({ pool, table, durability: "event" });
    const sinkB = postgresSink({ pool, table, durability: "event" });
    const a = new AuditLog({ sink: sinkA, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
    const b = new AuditLog({ sink: sinkB, clock, signingKey: keys.privateKey, signIntervalMs: 0 });
    for (let i = 0; i < 5; i++) {
      await a.record({ type: "tool.start", outcome: "pending", actor: { sub: "a" }, target: { kind: "tool", name: "t" } });
      await b.record({ type: "tool.start", outcome: "pending", actor: { sub: "b" }, target: { kind: "tool", name: "t" } });
    }
    await a.close();
    await b.close();
    const all = (await readAuditEvents(pool, table)).filter((e) => e.chain === a.chain || e.chain === b.chain);
    const report = await verifyAuditLog(all, { publicKey: keys.publicKey });
    expect(report.ok).toBe(true);
    expect(report.chains.map((c) => c.count).sort()).toEqual([6, 6]);
    // Someone with table-owner rights inserts a forged event at the end of chain A.
    const last = all.filter((e) => e.chain === a.chain).at(-1)!;
    const forged = { ...last, seq: last.seq + 1, prev: last.hash, actor: { sub: "mallory" } };
    await pool.query(`INSERT INTO "${table}" (chain, seq, ts, type, event) VALUES ($1, $2, now(), 'x', $3::jsonb)`, [a.chain, forged.seq, JSON.stringify(forged)]);
    const tampered = await verifyAuditLog(await readAuditEvents(pool, table, { chain: a.chain }), { publicKey: keys.publicKey });
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toContainEqual(expect.objectContaining({ kind: "hash", seq: forged.seq }));
  });

  it("fails closed when the database refuses the event: the tool does not run", async () => {
    const idp = createTestIdentity();
    const ran: string[] = [];
    const broken = new pg.Pool({ connectionString: POSTGRES_URL.replace(/\/test$/, "/no_such_database"), max: 1 });
    const warden = createWarden({
      identity: idp.identity,
      policy: { tools: { lookup: { scopes: [] } } },
      audit: { sink: postgresSink({ pool: broken, table, durability: "event" }) },
    });
    const principal = await warden.authenticate(await idp.issue({}));
    const lookup = tool(async ({ id }) => (ran.push(id), id), { name: "lookup", description: "lookup", schema: z.object({ id: z.string() }) });
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const error = await warden
      .tool(lookup)
      .invoke({ id: "c1" }, warden.config(principal))
      .catch((e: unknown) => e);
    log.mockRestore();
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(ran).toEqual([]);
    await broken.end();
  });

  it("records a whole guarded run through createWarden and verifies it", async () => {
    const idp = createTestIdentity();
    const sink = postgresSink({ connectionString: POSTGRES_URL, table });
    const warden = createWarden({
      identity: idp.identity,
      policy: { tools: { lookup: { scopes: ["crm:read"] } } },
      audit: { sink, signingKey: keys.privateKey },
    });
    const lookup = tool(async ({ id }) => `customer ${id}`, { name: "lookup", description: "lookup", schema: z.object({ id: z.string() }) });
    const allowed = await warden.authenticate(await idp.issue({ sub: "ann", scope: "crm:read" }));
    const denied = await warden.authenticate(await idp.issue({ sub: "bob" }));
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => warden.tool(lookup).invoke({ id: `c${i}` }, warden.config(allowed))),
      ...Array.from({ length: 10 }, (_, i) => warden.tool(lookup).invoke({ type: "tool_call", id: `call-${i}`, name: "lookup", args: { id: `c${i}` } }, warden.config(denied))),
    ]);
    const chain = warden.audit.chain;
    await warden.close();
    const events = await readAuditEvents(pool, table, { chain });
    const report = await verifyAuditLog(events, { publicKey: keys.publicKey, strict: true });
    expect(report.problems).toEqual([]);
    expect(events.filter((e) => e.type === "access.denied")).toHaveLength(10);
    expect(JSON.stringify(events)).not.toContain("customer c");
  });
});
