import { z } from "zod";
import type { Clock } from "../clock.js";
import type { LimitPass, LimitsRuntime } from "../guards/runtime.js";
import type { Policy } from "../policy/schema.js";
import { memoryTaintStore, type RedisTaintClient, redisTaintStore, type TaintStore } from "../retrieval/taint.js";
import { BreakerSet } from "./breakers.js";
import { type Acquired, createLimiter } from "./limiter.js";
import { memoryLimitStore } from "./memory-store.js";
import { type RedisLimitsClient, redisLimitStore } from "./redis-store.js";
import { hasLimits } from "./rule-limits.js";

/** Where limits live: `createWarden({ limits })`, and the standalone guards' `limits`. */
export interface LimitsOptions {
  /**
   * A Redis client you create (ioredis): every rate, concurrency limit, token
   * budget and thread taint is then shared by every instance using the same
   * Redis and prefix. Without it, they live in this process.
   */
  readonly redis?: RedisLimitsClient & RedisTaintClient;
  /**
   * What a call does when Redis does not answer in time: `"closed"` (default)
   * refuses it with `LimitsUnavailableError`; `"open"` lets it through
   * uncounted, recorded as `limits.unavailable`. Only with `redis`.
   */
  readonly failMode?: "closed" | "open";
  /** Prefix of every Redis key (default `warden:limits:`). Only with `redis`. */
  readonly prefix?: string;
  /** Longest wait for Redis per check, in milliseconds (default 500). Only with `redis`. */
  readonly timeoutMs?: number;
  /**
   * Most threads whose taint sources the in-process taint store keeps (default 10,000); older
   * tainted threads stay tainted in a fixed-size record (see `memoryTaintStore`). Only without `redis`.
   */
  readonly taintThreads?: number;
}

/** Zod schema of {@link LimitsOptions}: settings that only act with `redis` are refused without it. */
export const limitsOptionsSchema = z
  .strictObject({
    redis: z
      .custom<RedisLimitsClient & RedisTaintClient>(
        (v) =>
          typeof (v as RedisLimitsClient)?.evalsha === "function" && typeof (v as RedisLimitsClient).eval === "function" && typeof (v as RedisTaintClient).smembers === "function",
        { message: "expected a Redis client with evalsha, eval and smembers (an ioredis client)" },
      )
      .optional(),
    failMode: z.enum(["closed", "open"]).optional(),
    prefix: z
      .string()
      .min(1)
      .regex(/^[^{}]*$/, "no braces: the hash tag follows the prefix")
      .optional(),
    timeoutMs: z.number().int().positive().optional(),
    taintThreads: z.number().int().positive().optional(),
  })
  .superRefine((limits, context) => {
    if (limits.redis !== undefined) {
      if (limits.taintThreads !== undefined) context.addIssue({ code: "custom", path: ["taintThreads"], message: "has no effect with limits.redis: taint is kept in Redis" });
      return;
    }
    for (const key of ["failMode", "prefix", "timeoutMs"] as const) {
      if (limits[key] !== undefined) context.addIssue({ code: "custom", path: [key], message: "has no effect without limits.redis: limits are counted in process" });
    }
  });

/**
 * True when the policy keeps state that `limits.redis` would share: a model or
 * tool rule that limits its calls (a rate, concurrency, a token budget), or an
 * untrusted retriever or tool (whose taint is shared).
 */
export function policyUsesSharedState(policy: Policy): boolean {
  return (
    [...Object.values(policy.models), ...Object.values(policy.tools)].some((rule) => hasLimits(rule)) ||
    [...Object.values(policy.retrievers), ...Object.values(policy.tools)].some((rule) => rule.untrusted)
  );
}

/** Where the taint of threads lives: in process, or in Redis with `limits.redis` (so another instance resuming a thread sees it). */
export function createTaintStore(options: LimitsOptions): TaintStore {
  return options.redis
    ? redisTaintStore({
        client: options.redis,
        ...(options.prefix !== undefined ? { prefix: `${options.prefix}taint:` } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      })
    : memoryTaintStore(options.taintThreads !== undefined ? { maxThreads: options.taintThreads } : {});
}

/** The guards' limits: in process, or shared through Redis; breakers per instance. */
export function createLimitsRuntime(options: LimitsOptions, clock: Clock): LimitsRuntime {
  const store = options.redis
    ? redisLimitStore({
        client: options.redis,
        ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      })
    : memoryLimitStore({ clock });
  const limiter = createLimiter({ store, failMode: options.failMode ?? "closed" });
  // What the limiter admitted travels with the pass, so finish() hands back the same admission.
  const admissions = new WeakMap<LimitPass, Acquired>();
  return {
    async acquire(checks, acquireOptions) {
      const acquired = await limiter.acquire(checks, acquireOptions);
      const pass: LimitPass = { unthrottled: acquired.status === "unthrottled" };
      admissions.set(pass, acquired);
      return pass;
    },
    async finish(pass, usedTokens) {
      const acquired = admissions.get(pass);
      if (acquired === undefined) return;
      admissions.delete(pass);
      await limiter.finish(acquired, usedTokens);
    },
    breakers: new BreakerSet(),
  };
}
