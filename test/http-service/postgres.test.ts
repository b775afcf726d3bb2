/**
 * examples/http-service with DATABASE_URL: LangGraph's PostgresSaver, Warden's
 * postgresSink and the PostgreSQL pending index. A deletion is asked for on one
 * instance, that instance stops, and a new instance (same database, same
 * approvals secret, same IdP) lists and resumes it. Real PostgreSQL on
 * 127.0.0.1:5432, real HTTP over loopback.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { type AuditEvent, generateAuditKeys, verifyAuditLog } from "langchain-warden";
import { createTestIdentity } from "langchain-warden/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { ChatResponse, DecisionResponse } from "../../examples/http-service/app.js";
import type { ApprovalView } from "../../examples/http-service/approval-view.js";
import { createService, type Service, type ServiceSettings } from "../../examples/http-service/service.js";
import { CustomerStore } from "../../examples/http-service/support-agent.js";
import { POSTGRES_URL, serviceAvailable } from "../support/services.js";
import { type Listening, listen, send } from "./support.js";

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("the HTTP service on PostgreSQL (127.0.0.1:5432)", () => {
  const id = randomUUID().replace(/-/g, "").slice(0, 12);
  const schema = `http_service_${id}`;
  const auditTable = `http_audit_${id}`;
  const pendingTable = `http_pending_${id}`;
  const idp = createTestIdentity({ issuer: "https://idp.http-service.test/", audience: "support-api" });
  const auditKeys = generateAuditKeys();
  // What every instance shares: the database, the approvals secret, the IdP, the audit key, the application's data.
  const store = CustomerStore.demo();
  const settings: ServiceSettings = {
    databaseUrl: POSTGRES_URL,
    checkpointSchema: schema,
    auditTable,
    pendingTable,
    approvalsSecret: randomBytes(32).toString("base64url"),
    auditSigningKey: auditKeys.privateKey,
    identity: idp.identity,
    store,
  };
  const running: { service: Service; server: Listening }[] = [];

  async function start(): Promise<{ service: Service; server: Listening }> {
    const service = await createService(settings);
    const server = await listen(service.app);
    const instance = { service, server };
    running.push(instance);
    return instance;
  }
  async function stop(instance: { service: Service; server: Listening }): Promise<void> {
    running.splice(running.indexOf(instance), 1);
    await instance.server.close();
    await instance.service.close();
  }

  afterAll(async () => {
    for (const instance of [...running]) await stop(instance);
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.query(`DROP TABLE IF EXISTS "${pendingTable}"`);
      await pool.query(`DROP TABLE IF EXISTS "${auditTable}" CASCADE`);
    } finally {
      await pool.end();
    }
  });

  it("refuses to start without an approvals secret shared by the instances", async () => {
    const { approvalsSecret: _secret, ...rest } = settings;
    await expect(createService(rest)).rejects.toThrow(/approvals secret/);
  });

  it("resumes on a restarted instance a deletion asked for before the restart, once, as the manager decides", async () => {
    const alice = await idp.issue({ sub: "alice", tenant: "acme", scope: "support:chat customers:delete" });
    const maria = await idp.issue({ sub: "maria", tenant: "acme", roles: ["manager"] });
    const bob = await idp.issue({ sub: "bob", tenant: "acme", scope: "support:chat" });

    // Instance 1: the request pauses, and the instance stops.
    const first = await start();
    expect(first.service.storage).toBe("postgres");
    const paused = await send<ChatResponse>(first.server.base, "POST", "/chat", {
      token: alice,
      json: { threadId: "ticket-7", message: "delete customer cus_42: erasure request from ada.lovelace@example.com" },
    });
    expect(paused.status).toBe(202);
    const [request] = paused.body.pending;
    expect(request).toMatchObject({ tool: "delete_customer", args: { customerId: "cus_42", reason: "erasure request from [EMAIL]" } });
    await stop(first);

    // The index keeps the requester's credential sealed, never in the clear.
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      const { rows } = await pool.query(`SELECT * FROM "${pendingTable}"`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ thread_id: "ticket-7", tenant: "acme", requester: "alice" });
      expect(JSON.stringify(rows)).not.toContain(alice);
      expect(JSON.stringify(rows)).not.toContain(alice.split(".")[1]);
    } finally {
      await pool.end();
    }

    // Instance 2, started afresh: the manager sees the request, masked; others do not.
    const second = await start();
    const inbox = (token: string) => send<{ pending: ApprovalView[] }>(second.server.base, "GET", "/approvals", { token });
    const listed = await inbox(maria);
    expect(listed.status).toBe(200);
    expect(listed.body.pending).toEqual([
      expect.objectContaining({ id: request!.id, threadId: "ticket-7", args: { customerId: "cus_42", reason: "erasure request from [EMAIL]" } }),
    ]);
    expect(listed.text).not.toContain("ada.lovelace@example.com");
    expect((await inbox(alice)).body.pending).toEqual([]);
    expect((await inbox(bob)).body.pending).toEqual([]);

    const decide = (token: string, json: unknown) => send<DecisionResponse>(second.server.base, "POST", `/approvals/${encodeURIComponent(request!.id)}`, { token, json });
    expect((await decide(alice, { decision: "approve" })).status).toBe(403);
    expect((await decide(bob, { decision: "approve" })).status).toBe(403);
    // Another user cannot reach the paused thread through /chat either: the same id is their own thread.
    expect((await send(second.server.base, "POST", "/chat", { token: bob, json: { threadId: "ticket-7", message: "hello" } })).status).toBe(200);
    expect(store.deleted).toEqual([]);

    const approved = await decide(maria, { decision: "approve" });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ outcome: "approved", approver: "maria", threadId: "ticket-7", reply: "Done: deleted customer cus_42.", pending: [] });
    expect(store.deleted).toEqual([{ customerId: "cus_42", reason: "erasure request from [EMAIL]" }]);
    expect((await decide(maria, { decision: "approve" })).status).toBe(404);
    expect((await inbox(maria)).body.pending).toEqual([]);
    await stop(second);

    // One verifiable log in PostgreSQL, one chain per instance.
    const reader = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      const { rows } = await reader.query<{ event: AuditEvent }>(`SELECT event FROM "${auditTable}" ORDER BY ts, chain, seq`);
      const events = rows.map((row) => row.event);
      const verified = await verifyAuditLog(events, { publicKey: auditKeys.publicKey });
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);
      expect(new Set(events.map((e) => e.chain)).size).toBe(2);
      const story = events.filter((e) => e.type.startsWith("approval.") || (e.type === "tool.end" && e.target.name === "delete_customer"));
      expect(story.map((e) => [e.type, e.actor.sub])).toEqual([
        ["approval.requested", "alice"],
        ["approval.granted", "maria"],
        ["tool.end", "alice"],
      ]);
      expect(JSON.stringify(events)).not.toContain("ada.lovelace@example.com");
    } finally {
      await reader.end();
    }
  });
});
