import { z } from "zod";
import { statelessPattern } from "./deny-patterns.js";
import type { Principal } from "../identity/principal.js";

const scope = z
  .string()
  .min(1)
  .regex(/^[^\s*]+$/, "a required scope is literal: no white space and no wildcard");
const grantedScope = z.string().min(1).regex(/^\S+$/, "a scope has no white space");
const fn = <T extends (...args: never[]) => unknown>() =>
  z.custom<T>((v) => typeof v === "function", { message: "expected a function" });

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

const toolRule = z.strictObject({
  scopes: z.array(scope).readonly(),
  risk: z.enum(["low", "medium", "high", "destructive"]).optional(),
  when: fn<Condition>().optional(),
  // Made stateless once, when the policy is parsed: `g`/`y` would make a match depend on an earlier call's `lastIndex`.
  deny: z.strictObject({ args: z.array(z.instanceof(RegExp).transform(statelessPattern)).min(1).readonly() }).optional(),
  // `true` is the approval rule with every default.
  approval: z.union([z.literal(false), z.literal(true).transform(() => approvalRule.parse({})), approvalRule]).optional(),
  onDenied: z.enum(["message", "throw"]).optional(),
});

/**
 * A setting whose shape is validated but that no guard enforces yet: refused
 * when given, so it never looks like protection it does not give.
 */
const notEnforcedYet = <S extends z.ZodType>(schema: S, why: string) =>
  schema.optional().refine((value) => value === undefined, { message: `not enforced yet (${why}): remove this setting` });

const RETRIEVERS_NOT_ENFORCED = "there is no retriever guard yet, so neither its scopes nor its document filters would apply";
const retrieverRule = z
  .strictObject({
    scopes: z.array(scope).readonly(),
    documents: z.strictObject({ tenantKey: z.string().min(1).optional(), aclKey: z.string().min(1).optional() }).optional(),
  })
  .superRefine((_, context) => context.addIssue({ code: "custom", message: `not enforced yet (${RETRIEVERS_NOT_ENFORCED}): remove this rule` }));

const LIMITS_NOT_ENFORCED = "model rates and token budgets arrive with throttling";
const rate = z.string().regex(/^\d+\s*\/\s*(sec|s|min|m|hour|h|day|d)$/, 'expected a rate such as "30/min"');
const modelRule = z.strictObject({
  scopes: z.array(scope).readonly().optional(),
  perUser: notEnforcedYet(rate, LIMITS_NOT_ENFORCED),
  global: notEnforcedYet(rate, LIMITS_NOT_ENFORCED),
  tokensPerDay: notEnforcedYet(z.number().int().positive(), LIMITS_NOT_ENFORCED),
});

/**
 * Zod schema of a Warden policy. Unknown keys are refused, so a typo never
 * weakens a rule; so are settings no guard enforces yet (model rates and
 * budgets, retriever rules).
 */
export const policySchema = z.strictObject({
  roles: z.record(z.string().min(1), z.array(grantedScope).readonly()).default({}),
  tools: z.record(z.string().min(1), toolRule).default({}),
  retrievers: z.record(z.string().min(1), retrieverRule).default({}),
  models: z.record(z.string().min(1), modelRule).default({}),
  onDenied: z.enum(["message", "throw"]).default("message"),
});

/** A policy as written by the user. */
export type PolicyInput = z.input<typeof policySchema>;
/** A validated policy. */
export type Policy = z.output<typeof policySchema>;
/** A tool rule as written by the user. */
export type ToolRuleInput = z.input<typeof toolRule>;
/** A validated tool rule. */
export type ToolRule = z.output<typeof toolRule>;
/** A validated approval rule, as written (`approverScopes` may be left out). */
export type ApprovalRule = z.output<typeof approvalRule>;
