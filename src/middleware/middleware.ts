import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { createMiddleware } from "langchain";
import { z } from "zod";
import { PolicyError } from "../errors.js";
import type { GuardedChatModel } from "../guards/model.js";
import type { OnDenied } from "../guards/runtime.js";
import { runtimeOf } from "../guards/runtime-registry.js";
import type { GuardedTool } from "../guards/tool.js";
import { parseOptions } from "../validate.js";
import type { Warden } from "../warden.js";
import { PrincipalBoundTool } from "./bound-tool.js";
import { isAgentTool, offeredTools } from "./offered-tools.js";
import { runPrincipal, wardenContextSchema } from "./run-principal.js";
import { refuseUnknownTool } from "./unknown-tool.js";

/** Options of {@link wardenMiddleware}. */
export interface WardenMiddlewareOptions {
  /**
   * The agent model's name in `policy.models` (default `"default"`; a name
   * without a rule falls back to `policy.models.default`, as for
   * `warden.model(model, name)`).
   */
  modelName?: string;
  /**
   * What a refused tool call gives: `"message"` (an error ToolMessage the
   * agent can answer with) or `"throw"` (`AccessDeniedError`). Defaults to the
   * policy's; a tool rule's own `onDenied` takes precedence.
   */
  onDenied?: OnDenied;
}

const optionsSchema = z.strictObject({
  modelName: z.string().min(1).optional(),
  onDenied: z.enum(["message", "throw"]).optional(),
});

/** The name the middleware runs under in LangChain's middleware stack (and in its errors). */
export const WARDEN_MIDDLEWARE_NAME = "WardenMiddleware";

/**
 * Warden as `createAgent` middleware: the same guards as `warden.model()` and
 * `warden.tools()`, for an agent whose model and tools are not wrapped — one
 * compiled graph serving every user, as a LangGraph server runs it.
 *
 * - Before each model call, the model is offered only the tools the run's
 *   principal could ever use (a rule exists, its scopes are held).
 * - Each model call goes through the model guard: `policy.models` rule and
 *   scopes, rates, concurrency, token budgets, breaker, masking of the answer
 *   (and of the prompt with `masking.maskModelInput`), recorded.
 * - Each tool call goes through the tool guard: policy, approval (LangGraph
 *   `interrupt()`), limits, masking, audit. A call to a tool the principal may
 *   not use (one the model named although it was not offered) is refused by
 *   the guard and recorded; a call to a tool the agent does not have is
 *   refused and recorded too (`access.denied`, code `unknown-tool`), never left
 *   to the agent's "not a valid tool".
 *
 * The run's principal travels as createAgent users pass per-run data: in the
 * config (`agent.invoke(input, warden.config(principal, { configurable }))`)
 * or in createAgent's `context` (`agent.invoke(input, { context: { principal },
 * configurable })`). Either way the guards verify it: only a principal minted
 * by this warden's verifier, with a live token, is trusted; a missing, forged
 * or expired one is refused and recorded. A run carrying two different
 * principals is refused.
 *
 * List it last in `middleware` (innermost): no later middleware can then
 * change the model or the tools it offers, and retries by earlier middleware
 * (`modelRetryMiddleware`, `toolRetryMiddleware`) go through the guards on
 * every attempt.
 *
 * @param warden - a warden returned by `createWarden` (anything else is refused with `PolicyError`)
 * @param options - the model's policy name, and what a refused tool call gives
 * @returns middleware for `createAgent({ middleware: [wardenMiddleware(warden)] })`
 */
export function wardenMiddleware(warden: Warden, options: WardenMiddlewareOptions = {}) {
  const runtime = runtimeOf(warden);
  const { modelName = "default", onDenied } = parseOptions(optionsSchema, options, "middleware");
  const guardOptions = onDenied !== undefined ? { onDenied } : undefined;
  // One guard per tool and per model object: guards hold no per-call state, so every run shares them.
  const toolGuards = new WeakMap<object, GuardedTool>();
  const modelGuards = new WeakMap<object, GuardedChatModel>();

  const toolGuard = (tool: StructuredToolInterface): GuardedTool => {
    let guarded = toolGuards.get(tool);
    if (guarded === undefined) {
      guarded = warden.tool(tool, guardOptions);
      toolGuards.set(tool, guarded);
    }
    return guarded;
  };
  const modelGuard = (model: unknown): GuardedChatModel => {
    if (!(model instanceof BaseChatModel)) throw new PolicyError("middleware", "the agent's model must be a LangChain chat model (BaseChatModel)");
    let guarded = modelGuards.get(model);
    if (guarded === undefined) {
      guarded = warden.model(model, modelName);
      modelGuards.set(model, guarded);
    }
    return guarded;
  };

  return createMiddleware({
    name: WARDEN_MIDDLEWARE_NAME,
    contextSchema: wardenContextSchema,
    async wrapModelCall(request, handler) {
      const { principal, fromContext } = await runPrincipal(runtime, request.runtime, { kind: "model", name: modelName });
      const guarded = modelGuard(request.model);
      return handler({
        ...request,
        model: fromContext ? guarded.withRunPrincipal(principal) : guarded,
        tools: offeredTools(runtime, principal, request.tools),
      });
    },
    async wrapToolCall(request, handler) {
      const { toolCall, tool } = request;
      const { principal, fromContext } = await runPrincipal(runtime, request.runtime, { kind: "tool", name: toolCall.name });
      if (!isAgentTool(tool)) return refuseUnknownTool(runtime, toolCall, principal, request.runtime.configurable?.thread_id, onDenied);
      const guarded = toolGuard(tool as StructuredToolInterface);
      return handler({ ...request, tool: fromContext ? new PrincipalBoundTool(guarded, principal) : guarded });
    },
  });
}
