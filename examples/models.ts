/**
 * A guarded chat model: per-user rates, a token budget, a circuit breaker, and
 * masked answers (streamed too). Runnable offline:
 *
 *   npm run build && npx tsx examples/models.ts
 *
 * A scripted chat model stands in for a provider; with a real one, pass e.g.
 * `new ChatOpenAI({ model: "gpt-4o-mini", maxTokens: 1000 })` to `warden.model()`.
 * Add `limits: { redis: new Redis() }` to `createWarden` to share every limit
 * across instances.
 */
import { HumanMessage } from "@langchain/core/messages";
import { BudgetExceededError, createWarden, RateLimitedError } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";

const idp = createTestIdentity();
const audit = memorySink();
const warden = createWarden({
  identity: idp.identity,
  policy: {
    models: {
      default: {
        scopes: ["llm:use"],
        perUser: "3/min",
        tokens: { perUser: { day: 5_000 } },
        maxInputTokens: 2_000,
        breaker: { timeoutMs: 10_000, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 30_000 },
      },
    },
  },
  audit: { sink: audit },
});

const principal = await warden.authenticate(await idp.issue({ sub: "alice", scope: "llm:use" }));
const config = warden.config(principal, { configurable: { thread_id: "support-1" } });
const llm = warden.model(scriptedChatModel(() => "Your contact on file is jane.doe@example.com, card 4111 1111 1111 1111.", { chunkSize: 5 }));

// 1. The answer leaves the guard masked.
console.log(`invoke: ${(await llm.invoke([new HumanMessage("Who is my contact?")], config)).content}`);

// 2. Streamed in pieces of five characters: text is released only once it is safe (a value split
//    across chunks is found whole), so no chunk carries a raw value or half a placeholder.
const pieces: string[] = [];
for await (const chunk of await llm.stream([new HumanMessage("And again, streamed?")], config)) pieces.push(String(chunk.content));
console.log(`stream: ${pieces.length} chunks, joined: ${pieces.join("")}`);

// 3. The third call of the minute is the last one this user may make; the fourth is refused.
await llm.invoke([new HumanMessage("third")], config);
try {
  await llm.invoke([new HumanMessage("fourth")], config);
} catch (error) {
  if (!(error instanceof RateLimitedError)) throw error;
  console.log(`refused: ${error.code}, retry after ${Math.ceil(error.retryAfterMs / 1000)} s (${error.limit?.scope} limit ${error.limit?.limit})`);
}

// 4. A prompt over maxInputTokens never reaches the provider.
try {
  await llm.invoke([new HumanMessage("x".repeat(10_000))], config);
} catch (error) {
  if (!(error instanceof BudgetExceededError)) throw error;
  console.log(`refused: ${error.code} (${error.message})`);
}

const usage = audit.ofType("model.end").map((event) => (event.data?.usage as { total: number } | undefined)?.total ?? 0);
console.log(
  `audit: ${audit.ofType("model.end").length} model.end (tokens ${usage.join(" + ")}), ${audit.ofType("ratelimit.exceeded").length} ratelimit.exceeded, ${audit.ofType("budget.exceeded").length} budget.exceeded`,
);
await warden.close();
