import type { Principal } from "../identity/principal.js";
import { hasScope, missingScopes } from "../identity/scopes.js";
import { isGraphBubbleUp } from "../langgraph-signals.js";
import { matchingDenyPattern } from "./deny-patterns.js";
import { type ApprovalRule, approvalDefaults, type ModelRule, type Policy, type ToolRule } from "./schema.js";

/** The outcome of a policy check. */
export type PolicyEffect = "allow" | "deny" | "needs-approval";

/** Category of a decision, stable for dashboards and for the message shown to a model. */
export type DecisionCode = "allowed" | "no-rule" | "caller-kind" | "missing-scope" | "denied-args" | "condition" | "condition-error" | "approval-required" | "tainted";

/** A policy decision: what, why, and which rule decided. */
export interface PolicyDecision {
  /** allow, deny, or needs-approval. */
  readonly effect: PolicyEffect;
  /** Why, in words safe for an audit record (no argument values). */
  readonly reason: string;
  /** Path of the rule that decided, e.g. `tools.refund_order.scopes`. */
  readonly rule: string;
  /** Stable category of the decision. */
  readonly code: DecisionCode;
  /** The approval rule, with its defaults applied, when `effect` is `needs-approval`. */
  readonly approval?: EffectiveApprovalRule;
}

/** An approval rule with its defaults applied: who may approve is always stated. */
export interface EffectiveApprovalRule extends ApprovalRule {
  /** Scopes an approver must hold: the rule's own, or `approvals:<tool name>` when it names none. */
  readonly approverScopes: readonly string[];
}

/** The approval rule of tool `name` as enforced: without `approverScopes`, approvers need `approvals:<name>`. */
export function approvalOf(name: string, approval: ApprovalRule): EffectiveApprovalRule {
  return approval.approverScopes !== undefined ? (approval as EffectiveApprovalRule) : { ...approval, approverScopes: [`approvals:${name}`] };
}

/** The rule of `name` in one section of the policy: own keys only, so `constructor` or `__proto__` is never a rule. */
export function ruleOf<K extends "tools" | "models" | "retrievers">(policy: Policy, section: K, name: string): Policy[K][string] | undefined {
  const rules = policy[section] as Record<string, Policy[K][string]>;
  return Object.hasOwn(rules, name) ? rules[name] : undefined;
}

/** The scopes of frozen principals with roles, per role table of a policy: computed once per principal. */
const scopesByRoles = new WeakMap<Policy["roles"], WeakMap<Principal, readonly string[]>>();

/** The scopes a principal holds: its own plus those its roles expand to (kept for a frozen principal). */
export function effectiveScopes(policy: Policy, principal: Principal): readonly string[] {
  if (principal.roles.length === 0) return principal.scopes;
  const frozen = Object.isFrozen(principal);
  let known = frozen ? scopesByRoles.get(policy.roles) : undefined;
  const kept = known?.get(principal);
  if (kept !== undefined) return kept;
  const scopes = new Set(principal.scopes);
  for (const role of principal.roles) {
    // Own keys only: a role named "__proto__" or "constructor" grants nothing.
    if (!Object.hasOwn(policy.roles, role)) continue;
    for (const scope of policy.roles[role] ?? []) scopes.add(scope);
  }
  const result: readonly string[] = Object.freeze([...scopes]);
  if (frozen) {
    if (known === undefined) scopesByRoles.set(policy.roles, (known = new WeakMap()));
    known.set(principal, result);
  }
  return result;
}

/** True when a rule's `callers` (both kinds when left out) admit `principal`'s kind. */
export function admitsCaller(callers: readonly string[] | undefined, principal: Principal): boolean {
  return callers === undefined || callers.includes(principal.kind);
}

const callerRefusal = (principal: Principal, path: string): PolicyDecision => deny("caller-kind", `callers of kind ${principal.kind} are not admitted`, `${path}.callers`);

/**
 * True when the rule of tool `name` admits the principal's kind and its scopes
 * (with roles expanded) satisfy the rule's scopes.
 */
export function canEverUse(policy: Policy, principal: Principal, name: string): boolean {
  const rule = ruleOf(policy, "tools", name);
  if (!rule || !admitsCaller(rule.callers, principal)) return false;
  const scopes = effectiveScopes(policy, principal);
  return rule.scopes.every((scope) => hasScope(scopes, scope));
}

