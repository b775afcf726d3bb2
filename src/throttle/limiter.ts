/**
 * The limiter a guard calls around a limited call: admits it through the
 * store (one atomic check, no queue on the way), or refuses it with a coded
 * error that says when to retry, or — when asked to wait — queues it in
 * order behind earlier waiters until there is room or its time is up.
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import type Bottleneck from "bottleneck";
import { BudgetExceededError, LimitsUnavailableError, PolicyError, RateLimitedError, WardenError } from "../errors.js";
import { type Admission, type Lease, type LimitCheck, type LimitStore, storeKey } from "./limit-store.js";

/** What happens when the limits store cannot be reached: refuse the call (`closed`, the default) or let it through unthrottled (`open`). */
export type LimitsFailMode = "closed" | "open";

/** Options of {@link createLimiter}. */
export interface LimiterOptions {
  /** Where limits are counted. */
  readonly store: LimitStore;
  /** When the store is unavailable: `closed` (default) refuses with `LimitsUnavailableError`; `open` admits unthrottled. */
  readonly failMode?: LimitsFailMode;
}

/** Options of {@link Limiter.acquire}. */
export interface AcquireOptions {
  /** How long the call may wait for room, in milliseconds (default 0: refuse at once). Waiters are served in arrival order. */
  readonly waitMs?: number;
  /** Stops waiting when aborted (the call is refused with the signal's reason). */
  readonly signal?: AbortSignal;
}

/** A call let through: admitted by the store, or unthrottled because the store was unavailable under `failMode: "open"`. */
export type Acquired =
  | {
      readonly status: "admitted";
      /** The store's lease: hand the whole `Acquired` back to {@link Limiter.finish}. */
      readonly lease: Lease;
      /** How long the call waited for room, in milliseconds (0 when admitted at once). */
      readonly waitedMs: number;
    }
  | {
      readonly status: "unthrottled";
      /** Why nothing was counted. */
      readonly error: LimitsUnavailableError;
    };

/** Admits calls against a limits store. */
export interface Limiter {
  /**
   * Admits a call if every check has room, else refuses it: a `rate` or
   * `concurrency` check with `RateLimitedError`, a `tokens` check with
   * `BudgetExceededError`, each carrying `retryAfterMs` and the limit. With
   * `waitMs`, waits in line for room first (never past `waitMs`: a wait
   * longer than what is left refuses at once).
   *
   * @throws RateLimitedError, BudgetExceededError, LimitsUnavailableError (`failMode: "closed"`), or the signal's reason
   */
  acquire(checks: readonly LimitCheck[], options?: AcquireOptions): Promise<Acquired>;
  /**
   * Ends an admitted call: frees its concurrency slots and settles its token
   * reservations to `usedTokens` (`undefined` keeps them as reserved). Wakes
   * waiters of this instance whose limit it frees. A no-op for an unthrottled call.
   *
   * @throws LimitsUnavailableError when the store cannot be reached (`failMode: "closed"` only)
   */
  finish(acquired: Acquired, usedTokens?: number): Promise<void>;
}

/** Waiters queued behind one limit, in arrival order. */
interface WaitLine {
  readonly key: string;
  /** One job at a time: the head of the line retries the store, the rest wait their turn (bottleneck is loaded when a first line opens). */
  readonly bottleneck: Promise<Bottleneck>;
  /** Waiters still waiting (queued or at the head). */
  members: number;
  /** The limit the head last found full, and when it expected room. */
  check: LimitCheck;
  retryAfterMs: number;
}

let bottleneckModule: Promise<typeof Bottleneck> | undefined;
/** bottleneck, imported when a first call must wait. */
const loadBottleneck = (): Promise<typeof Bottleneck> => (bottleneckModule ??= import("bottleneck").then((module) => module.default));

/** How long past its deadline a waiter's job may run before bottleneck fails it (a store that never answers). */
const JOB_EXPIRATION_MARGIN_MS = 5_000;

type Unthrottled = Extract<Acquired, { status: "unthrottled" }>;

/** The refusal for a check without room. Its message names the limit as written in the policy, never the subject. */
export function limitRefusal(check: LimitCheck, retryAfterMs: number): RateLimitedError | BudgetExceededError {
  const { info } = check;
  if (check.kind === "tokens") return new BudgetExceededError(`Token budget exceeded (${info.scope}, ${info.limit})`, retryAfterMs, info);
  const what = check.kind === "concurrency" ? "Too many calls at once" : "Rate limit exceeded";
  return new RateLimitedError(retryAfterMs, `${what} (${info.scope}, ${info.limit})`, info);
}

