import { randomUUID } from "node:crypto";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { BaseChatModel, type BaseChatModelCallOptions, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage, convertToChunk } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { ensureConfig, type Runnable, type RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { auditRun } from "../audit/event.js";
import { errorCode } from "../audit/tool-lifecycle.js";
import { AccessDeniedError, BudgetExceededError, CircuitOpenError, WardenError } from "../errors.js";
import { decideModel, modelRuleOf } from "../policy/decision.js";
import type { ModelRule } from "../policy/schema.js";
import { PRINCIPAL_KEY, parentRunOf, principalSlot } from "../run-config.js";
import { type BreakerTransition, ModelBreaker } from "../throttle/breakers.js";
import { estimateTokens } from "../throttle/token-estimate.js";
import { isControlFlow } from "./mask-error.js";
import { maskMessages } from "./mask-messages.js";
import { maskModelMessage, maskModelStream } from "./mask-model-output.js";
import { type AdmittedCall, type CallContext, type EventContext, GuardPipeline, withoutHandler } from "./pipeline.js";
import type { GuardRuntime } from "./runtime.js";
import { type StandaloneGuardOptions, standaloneRuntime } from "./standalone.js";

type ChatRunnable = Runnable<BaseLanguageModelInput, AIMessageChunk>;

/** Token usage as `model.end` records it. */
interface Usage {
  input: number;
  output: number;
  total: number;
}

/** The usage a provider reported on a message (summed over a stream's chunks by `concat`). */
function usageOf(message: AIMessageChunk | undefined): Usage | undefined {
  const usage = message?.usage_metadata;
  if (!usage) return undefined;
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  return { input, output, total: usage.total_tokens ?? input + output };
}

/** `model.end`: the call returned, with the provider's token usage when it reported some. */
function modelEndEvent(context: EventContext, output: unknown) {
  const usage = usageOf(output as AIMessageChunk | undefined);
  return { type: "model.end" as const, outcome: "success" as const, ...context, ...(usage ? { data: { usage } } : {}) };
}

/** `model.error`: the call failed (the provider's error code only, never its message). */
function modelErrorEvent(context: EventContext, error: unknown) {
  return { type: "model.error" as const, outcome: "failure" as const, ...context, reason: "the model call failed", data: { error: errorCode(error) } };
}

/** `message` as an AIMessageChunk (a provider may return an AIMessage). */
function asChunk(message: AIMessageChunk): AIMessageChunk {
  return AIMessageChunk.isInstance(message) ? message : (convertToChunk(message) as AIMessageChunk);
}

/** Prompts already masked, by the message object and the scope their tokens were made for: masked once, not again on every turn. */
const maskedPrompts = new WeakMap<BaseMessage, { scope: string | undefined; masked: BaseMessage }>();

/** Errors that say nothing of the provider's health: Warden's refusals, LangGraph control flow, the caller's own abort. */
function notTheProvider(error: unknown): boolean {
  return error instanceof WardenError || isControlFlow(error) || (error instanceof Error && error.name === "AbortError");
}

/**
 * A chat model behind Warden, usable wherever the wrapped one is (`invoke`,
 * `stream`, `batch`, `bindTools`, `withStructuredOutput`, as an agent's
 * model). Each call takes the run's verified principal (from its config, or
 * inside a LangGraph node from the run in progress), needs a
 * `policy.models[name]` rule (else `policy.models.default`; deny by default)
 * and its scopes, fits the rule's rates, concurrency and token budgets, goes
 * through the rule's circuit breaker, and has its answer masked (text, content
 * blocks, tool-call arguments, every streamed chunk) before it leaves. With
 * `masking.maskModelInput`, prompts are masked before the provider sees them;
 * tokens the model then puts in tool-call arguments are restored by the tool
 * guards, for the same tenant and thread only.
 */
export class GuardedChatModel extends BaseChatModel {
  static override lc_name(): string {
    return "GuardedChatModel";
  }

  /** The policy name of this model (`policy.models[modelName]`, else `policy.models.default`). */
  readonly modelName: string;
  private readonly base: BaseChatModel;
  private readonly target: ChatRunnable;
  private readonly runtime: GuardRuntime;
  private readonly pipeline: GuardPipeline;
  /** The principal of calls whose config (and run in progress) carries none: set by the agent middleware for a run's `context` principal. */
  private readonly runPrincipal: unknown;

  /**
   * @param base - the chat model to guard
   * @param runtime - policy, audit, masking and limits shared by the guards
   * @param modelName - its name in `policy.models`
   * @param target - what calls go to (the model, or the model with tools bound)
   * @param runPrincipal - the principal of calls that carry none (still verified by the guard, like any other)
   */
  constructor(base: BaseChatModel, runtime: GuardRuntime, modelName: string, target: ChatRunnable = base as unknown as ChatRunnable, runPrincipal?: unknown) {
    super({});
    this.base = base;
    this.target = target;
    this.runtime = runtime;
    this.modelName = modelName;
    this.runPrincipal = runPrincipal;
    this.pipeline = new GuardPipeline(runtime, { kind: "model", name: modelName }, { end: modelEndEvent, error: modelErrorEvent });
  }

  /** True when this guard enforces `runtime` (a warden's own policy, audit log and trust). @internal */
  guardedBy(runtime: GuardRuntime): boolean {
    return this.runtime === runtime;
  }

  _llmType(): string {
    // Called by the base constructor too, before `base` is set.
    return this.base ? `warden(${this.base._llmType()})` : "warden";
  }

  /** Binds tools on the wrapped model; the result stays guarded. */
  override bindTools(tools: BindToolsInput[], kwargs?: Partial<BaseChatModelCallOptions>): GuardedChatModel {
    if (typeof this.base.bindTools !== "function") throw new TypeError(`the model "${this.modelName}" does not support tools`);
    return new GuardedChatModel(this.base, this.runtime, this.modelName, this.base.bindTools(tools, kwargs) as ChatRunnable, this.runPrincipal);
  }

  /**
   * This guard, for calls of one run whose principal travels outside the
   * config (createAgent's `context`): a call whose config names no principal
   * takes `principal`, which the guard verifies like any other (a forged,
   * foreign or expired one is refused and recorded). @internal
   */
  withRunPrincipal(principal: unknown): GuardedChatModel {
    return new GuardedChatModel(this.base, this.runtime, this.modelName, this.target, principal);
  }

  /**
   * The config of a call: the caller's, else the run in progress (a LangGraph
   * node that calls `llm.invoke(messages)` without one), with the run's
   * principal when the caller's config names none, and the run id fixed in
   * advance so every event of the call shares it.
   */
  private callConfig(options: BaseChatModelCallOptions | undefined): RunnableConfig & { runId: string } {
    const config = ensureConfig(options) as RunnableConfig;
    if (principalSlot(config) === undefined) {
      const running = principalSlot(AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined) ?? this.runPrincipal;
      if (running !== undefined) config.configurable = { ...config.configurable, [PRINCIPAL_KEY]: running };
    }
    return { ...config, runId: config.runId ?? randomUUID() };
  }

  /**
   * Stages 1–3: the principal, the policy decision (recorded), the prompt
   * masked, the prompt's size, the limits, and `model.start`.
   */
  private async prepare(input: BaseLanguageModelInput, config: RunnableConfig & { runId: string }, options: BaseChatModelCallOptions | undefined): Promise<PreparedCall> {
    const context = await this.pipeline.begin(config, auditRun(config.runId, parentRunOf(config), config.configurable?.thread_id));
    const decision = decideModel(this.runtime.policy, this.modelName, context.principal);
    const allowed = decision.effect === "allow";
    await this.pipeline.recordAccess(context, allowed, decision, null);
    if (!allowed) {
      const reason =
        decision.code === "no-rule"
          ? `no policy rule for this model (policy.models.${this.modelName}${this.modelName === "default" ? "" : " or policy.models.default"})`
          : "you are not permitted to use this model";
      throw new AccessDeniedError("model", this.modelName, reason);
    }
    const { name: ruleName, rule } = modelRuleOf(this.runtime.policy, this.modelName)!;
    try {
      const messages = this.maskPrompt(BaseChatModel._convertInputToPromptValue(input).toChatMessages(), context);
      const inputTokens = estimateTokens(messages);
      if (rule.maxInputTokens !== undefined && inputTokens > rule.maxInputTokens) {
        const error = new BudgetExceededError(
          `The prompt is larger than this model allows (about ${inputTokens} tokens, at most ${rule.maxInputTokens})`,
          Number.POSITIVE_INFINITY,
          {
            scope: "user",
            kind: "input",
            limit: String(rule.maxInputTokens),
          },
        );
        await this.pipeline.recordRefusal(context, { section: "models", name: ruleName }, error);
        throw error;
      }
      const reserved = inputTokens + this.maxOutputTokens(options);
      const limited = { section: "models" as const, name: ruleName, limits: rule, onLimit: rule.onLimit };
      const admitted = await this.pipeline.admit(context, limited, reserved, config.signal);
      return { context, messages, rule, ruleName, admitted };
    } catch (error) {
      throw await this.pipeline.leaving(context, error);
    }
  }

  /** Output tokens a call may use, when the call or the model caps them (else 0: the input alone is reserved). */
  private maxOutputTokens(options: BaseChatModelCallOptions | undefined): number {
    for (const source of [options, this.base] as unknown[]) {
      const fields = source as { maxTokens?: unknown; max_tokens?: unknown; maxOutputTokens?: unknown } | undefined;
      for (const value of [fields?.maxTokens, fields?.max_tokens, fields?.maxOutputTokens]) if (typeof value === "number" && value > 0) return value;
    }
    return 0;
  }

  /**
   * The prompt as the provider sees it: with `maskModelInput`, every message
   * masked (what was masked once — the same message object, for the same
   * tenant and thread — is not masked again on the next turn), recorded once
   * its tokens are in the vault.
   */
  private maskPrompt(messages: BaseMessage[], context: CallContext): BaseMessage[] {
    const masking = this.runtime.masking;
    if (!masking?.maskModelInput) return messages;
    const { tenant } = this.pipeline.maskOptions(context);
    const fresh: BaseMessage[] = [];
    for (const message of messages) if (maskedPrompts.get(message)?.scope !== tenant) fresh.push(message);
    if (fresh.length > 0) {
      const { messages: masked, findings } = maskMessages(masking.masker, fresh, { tenant });
      for (const [index, message] of fresh.entries()) maskedPrompts.set(message, { scope: tenant, masked: masked[index]! });
      if (findings.length > 0) this.pendingFindings.set(context, findings);
    }
    return messages.map((message) => maskedPrompts.get(message)!.masked);
  }

  /** Findings in a prompt, recorded before the provider is called. */
  private readonly pendingFindings = new WeakMap<CallContext, readonly { type: string }[]>();

  /** Records what was masked in the prompt (its tokens stored first: a tool in another instance may restore them). */
  private async recordPromptMasking(context: CallContext): Promise<void> {
    const findings = this.pendingFindings.get(context);
    if (findings) await this.pipeline.masked(context, findings, { input: true });
  }

  /** The rule's breaker (one per rule, per instance), or undefined. */
  private breakerOf(prepared: PreparedCall): ModelBreaker | undefined {
    const settings = prepared.rule.breaker;
    if (settings === undefined) return undefined;
    const target = { kind: "model" as const, name: prepared.ruleName };
    const actor = prepared.context.actor;
    const record = (state: BreakerTransition) => {
      // A state change belongs to no one call: it names the rule and the caller whose call tipped it.
      void this.runtime.audit
        .record({
          type: state === "open" ? "circuit.open" : "circuit.close",
          outcome: state === "open" ? "failure" : "success",
          actor,
          target,
          reason: state === "open" ? "the provider keeps failing: calls are refused" : state === "half-open" ? "one trial call is let through" : "the provider answers again",
          data: { state, rule: `models.${prepared.ruleName}` },
        })
        .catch(() => undefined);
    };
    return this.runtime.limits.breakers.get(prepared.ruleName, () => new ModelBreaker(settings, record, notTheProvider));
  }

  /** Calls the provider through the breaker; a refusal by an open circuit is recorded. */
  private async callProvider<T>(prepared: PreparedCall, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const breaker = this.breakerOf(prepared);
    if (!breaker) return call(undefined);
    try {
      return await breaker.fire((signal) => call(signal));
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        await this.pipeline.record(prepared.context, {
          type: "circuit.open",
          outcome: "denied",
          reason: "the circuit is open: the call was refused",
          data: { retryAfterMs: Math.ceil(error.retryAfterMs), rule: `models.${prepared.ruleName}` },
        });
      }
      throw error;
    }
  }

  /** The config the provider is called with: the caller's, without the audit handler, with the breaker's signal joined. */
  private innerConfig(config: RunnableConfig, signal: AbortSignal | undefined): RunnableConfig {
    const callbacks = withoutHandler(config.callbacks, this.runtime.auditHandler);
    const joined = signal && config.signal ? AbortSignal.any([config.signal, signal]) : (signal ?? config.signal);
    return { ...config, callbacks, ...(joined ? { signal: joined } : {}) };
  }

  /** Records `model.start` (prompt size and reservation). */
  private async start(prepared: PreparedCall): Promise<void> {
    await this.recordPromptMasking(prepared.context);
    await this.pipeline.record(prepared.context, {
      type: "model.start",
      outcome: "pending",
      data: { messages: prepared.messages.length, reservedTokens: prepared.admitted?.reserved ?? null, rule: `models.${prepared.ruleName}` },
    });
  }

  override async invoke(input: BaseLanguageModelInput, options?: BaseChatModelCallOptions): Promise<AIMessageChunk> {
    const config = this.callConfig(options);
    const prepared = await this.prepare(input, config, options);
    const { context } = prepared;
    let settled = false;
    try {
      await this.start(prepared);
      let message: AIMessageChunk;
      try {
        message = await this.callProvider(prepared, (signal) => this.target.invoke(prepared.messages, this.innerConfig(config, signal)));
      } catch (error) {
        await this.pipeline.recordFailure(context, error);
        throw error;
      }
      // What a chat model's invoke() returns: a chunk (LangChain's structured output parsers insist on one).
      const masked = asChunk(await this.pipeline.mask(context, message, maskModelMessage));
      settled = true;
      await this.pipeline.settle(context, prepared.admitted, usageOf(message)?.total);
      await this.pipeline.recordEnd(context, masked);
      return masked;
    } catch (error) {
      throw await this.pipeline.leaving(context, error);
    } finally {
      if (!settled) await this.pipeline.settle(context, prepared.admitted).catch(() => undefined);
    }
  }

  override async *_streamIterator(input: BaseLanguageModelInput, options?: BaseChatModelCallOptions): AsyncGenerator<AIMessageChunk> {
    const config = this.callConfig(options);
    const prepared = await this.prepare(input, config, options);
    const { context } = prepared;
    const masking = this.runtime.masking;
    const stream = masking ? maskModelStream(masking.masker, this.pipeline.maskOptions(context)) : undefined;
    let whole: AIMessageChunk | undefined;
    let settled = false;
    try {
      await this.start(prepared);
      const chunks = new ChunkQueue();
      // The provider's stream is consumed inside the breaker (its timeout bounds the whole stream);
      // chunks leave through the queue as they come.
      const done = this.callProvider(prepared, async (signal) => {
        for await (const chunk of await this.target.stream(prepared.messages, this.innerConfig(config, signal))) chunks.push(chunk);
      }).then(
        () => chunks.close(),
        (error: unknown) => chunks.fail(error),
      );
      try {
        for await (const chunk of chunks) {
          whole = whole === undefined ? chunk : whole.concat(chunk);
          const out = stream ? stream.push(chunk) : chunk;
          if (stream && stream.findings.length > 0) await masking!.masker.flush();
          yield out;
        }
        const last = stream?.end();
        if (last !== undefined) {
          await masking!.masker.flush();
          yield last;
        }
      } catch (error) {
        await this.pipeline.recordFailure(context, error);
        throw error;
      } finally {
        await done;
      }
      if (stream) await this.pipeline.masked(context, stream.findings);
      settled = true;
      await this.pipeline.settle(context, prepared.admitted, usageOf(whole)?.total);
      await this.pipeline.recordEnd(context, whole ?? new AIMessageChunk(""));
    } catch (error) {
      throw await this.pipeline.leaving(context, error);
    } finally {
      if (!settled) await this.pipeline.settle(context, prepared.admitted).catch(() => undefined);
    }
  }

  /** Direct `generate()` calls take the principal of the run in progress. */
  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], _runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const message = await this.invoke(messages, options as BaseChatModelCallOptions);
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}

