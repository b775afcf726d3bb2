import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { OrderedAuditEventInput } from "../audit/audit-log.js";
import { type AuditActor, type AuditEventInput, type AuditRun, type AuditTarget, actorOf } from "../audit/event.js";
import { type AccessVerdict, accessEvent, type ToolRunContext } from "../audit/tool-lifecycle.js";
import { BudgetExceededError, type LimitInfo, LimitsUnavailableError, NestingLimitError, RateLimitedError, TaintUnavailableError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { isGraphBubbleUp } from "../langgraph-signals.js";
import { MaskingBlockedError } from "../masking/errors.js";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";
import type { TaintSource, ThreadTaint } from "../retrieval/taint.js";
import { hasLimits, limitChecks, type RuleLimits } from "../throttle/rule-limits.js";
import { leavingError } from "./mask-error.js";
import { countByType, tokenScope } from "./masking-runtime.js";
import { requirePrincipal } from "./principal.js";
import type { GuardRuntime, LimitPass } from "./runtime.js";

/** Who makes a guarded call, in which run: what every stage after the first reads. */
export interface CallContext {
  /** What is called. */
  readonly target: AuditTarget;
  /** The verified caller. */
  readonly principal: Principal;
  /** The caller as events name it. */
  readonly actor: AuditActor;
  /** The LangChain run and thread the call belongs to. */
  readonly run: AuditRun;
  /** The thread id of the run, as LangGraph passes it (`configurable.thread_id`). */
  readonly threadId: unknown;
  /** The part of its events that names the call (target, actor, run): one object shared by every event of the call. */
  readonly event: EventContext;
}

/** The part of an event that names a call: its target, actor and run. */
export type EventContext = ToolRunContext & { run: AuditRun };

/** The events a kind of guard writes when its call ends or fails. */
export interface LifecycleEvents {
  /** The call returned `output` (already masked). Throws `NestingLimitError` for an output too deep to digest. */
  end(context: EventContext, output: unknown): OrderedAuditEventInput;
  /** The call failed with `error` (a LangGraph interrupt is recorded as pending). */
  error(context: EventContext, error: unknown): OrderedAuditEventInput;
}

/** A masking function of one kind of output: returns the masked copy and what was found. */
export type OutputMasker<T> = (masker: Masker, output: T, options: MaskCallOptions) => { output: T; findings: readonly { type: string }[] };

/** The rule a call's limits come from, and how it waits for room. */
export interface LimitedRule {
  /** The policy section and rule name whose counters the call shares, e.g. `["models", "default"]`. */
  readonly section: "models" | "tools";
  readonly name: string;
  /** The rule's limits. */
  readonly limits: RuleLimits;
  /** `"reject"`, or wait up to `wait` ms for room. */
  readonly onLimit: "reject" | { readonly wait: number };
}

/** A call the limits admitted, handed back to {@link GuardPipeline.settle} when it ends. */
export interface AdmittedCall {
  readonly pass: LimitPass;
  /** Tokens reserved for the call. */
  readonly reserved: number;
}

/** A refusal's `retryAfterMs` as JSON can hold it: whole milliseconds, `null` when waiting cannot help. */
function retryAfter(ms: number): number | null {
  return Number.isFinite(ms) ? Math.ceil(ms) : null;
}

/** What an event says of the limit that refused a call. */
function limitData(limit: LimitInfo | undefined): Record<string, unknown> {
  return limit ? { kind: limit.kind, limit: limit.limit, scope: limit.scope } : {};
}

/**
 * The callbacks a guard calls the wrapped runnable with: the caller's,
 * without the warden's audit handler (the guard records the call itself, so
 * the handler would record it twice). Other handlers (tracing) still see it.
 */
export function withoutHandler(callbacks: RunnableConfig["callbacks"], handler: BaseCallbackHandler | undefined): RunnableConfig["callbacks"] {
  if (handler === undefined || callbacks === undefined) return callbacks;
  if (Array.isArray(callbacks)) return callbacks.includes(handler) ? callbacks.filter((item) => item !== handler) : callbacks;
  if (callbacks instanceof CallbackManager && (callbacks.handlers.includes(handler) || callbacks.inheritableHandlers.includes(handler))) {
    const copy = callbacks.copy();
    copy.removeHandler(handler);
    return copy;
  }
  return callbacks;
}

/** Calls whose failure is already recorded: one failure event per call, however the error travels. */
const failureRecorded = new WeakSet<CallContext>();

/** The masking options of a principal's latest thread: kept on the frozen principal, one thread at a time. */
interface KeptMaskOptions {
  readonly threadId: unknown;
  readonly options: MaskCallOptions;
}

/**
 * The one guarded-call path every guard (tool, model, retriever) composes:
 * principal ▶ policy decision ▶ limits ▶ approval ▶ call ▶ mask ▶ record.
 * Each method is one stage; a guard supplies only what is its own (how to
 * read its input, decide, call the inner runnable, and mask and describe its
 * output) and calls the stages in this order.
 */
export class GuardPipeline {
  /**
   * @param runtime - policy, audit log, clock, trust, masking and limits shared by the guards
   * @param target - what this guard guards, as events name it
   * @param events - the end and failure events of this kind of call
   */
  constructor(
    readonly runtime: GuardRuntime,
    readonly target: AuditTarget,
    private readonly events: LifecycleEvents,
  ) {}

  /** The masking options of each frozen principal's latest thread (see {@link maskOptions}). */
  private readonly keptMaskOptions = new WeakMap<Principal, KeptMaskOptions>();

  /**
   * Stage 1: the verified principal of the call. A missing, forged, foreign or
   * expired principal is recorded, then refused with its error. Synchronous
   * for a principal that passes.
   */
  begin(config: RunnableConfig | undefined, run: AuditRun): CallContext | Promise<CallContext> {
    const principal = requirePrincipal(this.runtime, config, this.target, run);
    return principal instanceof Promise ? principal : this.contextFor(principal, config, run);
  }

  /**
   * The context of a call made for `principal` without stage 1's checks: only
   * for a principal already checked otherwise (an expired requester answering
   * their approval, see `approval/expired-requester.ts`).
   */
  contextFor(principal: Principal, config: RunnableConfig | undefined, run: AuditRun): CallContext {
    const actor = actorOf(principal);
    return { target: this.target, principal, actor, run, threadId: config?.configurable?.thread_id, event: { target: this.target, actor, run } };
  }

  /**
   * Stage 2 (record): the policy's verdict on the call, with a keyed digest of
   * its arguments. An allowed call waits until its record is stored, not only
   * queued by the sink: no action without a record. Returns a promise only
   * when the sink answers later (a sink that stores synchronously costs no
   * await); a sink that fails throws (closed mode) either way.
   */
  recordAccess(context: CallContext, allowed: boolean, verdict: AccessVerdict, argsDigest: string | null, approval?: string): void | Promise<void> {
    const audit = this.runtime.audit;
    const recorded = audit.recordOrdered(accessEvent(allowed, context.event, verdict, argsDigest, approval));
    if (recorded instanceof Promise) return recorded.then(() => (allowed ? audit.commit() : undefined));
    if (allowed) return audit.commit();
  }

  /**
   * Stage 3: the rule's limits. Admits the call when it fits every rate,
   * concurrency limit and token budget (reserving `tokens`), waiting for room
   * when the rule says so; a refusal is recorded (`ratelimit.exceeded`,
   * `budget.exceeded`, `limits.unavailable`) and thrown. A call admitted
   * unthrottled (the store is down and `limits.failMode` is `"open"`) is
   * recorded as such. `undefined` (at once, with no promise) when the rule limits nothing.
   */
  admit(context: CallContext, rule: LimitedRule, tokens: number, signal?: AbortSignal): Promise<AdmittedCall> | undefined {
    return hasLimits(rule.limits) ? this.admitLimited(context, rule, tokens, signal) : undefined;
  }

  private async admitLimited(context: CallContext, rule: LimitedRule, tokens: number, signal?: AbortSignal): Promise<AdmittedCall> {
    const checks = limitChecks(rule.section, rule.name, rule.limits, context.principal, tokens);
    let pass: LimitPass;
    try {
      pass = await this.runtime.limits.acquire(checks, { ...(rule.onLimit !== "reject" ? { waitMs: rule.onLimit.wait } : {}), ...(signal ? { signal } : {}) });
    } catch (error) {
      await this.recordRefusal(context, rule, error);
      throw error;
    }
    if (pass.unthrottled) {
      await this.record(context, {
        type: "limits.unavailable",
        outcome: "success",
        reason: "the limits store is unavailable: admitted without counting (limits.failMode open)",
        data: { failMode: "open", rule: `${rule.section}.${rule.name}` },
      });
    }
    return { pass, reserved: tokens };
  }

  /** A refusal by the limits, as the audit log records it. */
  async recordRefusal(context: CallContext, rule: Pick<LimitedRule, "section" | "name">, error: unknown): Promise<void> {
    const path = `${rule.section}.${rule.name}`;
    if (error instanceof RateLimitedError) {
      await this.record(context, {
        type: "ratelimit.exceeded",
        outcome: "denied",
        reason: error.limit?.kind === "concurrency" ? "too many calls at once" : "rate limit reached",
        data: { ...limitData(error.limit), retryAfterMs: retryAfter(error.retryAfterMs), rule: path },
      });
    } else if (error instanceof BudgetExceededError) {
      await this.record(context, {
        type: "budget.exceeded",
        outcome: "denied",
        reason: error.limit?.kind === "input" ? "the prompt is larger than the rule allows" : "token budget spent",
        data: { ...limitData(error.limit), retryAfterMs: retryAfter(error.retryAfterMs), rule: path },
      });
    } else if (error instanceof LimitsUnavailableError) {
      await this.record(context, {
        type: "limits.unavailable",
        outcome: "denied",
        reason: "the limits store is unavailable: refused (limits.failMode closed)",
        data: { failMode: "closed", rule: path },
      });
    }
  }

  /**
   * Ends an admitted call: frees its concurrency slots and settles its token
   * reservation to `usedTokens` (the provider's count; undefined keeps the
   * reservation). The call has already run, so a store that fails here does
   * not fail it: the failure is recorded, the slot expires with its lease.
   */
  async settle(context: CallContext, admitted: AdmittedCall | undefined, usedTokens?: number): Promise<void> {
    if (admitted === undefined || admitted.pass.unthrottled) return;
    try {
      await this.runtime.limits.finish(admitted.pass, usedTokens);
    } catch (error) {
      if (!(error instanceof LimitsUnavailableError)) throw error;
      await this.record(context, {
        type: "limits.unavailable",
        outcome: "failure",
        reason: "the limits store is unavailable: the call's usage could not be settled",
        data: { reserved: admitted.reserved, used: usedTokens ?? null },
      });
    }
  }

  /** The key of the call's thread in the taint store: its thread id, or (with none) the caller's own no-thread scope. */
  private taintKey(context: CallContext): string {
    if (context.threadId !== undefined && context.threadId !== null && String(context.threadId) !== "") return String(context.threadId);
    return JSON.stringify(["no-thread", context.principal.tenant ?? null, context.principal.sub]);
  }

  /**
   * The untrusted sources the call's thread read, as words for a reason
   * (`retriever "web", tool "fetch_page"`), or `undefined` for a clean thread.
   * A store that cannot tell counts as tainted (fail closed).
   */
  async taintOf(context: CallContext): Promise<string | undefined> {
    let taint: ThreadTaint | undefined;
    try {
      taint = await this.runtime.taint.get(this.taintKey(context));
    } catch (error) {
      if (!(error instanceof TaintUnavailableError)) throw error;
      return "unknown: the taint store is unavailable";
    }
    if (taint === undefined) return undefined;
    const named = taint.sources.map((source) => `${source.kind} "${source.name}"`);
    if (taint.incomplete || named.length === 0) named.push("sources not all known");
    return named.join(", ");
  }

  /**
   * Marks the call's thread as having read untrusted content from `source`,
   * and records it (`taint.marked`). A store that cannot record it fails the
   * call: untrusted content never reaches a thread unmarked.
   */
  async markTainted(context: CallContext, source: TaintSource): Promise<void> {
    await this.runtime.taint.mark(this.taintKey(context), source);
    await this.record(context, {
      type: "taint.marked",
      outcome: "success",
      reason: `untrusted content from ${source.kind} "${source.name}" entered the thread`,
      data: { source: { kind: source.kind, name: source.name } },
    });
  }

  /** Records an event about this call (its target, actor and run filled in). */
  async record(context: CallContext, event: Omit<AuditEventInput, "target" | "actor" | "run">): Promise<void> {
    await this.runtime.audit.record({ ...event, ...context.event } as AuditEventInput);
  }

  /**
   * What this principal may see raw, and whose tokens the call's tokenized
   * values become. A frozen principal keeps the options of its latest thread,
   * so the calls of one thread share one (frozen) options object.
   */
  maskOptions(context: Pick<CallContext, "principal" | "threadId">): MaskCallOptions {
    const { principal, threadId } = context;
    const kept = this.keptMaskOptions.get(principal);
    if (kept !== undefined && kept.threadId === threadId) return kept.options;
    const masking = this.runtime.masking;
    const options: MaskCallOptions = Object.freeze({ reveal: masking ? masking.revealFor(principal) : [], tenant: tokenScope(principal, threadId) });
    if (Object.isFrozen(principal)) this.keptMaskOptions.set(principal, { threadId, options });
    return options;
  }

  /**
   * Stage 6: masks an output before it leaves the guard with `mask`; records
   * what was masked (`mask.applied`) once the tokens are in the vault, or the
   * output withheld for a blocked type. An output withheld (blocked) or too
   * deep to mask fails the call, recorded. Synchronous when nothing was found.
   */
  mask<T>(context: CallContext, output: T, mask: OutputMasker<T>): T | Promise<T> {
    const masking = this.runtime.masking;
    if (!masking) return output;
    let masked: ReturnType<OutputMasker<T>>;
    try {
      masked = mask(masking.masker, output, this.maskOptions(context));
    } catch (error) {
      return this.maskFailed(context, error);
    }
    if (masked.findings.length === 0) return masked.output;
    return this.masked(context, masked.findings).then(() => masked.output);
  }

  /** A masking that threw: a blocked type is recorded as withheld, and the call as failed; the error goes on. */
  private async maskFailed(context: CallContext, error: unknown): Promise<never> {
    if (error instanceof MaskingBlockedError) await this.recordWithheld(context, error);
    if (error instanceof MaskingBlockedError || error instanceof NestingLimitError) await this.recordFailure(context, error);
    throw error;
  }

  /**
   * Records findings made outside {@link mask} (a stream's, an error's), once
   * their tokens are in the vault: a tool or model call in another instance may
   * restore them, and a failed vault write refuses the output.
   */
  async masked(context: CallContext, findings: readonly { type: string }[], data: Record<string, unknown> = {}): Promise<void> {
    if (findings.length === 0) return;
    await this.runtime.masking?.masker.flush();
    await this.record(context, { type: "mask.applied", outcome: "success", data: { counts: countByType(findings), ...data } });
  }

  /** An output (or error) withheld for a blocked type. */
  async recordWithheld(context: CallContext, error: MaskingBlockedError): Promise<void> {
    await this.record(context, {
      type: "mask.applied",
      outcome: "denied",
      reason: "the output holds a blocked type: withheld",
      data: { blocked: true, total: error.count, types: [...error.types] },
    });
  }

  /**
   * Free text that reaches the model and the audit log (a condition's reason,
   * an approver's message), masked like any output; `fallback` when it holds a
   * blocked type.
   */
  maskedText(text: string, fallback: string): string {
    const masking = this.runtime.masking;
    if (!masking) return text;
    try {
      return masking.masker.mask(text).text;
    } catch {
      return fallback;
    }
  }

  /** Restores tokens (of the caller's tenant and thread) in a value the model or an approver wrote. */
  async restoreTokens<T>(value: T, context: Pick<CallContext, "principal" | "threadId">): Promise<T> {
    const masking = this.runtime.masking;
    return masking ? masking.masker.unmaskDeep(value, { tenant: this.maskOptions(context).tenant }) : value;
  }

  /**
   * Stage 7: records how the call ended; an output too deep to digest fails
   * the call, recorded. Returns a promise only when the sink answers later.
   */
  recordEnd(context: CallContext, output: unknown): void | Promise<void> {
    let event: OrderedAuditEventInput;
    try {
      event = this.events.end(context.event, output);
    } catch (error) {
      return this.recordFailure(context, error).then(() => {
        throw error;
      });
    }
    const ended = this.runtime.audit.recordOrdered(event);
    if (ended instanceof Promise) return ended.then(() => undefined);
  }

  /**
   * Records that the call failed (once per call). A LangGraph control-flow
   * signal (`GraphInterrupt`) is recorded as pending if the log can take it;
   * it must reach LangGraph either way, so a failed write never replaces it.
   */
  async recordFailure(context: CallContext, error: unknown): Promise<void> {
    if (failureRecorded.has(context)) return;
    failureRecorded.add(context);
    const recorded = this.runtime.audit.recordOrdered(this.events.error(context.event, error));
    if (!(recorded instanceof Promise)) return;
    if (isGraphBubbleUp(error)) await recorded.catch(() => undefined);
    else await recorded;
  }

  /**
   * The error that leaves the guard for `error`: masked like an output (an
   * agent shows it to the model), recorded in `mask.applied` when something
   * was masked, withheld when it holds a blocked type. LangGraph control flow
   * passes untouched.
   */
  async leaving(context: CallContext, error: unknown): Promise<unknown> {
    const masking = this.runtime.masking;
    if (!masking) return error;
    return leavingError(masking, error, this.maskOptions(context), {
      masked: (findings) => this.masked(context, findings, { error: true }),
      withheld: (blocked) => this.recordWithheld(context, blocked),
    });
  }
}
