/**
 * examples/http-service over loopback: a real server on 127.0.0.1 (port 0),
 * real requests with fetch, real tokens from a test issuer, the embedded
 * storage (MemorySaver, a JSONL audit file, the in-memory pending index).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuditEvent, verifyAuditLog } from "langchain-warden";
import { createTestIdentity, scriptedChatModel, type TestIdentity } from "langchain-warden/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatResponse, DecisionResponse } from "../../examples/http-service/app.js";
import type { ApprovalView } from "../../examples/http-service/approval-view.js";
import { createService, type Service } from "../../examples/http-service/service.js";
import { type Listening, listen, send } from "./support.js";

const ADA = "ada.lovelace@example.com";
const scratch = mkdtempSync(join(tmpdir(), "warden-http-service-"));
const auditFile = join(scratch, "audit.jsonl");
const unexpected: unknown[] = [];

let service: Service;
let server: Listening;
let idp: TestIdentity;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  service = await createService({ auditFile, perUser: "30/min", onUnexpectedError: (error) => unexpected.push(error) });
  idp = service.testIdentity as TestIdentity;
  server = await listen(service.app);
  tokens.alice = await idp.issue({ sub: "alice", tenant: "acme", scope: "support:chat orders:read customers:delete" });
  tokens.bob = await idp.issue({ sub: "bob", tenant: "acme", scope: "support:chat orders:read" });
  tokens.maria = await idp.issue({ sub: "maria", tenant: "acme", roles: ["manager"] });
  tokens.eve = await idp.issue({ sub: "eve", tenant: "acme", scope: "orders:read" });
  tokens.otto = await idp.issue({ sub: "otto", tenant: "globex", roles: ["manager"] });
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const chat = (token: string | undefined, threadId: string, message: string) =>
  send<ChatResponse>(server.base, "POST", "/chat", { ...(token ? { token } : {}), json: { threadId, message } });
const inbox = async (token: string) => {
  const answer = await send<{ pending: ApprovalView[] }>(server.base, "GET", "/approvals", { token });
  expect(answer.status).toBe(200);
  return answer.body.pending;
};
const decide = (token: string, id: string, json: unknown) => send<DecisionResponse>(server.base, "POST", `/approvals/${encodeURIComponent(id)}`, { token, json });

describe("POST /chat", () => {
  it("answers a signed-in user on their thread, with what the tool returned masked", async () => {
    const answer = await chat(tokens.alice, "orders-1", "Where is ORD-1042?");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      threadId: "orders-1",
      status: "done",
      reply: "Done: ORD-1042 for [EMAIL]: shipped on 3 March, total 89.90 EUR.",
      pending: [],
    });
    expect(answer.text).not.toContain(ADA);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);

    // The thread keeps its history: a second turn on it sees the first.
    const again = await chat(tokens.alice, "orders-1", "and ORD-1043?");
    expect(again.body.reply).toBe("Done: ORD-1043 for [EMAIL]: awaiting payment, total 240.00 EUR.");
  });

  it("refuses a missing, forged, foreign or expired token with 401 and an RFC 6750 challenge", async () => {
    const none = await chat(undefined, "t", "hello");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="support-api"');
    expect(none.body.error).toMatchObject({ code: "WARDEN_INVALID_TOKEN", reason: "missing" });

    const garbage = await chat("not-a-token", "t", "hello");
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get("www-authenticate")).toMatch(/^Bearer realm="support-api", error="invalid_token", error_description="[a-z-]+"$/);

    const [header, payload] = tokens.alice!.split(".");
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), scope: "*" })).toString("base64url")}.${tokens.alice!.split(".")[2]}`;
    const tampered = await chat(forged, "t", "hello");
    expect(tampered.status).toBe(401);
    expect(tampered.headers.get("www-authenticate")).toBe('Bearer realm="support-api", error="invalid_token", error_description="signature"');

    const stranger = createTestIdentity({ issuer: "https://idp.local.test/", audience: "support-api" });
    const foreign = await chat(await stranger.issue({ sub: "alice", tenant: "acme", scope: "support:chat" }), "t", "hello");
    expect(foreign.status).toBe(401);
    expect(foreign.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const expired = await chat(await idp.issue({ sub: "alice", tenant: "acme", scope: "support:chat" }, { expiresIn: -60 }), "t", "hello");
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toBe('Bearer realm="support-api", error="invalid_token", error_description="expired"');
    for (const answer of [none, garbage, tampered, foreign, expired]) expect(answer.text).not.toContain("eyJ");
  });

  it("lets the agent explain a tool the user may not use, and answers 403 to a user who may not chat", async () => {
    const denied = await chat(tokens.bob, "refunds-1", "Please refund 20 on ORD-1042");
    expect(denied.status).toBe(200);
    expect(denied.body.reply).toBe('I could not do that: Access denied: you are not permitted to use the tool "refund_order".');
    expect(service.store.refunds).toEqual([]);

    const noChat = await chat(tokens.eve, "t", "hello");
    expect(noChat.status).toBe(403);
    expect(noChat.body).toEqual({
      error: { code: "WARDEN_ACCESS_DENIED", message: 'Access to model "default" denied: you are not permitted to use this model' },
    });
  });

  it("refuses bodies over the limit with 413, with or without a Content-Length", async () => {
    const big = JSON.stringify({ threadId: "t", message: "x".repeat(20_000) });
    const declared = await send(server.base, "POST", "/chat", { token: tokens.alice, body: big, headers: { "content-type": "application/json" } });
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({ error: { code: "payload-too-large", message: "the request body is too large" } });

    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.subarray(i, i + 4096));
        controller.close();
      },
    });
    const streamed = await send(server.base, "POST", "/chat", { token: tokens.alice, body: stream, headers: { "content-type": "application/json" } });
    expect(streamed.status).toBe(413);
  });

  it("refuses malformed JSON, bodies that do not fit the schema, and other media types", async () => {
    const post = (body: string, type = "application/json") => send(server.base, "POST", "/chat", { token: tokens.alice, body, headers: { "content-type": type } });
    const badJson = await post("{ not json");
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe("invalid-request");

    const missing = await post(JSON.stringify({ message: "hello" }));
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues).toEqual([expect.objectContaining({ path: "threadId" })]);

    for (const body of [
      { threadId: "../other", message: "hello" },
      { threadId: "t", message: "" },
      { threadId: "t", message: "x".repeat(4_001) },
      { threadId: "t", message: "hello", sub: "maria" },
      { threadId: ["t"], message: "hello" },
    ]) {
      const answer = await post(JSON.stringify(body));
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
    expect((await post("threadId=t&message=hello", "application/x-www-form-urlencoded")).status).toBe(415);
  });

  it("sends security headers on every answer, errors included, and never caches", async () => {
    for (const answer of [await chat(tokens.alice, "headers-1", "hello"), await chat(undefined, "t", "hello"), await send(server.base, "GET", "/nope")]) {
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(answer.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
      expect(answer.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
      expect(answer.headers.get("cross-origin-resource-policy")).toBe("same-origin");
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("x-powered-by")).toBeNull();
    }
    expect((await send(server.base, "GET", "/nope")).body).toEqual({ error: { code: "not-found", message: "no such route" } });
  });
});

describe("approvals", () => {
  it("pauses a deletion, lists it (masked) to the manager only, refuses self-approval and runs it once when the manager approves", async () => {
    const paused = await chat(tokens.alice, "ticket-1", `Please delete customer cus_42: erasure request from ${ADA}`);
    expect(paused.status).toBe(202);
    expect(paused.body).toMatchObject({ threadId: "ticket-1", status: "pending-approval", reply: null });
    expect(paused.body.pending).toHaveLength(1);
    const [request] = paused.body.pending;
    expect(request).toMatchObject({
      threadId: "ticket-1",
      tool: "delete_customer",
      args: { customerId: "cus_42", reason: "erasure request from [EMAIL]" },
      requester: { sub: "alice", tenant: "acme" },
      risk: "destructive",
      approverScopes: ["approvals:customers"],
      allowedDecisions: ["approve", "edit", "reject"],
    });
    expect(paused.text).not.toContain(ADA);

    // The manager sees it, masked; the requester, a colleague without the scope and another tenant's manager do not.
    const seen = await inbox(tokens.maria!);
    expect(seen.map((p) => p.id)).toEqual([request!.id]);
    expect(JSON.stringify(seen)).not.toContain(ADA);
    expect(await inbox(tokens.alice!)).toEqual([]);
    expect(await inbox(tokens.bob!)).toEqual([]);
    expect(await inbox(tokens.otto!)).toEqual([]);

    // Refused before the thread is touched.
    const self = await decide(tokens.alice!, request!.id, { decision: "approve" });
    expect(self.status).toBe(403);
    expect(self.body.error).toEqual({ code: "self-approval", message: "you cannot approve your own request" });
    const colleague = await decide(tokens.bob!, request!.id, { decision: "approve" });
    expect(colleague.status).toBe(403);
    expect(colleague.body.error.code).toBe("approver-scope");
    const foreign = await decide(tokens.otto!, request!.id, { decision: "approve" });
    expect(foreign.status).toBe(404);
    expect((await decide(tokens.maria!, request!.id, { decision: "maybe" })).status).toBe(400);
    expect((await decide(tokens.maria!, request!.id, { decision: "approve", args: { customerId: "cus_43" } })).status).toBe(400);
    const unsigned = await send(server.base, "POST", `/approvals/${request!.id}`, { json: { decision: "approve" } });
    expect(unsigned.status).toBe(401);
    expect(service.store.deleted).toEqual([]);

    // While it waits, the requester cannot start another turn on the thread (it would abandon the call).
    const busy = await chat(tokens.alice, "ticket-1", "hello?");
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: "approval-pending", pending: [expect.objectContaining({ id: request!.id })] });

    const approved = await decide(tokens.maria!, request!.id, { decision: "approve", message: "erasure request, ticket 1" });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({
      outcome: "approved",
      requestId: request!.id,
      threadId: "ticket-1",
      approver: "maria",
      reply: "Done: deleted customer cus_42.",
      pending: [],
    });
    expect(service.store.deleted).toEqual([{ customerId: "cus_42", reason: "erasure request from [EMAIL]" }]);

    // Decided: gone from the inbox, and a replay finds nothing to resume.
    expect(await inbox(tokens.maria!)).toEqual([]);
    const replay = await decide(tokens.maria!, request!.id, { decision: "approve" });
    expect(replay.status).toBe(404);
    expect(service.store.deleted).toEqual([{ customerId: "cus_42", reason: "erasure request from [EMAIL]" }]);
    // The requester carries on with the thread.
    expect((await chat(tokens.alice, "ticket-1", "thanks")).status).toBe(200);
  });

  it("keeps each user's threads apart: the same thread id names another conversation, and never resumes someone else's", async () => {
    const paused = await chat(tokens.alice, "shared-id", "delete customer cus_43: duplicate of cus_42");
    expect(paused.status).toBe(202);
    const [request] = paused.body.pending;

    // Bob sends a message on "shared-id": it is his own, new thread, not Alice's paused one.
    const bobs = await chat(tokens.bob, "shared-id", "Where is ORD-1043?");
    expect(bobs.status).toBe(200);
    expect(bobs.body.reply).toBe("Done: ORD-1043 for [EMAIL]: awaiting payment, total 240.00 EUR.");
    // Nor does an "alice" of another tenant: her "shared-id" is a third conversation.
    const otherAlice = await idp.issue({ sub: "alice", tenant: "globex", scope: "support:chat orders:read" });
    expect((await chat(otherAlice, "shared-id", "hello")).status).toBe(200);
    expect((await inbox(tokens.maria!)).map((p) => p.id)).toEqual([request!.id]);

    // Rejected by the manager: the customer stays, and the agent tells the requester.
    const rejected = await decide(tokens.maria!, request!.id, { decision: "reject", message: "no erasure request on file" });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ outcome: "rejected", approver: "maria", pending: [] });
    expect(rejected.body.reply).toBe('I could not do that: The request to use the tool "delete_customer" was rejected: no erasure request on file.');
    expect(service.store.customers.has("cus_43")).toBe(true);
  });

  it("reports a decision Warden refuses, and accepts the approver's next answer to the id they were shown", async () => {
    const paused = await chat(tokens.alice, "ticket-edit", "delete customer cus_43: duplicate of cus_42");
    const [request] = paused.body.pending;
    // An edit whose arguments do not fit the tool's schema: Warden refuses it and raises the request again.
    const refused = await decide(tokens.maria!, request!.id, { decision: "edit", args: { customerId: 43 } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ outcome: "invalid", approver: "maria", error: { code: "edit-schema" } });
    expect(refused.body.pending).toHaveLength(1);
    const [again] = refused.body.pending;
    expect(again!.id).not.toBe(request!.id);
    expect(again!.refused).toMatchObject({ reason: "edit-schema" });
    expect(service.store.customers.has("cus_43")).toBe(true);

    // Answering the id first shown still reaches the call (Warden checks its binding and expiry).
    const rejected = await decide(tokens.maria!, request!.id, { decision: "reject" });
    expect(rejected.status).toBe(200);
    expect(rejected.body.outcome).toBe("rejected");
    expect(await inbox(tokens.maria!)).toEqual([]);
  });

  it("cannot resume once the requester's sign-in has ended, until they come back to the thread", async () => {
    const shortLived = await idp.issue({ sub: "alice", tenant: "acme", scope: "support:chat customers:delete" }, { expiresIn: 3 });
    const paused = await chat(shortLived, "ticket-late", "delete customer cus_43: duplicate of cus_42");
    expect(paused.status).toBe(202);
    const [request] = paused.body.pending;
    const exp = JSON.parse(Buffer.from(shortLived.split(".")[1]!, "base64url").toString()).exp as number;
    while (Date.now() <= exp * 1000 + 50) await new Promise((resolve) => setTimeout(resolve, 100));

    const stale = await decide(tokens.maria!, request!.id, { decision: "approve" });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("requester-signed-out");
    expect(service.store.customers.has("cus_43")).toBe(true);

    // Alice comes back (a fresh token): the thread still waits, and now the manager can resume it.
    expect((await chat(tokens.alice, "ticket-late", "any news?")).status).toBe(409);
    const approved = await decide(tokens.maria!, request!.id, { decision: "approve" });
    expect(approved.status).toBe(200);
    expect(approved.body.reply).toBe("Done: deleted customer cus_43.");
    expect(service.store.deleted.map((d) => d.customerId)).toEqual(["cus_42", "cus_43"]);
  });
});

describe("limits", () => {
  it("answers a burst over the per-user rate with 429 and Retry-After, other users unaffected", async () => {
    const limited = await createService({ auditFile: join(scratch, "limits.jsonl"), perUser: "3/min" });
    const listening = await listen(limited.app);
    try {
      const issuer = limited.testIdentity as TestIdentity;
      const carol = await issuer.issue({ sub: "carol", tenant: "acme", scope: "support:chat" });
      const dave = await issuer.issue({ sub: "dave", tenant: "acme", scope: "support:chat" });
      const statuses: number[] = [];
      let refusal: Awaited<ReturnType<typeof send>> | undefined;
      for (let i = 0; i < 5; i++) {
        const answer = await send(listening.base, "POST", "/chat", { token: carol, json: { threadId: "burst", message: `hello ${i}` } });
        statuses.push(answer.status);
        if (answer.status === 429) refusal ??= answer;
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const retryAfter = Number(refusal!.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refusal!.body).toEqual({ error: { code: "WARDEN_RATE_LIMITED", message: "Rate limit exceeded (user, 3/min)" } });
      const other = await send(listening.base, "POST", "/chat", { token: dave, json: { threadId: "burst", message: "hello" } });
      expect(other.status).toBe(200);
    } finally {
      await listening.close();
      await limited.close();
    }
  });
  it("answers a spent token budget with 429 and a Retry-After of when it has room again", async () => {
    const budgeted = await createService({ auditFile: join(scratch, "budget.jsonl"), tokensPerUserDay: 60 });
    const listening = await listen(budgeted.app);
    try {
      const frank = await (budgeted.testIdentity as TestIdentity).issue({ sub: "frank", tenant: "acme", scope: "support:chat" });
      const ask = () => send(listening.base, "POST", "/chat", { token: frank, json: { threadId: "budget", message: "hello" } });
      const answers = [await ask(), await ask(), await ask()];
      const refusal = answers.find((answer) => answer.status === 429);
      expect(answers[0]!.status).toBe(200);
      expect(refusal?.body.error).toEqual({ code: "WARDEN_BUDGET_EXCEEDED", message: "Token budget exceeded (user, 60/day)" });
      const retryAfter = Number(refusal!.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(60);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
    } finally {
      await listening.close();
      await budgeted.close();
    }
  });

  it("turns an error that is not Warden's into a bare 500, and hands it to the operator's log", async () => {
    const seen: unknown[] = [];
    const failing = scriptedChatModel(() => {
      throw new Error("connect ECONNREFUSED 10.0.0.5:5432 (user=support password=hunter2)");
    });
    const broken = await createService({ auditFile: join(scratch, "broken.jsonl"), model: failing, onUnexpectedError: (error) => seen.push(error) });
    const listening = await listen(broken.app);
    try {
      const gina = await (broken.testIdentity as TestIdentity).issue({ sub: "gina", tenant: "acme", scope: "support:chat" });
      const answer = await send(listening.base, "POST", "/chat", { token: gina, json: { threadId: "t", message: "hello" } });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ error: { code: "internal", message: "internal error" } });
      expect(answer.text).not.toMatch(/10\.0\.0\.5|hunter2|ECONNREFUSED/);
      expect(seen).toHaveLength(1);
    } finally {
      await listening.close();
      await broken.close();
    }
  });
});

describe("audit", () => {
  it("recorded every step in a log that verifies, and never a token or a raw argument", async () => {
    await service.close();
    const result = await verifyAuditLog(auditFile, { publicKey: service.auditPublicKey! });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    const text = readFileSync(auditFile, "utf8");
    const events = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditEvent);
    const approvals = events.filter((e) => e.type.startsWith("approval."));
    expect(approvals.filter((e) => e.type === "approval.granted").map((e) => e.actor.sub)).toEqual(["maria", "maria"]);
    expect(approvals.filter((e) => e.type === "approval.rejected")).toHaveLength(2);
    expect(approvals.filter((e) => e.type === "approval.invalid").map((e) => e.data?.code)).toEqual(["edit-schema"]);
    expect(events.filter((e) => e.type === "tool.end" && e.target.name === "delete_customer")).toHaveLength(2);
    expect(events.filter((e) => e.type === "token.rejected").length).toBeGreaterThanOrEqual(5);
    expect(text).not.toContain(ADA);
    for (const token of Object.values(tokens)) expect(text).not.toContain(token);
    expect(unexpected).toEqual([]);
  });
});
