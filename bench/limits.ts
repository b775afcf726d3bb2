/**
 * Limits benchmark: microseconds per admitted call (admit + finish) for each
 * limits store, and for bottleneck's own `schedule` (in process, and with its
 * ioredis datastore) in the same run — medians over interleaved rounds.
 *
 *   npx tsx bench/limits.ts        (needs Redis on 127.0.0.1:6379 for the Redis lines)
 *
 * The checks are a model rule's: a rate per user, per tenant and overall, a
 * token budget per user (reserved, then settled) and a concurrency limit.
 * Limits are set high enough that nothing is refused: the figures are the
 * price of the admit path itself.
 */
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import type { LimitCheck } from "../src/throttle/limit-store.js";
import { createLimiter } from "../src/throttle/limiter.js";
import { memoryLimitStore } from "../src/throttle/memory-store.js";
import { redisLimitStore } from "../src/throttle/redis-store.js";
import { fixed, median } from "./stats.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const ROUND_MS = 60;
const MIN_CALLS = 20;
const REDIS = { host: "127.0.0.1", port: 6379 };
const PREFIX = `warden:bench:limits:${randomUUID()}:`;
const started = performance.now();

interface Variant {
  key: string;
  what: string;
  call: () => Promise<unknown>;
}

/** Mean µs per call of `variant` over `n` sequential calls. */
async function timeCalls(variant: Variant, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await variant.call();
  return ((performance.now() - start) * 1000) / n;
}

/** Runs every variant in each round (alternating the order); medians over rounds of µs per call. */
async function compare(variants: Variant[]): Promise<Record<string, number>> {
  const calls = new Map<string, number>();
  for (const variant of variants) {
    const warm = await timeCalls(variant, MIN_CALLS * 5);
    calls.set(variant.key, Math.max(MIN_CALLS, Math.round((ROUND_MS * 1000) / warm)));
  }
  const us: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) (us[variant.key] ??= []).push(await timeCalls(variant, calls.get(variant.key) ?? MIN_CALLS));
  }
  return Object.fromEntries(Object.entries(us).map(([k, v]) => [k, fixed(median(v))]));
}

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(REDIS);
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

// A model rule's checks. Windows of one second keep Redis's sorted sets small during the run.
const WINDOW = 1_000;
const info = (scope: "user" | "tenant" | "global", kind: "rate" | "tokens" | "concurrency") => ({ scope, kind, limit: "bench" });
const modelChecks: LimitCheck[] = [
  { key: "model:default:user:bench-user", kind: "rate", limit: 1e9, windowMs: WINDOW, cost: 1, info: info("user", "rate") },
  { key: "model:default:tenant:bench-tenant", kind: "rate", limit: 1e9, windowMs: WINDOW, cost: 1, info: info("tenant", "rate") },
  { key: "model:default:global", kind: "rate", limit: 1e9, windowMs: WINDOW, cost: 1, info: info("global", "rate") },
  { key: "model:default:user:bench-user:tokens:hour", kind: "tokens", limit: 1e12, windowMs: WINDOW, cost: 500, info: info("user", "tokens") },
  { key: "model:default:global:concurrency", kind: "concurrency", limit: 1e6, cost: 1, info: info("global", "concurrency") },
];
const rateOnly = modelChecks.filter((check) => check.kind === "rate");

const variants: Variant[] = [];
const memory = memoryLimitStore();
variants.push({
  key: "memoryStore",
  what: "memory store: admit + finish (5 checks)",
  call: async () => {
    const answer = await memory.admit(modelChecks);
    if (!answer.admitted) throw new Error("memory store refused a bench call");
    await memory.finish(answer.lease, 420);
  },
});
const memoryLimiter = createLimiter({ store: memoryLimitStore() });
variants.push({
  key: "memoryLimiter",
  what: "limiter over the memory store: acquire + finish (5 checks)",
  call: async () => memoryLimiter.finish(await memoryLimiter.acquire(modelChecks), 420),
});
const local = new Bottleneck({ maxConcurrent: 1_000 });
variants.push({ key: "bottleneckLocal", what: "bottleneck schedule(), in process (maxConcurrent)", call: () => local.schedule(() => Promise.resolve()) });

const notes: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
const redisUp = await reachable();
if (!redisUp) notes.push("Redis is not reachable on 127.0.0.1:6379: the Redis lines were skipped");
else {
  const client = new Redis({ ...REDIS, maxRetriesPerRequest: 1 });
  cleanups.push(async () => {
    // The store's keys, and those bottleneck's datastore leaves behind (`b_<id>_…`, without expiry).
    const keys = [...(await client.keys(`${PREFIX}*`)), ...(await client.keys(`b_${PREFIX}*`))];
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });
  const shared = redisLimitStore({ client, prefix: PREFIX });
  variants.push({ key: "redisPing", what: "Redis PING (one round trip, the floor)", call: () => client.ping() });
  variants.push({
    key: "redisStore",
    what: "Redis store: admit + finish (5 checks, 2 scripts)",
    call: async () => {
      const answer = await shared.admit(modelChecks);
      if (!answer.admitted) throw new Error("Redis store refused a bench call");
      await shared.finish(answer.lease, 420);
    },
  });
  variants.push({
    key: "redisStoreRates",
    what: "Redis store: admit + finish (3 rates: 1 script, finish free)",
    call: async () => {
      const answer = await shared.admit(rateOnly);
      if (!answer.admitted) throw new Error("Redis store refused a bench call");
      await shared.finish(answer.lease);
    },
  });
  try {
    const clustered = new Bottleneck({
      datastore: "ioredis",
      clientOptions: { ...REDIS, maxRetriesPerRequest: 1 },
      // bottleneck's own types predate ioredis 6; it only needs the constructor.
      Redis: Redis as unknown as Bottleneck.ConstructorOptions["Redis"],
      id: `${PREFIX}bottleneck`,
      maxConcurrent: 1_000,
      clearDatastore: true,
    });
    clustered.on("error", () => undefined);
    await Promise.race([clustered.ready(), new Promise((_, reject) => setTimeout(() => reject(new Error("not ready within 5 s")), 5_000))]);
    await clustered.schedule(() => Promise.resolve());
    variants.push({ key: "bottleneckRedis", what: "bottleneck schedule(), ioredis datastore (maxConcurrent)", call: () => clustered.schedule(() => Promise.resolve()) });
    cleanups.push(() => clustered.disconnect());
  } catch (error) {
    notes.push(`bottleneck's ioredis datastore does not work with the installed ioredis: ${(error as Error).message}`);
  }
}

const us = await compare(variants);
const seconds = fixed((performance.now() - started) / 1000, 1);

console.log(`limits: µs per admitted call, medians of ${ROUNDS} interleaved rounds (node ${process.version})`);
const width = Math.max(...variants.map((variant) => variant.what.length));
for (const variant of variants) console.log(`  ${variant.what.padEnd(width)}  ${String(us[variant.key]).padStart(9)} µs`);
for (const note of notes) console.log(`  note: ${note}`);
console.log(`measured in ${seconds} s; compare figures within one run only`);

writeFileSync(
  new URL("./limits-results.json", import.meta.url),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      rounds: ROUNDS,
      us,
      variants: Object.fromEntries(variants.map((variant) => [variant.key, variant.what])),
      notes,
      seconds,
    },
    null,
    2,
  )}\n`,
);
console.log("wrote bench/limits-results.json");
for (const cleanup of cleanups.reverse()) await cleanup();
