/**
 * One application process of the restart test (test/approval/postgres-restart.test.ts):
 *
 *   node --import tsx restart-worker.ts <settings.json> request <thread>...
 *   node --import tsx restart-worker.ts <settings.json> resume <job.json>
 *
 * `request` asks, on each thread, for a destructive tool call that needs a
 * manager's approval and prints the pending requests; `resume` builds the same
 * graph from scratch, answers one thread with the job's decision and prints
 * what happened. Everything a process keeps (checkpoints, audit events, tool
 * runs) lives outside it: PostgreSQL, a JSONL file, a file the tool appends to.
 * The last line of stdout is a JSON report.
 *
 * The worker imports Warden from the repository's sources, so it runs without
 * a build.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { Command, MessagesAnnotation, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { importJWK, type JWK, SignJWT } from "jose";
import { z } from "zod";
import { type ApprovalDecision, createWarden, jsonlSink, type PendingApproval, pendingApprovals } from "../../../src/index.js";

/** What every process of one test run shares, written by the test. */
export interface WorkerSettings {
  postgresUrl: string;
  /** PostgreSQL schema of this run's checkpoint tables. */
  schema: string;
  /** The approvals secret every instance of the application shares. */
  secret: string;
  identity: { issuer: string; audience: string; jwks: { keys: JWK[] } };
  /** The identity provider's private signing key, to mint the requester's token. */
  signingKey: JWK;
  auditFile: string;
  /** Private Ed25519 key that signs audit checkpoints. */
  auditKey: JWK;
  /** File the destructive tool appends one line to per run. */
  ranFile: string;
}

/** A decision to deliver to one paused thread. */
export interface ResumeJob {
  threadId: string;
  interruptId: string;
  decision: ApprovalDecision;
  /** Overrides the shared approvals secret (a misconfigured instance). */
  secret?: string;
}

/** The JSON report a worker prints as its last line. */
export interface WorkerReport {
  pid: number;
  /** The chain id of this process's audit events. */
  chain: string;
  /** Pending approvals per thread after this process's run. */
  pending: Record<string, PendingApproval[]>;
  /** Text of the last message per thread. */
  last: Record<string, string>;
}

const [settingsPath, mode, ...rest] = process.argv.slice(2);
if (!settingsPath || (mode !== "request" && mode !== "resume")) {
  console.error("usage: restart-worker.ts <settings.json> request <thread>... | resume <job.json>");
  process.exit(2);
}
const settings = JSON.parse(readFileSync(settingsPath, "utf8")) as WorkerSettings;
const job = mode === "resume" ? (JSON.parse(readFileSync(rest[0] ?? "", "utf8")) as ResumeJob) : undefined;

const checkpointer = PostgresSaver.fromConnString(settings.postgresUrl, { schema: settings.schema });
await checkpointer.setup();

const warden = createWarden({
  identity: settings.identity,
  policy: {
    tools: {
      delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } },
    },
  },
  audit: { sink: jsonlSink(settings.auditFile), signingKey: settings.auditKey, service: `restart-worker-${mode}` },
  approvals: { secret: job?.secret ?? settings.secret },
});

const deleteCustomer = tool(
  async ({ id }) => {
    appendFileSync(settings.ranFile, `${JSON.stringify({ pid: process.pid, id })}\n`);
    return `deleted ${id}`;
  },
  { name: "delete_customer", description: "Delete a customer record", schema: z.object({ id: z.string() }) },
);

const graph = new StateGraph(MessagesAnnotation)
  .addNode("tools", new ToolNode([warden.tool(deleteCustomer)]))
  .addEdge("__start__", "tools")
  .compile({ checkpointer });

// The requester's sign-in: in an application, the token the requester signed in with.
const signingKey = await importJWK(settings.signingKey, "ES256");
const requesterToken = await new SignJWT({ sub: "alice", scope: "customers:delete" })
  .setProtectedHeader({ alg: "ES256", kid: settings.identity.jwks.keys[0]?.kid ?? "" })
  .setIssuer(settings.identity.issuer)
  .setAudience(settings.identity.audience)
  .setIssuedAt()
  .setExpirationTime("1h")
  .sign(signingKey);
const alice = await warden.authenticate(requesterToken);

const textOf = (message: BaseMessage | undefined): string => (typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? ""));
const report: WorkerReport = { pid: process.pid, chain: warden.audit.chain, pending: {}, last: {} };

if (mode === "request") {
  for (const threadId of rest) {
    const config = warden.config(alice, { configurable: { thread_id: threadId } });
    const call = { id: `call_${threadId}`, name: "delete_customer", args: { id: `cus_${threadId}` } };
    const result = await graph.invoke({ messages: [new AIMessage({ content: "", tool_calls: [call] })] }, config);
    report.pending[threadId] = pendingApprovals(result);
    report.last[threadId] = textOf(result.messages.at(-1));
  }
} else if (job) {
  const config = warden.config(alice, { configurable: { thread_id: job.threadId } });
  const result = await graph.invoke(new Command({ resume: { [job.interruptId]: job.decision } }), config);
  report.pending[job.threadId] = pendingApprovals(result);
  report.last[job.threadId] = textOf(result.messages.at(-1));
}

await warden.close();
await checkpointer.end();
console.log(JSON.stringify(report));
