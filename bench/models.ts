/**
 * The model guard's price: a guarded chat-model call against the plain one,
 * and what its limits stage adds, in process and through Redis, measured in
 * one run (interleaved rounds, medians). Writes bench/models-results.json.
 *
 *   npm run build && npx tsx bench/models.ts
 *
 * The subject is a scripted chat model (no network): the ratios are upper
 * bounds, since a provider call takes hundreds of milliseconds.
 */
import { writeFileSync } from "node:fs";
import { HumanMessage } from "@langchain/core/messages";
import { Redis } from "ioredis";
import { createWarden, type PolicyInput } from "langchain-warden";
import { createTestIdentity, memorySink, scriptedChatModel } from "langchain-warden/testing";
import { compare, ROUNDS, type Variant } from "./compare.js";
import { fixed } from "./stats.js";

const idp = createTestIdentity();
const token = await idp.issue({ sub: "bench", tenant: "acme", scope: "llm:use" }, { expiresIn: "1h" });
const model = scriptedChatModel(() => "Your order A-1042 has shipped.");
const messages = [new HumanMessage("Where is my order?")];

/** Every limit a rule can set, wide enough that no call of the run is refused. */
const limited: PolicyInput["models"] = {
  default: {
    scopes: ["llm:use"],
    perUser: "10000000/min",
    perTenant: "10000000/min",
    global: "10000000/min",
    maxConcurrent: { perUser: 1_000, global: 10_000 },
    tokens: { perUser: { day: 1_000_000_000_000 }, perTenant: { hour: 1_000_000_000_000 } },
  },
};

async function guarded(key: string, models: PolicyInput["models"], limits?: { redis: Redis; prefix: string }): Promise<Variant> {
  const sink = memorySink();
  const warden = createWarden({ identity: idp.identity, policy: { models }, audit: { sink }, ...(limits ? { limits } : {}) });
  const config = warden.config(await warden.authenticate(token), { configurable: { thread_id: "bench" } });
  const llm = warden.model(model);
  return { key, call: () => llm.invoke(messages, config), reset: () => sink.clear() };
}

const plain: Variant = { key: "plain", call: () => model.invoke(messages) };
const noLimits = await guarded("guarded", { default: { scopes: ["llm:use"] } });
const inProcess = await guarded("guarded + limits in process", limited);

let redis: Redis | undefined;
try {
  redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
} catch {
  redis?.disconnect();
  redis = undefined;
}
const variants = [plain, noLimits, inProcess];
if (redis) variants.push(await guarded("guarded + limits in Redis", limited, { redis, prefix: `warden:bench:${process.pid}:` }));
else console.log("Redis is not reachable on 127.0.0.1:6379: the Redis variant is skipped");

const result = await compare(variants);
const us = result.us;
const limitsInProcessUs = fixed(us["guarded + limits in process"]! - us.guarded!);
const limitsRedisUs = redis ? fixed(us["guarded + limits in Redis"]! - us.guarded!) : null;

console.log(`model guard (median of ${ROUNDS} interleaved rounds, scripted model, masking on, memory sink)`);
for (const variant of variants) {
  console.log(`  ${variant.key.padEnd(30)} ${String(us[variant.key]).padStart(9)} µs   ×${result.ratio[variant.key]} of plain`);
}
console.log(`  limits stage in process: +${limitsInProcessUs} µs per call (target ≤ 1,000 µs)`);
if (limitsRedisUs !== null) console.log(`  limits stage through Redis: +${limitsRedisUs} µs per call, one round trip to admit, one to settle (target ≤ 3,000 µs)`);

writeFileSync(
  new URL("./models-results.json", import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds: ROUNDS, us, ratio: result.ratio, limitsInProcessUs, limitsRedisUs }, null, 2)}\n`,
);
await redis?.quit();