/** Chunks handed from the provider's stream (inside the breaker) to the guard's consumer. */
class ChunkQueue implements AsyncIterable<AIMessageChunk> {
  private readonly items: AIMessageChunk[] = [];
  private waiting: (() => void) | undefined;
  private ended = false;
  private error: { value: unknown } | undefined;

  push(chunk: AIMessageChunk): void {
    this.items.push(chunk);
    this.wake();
  }

  close(): void {
    this.ended = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.error = { value: error };
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AIMessageChunk> {
    for (;;) {
      const next = this.items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.error) throw this.error.value;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}

/** A call past its checks: who, the prompt to send, its rule, and what the limits admitted. */
interface PreparedCall {
  context: CallContext;
  messages: BaseMessage[];
  rule: ModelRule;
  ruleName: string;
  admitted: AdmittedCall | undefined;
}

/** Options of {@link guardModel}: those of the standalone guards, and the model's policy name. */
export interface GuardModelOptions extends StandaloneGuardOptions {
  /** The model's name in `policy.models` (default `"default"`; a name without a rule falls back to `"default"`). */
  name?: string;
}

/**
 * Guards a chat model without the facade: calls need a verified principal and
 * a `policy.models` rule. Prefer `warden.model()`, which accepts only
 * principals of the warden's own identity provider.
 */
export function guardModel(model: BaseChatModel, options: GuardModelOptions): GuardedChatModel {
  return new GuardedChatModel(model, standaloneRuntime(options), options.name ?? "default");
}