/** A store failure as `LimitsUnavailableError`; a Warden error of another kind (bad checks) is not a store failure and is thrown again. */
function unavailable(error: unknown): LimitsUnavailableError {
  if (error instanceof LimitsUnavailableError) return error;
  if (error instanceof WardenError) throw error;
  return new LimitsUnavailableError(undefined, { cause: error });
}

/**
 * Creates a limiter over `store`. The admit path without waiting is the
 * store's one atomic check (no queue, no timer); only a call that must wait
 * goes through a bottleneck queue (one per limit that is full, first in,
 * first out, so a waiter is not overtaken by later callers of this instance;
 * a later caller that would not wait is refused while others wait). The head
 * of a line retries the store when the refusal said room would appear, or
 * sooner when a call of this instance finishes and frees its limit.
 *
 * @throws PolicyError on a bad option
 */
export function createLimiter(options: LimiterOptions): Limiter {
  const { store } = options;
  const failMode = options.failMode ?? "closed";
  if (typeof store?.admit !== "function" || typeof store.finish !== "function") throw new PolicyError("limits.store", "expected a limits store");
  if (failMode !== "closed" && failMode !== "open") throw new PolicyError("limits.failMode", 'expected "closed" or "open"');

  const lines = new Map<string, WaitLine>();
  /** Heads of lines sleeping until a call of this instance frees the limit they wait on. */
  const sleepers = new Map<string, Set<() => void>>();
  /** Finishes so far that may have freed room: a waiter refused before one of them retries instead of sleeping (no lost wake-up). */
  let releases = 0;

  async function attempt(checks: readonly LimitCheck[]): Promise<Admission | Unthrottled> {
    try {
      return await store.admit(checks);
    } catch (error) {
      const cause = unavailable(error);
      if (failMode === "open") return { status: "unthrottled", error: cause };
      throw cause;
    }
  }

  /** Gives back a lease nobody will use (the waiter gave up as it was admitted). */
  function giveBack(lease: Lease): void {
    store.finish(lease, 0).then(
      () => wake(lease),
      () => undefined,
    );
  }

  function wake(lease: Lease): void {
    releases++;
    if (sleepers.size === 0) return;
    for (const check of lease.checks) {
      if (check.kind === "rate") continue;
      const wakers = sleepers.get(storeKey(check));
      if (wakers) for (const wakeOne of [...wakers]) wakeOne();
    }
  }

  /** The line of a limit among `checks` that others wait on, if any. */
  function lineOf(checks: readonly LimitCheck[]): WaitLine | undefined {
    for (const check of checks) {
      const line = lines.get(storeKey(check));
      if (line) return line;
    }
    return undefined;
  }

  function openLine(check: LimitCheck, retryAfterMs: number): WaitLine {
    const key = storeKey(check);
    let line = lines.get(key);
    if (line === undefined) {
      line = { key, bottleneck: loadBottleneck().then((BottleneckClass) => new BottleneckClass({ maxConcurrent: 1 })), members: 0, check, retryAfterMs };
      lines.set(key, line);
    }
    return line;
  }

  /** Waits in `line` until admitted, refused, or the deadline (performance.now() time). */
  function wait(
    line: WaitLine,
    checks: readonly LimitCheck[],
    started: number,
    deadline: number,
    signal: AbortSignal | undefined,
    first?: { readonly refusal: Admission; readonly releases: number },
  ): Promise<Acquired> {
    const head = line.members === 0;
    line.members++;
    return new Promise<Acquired>((resolve, reject) => {
      let running = false;
      let settled = false;
      let stopSleeping: (() => void) | undefined;
      const onAbort = (): void => void settle(() => reject(signal?.reason));
      // While queued behind others, the deadline refuses the waiter; once at the head, its own loop never sleeps past it.
      const queuedTimer = setTimeout(
        () => {
          if (!running) settle(() => reject(limitRefusal(line.check, line.retryAfterMs)));
        },
        Math.max(0, deadline - performance.now()),
      );
      const settle = (done: () => void): boolean => {
        if (settled) return false;
        settled = true;
        // No longer waiting (its job, if still queued, ends at once): later callers stop queueing behind it.
        if (--line.members === 0 && lines.get(line.key) === line) lines.delete(line.key);
        clearTimeout(queuedTimer);
        signal?.removeEventListener("abort", onAbort);
        stopSleeping?.();
        done();
        return true;
      };
      signal?.addEventListener("abort", onAbort, { once: true });

      const sleep = (ms: number, check: LimitCheck): Promise<void> =>
        new Promise<void>((done) => {
          const key = check.kind === "rate" ? undefined : storeKey(check);
          const wakeUp = (): void => {
            clearTimeout(timer);
            stopSleeping = undefined;
            if (key !== undefined) {
              const wakers = sleepers.get(key);
              wakers?.delete(wakeUp);
              if (wakers?.size === 0) sleepers.delete(key);
            }
            done();
          };
          const timer = setTimeout(wakeUp, ms);
          stopSleeping = wakeUp;
          if (key !== undefined) {
            let wakers = sleepers.get(key);
            if (wakers === undefined) sleepers.set(key, (wakers = new Set()));
            wakers.add(wakeUp);
          }
        });

      const job = async (): Promise<void> => {
        running = true;
        let pending = head && first?.refusal.admitted === false ? first.refusal : undefined;
        let seen = first?.releases ?? releases;
        while (!settled) {
          if (pending === undefined) {
            seen = releases;
            const outcome = await attempt(checks);
            if ("status" in outcome) {
              settle(() => resolve(outcome));
              return;
            }
            if (outcome.admitted) {
              const admitted: Acquired = { status: "admitted", lease: outcome.lease, waitedMs: performance.now() - started };
              if (!settle(() => resolve(admitted))) giveBack(outcome.lease);
              return;
            }
            pending = outcome;
          }
          if (settled) return;
          if (pending.retryAfterMs > deadline - performance.now()) {
            const { check, retryAfterMs } = pending;
            settle(() => reject(limitRefusal(check, retryAfterMs)));
            return;
          }
          // What later callers are told while this line waits.
          line.check = pending.check;
          line.retryAfterMs = pending.retryAfterMs;
          // A call finished since that refusal: its room may be there already.
          if (releases === seen) await sleep(pending.retryAfterMs, pending.check);
          pending = undefined;
        }
      };

      // Waiters of a line chain on its one bottleneck in arrival order.
      line.bottleneck
        .then((bottleneck) => bottleneck.schedule({ expiration: Math.max(1, Math.ceil(deadline - performance.now())) + JOB_EXPIRATION_MARGIN_MS }, job))
        .catch((error: unknown) => {
          // bottleneck failed the job (it outlived its expiration: the store never answered).
          const cause = error instanceof WardenError ? error : new LimitsUnavailableError(undefined, { cause: error });
          settle(() => (failMode === "open" && cause instanceof LimitsUnavailableError ? resolve({ status: "unthrottled", error: cause }) : reject(cause)));
        });
    });
  }

  return {
    async acquire(checks, acquireOptions = {}) {
      const { waitMs = 0, signal } = acquireOptions;
      if (typeof waitMs !== "number" || !(waitMs >= 0) || waitMs === Number.POSITIVE_INFINITY) {
        throw new PolicyError("limits.waitMs", "expected a non-negative finite number of milliseconds");
      }
      signal?.throwIfAborted();
      const started = performance.now();
      const line = lines.size > 0 ? lineOf(checks) : undefined;
      if (line !== undefined) {
        // Others wait for this limit: a later caller goes behind them, or is refused if it would not wait that long.
        if (waitMs <= 0 || line.retryAfterMs > waitMs) throw limitRefusal(line.check, line.retryAfterMs);
        return wait(line, checks, started, started + waitMs, signal);
      }
      const before = releases;
      const outcome = await attempt(checks);
      if ("status" in outcome) return outcome;
      if (outcome.admitted) {
        if (signal?.aborted) {
          giveBack(outcome.lease);
          signal.throwIfAborted();
        }
        return { status: "admitted", lease: outcome.lease, waitedMs: 0 };
      }
      if (waitMs <= 0 || outcome.retryAfterMs > waitMs) throw limitRefusal(outcome.check, outcome.retryAfterMs);
      return wait(openLine(outcome.check, outcome.retryAfterMs), checks, started, started + waitMs, signal, { refusal: outcome, releases: before });
    },

    async finish(acquired, usedTokens) {
      if (acquired.status !== "admitted") return;
      try {
        await store.finish(acquired.lease, usedTokens);
      } catch (error) {
        const cause = unavailable(error);
        if (failMode === "closed") throw cause;
      } finally {
        wake(acquired.lease);
      }
    },
  };
}
