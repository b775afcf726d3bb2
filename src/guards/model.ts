import { randomUUID } from "node:crypto";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { BaseChatModel, type BaseChatModelCallOptions, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import type { AIMessageChunk, BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable, RunnableConfig } from "@langchain/core/runnables";
import { AccessDeniedError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { actorOf, auditRun } from "../audit/event.js";
import { decideModel } from "../policy/decision.js";
import { getPrincipal, PRINCIPAL_KEY } from "../run-config.js";
import { countByType, tokenScope } from "./masking-runtime.js";
import { maskMessages } from "./mask-messages.js";
import { leavingError } from "./mask-error.js";
import { requirePrincipal } from "./principal.js";
import type { GuardRuntime } from "./runtime.js";
import { standaloneRuntime, type StandaloneGuardOptions } from "./standalone.js";

type ChatRunnable = Runnable<BaseLanguageModelInput, AIMessageChunk>;

/**
 * A chat model behind Warden: each call needs a verified principal and a
 * `policy.models` rule for this model's name (deny by default; the rule's
 * `scopes` must be held), and is recorded. With `masking.maskModelInput`,
 * prompts are masked before the provider sees them; tokens the model then
 * puts in tool-call arguments are restored by the tool guards, for the same
 * tenant and thread only.
 */
export class GuardedChatModel extends BaseChatModel {
  static override lc_name(): string {
    return "GuardedChatModel";
  }

  /** The policy name of this model (`policy.models[modelName]`). */
  readonly modelName: string;
  private readonly base: BaseChatModel;
  private readonly target: ChatRunnable;
  private readonly runtime: GuardRuntime;

  /**
   * @param base - the chat model to guard
   * @param runtime - policy, audit, masking shared by the guards
   * @param modelName - its name in `policy.models`
   * @param target - what calls go to (the model, or the model with tools bound)
   */
  constructor(base: BaseChatModel, runtime: GuardRuntime, modelName: string, target: ChatRunnable = base as unknown as ChatRunnable) {
    super({});
    this.base = base;
    this.target = target;
    this.runtime = runtime;
    this.modelName = modelName;
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
    return new GuardedChatModel(this.base, this.runtime, this.modelName, this.base.bindTools(tools, kwargs) as ChatRunnable);
  }

  /**
   * The config the wrapped model runs with: its run id fixed in advance (the
   * caller's, if given), so the guard's events and the audit handler's
   * `model.*` events of the same call share one run.
   */
  private withRunId<C extends RunnableConfig>(config: C | undefined): C & { runId: string } {
    return { ...(config as C), runId: config?.runId ?? randomUUID() };
  }

  /** Checks the principal and the policy, records the decision, and masks the prompt. */
  private async prepare(input: BaseLanguageModelInput, config: RunnableConfig & { runId: string }): Promise<PreparedCall> {
    const target = { kind: "model" as const, name: this.modelName };
    const callbacks = config.callbacks as { getParentRunId?: () => string | undefined } | undefined;
    const parentRunId = typeof callbacks?.getParentRunId === "function" ? callbacks.getParentRunId() : undefined;
    const run = auditRun(config.runId, parentRunId, config.configurable?.thread_id);
    const principal: Principal = await requirePrincipal(this.runtime, config, target, run);
    const actor = actorOf(principal);
    const decision = decideModel(this.runtime.policy, this.modelName, principal);
    const allowed = decision.effect === "allow";
    await this.runtime.audit.record({
      type: allowed ? "access.allowed" : "access.denied",
      outcome: allowed ? "success" : "denied",
      actor,
      target,
      reason: decision.reason,
      run,
      data: { code: decision.code, effect: decision.effect, rule: decision.rule },
    });
    if (!allowed) {
      throw new AccessDeniedError("model", this.modelName, decision.code === "no-rule" ? "this model is not available to you" : "you are not permitted to use this model");
    }
    await this.runtime.audit.commit();
    const messages = BaseChatModel._convertInputToPromptValue(input).toChatMessages();
    const masking = this.runtime.masking;
    const tenant = tokenScope(principal, config.configurable?.thread_id);
    // A provider's error may quote the prompt: it leaves the guard masked, like an output.
    const leaving = (error: unknown) =>
      leavingError(masking, error, { reveal: masking?.revealFor(principal) ?? [], tenant }, {
        masked: async (findings) => void (await this.runtime.audit.record({ type: "mask.applied", outcome: "success", actor, target, run, data: { counts: countByType(findings), error: true } })),
      });
    if (!masking?.maskModelInput) return { messages, leaving };
    const { messages: value, findings } = maskMessages(masking.masker, messages, { tenant });
    if (findings.length > 0) {
      // Tokens must be in the vault before a tool (maybe in another instance) restores them.
      await masking.masker.flush();
      await this.runtime.audit.record({ type: "mask.applied", outcome: "success", actor, target, run, data: { counts: countByType(findings), input: true } });
    }
    return { messages: value, leaving };
  }

  override async invoke(input: BaseLanguageModelInput, options?: BaseChatModelCallOptions): Promise<AIMessageChunk> {
    const config = this.withRunId(options);
    const { messages, leaving } = await this.prepare(input, config);
    try {
      return await this.target.invoke(messages, config);
    } catch (error) {
      throw await leaving(error);
    }
  }

  override async *_streamIterator(input: BaseLanguageModelInput, options?: BaseChatModelCallOptions): AsyncGenerator<AIMessageChunk> {
    const config = this.withRunId(options);
    const { messages, leaving } = await this.prepare(input, config);
    try {
      yield* await this.target.stream(messages, config);
    } catch (error) {
      throw await leaving(error);
    }
  }

  /** Direct `generate()` calls take the principal of the run in progress. */
  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], _runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const config = { configurable: { [PRINCIPAL_KEY]: getPrincipal() }, runId: randomUUID() };
    const prepared = await this.prepare(messages, config);
    let message: AIMessageChunk;
    try {
      message = await this.target.invoke(prepared.messages, options);
    } catch (error) {
      throw await prepared.leaving(error);
    }
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}

/** A checked call: the prompt to send, and what to throw in place of an error the provider throws. */
interface PreparedCall {
  messages: BaseMessage[];
  leaving(error: unknown): Promise<unknown>;
}

/** Options of {@link guardModel}: those of the standalone guards, and the model's policy name. */
export interface GuardModelOptions extends StandaloneGuardOptions {
  /** The model's name in `policy.models` (default `"default"`). */
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
