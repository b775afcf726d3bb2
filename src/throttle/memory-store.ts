/**
 * Limits counted in process: exact sliding windows, token reservations and
 * concurrency leases in plain maps, with memory bounded by what is still in a
 * window.
 *
 * @module
 */
import { type Clock, systemClock } from "../clock.js";
import { PolicyError } from "../errors.js";
import {
  type Admission,
  assertValidChecks,
  CONCURRENCY_RETRY_HINT_MS,
  DEFAULT_LEASE_TTL_MS,
  type Lease,
  type LimitCheck,
  type LimitStore,
  settledTokens,
  storeKey,
} from "./limit-store.js";

/** Options of {@link memoryLimitStore}. */
export interface MemoryLimitStoreOptions {
  /** Source of time (default: the wall clock). Tests pass a fake clock. */
  readonly clock?: Clock;
  /** How long an unfinished concurrency lease holds its slot, in milliseconds (default 600,000: 10 minutes). */
  readonly leaseTtlMs?: number;
}

/** A limits store in process memory, with the number of counters it holds. */
export interface MemoryLimitStore extends LimitStore {
  /** How many counters (rule × scope × subject) are held. Counters with nothing left in their window are dropped as calls come in. */
  size(): number;
}

/** A token reservation or settled usage, in a budget's window. */
interface TokenEntry {
  readonly at: number;
  amount: number;
  /** Still counted in the window (false once it has expired). */
  counted: boolean;
}

/** A concurrency slot held by a lease. */
interface Slot {
  readonly expiresAt: number;
  /** Still held (false once finished or expired). */
  held: boolean;
}

/** Admission times, oldest first (a queue: `items` from `head`). */
interface RateCounter {
  readonly kind: "rate";
  windowMs: number;
  readonly items: number[];
  head: number;
}

interface TokenCounter {
  readonly kind: "tokens";
  windowMs: number;
  readonly items: TokenEntry[];
  head: number;
  total: number;
}

interface ConcurrencyCounter {
  readonly kind: "concurrency";
  readonly items: Slot[];
  head: number;
  held: number;
}

type Counter = RateCounter | TokenCounter | ConcurrencyCounter;

/** What a lease holds and must give back at `finish`. */
type Holding = { readonly counter: TokenCounter; readonly entry: TokenEntry } | { readonly counter: ConcurrencyCounter; readonly slot: Slot };

/** Idle counters dropped at most per call (bounds one call's work; each counter is dropped once, so the cost is amortised O(1)). */
const SWEEP_IDLE_MAX = 256;
/** Live counters moved to the back per call, so an old long-window counter never blocks the sweep. */
const SWEEP_LIVE_MAX = 2;

/** Drops the queue's consumed head once it is most of the array (amortised O(1)). */
function compact(counter: Counter): void {
  if (counter.head > 32 && counter.head * 2 > counter.items.length) {
    counter.items.splice(0, counter.head);
    counter.head = 0;
  }
}

/** Removes what has left the window (or expired) at `now`; returns whether nothing is left. */
function expire(counter: Counter, now: number): boolean {
  const { items } = counter;
  switch (counter.kind) {
    case "rate": {
      const edge = now - counter.windowMs;
      while (counter.head < items.length && (items[counter.head] as number) <= edge) counter.head++;
      break;
    }
    case "tokens": {
      const edge = now - counter.windowMs;
      for (let entry = counter.items[counter.head]; entry !== undefined && entry.at <= edge; entry = counter.items[++counter.head]) {
        entry.counted = false;
        counter.total -= entry.amount;
      }
      if (counter.head === items.length) counter.total = 0;
      break;
    }
    case "concurrency": {
      for (let slot = counter.items[counter.head]; slot !== undefined && (!slot.held || slot.expiresAt <= now); slot = counter.items[++counter.head]) {
        if (slot.held) {
          slot.held = false;
          counter.held--;
        }
      }
      break;
    }
  }
  compact(counter);
  return counter.head === items.length;
}

function newCounter(check: LimitCheck): Counter {
  switch (check.kind) {
    case "rate":
      return { kind: "rate", windowMs: check.windowMs as number, items: [], head: 0 };
    case "tokens":
      return { kind: "tokens", windowMs: check.windowMs as number, items: [], head: 0, total: 0 };
    case "concurrency":
      return { kind: "concurrency", items: [], head: 0, held: 0 };
  }
}

