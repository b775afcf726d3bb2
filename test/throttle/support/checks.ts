import type { LimitInfo } from "../../../src/errors.js";
import type { LimitCheck } from "../../../src/throttle/limit-store.js";

type Scope = LimitInfo["scope"];

/** A rate check: `limit` calls per `windowMs`. */
export function rate(key: string, limit: number, windowMs: number, scope: Scope = "user"): LimitCheck {
  return { key, kind: "rate", limit, windowMs, cost: 1, info: { scope, kind: "rate", limit: `${limit}/${windowMs}ms` } };
}

/** A token budget check reserving `cost` of `limit` tokens per `windowMs`. */
export function tokens(key: string, limit: number, windowMs: number, cost: number, scope: Scope = "user"): LimitCheck {
  return { key, kind: "tokens", limit, windowMs, cost, info: { scope, kind: "tokens", limit: "day" } };
}

/** A concurrency check: at most `limit` calls at once. */
export function concurrency(key: string, limit: number, scope: Scope = "user"): LimitCheck {
  return { key, kind: "concurrency", limit, cost: 1, info: { scope, kind: "concurrency", limit: String(limit) } };
}
