/**
 * Benchmark: an approval's pause-and-resume cycle on langchain's createAgent,
 * Warden's approval (the decision verified) against LangChain's own
 * `humanInTheLoopMiddleware` on the same agent. Every figure is the median over
 * interleaved rounds of the per-round ratio, with the µs added beside it.
 *
 *   npm run build && npx tsx bench/approvals.ts      (also part of `npm run bench`)
 *
 * One cycle = invoke the agent on a fresh thread until it pauses, read the
 * pending request, resume it with `Command`, and check the end result. The
 * agent: createAgent with a scripted model (no network) that asks for
 * `delete_customer`, then answers "done" after the tool's result; the same
 * tool body; `MemorySaver`.
 *
 * - `hitl`: the plain tool with `humanInTheLoopMiddleware({ interruptOn: { delete_customer: true } })`,
 *   resumed with `{ decisions: [{ type: "approve" }] }` (nothing verified: any resume value approves).
 * - `warden`: the guarded tool under a rule with `approval: { approverScopes }`,
 *   `warden.config(requester)`; the request read with `pendingApprovals()` and
 *   resumed with `{ requestId, decision: "approve", approverToken }`, which Warden
 *   verifies (bound request id, the approver's ES256 token, scope, approver ≠
 *   requester, single use); approval.requested, approval.granted,
 *   access.allowed and tool.end recorded (memory sink, signed checkpoints).
 *
 * Both are measured with no callbacks and with the app's callbacks held equal
 * (one no-op handler on both runs). The approver-token check is also timed on
 * its own, in full and for a token verified before.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { Command, type Interrupt, MemorySaver } from "@langchain/langgraph";
import { createAgent, humanInTheLoopMiddleware } from "langchain";
import { createWarden, generateAuditKeys, type Principal, pendingApprovals, type Warden } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { z } from "zod";
import { compare, describe, pair, type Variant } from "./compare.js";
import { fixed, median } from "./stats.js";

const ROUNDS = 15;
/** Untimed cycles per variant before its rounds (V8 optimises an agent run's code for thousands of runs). */
const WARM = 1_500;
const TARGET = 1.0;
const started = performance.now();

// ── The subjects ────────────────────────────────────────────────────────────

const schema = z.object({ id: z.string() });
const args = { id: "cus_42" };
type State = { messages: BaseMessage[]; __interrupt__?: Interrupt[] };

/** A callback handler that does nothing: the app's own callbacks, held equal in both variants. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop";
}
const noop = new NoopHandler();

const deleteCustomer = tool(async ({ id }) => `deleted ${id}`, { name: "delete_customer", description: "Delete a customer record", schema });

const idp = createTestIdentity();
const sink = memorySink();
const warden: Warden = createWarden({
  identity: idp.identity,
  policy: { tools: { delete_customer: { scopes: ["customers:delete"], risk: "destructive", approval: { approverScopes: ["approvals:customers"] } } } },
  audit: { sink, signingKey: generateAuditKeys().privateKey },
});
const requester: Principal = await warden.authenticate(await idp.issue({ sub: "alice", scope: "customers:delete" }, { expiresIn: "2h" }));
const approverToken = await idp.issue({ sub: "mgr", scope: "approvals:customers" }, { expiresIn: "2h" });

/** The same agent: scripted model, one tool, MemorySaver; with LangChain's middleware or Warden's guarded tool. */
function agentOf(kind: "hitl" | "warden") {
  const model = scriptedChatModel([[{ name: "delete_customer", args }], "done"]);
  const agent =
    kind === "hitl"
      ? createAgent({ model, tools: [deleteCustomer], middleware: [humanInTheLoopMiddleware({ interruptOn: { delete_customer: true } })], checkpointer: new MemorySaver() })
      : createAgent({ model, tools: [warden.tool(deleteCustomer)], checkpointer: new MemorySaver() });
  return { model, agent: agent as unknown as { invoke(input: unknown, config: RunnableConfig): Promise<unknown> } };
}

function finished(state: State): boolean {
  const result = state.messages.find((m): m is ToolMessage => m instanceof ToolMessage);
  return result?.content === "deleted cus_42" && result.status !== "error" && state.messages.at(-1)?.content === "done" && !state.__interrupt__?.length;
}