async function runCondition(
  condition: NonNullable<ToolRule["when"]>,
  principal: Principal,
  args: Record<string, unknown>,
): Promise<{ ok: true } | { ok: false; reason: string; error: boolean }> {
  try {
    const verdict = await condition({ principal, args });
    if (verdict === true) return { ok: true };
    if (typeof verdict === "string" && verdict.length > 0) return { ok: false, reason: verdict, error: false };
    return { ok: false, reason: "the policy condition was not met", error: false };
  } catch (error) {
    // LangGraph control flow (an interrupt raised inside a condition) passes through untouched.
    if (isGraphBubbleUp(error)) throw error;
    return { ok: false, reason: "the policy condition could not be evaluated", error: true };
  }
}

const deny = (code: DecisionCode, reason: string, rule: string): PolicyDecision => ({ effect: "deny", code, reason, rule });

/** The scopes of a tool rule that a frozen principal lacks, per list of required scopes: a principal's scopes never change. */
const missingOfRule = new WeakMap<readonly string[], WeakMap<Principal, readonly string[]>>();

const NONE_MISSING: readonly string[] = Object.freeze([]);

/** The scopes of `rule` that `principal` (roles expanded) does not hold; kept per rule for a frozen principal. */
function missingToolScopes(policy: Policy, rule: ToolRule, principal: Principal): readonly string[] {
  if (rule.scopes.length === 0) return NONE_MISSING;
  const frozen = Object.isFrozen(principal);
  let known = frozen ? missingOfRule.get(rule.scopes) : undefined;
  const kept = known?.get(principal);
  if (kept !== undefined) return kept;
  const missing = missingScopes(effectiveScopes(policy, principal), rule.scopes);
  const result = missing.length === 0 ? NONE_MISSING : Object.freeze(missing);
  if (frozen) {
    if (known === undefined) missingOfRule.set(rule.scopes, (known = new WeakMap()));
    known.set(principal, result);
  }
  return result;
}

/** The allow decision of each tool rule: one frozen object per rule, shared by its calls. */
const allowOfRule = new WeakMap<ToolRule, PolicyDecision>();

function allowedBy(rule: ToolRule, name: string): PolicyDecision {
  let decision = allowOfRule.get(rule);
  if (decision === undefined) {
    decision = Object.freeze({ effect: "allow", code: "allowed", reason: "allowed by policy", rule: `tools.${name}` });
    allowOfRule.set(rule, decision);
  }
  return decision;
}

/**
 * Decides a tool call: the rule must exist and admit the principal's kind
 * (`callers`), the principal must hold every scope, no deny pattern may match the arguments (any string value or key as
 * written, or their canonical JSON), and `when` must allow. Approval rules then turn an allow into needs-approval.
 * `argsJson` is the arguments' canonical JSON when the caller has it already.
 * Synchronous unless the rule has a `when` condition (on the rule or its approval).
 */
export function decideTool(policy: Policy, name: string, principal: Principal, args: Record<string, unknown>, argsJson?: string): PolicyDecision | Promise<PolicyDecision> {
  const rule = ruleOf(policy, "tools", name);
  if (!rule) return deny("no-rule", `no policy rule for tool "${name}"`, "tools");
  if (!admitsCaller(rule.callers, principal)) return callerRefusal(principal, `tools.${name}`);
  const missing = missingToolScopes(policy, rule, principal);
  if (missing.length > 0) return deny("missing-scope", `missing scope ${missing.join(", ")}`, `tools.${name}.scopes`);
  if (rule.deny) {
    const index = matchingDenyPattern(rule.deny.args, args, argsJson);
    if (index >= 0) return deny("denied-args", "the arguments match a deny pattern", `tools.${name}.deny.args[${index}]`);
  }
  // biome-ignore lint/complexity/useOptionalChain: approval may be `false`, which has no `when`
  if (rule.when || (rule.approval && rule.approval.when)) return conditionsThen(rule, name, principal, args);
  if (rule.approval) return needsApproval(name, approvalOf(name, rule.approval));
  return allowedBy(rule, name);
}

