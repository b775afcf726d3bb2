/**
 * The HTTP service: a LangChain agent behind Warden, as a Hono app.
 *
 *   POST /chat             Authorization: Bearer <token>   { "threadId": "…", "message": "…" }
 *   GET  /approvals        Authorization: Bearer <token>   pending requests the caller may decide
 *   POST /approvals/:id    Authorization: Bearer <token>   { "decision": "approve" | "reject" | "edit", "args"?, "message"? }
 *   GET  /health
 *
 * Every route but `/health` verifies the caller's bearer token with
 * `warden.authenticate`; every run carries the caller's principal
 * (`warden.config`), so the guarded model and tools check the caller's policy
 * on each call. See docs/http-service.md for the status codes.
 */

import { AIMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import { validator } from "hono/validator";
import { type ApprovalDecision, type AuditEvent, InvalidTokenError, type PendingApproval, type Principal, pendingApprovals, type Warden } from "langchain-warden";
import { z } from "zod";
import { type ApprovalView, approvalView } from "./approval-view.js";
import { approverAccess } from "./approver-access.js";
import type { AuditTap } from "./audit-tap.js";
import { bearerChallenge, HttpProblem, problemFor } from "./http-errors.js";
import type { PendingIndex, PendingThread } from "./pending-index.js";
import type { AgentOutput, ServiceAgent } from "./service-agent.js";
import { ThreadLocks, threadIdSchema, threadKeyOf } from "./threads.js";

/** What the service is built from. */
export interface HttpServiceOptions {
  /** The warden: identity, policy, audit. Its audit sink must be `audit.sink`. */
  warden: Warden;
  /** The agent, built with `warden.model(…)`, `warden.tools(…)` and a checkpointer. */
  agent: ServiceAgent;
  /** Where paused threads are noted (`memoryPendingIndex()` or `postgresPendingIndex(…)`). */
  pending: PendingIndex;
  /** The tap on the warden's audit sink: how a resume ended is read from the verdict Warden recorded. */
  audit: AuditTap;
  /** The realm named in `WWW-Authenticate` (default `"support-api"`). */
  realm?: string;
  /** Largest request body accepted, in bytes (default 16 KiB). */
  maxBodyBytes?: number;
  /** Longest chat message, in characters (default 4,000). */
  maxMessageChars?: number;
  /** Sees every error that becomes a 500 (default: `console.error`). The client only ever gets "internal error". */
  onUnexpectedError?: (error: unknown) => void;
}

/** The answer to `POST /chat`. */
export interface ChatResponse {
  threadId: string;
  /** `done`: the agent answered; `pending-approval`: a call waits for an approver (HTTP 202). */
  status: "done" | "pending-approval";
  /** The agent's answer (masked by Warden); `null` while a call waits. */
  reply: string | null;
  /** The requests the run waits for. */
  pending: ApprovalView[];
}

/** The answer to `POST /approvals/:id`. */
export interface DecisionResponse {
  /** Warden's verdict: `approved`, `rejected`, or `invalid` (refused: see `error`; the request was raised again). */
  outcome: "approved" | "rejected" | "invalid";
  requestId: string;
  threadId: string;
  /** Who decided, as Warden verified it. */
  approver: string;
  /** The agent's last message after the resume. */
  reply: string | null;
  /** What still waits on the thread and the caller may decide (after `invalid`: the request raised again, with a new id). */
  pending: ApprovalView[];
  /** For `invalid`: Warden's refusal code (`self-approval`, `approver-scope`, `edit-schema`, …) and why. */
  error?: { code: string; message: string };
}

type Env = { Variables: { principal: Principal; credential: string } };

/** HTTP status of a decision Warden refused, by its refusal code. */
function invalidDecisionStatus(code: string): 401 | 403 | 409 | 422 {
  switch (code) {
    case "approver-token":
      return 401;
    case "approver-kind":
    case "other-tenant":
    case "self-approval":
    case "approver-scope":
    case "duplicate-approver":
    case "edit-not-allowed":
    case "edit-policy":
      return 403;
    case "malformed":
    case "edit-schema":
      return 422;
    default:
      // expired, wrong-request, foreign-binding, replayed: the request moved on.
      return 409;
  }
}

const requestIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,256}$/);
const decisionMessage = z.string().max(2_000);
const decisionBodySchema = z.discriminatedUnion("decision", [
  z.strictObject({ decision: z.literal("approve"), message: decisionMessage.optional() }),
  z.strictObject({ decision: z.literal("reject"), message: decisionMessage.optional() }),
  z.strictObject({ decision: z.literal("edit"), args: z.record(z.string(), z.unknown()), message: decisionMessage.optional() }),
]);

/** Validates the JSON body against `schema`: 415 for another media type, 400 for JSON that does not fit. */
function jsonBody<S extends z.ZodType>(schema: S) {
  return validator("json", (value, c) => {
    const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") throw new HttpProblem(415, "unsupported-media-type", "send the body as application/json");
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
      throw new HttpProblem(400, "invalid-request", "the request body does not match the expected shape", {}, { issues });
    }
    return parsed.data as z.output<S>;
  });
}

