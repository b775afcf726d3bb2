import type { GuardRuntime } from "../guards/runtime.js";
import { canEverUse } from "../policy/decision.js";

/** A tool the agent runs itself (a LangChain tool), as opposed to one a provider runs. */
export interface NamedTool {
  readonly name: string;
  invoke(...args: never[]): unknown;
}

/** True for a tool the agent runs (has a name and `invoke`): the only kind a guard can wrap. */
export function isAgentTool(tool: unknown): tool is NamedTool {
  return typeof tool === "object" && tool !== null && typeof (tool as NamedTool).name === "string" && typeof (tool as NamedTool).invoke === "function";
}

/**
 * The tools a model call offers: those `principal` could ever use (a policy
 * rule exists, its scopes are held and it admits this kind of caller), so the
 * model never sees the rest. A principal the warden does not trust, or whose
 * token expired, is offered nothing (its model call is refused anyway). Tools
 * a provider runs itself (server tools) are never offered: no guard can stand
 * between them and their effect.
 */
export function offeredTools<T>(runtime: GuardRuntime, principal: unknown, tools: readonly T[]): T[] {
  if (!runtime.trusts(principal) || principal.expiresAt <= runtime.clock.now()) return [];
  return tools.filter((tool) => isAgentTool(tool) && canEverUse(runtime.policy, principal, tool.name));
}