/** The rest of {@link decideTool} for a rule with conditions: `when`, then the approval's `when`. */
async function conditionsThen(rule: ToolRule, name: string, principal: Principal, args: Record<string, unknown>): Promise<PolicyDecision> {
  if (rule.when) {
    const verdict = await runCondition(rule.when, principal, args);
    if (!verdict.ok) return deny(verdict.error ? "condition-error" : "condition", verdict.reason, `tools.${name}.when`);
  }
  if (rule.approval) {
    const approval = approvalOf(name, rule.approval);
    let needed = true;
    if (approval.when) {
      // `when` returning true asks for approval; a condition that throws asks for it too (fail closed).
      const verdict = await runCondition(approval.when, principal, args);
      needed = verdict.ok || verdict.error;
    }
    if (needed) return needsApproval(name, approval);
  }
  return allowedBy(rule, name);
}

const needsApproval = (name: string, approval: EffectiveApprovalRule): PolicyDecision => ({
  effect: "needs-approval",
  code: "approval-required",
  reason: "the call requires human approval",
  rule: `tools.${name}.approval`,
  approval,
});

/**
 * The rule of chat model `name`: `policy.models[name]`, else
 * `policy.models.default`, with the name of the rule that applies (whose
 * counters the call shares); `undefined` when neither exists.
 */
export function modelRuleOf(policy: Policy, name: string): { name: string; rule: ModelRule } | undefined {
  const own = ruleOf(policy, "models", name);
  if (own) return { name, rule: own };
  const fallback = ruleOf(policy, "models", "default");
  return fallback ? { name: "default", rule: fallback } : undefined;
}

/**
 * Decides a chat model call: deny by default (no rule for the model nor a
 * default one); the rule must admit the principal's kind and its scopes must be held.
 */
export function decideModel(policy: Policy, name: string, principal: Principal): PolicyDecision {
  const found = modelRuleOf(policy, name);
  if (!found) return deny("no-rule", `no policy rule for model "${name}"${name === "default" ? "" : " and no default model rule"}`, "models");
  const path = `models.${found.name}`;
  if (!admitsCaller(found.rule.callers, principal)) return callerRefusal(principal, path);
  const missing = missingScopes(effectiveScopes(policy, principal), found.rule.scopes ?? []);
  if (missing.length > 0) return deny("missing-scope", `missing scope ${missing.join(", ")}`, `${path}.scopes`);
  return { effect: "allow", code: "allowed", reason: "allowed by policy", rule: path };
}

/** Decides a retriever call: deny by default (no rule), and the rule's scopes must be held. */
export function decideRetriever(policy: Policy, name: string, principal: Principal): PolicyDecision {
  const rule = ruleOf(policy, "retrievers", name);
  if (!rule) return deny("no-rule", `no policy rule for retriever "${name}"`, "retrievers");
  const missing = missingScopes(effectiveScopes(policy, principal), rule.scopes);
  if (missing.length > 0) return deny("missing-scope", `missing scope ${missing.join(", ")}`, `retrievers.${name}.scopes`);
  return { effect: "allow", code: "allowed", reason: "allowed by policy", rule: `retrievers.${name}` };
}

/** True when tool `name`'s rule makes it sensitive to taint: destructive, or able to send data out. */
export function taintSensitive(policy: Policy, name: string): boolean {
  const rule = ruleOf(policy, "tools", name);
  return rule !== undefined && (rule.risk === "destructive" || rule.exfiltration);
}

/**
 * A tool decision on a thread that read untrusted content: a destructive or
 * exfiltrating call that the policy allows (or already sends for approval)
 * needs a human approval naming the sources, or is denied with
 * `onTainted: "deny"`. A denial stays a denial; other tools are unaffected.
 */
export function applyTaint(policy: Policy, name: string, decision: PolicyDecision, sources: string): PolicyDecision {
  if (decision.effect === "deny" || !taintSensitive(policy, name)) return decision;
  const why = `the thread read untrusted content (${sources})`;
  if (policy.onTainted === "deny") return deny("tainted", `${why}: destructive and exfiltrating calls are denied`, "onTainted");
  const rule = ruleOf(policy, "tools", name)!;
  const approval = decision.approval ?? approvalOf(name, rule.approval || approvalDefaults());
  return { effect: "needs-approval", code: "approval-required", reason: `${why}: the call requires human approval`, rule: "onTainted", approval };
}