/** Milliseconds until `check` has room in `counter` at `now`, or 0 when it has room now. */
function wait(counter: Counter, check: LimitCheck, now: number): number {
  switch (counter.kind) {
    case "rate": {
      const count = counter.items.length - counter.head;
      if (count + check.cost <= check.limit) return 0;
      if (check.cost > check.limit) return Number.POSITIVE_INFINITY;
      // The entry whose expiry brings the count down to limit - cost.
      const due = counter.items[counter.head + count + check.cost - check.limit - 1] as number;
      return due + counter.windowMs - now;
    }
    case "tokens": {
      const cost = Math.max(check.cost, 1);
      if (counter.total + cost <= check.limit) return 0;
      if (check.cost > check.limit) return Number.POSITIVE_INFINITY;
      const need = counter.total + cost - check.limit;
      let freed = 0;
      for (let i = counter.head; i < counter.items.length; i++) {
        const entry = counter.items[i] as TokenEntry;
        freed += entry.amount;
        if (freed >= need) return entry.at + counter.windowMs - now;
      }
      return counter.windowMs;
    }
    case "concurrency": {
      if (counter.held + 1 <= check.limit) return 0;
      let soonest = Number.POSITIVE_INFINITY;
      for (let i = counter.head; i < counter.items.length; i++) {
        const slot = counter.items[i] as Slot;
        if (slot.held) {
          soonest = slot.expiresAt - now;
          break;
        }
      }
      return Math.min(CONCURRENCY_RETRY_HINT_MS, soonest);
    }
  }
}

/**
 * Creates a limits store in process memory: the default when instances do
 * not share limits. Uses `clock` for every window, so a fake clock drives it
 * in tests.
 *
 * Memory is bounded by what is still in a window: counters are kept in the
 * order they were last touched, and every call looks at the oldest few,
 * dropping those with nothing left in their window (amortised O(1) per call).
 *
 * @throws PolicyError when `leaseTtlMs` is not a positive integer
 */
export function memoryLimitStore(options: MemoryLimitStoreOptions = {}): MemoryLimitStore {
  const clock = options.clock ?? systemClock;
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs <= 0) throw new PolicyError("memoryLimitStore.leaseTtlMs", "expected a positive integer number of milliseconds");
  /** Counters in the order they were last touched (oldest first). */
  const counters = new Map<string, Counter>();
  const holdings = new WeakMap<Lease, Holding[]>();
  let sequence = 0;

  /** Looks at the oldest counters: drops the idle ones, moves a few live ones to the back. */
  function sweep(now: number): void {
    let dropped = 0;
    let moved = 0;
    for (const [key, counter] of counters) {
      if (expire(counter, now)) {
        counters.delete(key);
        if (++dropped >= SWEEP_IDLE_MAX) return;
      } else {
        counters.delete(key);
        counters.set(key, counter);
        if (++moved >= SWEEP_LIVE_MAX) return;
      }
    }
  }

  return {
    async admit(checks) {
      assertValidChecks(checks);
      const now = clock.now();
      const touched: Counter[] = [];
      let refusal: Admission | undefined;
      for (const check of checks) {
        const key = storeKey(check);
        let counter = counters.get(key);
        if (counter === undefined || counter.kind !== check.kind) counter = newCounter(check);
        else counters.delete(key);
        counters.set(key, counter);
        if (counter.kind !== "concurrency") counter.windowMs = check.windowMs as number;
        expire(counter, now);
        touched.push(counter);
        if (refusal === undefined) {
          const retryAfterMs = wait(counter, check, now);
          if (retryAfterMs > 0) refusal = { admitted: false, check, retryAfterMs: retryAfterMs === Number.POSITIVE_INFINITY ? retryAfterMs : Math.max(1, Math.ceil(retryAfterMs)) };
        }
      }
      if (refusal === undefined) {
        const lease: Lease = { id: `m${++sequence}`, checks };
        const held: Holding[] = [];
        checks.forEach((check, index) => {
          const counter = touched[index] as Counter;
          switch (counter.kind) {
            case "rate":
              counter.items.push(now);
              break;
            case "tokens": {
              const entry: TokenEntry = { at: now, amount: check.cost, counted: true };
              counter.items.push(entry);
              counter.total += check.cost;
              held.push({ counter, entry });
              break;
            }
            case "concurrency": {
              const slot: Slot = { expiresAt: now + leaseTtlMs, held: true };
              counter.items.push(slot);
              counter.held++;
              held.push({ counter, slot });
              break;
            }
          }
        });
        if (held.length > 0) holdings.set(lease, held);
        refusal = { admitted: true, lease };
      }
      sweep(now);
      return refusal;
    },

    async finish(lease, usedTokens) {
      const used = settledTokens(usedTokens);
      const held = holdings.get(lease);
      if (held === undefined) return;
      holdings.delete(lease);
      for (const holding of held) {
        if ("slot" in holding) {
          if (holding.slot.held) {
            holding.slot.held = false;
            holding.counter.held--;
          }
        } else if (used !== undefined && holding.entry.counted) {
          holding.counter.total += used - holding.entry.amount;
          holding.entry.amount = used;
        }
      }
    },

    size: () => counters.size,
  };
}
