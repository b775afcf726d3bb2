import { randomUUID } from "node:crypto";
import { CallbackManager, type CallbackManagerForToolRun, type Callbacks, parseCallbackConfigArg } from "@langchain/core/callbacks/manager";
import { ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { StructuredTool, type StructuredToolInterface, ToolInputParsingException, type ToolRunnableConfig } from "@langchain/core/tools";
import { answersOnly, awaitsApproval, expiredRequester, recordOnBehalf } from "../approval/expired-requester.js";
import { CLOCK_SKEW_MS, runApproval } from "../approval/flow.js";
import { type AuditRun, auditRun } from "../audit/event.js";
import { type AccessVerdict, toolEndEvent, toolErrorEvent } from "../audit/tool-lifecycle.js";
import { canonicalJson } from "../canonical-json.js";
import { AccessDeniedError, ApprovalInvalidError, ApprovalRejectedError, InvalidTokenError, LimitsUnavailableError, NestingLimitError, RateLimitedError } from "../errors.js";
import { MaskingBlockedError } from "../masking/errors.js";
import type { MaskingStream } from "../masking/stream.js";
import { TOKEN_PATTERN } from "../masking/token-vault.js";
import { applyTaint, type DecisionCode, decideTool, type PolicyDecision, ruleOf, taintSensitive } from "../policy/decision.js";
import { handedDownRun, PARENT_RUN_KEY } from "../run-config.js";
import { maskToolOutput } from "./mask-output.js";
import { type AdmittedCall, type CallContext, GuardPipeline } from "./pipeline.js";
import { requirePrincipal } from "./principal.js";
import type { GuardRuntime, OnDenied } from "./runtime.js";
import { type StandaloneGuardOptions, standaloneRuntime } from "./standalone.js";
import { validateToolArgs } from "./tool-schema.js";

/** Any LangChain tool Warden can guard. */
export type GuardableTool = StructuredToolInterface;

/** Per-guard options. */
export interface ToolGuardOptions {
  /** `message` (default): the agent gets an error ToolMessage. `throw`: {@link AccessDeniedError}. */
  onDenied?: OnDenied;
}

/** A message a model may see for each kind of refusal: no scopes, patterns or rule paths. */
function agentMessage(tool: string, decision: PolicyDecision): string {
  const byCode: Record<DecisionCode, string> = {
    allowed: "",
    "no-rule": `the tool "${tool}" is not available to you`,
    "caller-kind": `the tool "${tool}" is not available to this kind of caller`,
    "missing-scope": `you are not permitted to use the tool "${tool}"`,
    "denied-args": `these arguments are not permitted for the tool "${tool}"`,
    condition: decision.reason,
    "condition-error": `the call to "${tool}" could not be authorized`,
    "approval-required": `the tool "${tool}" requires human approval, which is not available for this call`,
    tainted: `the tool "${tool}" cannot be used in a conversation that read untrusted content`,
  };
  return byCode[decision.code];
}

/** An output that carries nothing (an empty string, list or object, or none): it cannot taint a thread. */
function isEmptyOutput(output: unknown): boolean {
  if (output === undefined || output === null || output === false) return true;
  const content = ToolMessage.isInstance(output) ? output.content : output;
  if (typeof content === "string") return content.trim().length === 0;
  if (Array.isArray(content)) return content.length === 0;
  return false;
}

function isAsyncGenerator(value: unknown): boolean {
  return typeof (value as AsyncGenerator | undefined)?.[Symbol.asyncIterator] === "function" && typeof (value as AsyncGenerator).next === "function";
}

/**
 * The run a guarded call belongs to; a fresh id when no callback manager
 * assigned one. Its parent: the callback manager's, else the guarded call the
 * config was handed down from.
 */
function runOf(runManager: CallbackManagerForToolRun | undefined, config: RunnableConfig | undefined): AuditRun {
  return auditRun(runManager?.runId ?? randomUUID(), runManager?.parentRunId ?? handedDownRun(config), config?.configurable?.thread_id);
}

/** Configs whose audit handler the guard held back from its own run. */
const handlerHeldBack = new WeakSet<object>();

/** The refusal of arguments nested too deep to digest, as the audit log records it. */
const TOO_DEEP: AccessVerdict = { effect: "deny", code: "too-deep", reason: "the arguments are nested too deeply", rule: "nesting" };

/** The arguments of a call as the policy sees them: an object, or `{ input }` for any other value. */
function argsOf(arg: unknown): Record<string, unknown> {
  return typeof arg === "object" && arg !== null && !Array.isArray(arg) ? (arg as Record<string, unknown>) : { input: arg };
}

interface InnerCallable {
  _call?: (arg: unknown, runManager?: CallbackManagerForToolRun, config?: ToolRunnableConfig) => unknown;
}

/**
 * A LangChain tool that checks the caller's verified principal and the policy
 * before the wrapped tool runs. Same name, description, schema, response
 * format and `returnDirect` as the tool it wraps.
 */
export class GuardedTool extends StructuredTool {
  static override lc_name(): string {
    return "GuardedTool";
  }

  name: string;
  description: string;
  override schema: StructuredToolInterface["schema"];
  /** The wrapped tool. */
  readonly inner: GuardableTool;
  private readonly runtime: GuardRuntime;
  private readonly onDenied: OnDenied | undefined;
  /** The guarded-call path this tool's calls take. */
  private readonly pipeline: GuardPipeline;

  /**
   * @param inner - the tool to guard
   * @param runtime - policy, audit log, clock and trust shared by the guards
   * @param options - per-guard options
   */
  constructor(inner: GuardableTool, runtime: GuardRuntime, options: ToolGuardOptions = {}) {
    const source = inner as StructuredTool;
    super({
      responseFormat: source.responseFormat,
      verboseParsingErrors: source.verboseParsingErrors,
      ...(source.metadata !== undefined ? { metadata: source.metadata } : {}),
      ...(source.tags !== undefined ? { tags: source.tags } : {}),
      ...(source.callbacks !== undefined ? { callbacks: source.callbacks } : {}),
      ...(source.verbose !== undefined ? { verbose: source.verbose } : {}),
      ...(source.defaultConfig !== undefined ? { defaultConfig: source.defaultConfig } : {}),
      ...(source.extras !== undefined ? { extras: source.extras } : {}),
    });
    this.name = inner.name;
    this.description = inner.description;
    this.schema = inner.schema;
    this.returnDirect = inner.returnDirect ?? false;
    this.inner = inner;
    this.runtime = runtime;
    this.onDenied = options.onDenied;
    const audit = runtime.audit;
    this.pipeline = new GuardPipeline(
      runtime,
      { kind: "tool", name: inner.name },
      {
        end: (context, output) => toolEndEvent(context, output, audit),
        error: toolErrorEvent,
      },
    );
  }

  /** True when this guard enforces `runtime` (a warden's own policy, audit log and trust). @internal */
  guardedBy(runtime: GuardRuntime): boolean {
    return this.runtime === runtime;
  }

  /**
   * Runs under the wrapped tool's name, so traces and audit events name the
   * real tool. When the warden's audit handler is the only callback, it is left
   * out of this run (the guard records the run itself) and restored for the
   * wrapped tool's nested runs.
   */
  override call(arg: unknown, configArg?: Callbacks | ToolRunnableConfig, tags?: string[]): Promise<unknown> {
    const config = parseCallbackConfigArg(configArg) as ToolRunnableConfig;
    config.runName ??= this.name;
    const handler = this.runtime.auditHandler;
    if (handler && Array.isArray(config.callbacks) && config.callbacks.length === 1 && config.callbacks[0] === handler) {
      config.callbacks = undefined;
      handlerHeldBack.add(config);
    }
    return super.call(arg as never, config, tags);
  }

  /** Checks the caller, then runs the call; whatever error leaves is masked like an output. */
  protected async _call(arg: unknown, runManager?: CallbackManagerForToolRun, config?: ToolRunnableConfig): Promise<unknown> {
    const run = runOf(runManager, config);
    // A requester whose token expired while their approval waited: only that approval's answer may run the call.
    const expired = expiredRequester(this.runtime, config, this.name);
    let context = expired ? this.pipeline.contextFor(expired, config, run) : this.pipeline.begin(config, run);
    if (context instanceof Promise) context = await context;
    try {
      return await this.guardedCall(arg, context, runManager, config, expired !== undefined);
    } catch (error) {
      throw await this.pipeline.leaving(context, error);
    }
  }

  /** Records and throws the refusal of the run's expired token (as every guard does). */
  private async refuseExpired(config: ToolRunnableConfig | undefined, context: CallContext): Promise<never> {
    await requirePrincipal(this.runtime, config, this.pipeline.target, context.run);
    // Only reached with a clock set back past the token's expiry: still refused.
    throw new InvalidTokenError("expired", "Token expired", { claim: "exp" });
  }

  private async guardedCall(
    arg: unknown,
    context: CallContext,
    runManager: CallbackManagerForToolRun | undefined,
    config: ToolRunnableConfig | undefined,
    expired = false,
  ): Promise<unknown> {
    let args: Record<string, unknown>;
    let argsJson: string;
    let argsDigest: string;
    try {
      // Serialised once (canonical JSON): the digest, the deny patterns and an approval's binding read it.
      // Arguments too deep to serialise are refused, and recorded.
      args = argsOf(arg);
      argsJson = canonicalJson(args);
      // The model saw tokens instead of values: restore those of this tenant and thread, and
      // validate the restored arguments again (the schema only saw the tokens). A token shows in
      // the canonical JSON as written, so arguments whose JSON holds none have nothing to restore.
      // The guarded model's answers (and, with maskModelInput, the prompts) carry tokens under `tokenize`.
      if (this.runtime.masking && TOKEN_PATTERN.test(argsJson)) {
        arg = await this.restoreModelTokens(arg, context);
        args = argsOf(arg);
        argsJson = canonicalJson(args);
      }
      argsDigest = this.runtime.audit.digestJson(argsJson);
    } catch (error) {
      if (!(error instanceof NestingLimitError)) throw error;
      await this.pipeline.recordAccess(context, false, TOO_DEEP, null);
      return this.errorReply(`Access denied: the arguments of the tool "${this.name}" are nested too deeply.`, config, () => error);
    }
    let decision = decideTool(this.runtime.policy, this.name, context.principal, args, argsJson);
    if (decision instanceof Promise) decision = await decision;
    decision = this.maskConditionReason(decision);
    if (decision.effect !== "deny" && taintSensitive(this.runtime.policy, this.name)) decision = await this.taintChecked(decision, context);
    if (expired && !awaitsApproval(decision)) return this.refuseExpired(config, context);
    if (decision.effect === "needs-approval" && this.runtime.approvals && decision.approval) {
      return this.approveThenRun(arg, args, { json: argsJson, digest: argsDigest }, context, decision, runManager, config, expired);
    }
    const allowed = decision.effect === "allow";
    const recorded = this.pipeline.recordAccess(context, allowed, decision, argsDigest);
    if (recorded !== undefined) await recorded;
    if (!allowed) return this.refuse(decision, config);
    return this.execute(arg, context, runManager, config);
  }

  /**
   * A destructive or exfiltrating call on a thread that read untrusted content
   * needs a human approval naming the sources (or is denied, `onTainted:
   * "deny"`); a thread whose taint cannot be read counts as tainted.
   */
  private async taintChecked(decision: PolicyDecision, context: CallContext): Promise<PolicyDecision> {
    const sources = await this.pipeline.taintOf(context);
    return sources === undefined ? decision : applyTaint(this.runtime.policy, this.name, decision, sources);
  }

  /**
   * A `when` condition's reason is the policy author's text and may quote the
   * arguments: it is masked before it reaches the audit log or the model.
   */
  private maskConditionReason(decision: PolicyDecision): PolicyDecision {
    if (decision.code !== "condition") return decision;
    return { ...decision, reason: this.pipeline.maskedText(decision.reason, "the policy condition was not met") };
  }

  /** Restores the tokens of this principal's tenant and thread in arguments the model wrote, then re-validates them. */
  private async restoreModelTokens(arg: unknown, context: CallContext): Promise<unknown> {
    const restored = await this.pipeline.restoreTokens(arg, context);
    if (restored === arg || typeof restored !== "object" || restored === null || Array.isArray(restored)) return restored;
    const valid = await validateToolArgs(this.schema, restored as Record<string, unknown>);
    if (valid === undefined) throw new ToolInputParsingException("Received tool input did not match expected schema once masked values were restored");
    return valid;
  }

  /** Runs the wrapped tool, masks what it returned, and records how it ended. */
  private async execute(arg: unknown, context: CallContext, runManager: CallbackManagerForToolRun | undefined, config: ToolRunnableConfig | undefined): Promise<unknown> {
    // The rule's rates count calls that run: after any approval, so a call paused for approval and resumed counts once.
    const rule = ruleOf(this.runtime.policy, "tools", this.name);
    let admitted: AdmittedCall | undefined;
    if (rule) {
      try {
        const admitting = this.pipeline.admit(context, { section: "tools", name: this.name, limits: rule, onLimit: rule.onLimit }, 0, config?.signal);
        if (admitting !== undefined) admitted = await admitting;
      } catch (error) {
        if (!(error instanceof RateLimitedError || error instanceof LimitsUnavailableError)) throw error;
        const wait = error instanceof RateLimitedError ? ` Try again in ${Math.ceil(error.retryAfterMs / 1000)} s.` : "";
        return this.errorReply(
          `The tool "${this.name}" is not available right now: ${error instanceof RateLimitedError ? "rate limit reached" : "limits unavailable"}.${wait}`,
          config,
          () => error,
        );
      }
    }
    let output: unknown;
    try {
      output = await this.callInner(arg, runManager, config, context.run.id);
    } catch (error) {
      await this.pipeline.settle(context, admitted);
      // Recorded, then re-thrown (masked on its way out; a GraphInterrupt is recorded as pending and passes untouched).
      await this.pipeline.recordFailure(context, error);
      throw error;
    }
    if (isAsyncGenerator(output)) return this.guardStream(output as AsyncGenerator, context, admitted);
    if (admitted !== undefined) await this.pipeline.settle(context, admitted);
    output = this.maskOutput(output, context);
    if (output instanceof Promise) output = await output;
    if (rule?.untrusted) await this.markIfUntrusted(context, output);
    const ended = this.pipeline.recordEnd(context, output);
    if (ended !== undefined) await ended;
    return output;
  }

  /**
   * An untrusted tool (rule `untrusted: true`) that returned anything taints
   * the thread, recorded; a taint that cannot be recorded fails the call, so
   * its output never reaches the thread unmarked.
   */
  private async markIfUntrusted(context: CallContext, output: unknown): Promise<void> {
    if (!ruleOf(this.runtime.policy, "tools", this.name)?.untrusted || isEmptyOutput(output)) return;
    try {
      await this.pipeline.markTainted(context, { kind: "tool", name: this.name });
    } catch (error) {
      await this.pipeline.recordFailure(context, error);
      throw error;
    }
  }

  /** Masks a tool's output before it leaves the guard, in every field the model or the checkpointer will see (a promise only when something was found). */
  private maskOutput(output: unknown, context: CallContext): unknown {
    const contentAndArtifact = this.responseFormat === "content_and_artifact";
    return this.pipeline.mask(context, output, (masker, value, options) => maskToolOutput(masker, value, contentAndArtifact, options));
  }

  /**
   * A tool that streams (an async generator): every chunk and the final value
   * are masked before they leave the guard, and the run is recorded when the
   * stream ends or fails. Text chunks go through one masking stream, so a
   * value split across chunks is found as in the whole text; what is found is
   * recorded once, when the stream ends.
   */
  private async *guardStream(source: AsyncGenerator, context: CallContext, admitted: AdmittedCall | undefined): AsyncGenerator {
    const masking = this.runtime.masking;
    const options = masking ? this.pipeline.maskOptions(context) : undefined;
    const found: { type: string }[] = [];
    let text: MaskingStream | undefined;
    // Masks a step of the text stream; tokens are in the vault before the text leaves.
    const release = async (step: (stream: MaskingStream) => string): Promise<string> => {
      text ??= masking!.masker.stream(options);
      const before = text.findings.length;
      let masked: string;
      try {
        masked = step(text);
      } catch (error) {
        if (error instanceof MaskingBlockedError) await this.pipeline.recordWithheld(context, error);
        throw error;
      }
      if (text.findings.length > before) {
        found.push(...text.findings.slice(before));
        await masking!.masker.flush();
      }
      return masked;
    };
    // Ends the text stream (before any other kind of chunk, and at the end): its held-back rest.
    const endText = async (): Promise<string> => {
      if (text === undefined) return "";
      const rest = await release((stream) => stream.end());
      text = undefined;
      return rest;
    };
    let result: unknown;
    let streamed = false;
    try {
      // One chunk out per chunk in: a text chunk yields what is safe so far (maybe nothing yet),
      // and the chunk before a chunk of another kind, or the last one, carries the held rest.
      let step = await source.next();
      while (!step.done) {
        const value: unknown = step.value;
        streamed = true;
        const isText = masking !== undefined && typeof value === "string";
        const masked = isText ? await release((stream) => stream.push(value as string)) : await this.maskOutput(value, context);
        step = await source.next();
        yield isText && (step.done || typeof step.value !== "string") ? `${masked as string}${await endText()}` : masked;
      }
      await this.pipeline.masked(context, found);
      result = await this.maskOutput(step.value, context);
      await this.markIfUntrusted(context, streamed || result);
      await this.pipeline.recordEnd(context, result);
    } catch (error) {
      await this.pipeline.recordFailure(context, error);
      // Past `_call`: the stream masks what leaves it itself.
      throw await this.pipeline.leaving(context, error);
    } finally {
      await this.pipeline.settle(context, admitted);
    }
    return result;
  }

  /**
   * A call that needs approval: the approval runs to its end (LangGraph's
   * interrupt passes through), then the tool runs once — with the approver's
   * edited arguments, if any. When LangGraph replays the approved request on a
   * later resume, the first run's result is returned instead of running again.
   */
  private async approveThenRun(
    arg: unknown,
    args: Record<string, unknown>,
    canonical: { readonly json: string; readonly digest: string },
    context: CallContext,
    decision: PolicyDecision,
    runManager: CallbackManagerForToolRun | undefined,
    config: ToolRunnableConfig | undefined,
    expired = false,
  ): Promise<unknown> {
    const approvals = this.runtime.approvals!;
    const toolRule = ruleOf(this.runtime.policy, "tools", this.name);
    const { principal, threadId } = context;
    const outcome = await runApproval({
      // An expired requester's call only takes the answers it was resumed with: nothing new is asked.
      approver: expired ? answersOnly(approvals.approver, () => this.refuseExpired(config, context)) : approvals.approver,
      binder: approvals.binder,
      ledger: approvals.ledger,
      audit: this.runtime.audit,
      clock: this.runtime.clock,
      policy: this.runtime.policy,
      rule: decision.approval!,
      toolRule,
      tool: this.name,
      args,
      argsJson: canonical.json,
      argsDigest: canonical.digest,
      requester: principal,
      threadId: threadId === undefined ? "" : String(threadId),
      toolCallId: config?.toolCall?.id ?? "",
      reason: decision.reason,
      run: context.run,
      verifyToken: approvals.verifyToken,
      ...(this.runtime.masking ? { display: (shown: Record<string, unknown>) => this.maskForApprovers(shown, context) } : {}),
      validateArgs: async (edited) => validateToolArgs(this.schema, await this.pipeline.restoreTokens(edited, context)),
    });
    if (outcome.outcome === "rejected") {
      const message = outcome.message === undefined ? undefined : this.pipeline.maskedText(outcome.message, "the approver's message was withheld");
      return this.refuseRejected(message, config);
    }
    // Only LangGraph replays an approved request (it re-runs the node on each resume); a
    // callback approver is asked afresh on every call, so its calls never share a run.
    const replayable = approvals.approver.kind === "interrupt";
    // Looked up and claimed with no await in between, so concurrent resumes of one approved
    // request (a double submit, or LangGraph re-running a node while it still runs) run it once.
    const earlier = replayable ? approvals.ledger.run(outcome.key) : undefined;
    if (earlier) return earlier;
    const now = this.runtime.clock.now();
    const finalArgs = outcome.edited ? outcome.args : args;
    const result = (async () => {
      // A decision stored in a checkpoint can be replayed elsewhere (another instance, after a
      // restart, from an older checkpoint): the approved request must be claimed first.
      if (replayable && !(await approvals.store.claim(outcome.key, decision.approval!.ttl + CLOCK_SKEW_MS))) {
        await this.runtime.audit.record({
          type: "approval.invalid",
          outcome: "denied",
          // The verified user whose run tried to use the decision again.
          actor: context.actor,
          target: { kind: "approval", name: this.name },
          reason: "the decision was already used",
          run: context.run,
          data: { code: "replayed", requestId: outcome.requestId },
        });
        throw new ApprovalInvalidError("replayed", "The approval decision was refused: it was already used");
      }
      const digest = await this.editedDigest(finalArgs, canonical.digest, outcome.edited, context);
      if (expired) {
        const { target, run } = context;
        await recordOnBehalf(this.runtime, {
          target,
          run,
          requester: principal,
          approvers: outcome.approvers,
          requestId: outcome.requestId,
          argsDigest: digest,
          rule: decision.rule,
        });
      } else {
        await this.pipeline.recordAccess(context, true, { ...decision, effect: "allow", code: "allowed" }, digest, outcome.requestId);
      }
      return this.execute(outcome.edited ? outcome.args : arg, context, runManager, config);
    })();
    if (replayable) approvals.ledger.remember(outcome.key, result, now);
    return result;
  }

  /** The digest of the arguments that run after an approval: an approver's edit too deep to digest is refused, and recorded. */
  private async editedDigest(args: Record<string, unknown>, original: string, edited: boolean, context: CallContext): Promise<string> {
    if (!edited) return original;
    try {
      return this.runtime.audit.digest(args);
    } catch (error) {
      if (error instanceof NestingLimitError) await this.pipeline.recordAccess(context, false, TOO_DEEP, null);
      throw error;
    }
  }

  /** Arguments as approvers see them: masked like any output of the guard (nothing revealed). */
  private maskForApprovers(args: Record<string, unknown>, context: CallContext): Record<string, unknown> {
    const masking = this.runtime.masking!;
    return masking.masker.maskDeep(args, { tenant: this.pipeline.maskOptions(context).tenant }).value;
  }

  private refuseRejected(message: string | undefined, config: ToolRunnableConfig | undefined): unknown {
    const text = `The request to use the tool "${this.name}" was rejected${message ? `: ${message}` : ""}`;
    return this.errorReply(`${text}.`, config, () => new ApprovalRejectedError(text));
  }

  private callInner(arg: unknown, runManager: CallbackManagerForToolRun | undefined, config: ToolRunnableConfig | undefined, runId: string): unknown {
    const inner = this.inner as GuardableTool & InnerCallable;
    const handler = this.runtime.auditHandler;
    if (handler && config && handlerHeldBack.has(config)) {
      // Nested runs of the wrapped tool get the audit handler back, as children of this run
      // (the run id the guard recorded), so their events name it as their parent.
      const nested = runManager ? runManager.getChild() : new CallbackManager(runId);
      nested.addHandler(handler, true);
      config = { ...config, callbacks: nested };
      runManager = undefined;
    } else if (runManager === undefined && config?.callbacks === undefined) {
      // No callbacks at all: nested guarded calls still learn that they run inside this run, from
      // the config handed down (a callback manager would make LangChain configure callbacks, a run
      // tree and tracing for the wrapped tool's run, which has no handler to tell).
      config = { ...config, configurable: { ...config?.configurable, [PARENT_RUN_KEY]: runId } };
    }
    if (typeof inner._call === "function") return inner._call(arg, runManager, config);
    return inner.invoke(arg as never, config);
  }

  private refuse(decision: PolicyDecision, config: ToolRunnableConfig | undefined): unknown {
    const reason = agentMessage(this.name, decision);
    return this.errorReply(`Access denied: ${reason}.`, config, () => new AccessDeniedError("tool", this.name, reason));
  }

  /**
   * A refusal: an error ToolMessage the agent can answer with, or — with
   * `onDenied: "throw"` (rule, guard, then policy), or with no tool call to
   * answer — the error.
   */
  private errorReply(content: string, config: ToolRunnableConfig | undefined, error: () => Error): unknown {
    const mode = ruleOf(this.runtime.policy, "tools", this.name)?.onDenied ?? this.onDenied ?? this.runtime.policy.onDenied;
    const toolCallId = config?.toolCall?.id;
    if (mode === "throw" || typeof toolCallId !== "string") throw error();
    const reply = new ToolMessage({ content, status: "error", tool_call_id: toolCallId, name: this.name });
    return this.responseFormat === "content_and_artifact" ? [reply, undefined] : reply;
  }
}

/** Options of {@link guardTool}: the standalone guard options plus the tool guard's own. */
export type GuardToolOptions = StandaloneGuardOptions & ToolGuardOptions;

/**
 * Guards one tool without the facade. Any principal minted by a Warden
 * verifier is accepted; prefer `warden.tool()`, which accepts only principals
 * of the warden's own identity provider (and supports approvals).
 */
export function guardTool(tool: GuardableTool, options: GuardToolOptions): GuardedTool {
  return new GuardedTool(tool, standaloneRuntime(options), options);
}
