/**
 * The limits of a policy rule as checks for a limits store: which counters a
 * call of one principal must fit in.
 *
 * @module
 */
import type { LimitInfo } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { LimitCheck } from "./limit-store.js";
import { type BudgetWindow, budgetWindowMs, type Rate } from "./rate.js";

/** The limits a rule may carry (a model rule all of them; a tool rule the rates). */
export interface RuleLimits {
  readonly perUser?: Rate | undefined;
  readonly perTenant?: Rate | undefined;
  readonly global?: Rate | undefined;
  readonly maxConcurrent?: { readonly perUser?: number | undefined; readonly global?: number | undefined } | undefined;
  readonly tokens?:
    | {
        readonly perUser?: Partial<Record<BudgetWindow, number>> | undefined;
        readonly perTenant?: Partial<Record<BudgetWindow, number>> | undefined;
      }
    | undefined;
}

/** True when a rule limits anything: a call of a rule without limits never reaches the store. */
export function hasLimits(rule: RuleLimits): boolean {
  return rule.perUser !== undefined || rule.perTenant !== undefined || rule.global !== undefined || rule.maxConcurrent !== undefined || rule.tokens !== undefined;
}

/** True when a rule has a token budget (its calls reserve tokens and settle them). */
export function hasBudgets(rule: RuleLimits): boolean {
  return rule.tokens !== undefined;
}

/**
 * Whose calls a counter counts. A principal without a tenant is its own
 * tenant: tenant limits still apply to it, never pooled with other users.
 */
function subject(scope: LimitInfo["scope"], principal: Principal): readonly (string | null)[] {
  if (scope === "user") return ["user", principal.sub];
  if (scope === "tenant") return principal.tenant !== undefined ? ["tenant", principal.tenant] : ["user", principal.sub];
  return ["all", null];
}

/** A counter key: JSON, so no rule, tenant or user name can run into another. */
function keyOf(section: string, rule: string, what: string, scope: LimitInfo["scope"], principal: Principal): string {
  return JSON.stringify([section, rule, what, ...subject(scope, principal)]);
}

/**
 * The checks a call must pass: the rule's rates (per user, per tenant,
 * global), its concurrency limits, and its token budgets with `tokens`
 * reserved. `section` and `rule` name the rule (`"models"`, `"default"`):
 * every guard whose calls fall under the same rule shares its counters.
 */
export function limitChecks(section: "models" | "tools", rule: string, limits: RuleLimits, principal: Principal, tokens: number): LimitCheck[] {
  const checks: LimitCheck[] = [];
  const rates: [LimitInfo["scope"], Rate | undefined][] = [
    ["user", limits.perUser],
    ["tenant", limits.perTenant],
    ["global", limits.global],
  ];
  for (const [scope, rate] of rates) {
    if (rate === undefined) continue;
    checks.push({
      key: keyOf(section, rule, "rate", scope, principal),
      kind: "rate",
      limit: rate.count,
      windowMs: rate.windowMs,
      cost: 1,
      info: { scope, kind: "rate", limit: rate.text },
    });
  }
  const concurrency: [LimitInfo["scope"], number | undefined][] = [
    ["user", limits.maxConcurrent?.perUser],
    ["global", limits.maxConcurrent?.global],
  ];
  for (const [scope, limit] of concurrency) {
    if (limit === undefined) continue;
    checks.push({ key: keyOf(section, rule, "concurrency", scope, principal), kind: "concurrency", limit, cost: 1, info: { scope, kind: "concurrency", limit: String(limit) } });
  }
  const budgets: [LimitInfo["scope"], Partial<Record<BudgetWindow, number>> | undefined][] = [
    ["user", limits.tokens?.perUser],
    ["tenant", limits.tokens?.perTenant],
  ];
  for (const [scope, windows] of budgets) {
    for (const window of ["hour", "day"] as const) {
      const limit = windows?.[window];
      if (limit === undefined) continue;
      checks.push({
        key: keyOf(section, rule, `tokens/${window}`, scope, principal),
        kind: "tokens",
        limit,
        windowMs: budgetWindowMs[window],
        cost: tokens,
        info: { scope, kind: "tokens", limit: `${limit}/${window}` },
      });
    }
  }
  return checks;
}