/** The text of the agent's last answer, or `null` when the run ended on something else (a paused tool call). */
function replyOf(result: AgentOutput): string | null {
  const last = result.messages.at(-1);
  if (!last || !AIMessage.isInstance(last) || (last.tool_calls?.length ?? 0) > 0) return null;
  const { content } = last;
  if (typeof content === "string") return content;
  return content.map((block) => ("text" in block && typeof block.text === "string" ? block.text : "")).join("");
}

/** Credential of an `Authorization` header, without its scheme. */
function credentialOf(header: string): string {
  return header.replace(/^Bearer\s+/i, "").trim();
}

/** At most this many request ids are remembered as shown (a request raised again keeps answering to the id an approver saw). */
const SHOWN_LIMIT = 10_000;

/**
 * Builds the Hono app. Start it with `@hono/node-server` (`serve({ fetch: app.fetch, port })`),
 * or call `app.request(…)` in a test.
 */
export function createApp(options: HttpServiceOptions): Hono<Env> {
  const { warden, agent, pending, audit } = options;
  const realm = options.realm ?? "support-api";
  const onUnexpected = options.onUnexpectedError ?? ((error: unknown) => console.error(error));
  const chatBodySchema = z.strictObject({
    threadId: threadIdSchema,
    message: z
      .string()
      .trim()
      .min(1)
      .max(options.maxMessageChars ?? 4_000),
  });
  const locks = new ThreadLocks();
  // Request ids this instance has shown, and the call each asks about. Warden raises a request
  // again with a fresh id when its thread resumes without answering it (a refused decision, say);
  // an approver answering the id they were shown still reaches that call, and Warden checks
  // that the id is bound to it and has not expired.
  const shown = new Map<string, { threadKey: string; toolCallId: string | undefined }>();
  const remember = (threadKey: string, { request }: PendingApproval) => {
    shown.delete(request.id);
    shown.set(request.id, { threadKey, toolCallId: request.toolCallId });
    if (shown.size > SHOWN_LIMIT) shown.delete(shown.keys().next().value as string);
  };
  const stateOf = async (threadKey: string) => pendingApprovals(await agent.getState({ configurable: { thread_id: threadKey } }));

  const app = new Hono<Env>();

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  app.use("*", async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 16 * 1024,
      onError: () => {
        throw new HttpProblem(413, "payload-too-large", "the request body is too large");
      },
    }),
  );

  const authenticate = createMiddleware<Env>(async (c, next) => {
    const header = c.req.header("authorization");
    // Refusals are InvalidTokenError (401 with the challenge) and recorded by Warden as token.rejected.
    const principal = await warden.authenticate(header);
    c.set("principal", principal);
    c.set("credential", credentialOf(header ?? ""));
    await next();
  });

  app.get("/health", (c) => c.json({ ok: true }));

  app.post("/chat", authenticate, jsonBody(chatBodySchema), async (c) => {
    const principal = c.get("principal");
    const { threadId, message } = c.req.valid("json");
    const threadKey = threadKeyOf(principal, threadId);
    const config = warden.config(principal, { configurable: { thread_id: threadKey } });
    const note: PendingThread = {
      threadKey,
      threadId,
      tenant: principal.tenant,
      requester: principal.sub,
      credential: c.get("credential"),
      credentialExpiresAt: principal.expiresAt,
    };
    const ran = await locks.with(threadKey, async () => {
      const waiting = pendingApprovals(await agent.getState(config));
      if (waiting.length > 0) {
        // A new turn would abandon the paused call. The requester's fresh sign-in is kept, so an
        // approver can still resume the thread after the token it paused with has expired.
        await pending.put(note);
        throw new HttpProblem(
          409,
          "approval-pending",
          "this thread waits for an approval; send the next message once it is decided",
          {},
          {
            pending: waiting.map((entry) => approvalView(threadId, entry)),
          },
        );
      }
      const result = await agent.invoke({ messages: [{ role: "user", content: message }] }, config);
      const paused = pendingApprovals(result);
      if (paused.length > 0) await pending.put(note);
      for (const entry of paused) remember(threadKey, entry);
      return { result, paused };
    });
    if (!ran) throw new HttpProblem(409, "thread-busy", "another request is running on this thread");
    const { result, paused } = ran.value;
    const body: ChatResponse = {
      threadId,
      status: paused.length > 0 ? "pending-approval" : "done",
      reply: replyOf(result),
      pending: paused.map((entry) => approvalView(threadId, entry)),
    };
    return c.json(body, paused.length > 0 ? 202 : 200);
  });

  app.get("/approvals", authenticate, async (c) => {
    const approver = c.get("principal");
    const views: ApprovalView[] = [];
    for (const thread of await pending.listTenant(approver.tenant)) {
      for (const entry of await stateOf(thread.threadKey)) {
        if (approverAccess(warden.policy, approver, entry.request) !== "ok") continue;
        remember(thread.threadKey, entry);
        views.push(approvalView(thread.threadId, entry));
      }
    }
    return c.json({ pending: views });
  });

  /** The pending request `requestId` answers among the caller's tenant's threads, directly or through the call it was shown for. */
  async function locate(tenant: string | undefined, requestId: string): Promise<{ thread: PendingThread; entry: PendingApproval } | undefined> {
    const seen = shown.get(requestId);
    const threads = await pending.listTenant(tenant);
    const ordered = seen ? [...threads.filter((t) => t.threadKey === seen.threadKey), ...threads.filter((t) => t.threadKey !== seen.threadKey)] : threads;
    for (const thread of ordered) {
      const waiting = await stateOf(thread.threadKey);
      const entry =
        waiting.find((p) => p.request.id === requestId) ??
        (seen?.threadKey === thread.threadKey && seen.toolCallId !== undefined ? waiting.find((p) => p.request.toolCallId === seen.toolCallId) : undefined);
      if (entry) return { thread, entry };
    }
    return undefined;
  }

  app.post("/approvals/:id", authenticate, jsonBody(decisionBodySchema), async (c) => {
    const approver = c.get("principal");
    const idCheck = requestIdSchema.safeParse(c.req.param("id"));
    if (!idCheck.success) throw new HttpProblem(404, "unknown-request", "no pending request has this id");
    const requestId = idCheck.data;
    const body = c.req.valid("json");
    const found = await locate(approver.tenant, requestId);
    if (!found) throw new HttpProblem(404, "unknown-request", "no pending request has this id (already decided, or unknown)");
    const access = approverAccess(warden.policy, approver, found.entry.request);
    if (access !== "ok") {
      const why = {
        "approver-kind": "approvals are given by people, not services",
        "other-tenant": "the request belongs to another tenant",
        "self-approval": "you cannot approve your own request",
        "approver-scope": `deciding this request needs ${found.entry.request.approverScopes.join(", ")}`,
      }[access];
      throw new HttpProblem(403, access, why);
    }
    const { thread } = found;
    remember(thread.threadKey, found.entry);
    const ran = await locks.with(thread.threadKey, async () => {
      // The resume runs as the requester: their principal, from the credential kept with the thread.
      let requester: Principal;
      try {
        requester = await warden.authenticate(thread.credential);
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        throw new HttpProblem(409, "requester-signed-out", "the requester's sign-in has ended; the thread resumes once they send a message on it again");
      }
      const config = warden.config(requester, { configurable: { thread_id: thread.threadKey } });
      // Read again under the lock: the call may have been decided meanwhile.
      const current = (await stateOf(thread.threadKey)).find((p) => p.interruptId === found.entry.interruptId);
      if (!current) throw new HttpProblem(404, "unknown-request", "no pending request has this id (already decided, or unknown)");
      const decision: ApprovalDecision = { requestId, approverToken: c.get("credential"), ...body };
      const watch = audit.watch(thread.threadKey);
      let result: AgentOutput;
      try {
        result = await agent.invoke(new Command({ resume: { [current.interruptId]: decision } }), config);
      } finally {
        watch.stop();
      }
      const still = pendingApprovals(result);
      if (still.length > 0) await pending.put(thread);
      else await pending.remove(thread.threadKey);
      for (const entry of still) remember(thread.threadKey, entry);
      return { result, still, verdict: watch.events[0] };
    });
    if (!ran) throw new HttpProblem(409, "thread-busy", "another request is running on this thread");
    const { result, still, verdict } = ran.value;
    return answerDecision(c, { requestId, thread, result, still, verdict, approver });
  });

  function answerDecision(
    c: Context<Env>,
    {
      requestId,
      thread,
      result,
      still,
      verdict,
      approver,
    }: { requestId: string; thread: PendingThread; result: AgentOutput; still: PendingApproval[]; verdict: AuditEvent | undefined; approver: Principal },
  ) {
    if (!verdict) throw new HttpProblem(409, "not-decided", "the thread resumed without a verdict on this request; read /approvals again");
    const visible = still.filter((entry) => approverAccess(warden.policy, approver, entry.request) === "ok");
    const outcome = verdict.type === "approval.granted" ? "approved" : verdict.type === "approval.rejected" ? "rejected" : "invalid";
    const body: DecisionResponse = {
      outcome,
      requestId,
      threadId: thread.threadId,
      approver: verdict.actor.sub,
      reply: replyOf(result),
      pending: visible.map((entry) => approvalView(thread.threadId, entry)),
    };
    if (outcome !== "invalid") return c.json(body, 200);
    const code = String(verdict.data?.code ?? "invalid");
    body.error = { code, message: verdict.reason ?? "the decision was refused" };
    const status = invalidDecisionStatus(code);
    if (status === 401) c.header("www-authenticate", bearerChallenge(realm, "approver-token"));
    return c.json(body, status);
  }

  const answerProblem = (error: unknown, c: Context<Env>) => {
    const answer = problemFor(error, realm, onUnexpected);
    for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
    return c.json(answer.body, answer.status);
  };
  app.notFound((c) => answerProblem(new HttpProblem(404, "not-found", "no such route"), c));
  app.onError(answerProblem);

  return app;
}