let threadNo = 0;

/** One variant: a cycle per call, each on a fresh thread; a fresh agent (and checkpointer) between rounds. */
function variant(key: string, kind: "hitl" | "warden", handler: boolean): Variant {
  let subject = agentOf(kind);
  const base = (thread: string): RunnableConfig => ({ configurable: { thread_id: thread }, ...(handler ? { callbacks: [noop] } : {}) });
  const input = () => ({ messages: [new HumanMessage("please delete customer cus_42")] });
  const cycle =
    kind === "hitl"
      ? async () => {
          const config = base(`${key}-${++threadNo}`);
          const paused = (await subject.agent.invoke(input(), config)) as State;
          if (!paused.__interrupt__?.length) throw new Error(`${key}: the agent did not pause`);
          const done = (await subject.agent.invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }), config)) as State;
          if (!finished(done)) throw new Error(`${key}: the cycle did not end with the tool's result`);
        }
      : async () => {
          const config = warden.config(requester, base(`${key}-${++threadNo}`));
          const paused = await subject.agent.invoke(input(), config);
          const [pending] = pendingApprovals(paused);
          if (!pending) throw new Error(`${key}: the agent did not pause for approval`);
          const decision = { requestId: pending.request.id, decision: "approve" as const, approverToken };
          const done = (await subject.agent.invoke(new Command({ resume: { [pending.interruptId]: decision } }), config)) as State;
          if (!finished(done)) throw new Error(`${key}: the cycle did not end with the tool's result`);
        };
  return {
    key,
    call: cycle,
    reset: () => {
      subject = agentOf(kind);
      if (kind === "warden") sink.clear();
    },
  };
}

console.log("approvals: a pause-and-resume cycle on createAgent, Warden's approval (verified) / humanInTheLoopMiddleware (same agent, MemorySaver)");
const result = await compare(
  [variant("hitl", "hitl", false), variant("warden", "warden", false), variant("hitlHandler", "hitl", true), variant("wardenHandler", "warden", true)],
  ROUNDS,
  "cpu",
  WARM,
);
const none = pair(result, "hitl", "warden");
const held = pair(result, "hitlHandler", "wardenHandler");
const handlerAlone = pair(result, "hitl", "hitlHandler");
console.log(`   no callbacks:                                   ${describe(none, TARGET)}`);
console.log(`   callbacks held equal (one no-op handler each):  ${describe(held, TARGET)}`);
console.log(`   a no-op handler alone on the hitl cycle:        ${describe(handlerAlone)}`);

// The approver-token check on its own: in full (ES256 signature and claims through jose, as for a
// token seen for the first time), and a token presented again (the verified-token cache).
const uncachedWarden = createWarden({ identity: { ...idp.identity, tokenCache: false }, policy: { tools: {} } });
async function verifyUs(subject: Warden): Promise<number> {
  const perRound: number[] = [];
  for (let round = 0; round < 9; round++) {
    const start = performance.now();
    for (let i = 0; i < 200; i++) await subject.authenticate(approverToken);
    perRound.push(((performance.now() - start) * 1000) / 200);
  }
  return fixed(median(perRound));
}
const tokenVerifyUs = await verifyUs(uncachedWarden);
const tokenCachedUs = await verifyUs(warden);
await uncachedWarden.close();
console.log(`   approver-token verification: ${tokenVerifyUs} µs in full, ${tokenCachedUs} µs when the token was verified before`);

const seconds = fixed((performance.now() - started) / 1000, 1);
console.log(`measured in ${seconds} s on node ${process.version}; CPU µs per cycle, compare within one run only`);
writeFileSync(
  new URL("./approvals-results.json", import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      rounds: ROUNDS,
      clock: "cpu",
      warmCycles: WARM,
      none: { ...none, target: TARGET, met: none.ratio <= TARGET },
      held: { ...held, target: TARGET, met: held.ratio <= TARGET },
      handlerAlone,
      us: result.us,
      tokenVerifyUs,
      tokenCachedUs,
      seconds,
    },
    null,
    2,
  )}\n`,
);
console.log("wrote bench/approvals-results.json");
await warden.close();
