import Bottleneck from "bottleneck";
import { BudgetExceededError, LimitsUnavailableError, PolicyError, RateLimitedError } from "langchain-warden";
import { fakeClock } from "langchain-warden/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LimitStore } from "../../src/throttle/limit-store.js";
import { type Acquired, createLimiter } from "../../src/throttle/limiter.js";
import { memoryLimitStore } from "../../src/throttle/memory-store.js";
import { concurrency, rate, tokens } from "./support/checks.js";

const HOUR = 3_600_000;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** A store whose refusals all say "retry in `retryAfterMs`": a waiter then gets in only when woken by a finish. */
function distantRetries(store: LimitStore, retryAfterMs: number): LimitStore {
  return {
    admit: async (checks) => {
      const answer = await store.admit(checks);
      return answer.admitted ? answer : { ...answer, retryAfterMs };
    },
    finish: (lease, used) => store.finish(lease, used),
  };
}

/** A store that cannot be reached. */
function unreachable(): LimitStore {
  return {
    admit: async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
    },
    finish: async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe("limiter: refusals", () => {
  it("refuses a full rate with RateLimitedError carrying retryAfterMs and the limit, never the subject", async () => {
    const clock = fakeClock(Date.UTC(2030, 0, 1));
    const limiter = createLimiter({ store: memoryLimitStore({ clock }) });
    const check = rate("user:alice@example.com", 2, 60_000);
    await limiter.acquire([check]);
    clock.advance(10_000);
    await limiter.acquire([check]);
    const error = await rejection(limiter.acquire([check]));
    expect(error).toBeInstanceOf(RateLimitedError);
    const refused = error as RateLimitedError;
    expect(refused.code).toBe("WARDEN_RATE_LIMITED");
    expect(refused.retryAfterMs).toBe(50_000);
    expect(refused.limit).toEqual(check.info);
    expect(refused.message).not.toContain("alice");
  });

  it("refuses a full concurrency limit with RateLimitedError, and a spent budget with BudgetExceededError", async () => {
    const limiter = createLimiter({ store: memoryLimitStore() });
    const slot = concurrency("user:bob:conc", 1);
    const held = await limiter.acquire([slot]);
    const busy = await rejection(limiter.acquire([slot]));
    expect(busy).toBeInstanceOf(RateLimitedError);
    expect((busy as RateLimitedError).limit?.kind).toBe("concurrency");
    expect((busy as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    await limiter.finish(held);
    await limiter.acquire([slot]);

    const budget = tokens("user:bob:day", 100, HOUR, 80);
    await limiter.acquire([budget]);
    const spent = await rejection(limiter.acquire([budget]));
    expect(spent).toBeInstanceOf(BudgetExceededError);
    expect((spent as BudgetExceededError).code).toBe("WARDEN_BUDGET_EXCEEDED");
    expect((spent as BudgetExceededError).limit).toEqual(budget.info);
    expect((spent as BudgetExceededError).retryAfterMs).toBeGreaterThan(0);
    const never = await rejection(limiter.acquire([tokens("user:bob:day", 100, HOUR, 101)]));
    expect((never as BudgetExceededError).retryAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  it("settles token reservations through finish", async () => {
    const limiter = createLimiter({ store: memoryLimitStore() });
    const budget = (cost: number) => tokens("user:carol:day", 100, HOUR, cost);
    const first = await limiter.acquire([budget(90)]);
    await limiter.finish(first, 10);
    await limiter.acquire([budget(90)]);
    expect(await rejection(limiter.acquire([budget(1)]))).toBeInstanceOf(BudgetExceededError);
  });

  it("admits without going through bottleneck's scheduler", async () => {
    const schedule = vi.spyOn(Bottleneck.prototype, "schedule");
    const limiter = createLimiter({ store: memoryLimitStore() });
    const checks = [rate("user:fast", 1, HOUR)];
    const acquired = await limiter.acquire(checks, { waitMs: 1_000 });
    expect(acquired).toMatchObject({ status: "admitted", waitedMs: 0 });
    // Room only in an hour: longer than the wait allowed, so refused at once, without queueing.
    const error = await rejection(limiter.acquire(checks, { waitMs: 1_000 }));
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(1_000);
    expect(schedule).not.toHaveBeenCalled();
  });

  it("refuses bad options", async () => {
    expect(() => createLimiter({ store: {} as LimitStore })).toThrow(PolicyError);
    expect(() => createLimiter({ store: memoryLimitStore(), failMode: "ajar" as "open" })).toThrow(PolicyError);
    const limiter = createLimiter({ store: memoryLimitStore() });
    for (const waitMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(await rejection(limiter.acquire([rate("user:x", 1, 1000)], { waitMs }))).toBeInstanceOf(PolicyError);
    }
  });
});

describe("limiter: waiting for room", () => {
  it("admits a waiter once the window has room", async () => {
    const limiter = createLimiter({ store: memoryLimitStore() });
    const checks = [rate("user:dana", 1, 150)];
    await limiter.acquire(checks);
    const waited = await limiter.acquire(checks, { waitMs: 2_000 });
    expect(waited.status).toBe("admitted");
    if (waited.status === "admitted") expect(waited.waitedMs).toBeGreaterThan(0);
  });

  it("refuses a waiter at its deadline when no room appeared", async () => {
    const limiter = createLimiter({ store: memoryLimitStore() });
    const slot = concurrency("user:erin:conc", 1);
    await limiter.acquire([slot]);
    const error = await rejection(limiter.acquire([slot], { waitMs: 150 }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).limit?.kind).toBe("concurrency");
  });

  it("wakes a waiter when a call of this instance finishes and frees its limit", async () => {
    const limiter = createLimiter({ store: distantRetries(memoryLimitStore(), 60_000) });
    const slot = concurrency("user:fay:conc", 1);
    const held = await limiter.acquire([slot]);
    const waiting = limiter.acquire([slot], { waitMs: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await limiter.finish(held);
    expect((await waiting).status).toBe("admitted");
  });

  it("serves waiters first in, first out, and refuses a later caller that would not wait", async () => {
    const limiter = createLimiter({ store: distantRetries(memoryLimitStore(), 60_000) });
    const slot = concurrency("user:gus:conc", 1);
    let current = await limiter.acquire([slot]);
    const order: string[] = [];
    const queued = new Map<string, Promise<Acquired>>();
    for (const name of ["a", "b", "c"]) {
      queued.set(
        name,
        limiter.acquire([slot], { waitMs: 120_000 }).then((acquired) => (order.push(name), acquired)),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // A later caller with room in its own limits but sharing the full one: behind the line, or refused.
    const impatient = await rejection(limiter.acquire([rate("user:gus:rate", 100, HOUR), slot]));
    expect(impatient).toBeInstanceOf(RateLimitedError);
    const late = limiter.acquire([slot], { waitMs: 120_000 }).then((acquired) => (order.push("late"), acquired));
    for (const name of ["a", "b", "c"]) {
      await limiter.finish(current);
      current = await queued.get(name)!;
    }
    await limiter.finish(current);
    await limiter.finish(await late);
    expect(order).toEqual(["a", "b", "c", "late"]);
  });

  it("refuses a waiter still queued behind others at its own deadline, and lets a queued waiter abort", async () => {
    const limiter = createLimiter({ store: distantRetries(memoryLimitStore(), 60_000) });
    const slot = concurrency("user:kai:conc", 1);
    const held = await limiter.acquire([slot]);
    const head = limiter.acquire([slot], { waitMs: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const hurried = await rejection(limiter.acquire([slot], { waitMs: 50 }));
    expect(hurried).toBeInstanceOf(RateLimitedError);
    const controller = new AbortController();
    const queued = limiter.acquire([slot], { waitMs: 120_000, signal: controller.signal });
    controller.abort();
    expect(await rejection(queued)).toBe(controller.signal.reason);
    await limiter.finish(held);
    await limiter.finish(await head);
    expect((await limiter.acquire([slot])).status).toBe("admitted");
  });

  it("keeps arrival order for waiters on a rate window", async () => {
    const limiter = createLimiter({ store: memoryLimitStore() });
    const checks = [rate("user:lou", 1, 100)];
    await limiter.acquire(checks);
    const order: string[] = [];
    const waiters = ["a", "b", "c"].map((name) => limiter.acquire(checks, { waitMs: 5_000 }).then(() => order.push(name)));
    await Promise.all(waiters);
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("does not hold up callers of other limits", async () => {
    const limiter = createLimiter({ store: distantRetries(memoryLimitStore(), 60_000) });
    const slot = concurrency("user:hal:conc", 1);
    const held = await limiter.acquire([slot]);
    const waiting = limiter.acquire([slot], { waitMs: 120_000 });
    expect((await limiter.acquire([concurrency("user:ivy:conc", 1)])).status).toBe("admitted");
    await limiter.finish(held);
    await waiting;
  });

  it("stops waiting when the signal aborts, and the line moves on", async () => {
    const limiter = createLimiter({ store: distantRetries(memoryLimitStore(), 60_000) });
    const slot = concurrency("user:jay:conc", 1);
    const held = await limiter.acquire([slot]);
    const controller = new AbortController();
    const head = limiter.acquire([slot], { waitMs: 120_000, signal: controller.signal });
    const second = limiter.acquire([slot], { waitMs: 120_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reason = new Error("caller went away");
    controller.abort(reason);
    expect(await rejection(head)).toBe(reason);
    await limiter.finish(held);
    expect((await second).status).toBe("admitted");
    // An aborted signal refuses before anything is counted.
    const gone = new AbortController();
    gone.abort(reason);
    expect(await rejection(limiter.acquire([concurrency("user:jay:other", 1)], { signal: gone.signal }))).toBe(reason);
    expect((await limiter.acquire([concurrency("user:jay:other", 1)])).status).toBe("admitted");
  });
});

describe("limiter: when the store is unavailable", () => {
  it("refuses with LimitsUnavailableError by default (closed)", async () => {
    const limiter = createLimiter({ store: unreachable() });
    const error = await rejection(limiter.acquire([rate("user:kim", 1, 1000)]));
    expect(error).toBeInstanceOf(LimitsUnavailableError);
    expect((error as LimitsUnavailableError).code).toBe("WARDEN_LIMITS_UNAVAILABLE");
    expect((error as Error).message).not.toContain("6379");
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("lets calls through unthrottled with failMode open, and finish is a no-op", async () => {
    const limiter = createLimiter({ store: unreachable(), failMode: "open" });
    const acquired = await limiter.acquire([rate("user:kim", 1, 1000)]);
    expect(acquired.status).toBe("unthrottled");
    await limiter.finish(acquired, 100);
  });

  it("reports a failed finish only when closed", async () => {
    const store = memoryLimitStore();
    const failingFinish: LimitStore = { admit: (checks) => store.admit(checks), finish: unreachable().finish };
    const checks = [concurrency("user:lee:conc", 1)];
    const closed = createLimiter({ store: failingFinish });
    expect(await rejection(closed.finish(await closed.acquire(checks)))).toBeInstanceOf(LimitsUnavailableError);
    const open = createLimiter({ store: failingFinish, failMode: "open" });
    await open.finish(await open.acquire([concurrency("user:lee:conc2", 1)]));
  });

  it("ends a wait when the store becomes unavailable: refused when closed, unthrottled when open", async () => {
    for (const failMode of ["closed", "open"] as const) {
      const store = memoryLimitStore();
      let calls = 0;
      const failsLater: LimitStore = {
        admit: async (checks) => {
          if (++calls > 2) throw new Error("connection lost");
          return store.admit(checks);
        },
        finish: (lease, used) => store.finish(lease, used),
      };
      const limiter = createLimiter({ store: failsLater, failMode });
      const slot = concurrency(`user:mo:${failMode}`, 1);
      await limiter.acquire([slot]);
      const waiting = limiter.acquire([slot], { waitMs: 5_000 });
      if (failMode === "closed") expect(await rejection(waiting)).toBeInstanceOf(LimitsUnavailableError);
      else expect((await waiting).status).toBe("unthrottled");
      expect(calls).toBe(3);
    }
  });

  it("passes bad checks through in either mode: they are not an outage", async () => {
    for (const failMode of ["closed", "open"] as const) {
      const limiter = createLimiter({ store: memoryLimitStore(), failMode });
      expect(await rejection(limiter.acquire([rate("user:x", 0, 1000)]))).toBeInstanceOf(PolicyError);
    }
  });
});
