import { z } from "zod";
import type { Principal } from "../identity/principal.js";
import { rateSchema } from "../throttle/rate.js";
import { statelessPattern } from "./deny-patterns.js";
import { retrieverRuleSchema } from "./retriever-rule.js";
import { requiredScopeSchema } from "./rule-fields.js";

const scope = requiredScopeSchema;
const grantedScope = z.string().min(1).regex(/^\S+$/, "a scope has no white space");
const fn = <T extends (...args: never[]) => unknown>() => z.custom<T>((v) => typeof v === "function", { message: "expected a function" });

const DURATION_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
/** Milliseconds, or a string such as `"90s"`, `"5m"`, `"1h"`. */
const durationMs = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+\s*(ms|s|m|h)$/, 'expected milliseconds or a string such as "90s", "5m", "1h"')
    .transform((v) => Number.parseInt(v, 10) * (DURATION_MS[/(ms|s|m|h)$/.exec(v)?.[0] ?? "ms"] ?? 1)),
]);

/** Arguments handed to a rule's `when` condition. */
export interface ConditionInput {
  /** The verified caller. */
  principal: Principal;
  /**
   * The call's arguments, after schema validation. Typed loosely so conditions
   * read naturally (`args.amount > 100`); they come from the model: check them.
   */
  // biome-ignore lint/suspicious/noExplicitAny: conditions read the model's arguments without casts; they check them.
  args: Record<string, any>;
}

/** A condition: `true` allows, a string denies with that reason, `false` denies. */
export type Condition = (input: ConditionInput) => boolean | string | Promise<boolean | string>;

const approvalRule = z.strictObject({
  when: fn<Condition>().optional(),
  // Left out, it defaults to `approvals:<tool name>` (see `approvalOf`); an empty list would let anyone approve.
  approverScopes: z
    .array(scope)
    .min(1, "an empty list would let any verified user approve: name the approvers' scopes, or leave it out for approvals:<tool name>")
    .readonly()
    .optional(),
  ttl: durationMs.default(300_000),
  quorum: z.number().int().min(1).default(1),
  allowEdit: z.boolean().default(true),
  selfApproval: z.boolean().default(false),
});

/**
 * The kinds of caller a rule admits (`["user"]`: people only, `["service"]`:
 * API keys and client-credentials tokens only). Left out, both.
 */
const callers = z
  .array(z.enum(["user", "service"]))
  .min(1, "an empty list would admit no caller: name user, service or both, or leave it out")
  .readonly()
  .optional();

/** A rate: calls per window, `"30/min"`, `"5/sec"`, `"1000/day"`; parsed once, here. */
const rate = rateSchema;

/** Rates that count calls of a rule: per user, per tenant, and over all callers. */
const rates = {
  perUser: rate.optional(),
  perTenant: rate.optional(),
  global: rate.optional(),
};

/** What a call over a limit does: refused at once (default), or queued up to `wait` ms, then refused. */
const onLimit = z.union([z.literal("reject"), z.strictObject({ wait: durationMs })]).default("reject");

/** An approval rule with every default: what `approval: true` means, and what a tainted thread asks for. */
export function approvalDefaults(): ApprovalRule {
  return approvalRule.parse({});
}

const toolRule = z.strictObject({
  scopes: z.array(scope).readonly(),
  callers,
  risk: z.enum(["low", "medium", "high", "destructive"]).optional(),
  when: fn<Condition>().optional(),
  // Made stateless once, when the policy is parsed: `g`/`y` would make a match depend on an earlier call's `lastIndex`.
  deny: z.strictObject({ args: z.array(z.instanceof(RegExp).transform(statelessPattern)).min(1).readonly() }).optional(),
  // `true` is the approval rule with every default.
  approval: z.union([z.literal(false), z.literal(true).transform(() => approvalDefaults()), approvalRule]).optional(),
  onDenied: z.enum(["message", "throw"]).optional(),
  // Rates for tools that cost money, counted when the tool runs (after any approval).
  ...rates,
  onLimit,
  // What the tool returns taints the thread (web pages, emails, tickets: text anyone could write).
  untrusted: z.boolean().default(false),
  // The tool can send data out (email, HTTP, export): on a tainted thread it needs approval, like a destructive one.
  exfiltration: z.boolean().default(false),
});

const tokenWindows = z
  .strictObject({ hour: z.number().int().positive().optional(), day: z.number().int().positive().optional() })
  .refine((windows) => windows.hour !== undefined || windows.day !== undefined, { message: "give an hour or a day budget" });

const breaker = z.strictObject({
  timeoutMs: z.number().int().positive().default(60_000),
  errorThresholdPercentage: z.number().min(1).max(100).default(50),
  volumeThreshold: z.number().int().nonnegative().default(5),
  resetTimeoutMs: z.number().int().positive().default(30_000),
});

const modelRule = z.strictObject({
  scopes: z.array(scope).readonly().optional(),
  callers,
  ...rates,
  // One number limits each user; an object limits each user and all callers.
  maxConcurrent: z
    .union([
      z
        .number()
        .int()
        .positive()
        .transform((perUser) => ({ perUser, global: undefined as number | undefined })),
      z
        .strictObject({ perUser: z.number().int().positive().optional(), global: z.number().int().positive().optional() })
        .refine((limits) => limits.perUser !== undefined || limits.global !== undefined, { message: "give perUser or global" }),
    ])
    .optional(),
  tokens: z
    .strictObject({ perUser: tokenWindows.optional(), perTenant: tokenWindows.optional() })
    .refine((tokens) => tokens.perUser !== undefined || tokens.perTenant !== undefined, { message: "give perUser or perTenant budgets" })
    .optional(),
  maxInputTokens: z.number().int().positive().optional(),
  onLimit,
  breaker: breaker.optional(),
  tokensPerDay: z
    .unknown()
    .optional()
    .refine((value) => value === undefined, { message: "replaced by tokens: { perUser: { day } } (or perTenant)" }),
});

/**
 * Zod schema of a Warden policy. Unknown keys are refused, so a typo never
 * weakens a rule.
 */
export const policySchema = z.strictObject({
  roles: z.record(z.string().min(1), z.array(grantedScope).readonly()).default({}),
  tools: z.record(z.string().min(1), toolRule).default({}),
  retrievers: z.record(z.string().min(1), retrieverRuleSchema).default({}),
  models: z.record(z.string().min(1), modelRule).default({}),
  onDenied: z.enum(["message", "throw"]).default("message"),
  // What a destructive or exfiltrating tool call on a thread that read untrusted content needs.
  onTainted: z.enum(["approve", "deny"]).default("approve"),
});

/** A policy as written by the user. */
export type PolicyInput = z.input<typeof policySchema>;
/** A validated policy. */
export type Policy = z.output<typeof policySchema>;
/** A tool rule as written by the user. */
export type ToolRuleInput = z.input<typeof toolRule>;
/** A validated tool rule. */
export type ToolRule = z.output<typeof toolRule>;
/** A model rule as written by the user. */
export type ModelRuleInput = z.input<typeof modelRule>;
/** A validated model rule. */
export type ModelRule = z.output<typeof modelRule>;
/** Settings of a circuit breaker, validated. */
export type BreakerRule = z.output<typeof breaker>;
/** A validated approval rule, as written (`approverScopes` may be left out). */
export type ApprovalRule = z.output<typeof approvalRule>;
