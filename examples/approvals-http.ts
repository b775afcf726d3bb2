/**
 * Human approval over HTTP: an agent's delete waits for a manager, who answers
 * through a small endpoint.
 *
 *   npm run build && npx tsx examples/approvals-http.ts
 *
 *   GET  /approvals              the pending requests of every known thread
 *   POST /approvals/:requestId   Authorization: Bearer <approver token>
 *                                { "decision": "approve" | "reject" | "edit", "args"?: {…}, "message"?: "…" }
 *
 * The server only carries the decision: Warden verifies it (the approver's own
 * token, the approver's scope, approver ≠ requester, the request's binding and
 * expiry) when the thread resumes, and records every step in the audit log.
 *
 * Run as a script it plays a short story end to end on 127.0.0.1 (no other
 * network): a requester's delete pauses, a colleague without the approval scope
 * is refused, the manager approves, the customer is deleted once. Two stand-ins
 * keep it offline: a test identity provider for tokens and a scripted chat model.
 */

import { realpathSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import {
  type ApprovalDecision,
  type AuditEvent,
  createWarden,
  type MemorySink,
  memorySink,
  type PendingApproval,
  type Principal,
  pendingApprovals,
  type Warden,
} from "langchain-warden";
import { createTestIdentity, scriptedChatModel } from "langchain-warden/testing";
import { z } from "zod";
import { callTool, lastToolMessage, textOf } from "./support/messages.js";

// ── The approval endpoint ───────────────────────────────────────────────────

/** The part of an agent the endpoint needs: resume a thread, read its state. */
export interface ResumableAgent {
  invoke(input: Command, config: RunnableConfig): Promise<{ messages: unknown[] }>;
  getState(config: RunnableConfig): Promise<unknown>;
}

/** What the endpoint needs to know about the application. */
export interface ApprovalServerOptions {
  warden: Warden;
  agent: ResumableAgent;
  /** Paused threads and the verified principal of whoever started each (a run resumes as its requester). */
  threads: ReadonlyMap<string, Principal>;
  /** The warden's audit sink: how a resume ended is read from what Warden recorded. */
  audit: MemorySink;
}

/** One pending request as `GET /approvals` lists it. */
export interface PendingView {
  threadId: string;
  interruptId: string;
  requestId: string;
  toolCallId?: string;
  tool: string;
  args: Record<string, unknown>;
  requester: { sub: string; tenant?: string };
  reason: string;
  risk?: string;
  expiresAt: string;
  allowedDecisions: string[];
  approverScopes: readonly string[];
}

/** The answer to `POST /approvals/:requestId`. */
export interface DecisionResponse {
  outcome: "approved" | "rejected" | "invalid" | "pending";
  threadId: string;
  requestId: string;
  /** Who decided, as verified by Warden (`anonymous` when the token did not verify). */
  approver?: string;
  /** For `invalid`: the `data.code` of the approval.invalid event, and what it means. */
  code?: string;
  reason?: string;
  /** The agent's last message after the resume. */
  reply?: string;
  /** What still waits on this thread (after an invalid decision, the request raised again). */
  pending: PendingView[];
}

const MAX_BODY = 64 * 1024;
const DECISION_TYPES = ["approval.granted", "approval.rejected", "approval.invalid"] as const;

const decisionBody = z.strictObject({
  decision: z.enum(["approve", "reject", "edit"]),
  args: z.record(z.string(), z.unknown()).optional(),
  message: z.string().max(2_000).optional(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "the body is too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
}

function view(threadId: string, { interruptId, request }: PendingApproval): PendingView {
  return {
    threadId,
    interruptId,
    requestId: request.id,
    ...(request.toolCallId !== undefined ? { toolCallId: request.toolCallId } : {}),
    tool: request.tool,
    args: request.args,
    requester: request.requester,
    reason: request.reason,
    ...(request.risk !== undefined ? { risk: request.risk } : {}),
    expiresAt: new Date(request.expiresAt).toISOString(),
    allowedDecisions: request.allowedDecisions,
    approverScopes: request.approverScopes,
  };
}

/** HTTP status of a refused decision, by its `data.code`. */
function invalidStatus(code: string | undefined): number {
  if (code === "approver-token") return 401;
  if (code === "approver-scope" || code === "self-approval" || code === "other-tenant" || code === "duplicate-approver") return 403;
  return 422;
}

/**
 * The approval endpoint. Bind it to a private interface: it lists what agents
 * are waiting for, and anyone may try a decision (Warden refuses those that do
 * not verify, and records them).
 */
export function createApprovalServer({ warden, agent, threads, audit }: ApprovalServerOptions): Server {
  const configOf = (threadId: string, requester: Principal) => warden.config(requester, { configurable: { thread_id: threadId } });
  // Request ids this endpoint has shown, and the tool call each asks about. A request is raised
  // again with a fresh id when its thread resumes without answering it (after a refused
  // decision, or when another request of the thread is answered); an approver who answers the
  // id they were shown still reaches it, and Warden checks that the id is bound to that very
  // call and has not expired.
  const shown = new Map<string, { threadId: string; toolCallId: string | undefined }>();

  async function pending(): Promise<PendingView[]> {
    const views: PendingView[] = [];
    for (const [threadId, requester] of threads) {
      for (const entry of pendingApprovals(await agent.getState(configOf(threadId, requester)))) {
        const item = view(threadId, entry);
        shown.set(item.requestId, { threadId, toolCallId: item.toolCallId });
        views.push(item);
      }
    }
    return views;
  }

  async function decide(req: IncomingMessage, requestId: string): Promise<{ status: number; body: DecisionResponse }> {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token) throw new HttpError(401, "an approver token is required", { "www-authenticate": "Bearer" });
    const parsed = decisionBody.safeParse(await readJson(req));
    if (!parsed.success) throw new HttpError(400, 'expected { "decision": "approve" | "reject" | "edit", "args"?: {…}, "message"?: "…" }');
    const waiting = await pending();
    const call = shown.get(requestId);
    const target =
      waiting.find((p) => p.requestId === requestId) ??
      (call?.toolCallId !== undefined ? waiting.find((p) => p.threadId === call.threadId && p.toolCallId === call.toolCallId) : undefined);
    if (!target) throw new HttpError(404, "no pending request has this id (already answered, or unknown)");
    const requester = threads.get(target.threadId) as Principal;

    const decision: ApprovalDecision = { requestId, approverToken: token, ...parsed.data };
    const before = audit.events.length;
    const result = await agent.invoke(new Command({ resume: { [target.interruptId]: decision } }), configOf(target.threadId, requester));
    const event: AuditEvent | undefined = audit.events.slice(before).find((e) => e.run?.threadId === target.threadId && (DECISION_TYPES as readonly string[]).includes(e.type));
    const still = pendingApprovals(result).map((entry) => view(target.threadId, entry));
    const body: DecisionResponse = {
      outcome: event?.type === "approval.granted" ? "approved" : event?.type === "approval.rejected" ? "rejected" : event ? "invalid" : "pending",
      threadId: target.threadId,
      requestId,
      ...(event ? { approver: event.actor.sub } : {}),
      ...(event?.type === "approval.invalid" ? { code: String(event.data?.code), reason: event.reason ?? "" } : {}),
      reply: textOf(result.messages.at(-1) as Parameters<typeof textOf>[0]),
      pending: still,
    };
    return { status: body.outcome === "invalid" ? invalidStatus(body.code) : 200, body };
  }

  return createServer((req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    const handle = async () => {
      if (pathname === "/approvals") {
        if (req.method !== "GET") throw new HttpError(405, "use GET", { allow: "GET" });
        send(res, 200, { pending: await pending() });
        return;
      }
      const match = /^\/approvals\/([^/]+)$/.exec(pathname);
      if (!match) throw new HttpError(404, "not found");
      if (req.method !== "POST") throw new HttpError(405, "use POST", { allow: "POST" });
      let requestId: string;
      try {
        requestId = decodeURIComponent(match[1] as string);
      } catch {
        throw new HttpError(400, "the request id is not valid");
      }
      const { status, body } = await decide(req, requestId);
      send(res, status, body);
    };
    handle().catch((error: unknown) => {
      if (error instanceof HttpError) send(res, error.status, { error: error.message }, error.headers);
      else send(res, 500, { error: "internal error" });
    });
  });
}

// ── The story ───────────────────────────────────────────────────────────────

/** What one run of the story produced. */
export interface ApprovalsHttpOutcome {
  transcript: string[];
  /** Customer ids the delete tool removed, in order. */
  deleted: string[];
  /** Status of each request the story sent, by label. */
  statuses: Record<string, number>;
  /** The colleague's refused approval. */
  refused: DecisionResponse;
  /** The manager's approval. */
  approved: DecisionResponse;
  /** Requests still pending at the end. */
  pendingAtEnd: number;
  /** Types of the approval and tool events recorded, in order. */
  audit: string[];
}

/**
 * Starts the endpoint on 127.0.0.1 (a free port), plays the story against it
 * with `fetch`, closes everything and returns what happened. `log` gets each
 * transcript line (default: `console.log`).
 */
export async function main(log: (line: string) => void = console.log): Promise<ApprovalsHttpOutcome> {
  const transcript: string[] = [];
  const say = (who: string, text: string) => {
    const line = `${who.padEnd(7)} ${text}`;
    transcript.push(line);
    log(line);
  };

  // The application: a customer store, its tools, the policy, the agent.
  const customers = new Map([["cus_42", "Ada Lovelace"]]);
  const deleted: string[] = [];
  const deleteCustomer = tool(
    async ({ id }) => {
      if (!customers.delete(id)) return `no customer ${id}`;
      deleted.push(id);
      return `deleted customer ${id}`;
    },
    { name: "delete_customer", description: "Delete a customer record", schema: z.object({ id: z.string() }) },
  );

  // Stand-in for your IdP: in an application, `identity` is { issuer, audience, jwksUri }.
  const idp = createTestIdentity({ issuer: "https://idp.example.com/", audience: "support-api" });
  const audit = memorySink();
  const warden = createWarden({
    identity: idp.identity,
    policy: {
      tools: {
        delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"], ttl: "15m" } },
      },
    },
    audit: { sink: audit },
    // Several instances behind a load balancer share this (and a PostgreSQL checkpointer).
    approvals: { secret: "an approvals secret of at least 32 bytes, from your secret store" },
  });
  const model = scriptedChatModel([callTool("delete_customer", { id: "cus_42" }, "call_delete"), (messages) => `Done: ${textOf(lastToolMessage(messages))}.`]);
  const agent = createAgent({ model, tools: warden.tools([deleteCustomer]), checkpointer: new MemorySaver() });
  const threads = new Map<string, Principal>();

  const server = createApprovalServer({
    warden,
    agent: {
      invoke: (input, config) => agent.invoke(input, config),
      getState: (config) => agent.graph.getState(config),
    },
    threads,
    audit,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const statuses: Record<string, number> = {};
  const call = async <T>(label: string, method: string, path: string, init: { token?: string; body?: string } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    statuses[label] = response.status;
    return { status: response.status, body: (await response.json()) as T };
  };
  const listPending = async (label: string) => (await call<{ pending: PendingView[] }>(label, "GET", "/approvals")).body.pending;
  const describe = (p: PendingView) =>
    `${p.tool} ${JSON.stringify(p.args)} for ${p.requester.sub}, expires ${p.expiresAt} (request ${p.requestId.slice(0, 12)}…, interrupt ${p.interruptId.slice(0, 8)}…)`;

  try {
    // 1. A support lead asks the agent to delete a customer: the delete waits for a manager.
    const alice = await warden.authenticate(await idp.issue({ sub: "alice", scope: "customers:delete" }));
    threads.set("ticket-1042", alice);
    const paused = await agent.invoke(
      { messages: [{ role: "user", content: "Please delete customer cus_42, they asked us to." }] },
      warden.config(alice, { configurable: { thread_id: "ticket-1042" } }),
    );
    say("alice", `asks the agent to delete cus_42 → the run pauses (${pendingApprovals(paused).length} approval pending)`);

    const [first] = await listPending("list");
    if (!first) throw new Error("nothing is pending");
    say("GET", `/approvals → ${describe(first)}`);

    // 2. Requests the endpoint turns away before Warden is asked.
    const path = `/approvals/${encodeURIComponent(first.requestId)}`;
    const mariaToken = await idp.issue({ sub: "maria", scope: "approvals:customers" });
    await call("noToken", "POST", path, { body: JSON.stringify({ decision: "approve" }) });
    await call("badJson", "POST", path, { token: mariaToken, body: "{ not json" });
    await call("badDecision", "POST", path, { token: mariaToken, body: JSON.stringify({ decision: "maybe" }) });
    await call("wrongMethod", "PUT", path, { token: mariaToken, body: "{}" });
    await call("unknownPath", "GET", "/nope");
    await call("unknownRequest", "POST", "/approvals/unknown-id", { token: mariaToken, body: JSON.stringify({ decision: "approve" }) });
    say(
      "POST",
      `turned away: no token ${statuses.noToken}, bad JSON ${statuses.badJson}, unknown decision ${statuses.badDecision}, PUT ${statuses.wrongMethod}, ` +
        `unknown path ${statuses.unknownPath}, unknown request ${statuses.unknownRequest}`,
    );

    // 3. A colleague without the approval scope approves: Warden refuses, and asks again.
    const bobToken = await idp.issue({ sub: "bob", scope: "customers:delete" });
    const refused = await call<DecisionResponse>("colleague", "POST", path, { token: bobToken, body: JSON.stringify({ decision: "approve" }) });
    say("bob", `approves → ${refused.status} approval.invalid (${refused.body.code}): ${refused.body.reason}`);
    const [again] = await listPending("listAgain");
    if (!again) throw new Error("the request was not raised again");
    say("GET", `/approvals → raised again as ${again.requestId.slice(0, 12)}…; ${deleted.length} customers deleted so far`);

    // 4. The manager approves the request she was shown.
    const approved = await call<DecisionResponse>("manager", "POST", path, {
      token: mariaToken,
      body: JSON.stringify({ decision: "approve", message: "customer asked for erasure, ticket 1042" }),
    });
    say("maria", `approves → ${approved.status} ${approved.body.outcome}; agent: "${approved.body.reply}"`);
    const replay = await call<DecisionResponse>("replay", "POST", path, { token: mariaToken, body: JSON.stringify({ decision: "approve" }) });
    say("maria", `sends it again → ${replay.status} (nothing pending)`);

    const left = await listPending("listAfter");
    say("GET", `/approvals → ${left.length} pending`);
    say("store", `deleted ${deleted.length === 1 ? "once" : `${deleted.length} times`}: ${deleted.join(", ")}; customers left: ${customers.size}`);
    const recorded = audit.events.filter((e) => e.type.startsWith("approval.") || e.type.startsWith("access.") || e.type.startsWith("tool."));
    say("audit", recorded.map((e) => `${e.type} (${e.actor.sub})`).join(", "));

    return { transcript, deleted, statuses, refused: refused.body, approved: approved.body, pendingAtEnd: left.length, audit: recorded.map((e) => e.type) };
  } finally {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await warden.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  await main();
}
