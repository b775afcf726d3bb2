/**
 * Limits shared by every instance through Redis: one Lua script round trip
 * admits a call (all checks at once, atomic, all-or-nothing), one finishes it.
 *
 * @module
 */
import { createHash, randomUUID } from "node:crypto";
import { LimitsUnavailableError, PolicyError } from "../errors.js";
import {
  type Admission,
  assertValidChecks,
  CONCURRENCY_RETRY_HINT_MS,
  DEFAULT_LEASE_TTL_MS,
  type Lease,
  type LimitCheck,
  type LimitKind,
  type LimitStore,
  settledTokens,
} from "./limit-store.js";
import { ADMIT_SCRIPT, FINISH_SCRIPT } from "./redis-scripts.js";

/**
 * The part of a Redis client the store uses: `EVALSHA` and `EVAL`, promise
 * style. ioredis's `Redis` and `Cluster` fit.
 */
export interface RedisLimitsClient {
  /** `EVALSHA sha1 numkeys key… arg…`. */
  evalsha(sha1: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** `EVAL script numkeys key… arg…` (also loads the script into Redis's cache). */
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** Options of {@link redisLimitStore}. */
export interface RedisLimitStoreOptions {
  /** A client owned by the caller (the store never connects or closes it). */
  readonly client: RedisLimitsClient;
  /** Prefix of every key (default `warden:limits:`). No braces: the hash tag follows it. */
  readonly prefix?: string;
  /**
   * Redis Cluster hash tag that every key of the store carries (default
   * `limits`), so that the keys of one call share a hash slot. No braces.
   */
  readonly hashTag?: string;
  /** Longest wait for Redis per call, in milliseconds (default 500). Past it the call is refused with `LimitsUnavailableError`. */
  readonly timeoutMs?: number;
  /** How long an unfinished concurrency lease holds its slot, in milliseconds (default 600,000: 10 minutes). */
  readonly leaseTtlMs?: number;
}

const KIND_CODE: Readonly<Record<LimitKind, string>> = { rate: "r", tokens: "t", concurrency: "c" };
const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex");
const ADMIT_SHA = sha1(ADMIT_SCRIPT);
const FINISH_SHA = sha1(FINISH_SCRIPT);

/** The deadline of a call passed. */
class RedisTimeout extends Error {}

/**
 * Creates a limits store shared through Redis, so that N instances together
 * never admit more than a limit. Time is Redis's own (`TIME` inside the
 * script). Keys are `<prefix>{<hashTag>}:<kind>:<SHA-256 of the caller's
 * key>` (and `…:total` for a token budget's running total): the caller's text
 * never reaches Redis, and every key carries the same hash tag for Redis
 * Cluster. Idle keys expire on their own.
 *
 * Every call waits at most `timeoutMs`; past it, or on any Redis error, it
 * throws `LimitsUnavailableError` (the limiter refuses the call, or lets it
 * through unthrottled with `failMode: "open"`). Nothing is cached about a
 * failure: the next call tries Redis again. An admission that timed out is
 * taken back by a follow-up command (queued behind it on the same
 * connection), so a late reply never leaves a slot held.
 *
 * @throws PolicyError on a bad option
 */
export function redisLimitStore(options: RedisLimitStoreOptions): LimitStore {
  const { client } = options;
  if (typeof client?.evalsha !== "function" || typeof client.eval !== "function") {
    throw new PolicyError("redisLimitStore.client", "expected a Redis client with evalsha and eval (e.g. an ioredis client)");
  }
  const prefix = options.prefix ?? "warden:limits:";
  const hashTag = options.hashTag ?? "limits";
  const timeoutMs = options.timeoutMs ?? 500;
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (typeof prefix !== "string" || /[{}]/.test(prefix)) throw new PolicyError("redisLimitStore.prefix", "expected a string without braces");
  if (typeof hashTag !== "string" || hashTag.length === 0 || /[{}]/.test(hashTag)) {
    throw new PolicyError("redisLimitStore.hashTag", "expected a non-empty string without braces");
  }
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new PolicyError("redisLimitStore.timeoutMs", "expected a positive number of milliseconds");
  }
  if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs <= 0) throw new PolicyError("redisLimitStore.leaseTtlMs", "expected a positive integer number of milliseconds");
  const keyStart = `${prefix}{${hashTag}}:`;

  /** The two keys of a check: its sorted set and its running total. */
  function keysOf(check: LimitCheck): [string, string] {
    const key = `${keyStart}${KIND_CODE[check.kind]}:${createHash("sha256").update(check.key).digest("hex")}`;
    return [key, `${key}:total`];
  }

  /** Runs a script (loading it on NOSCRIPT) within the deadline. */
  async function run(script: string, sha: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeout()), timeoutMs);
    });
    const call = (async () => {
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
        return await client.eval(script, keys.length, ...keys, ...args);
      }
    })();
    try {
      return await Promise.race([call, deadline]);
    } catch (error) {
      call.catch(() => undefined);
      throw error instanceof RedisTimeout
        ? new LimitsUnavailableError(`The limits store (Redis) did not answer within ${timeoutMs} ms; the call was refused`, { cause: error })
        : new LimitsUnavailableError(`The limits store (Redis) failed (${error instanceof Error ? error.name : "error"}); the call was refused`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Finishes (or, with `used` = `"x"`, takes back) the given checks of a lease. */
  async function end(leaseId: string, checks: readonly LimitCheck[], used: string): Promise<void> {
    const keys: string[] = [];
    const args: string[] = [leaseId, used];
    for (const check of checks) {
      if (check.kind === "rate" && used !== "x") continue;
      keys.push(...keysOf(check));
      args.push(KIND_CODE[check.kind], String(check.cost));
    }
    if (keys.length > 0) await run(FINISH_SCRIPT, FINISH_SHA, keys, args);
  }

  return {
    async admit(checks) {
      assertValidChecks(checks);
      const lease: Lease = { id: randomUUID(), checks };
      if (checks.length === 0) return { admitted: true, lease };
      const keys: string[] = [];
      const args: (string | number)[] = [lease.id, leaseTtlMs, CONCURRENCY_RETRY_HINT_MS];
      for (const check of checks) {
        keys.push(...keysOf(check));
        args.push(KIND_CODE[check.kind], check.limit, check.windowMs ?? 0, check.cost);
      }
      let reply: unknown;
      try {
        reply = await run(ADMIT_SCRIPT, ADMIT_SHA, keys, args);
      } catch (error) {
        // The script may still run once Redis answers: queue its undoing behind it.
        end(lease.id, checks, "x").catch(() => undefined);
        throw error;
      }
      return admission(reply, lease, checks);
    },

    async finish(lease, usedTokens) {
      const used = settledTokens(usedTokens);
      await end(lease.id, lease.checks, used === undefined ? "" : String(used));
    },
  };
}

/** Reads the admit script's reply. */
function admission(reply: unknown, lease: Lease, checks: readonly LimitCheck[]): Admission {
  if (Array.isArray(reply) && Number(reply[0]) === 1) return { admitted: true, lease };
  const check = Array.isArray(reply) ? checks[Number(reply[1]) - 1] : undefined;
  if (!Array.isArray(reply) || check === undefined) {
    throw new LimitsUnavailableError("The limits store (Redis) gave an answer it should not have; the call was refused");
  }
  const wait = reply[2] === "inf" ? Number.POSITIVE_INFINITY : Number(reply[2]);
  const retryAfterMs = Number.isNaN(wait) ? 1 : wait === Number.POSITIVE_INFINITY ? wait : Math.max(1, Math.ceil(wait));
  return { admitted: false, check, retryAfterMs };
}
