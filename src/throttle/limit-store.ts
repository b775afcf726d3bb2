/**
 * The contract every limits store keeps: a set of checks admitted
 * all-or-nothing and atomically, and a lease that ends the call.
 *
 * @module
 */
import { type LimitInfo, PolicyError } from "../errors.js";

/** What a check counts: calls per window, tokens per window, or calls at once. */
export type LimitKind = "rate" | "tokens" | "concurrency";

/** One limit a call must fit in. */
export interface LimitCheck {
  /** Counter key, unique per rule, scope and subject. Built by the caller; may contain any characters (stores never show it). */
  readonly key: string;
  /** What the check counts. */
  readonly kind: LimitKind;
  /** Calls per window (`rate`), tokens per window (`tokens`), or calls at once (`concurrency`). */
  readonly limit: number;
  /** Length of the sliding window in milliseconds (`rate` and `tokens`). */
  readonly windowMs?: number;
  /** What the call takes: `1` for `rate` and `concurrency`; the reserved token estimate for `tokens`. */
  readonly cost: number;
  /** Which limit this is, for the refusal and the audit record. */
  readonly info: LimitInfo;
}

/** An admitted call. Hand it back to {@link LimitStore.finish} when the call ends. */
export interface Lease {
  /** Unique id of the admission. */
  readonly id: string;
  /** The checks that admitted it. */
  readonly checks: readonly LimitCheck[];
}

/** The answer to {@link LimitStore.admit}. */
export type Admission =
  | { readonly admitted: true; readonly lease: Lease }
  | {
      readonly admitted: false;
      /** The check that had no room (the first one, in the order given). */
      readonly check: LimitCheck;
      /** When that check would have room, in milliseconds (`Infinity` when it never will, e.g. a cost over the limit). */
      readonly retryAfterMs: number;
    };

/**
 * Where limits are counted: in process ({@link memoryLimitStore}) or shared by
 * every instance ({@link redisLimitStore}).
 *
 * - Rates are exact sliding windows: at no instant have more than `limit`
 *   calls been admitted within the last `windowMs`.
 * - Token budgets are sliding windows where each admitted call holds its
 *   reservation (`cost`) until settled to its real usage. A check fails when
 *   the total + cost is over the limit, or the budget is already spent (a call
 *   reserving 0 tokens still needs one token of room); a cost over the limit
 *   fails with `retryAfterMs` `Infinity`.
 * - Concurrency counts live leases; a lease not finished within the store's
 *   lease lifetime expires, so a crashed instance cannot hold slots forever.
 */
export interface LimitStore {
  /** Admits the call if every check has room (then each one counts it), else counts nothing. Atomic. */
  admit(checks: readonly LimitCheck[]): Promise<Admission>;
  /**
   * Ends a lease: frees its concurrency slots and settles each token
   * reservation to `usedTokens` (the real usage; `undefined` keeps the
   * reservation as charged). Usage over the reservation is charged in full.
   * One round trip; finishing a lease twice changes nothing.
   */
  finish(lease: Lease, usedTokens?: number): Promise<void>;
}

/** Default lifetime of a concurrency lease: 10 minutes. */
export const DEFAULT_LEASE_TTL_MS = 600_000;

/** The `retryAfterMs` of a full concurrency limit when no lease is due to expire sooner: a finish may free a slot at any moment. */
export const CONCURRENCY_RETRY_HINT_MS = 100;

const KINDS: ReadonlySet<string> = new Set<LimitKind>(["rate", "tokens", "concurrency"]);

/**
 * Refuses checks a store cannot count: an unknown kind, a limit or window
 * that is not a positive integer, a cost other than 1 for calls, a negative
 * or fractional token cost, or the same counter twice in one admission.
 *
 * @throws PolicyError naming the offending check
 */
export function assertValidChecks(checks: readonly LimitCheck[]): void {
  if (!Array.isArray(checks)) throw new PolicyError("limits.checks", "expected an array of checks");
  const seen = new Set<string>();
  checks.forEach((check, index) => {
    const path = `limits.checks[${index}]`;
    if (typeof check !== "object" || check === null) throw new PolicyError(path, "expected a check");
    if (typeof check.key !== "string" || check.key.length === 0) throw new PolicyError(`${path}.key`, "expected a non-empty string");
    if (!KINDS.has(check.kind)) throw new PolicyError(`${path}.kind`, 'expected "rate", "tokens" or "concurrency"');
    if (!Number.isSafeInteger(check.limit) || check.limit <= 0) throw new PolicyError(`${path}.limit`, "expected a positive integer");
    if (check.kind !== "concurrency" && (!Number.isSafeInteger(check.windowMs) || (check.windowMs as number) <= 0)) {
      throw new PolicyError(`${path}.windowMs`, "expected a positive integer number of milliseconds");
    }
    if (check.kind === "tokens") {
      if (!Number.isSafeInteger(check.cost) || check.cost < 0) throw new PolicyError(`${path}.cost`, "expected a non-negative integer number of tokens");
    } else if (check.cost !== 1) {
      throw new PolicyError(`${path}.cost`, `a ${check.kind} check costs exactly 1`);
    }
    if (typeof check.info !== "object" || check.info === null) throw new PolicyError(`${path}.info`, "expected the limit's description");
    const counter = storeKey(check);
    if (seen.has(counter)) throw new PolicyError(`${path}.key`, "the same counter appears twice in one admission");
    seen.add(counter);
  });
}

/**
 * Normalises a settled usage: `undefined` keeps the reservation; otherwise a
 * non-negative finite number, rounded up to whole tokens.
 *
 * @throws PolicyError when `usedTokens` is negative or not a number
 */
export function settledTokens(usedTokens: number | undefined): number | undefined {
  if (usedTokens === undefined) return undefined;
  if (typeof usedTokens !== "number" || !Number.isFinite(usedTokens) || usedTokens < 0) {
    throw new PolicyError("limits.usedTokens", "expected a non-negative number of tokens");
  }
  return Math.ceil(usedTokens);
}

/** The counter a check names: its kind and key (a key reused for two kinds names two counters). */
export function storeKey(check: Pick<LimitCheck, "kind" | "key">): string {
  return `${check.kind}\u0000${check.key}`;
}
