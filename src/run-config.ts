import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import type { RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { isPrincipal, type Principal } from "./identity/principal.js";

/**
 * Key of the principal inside `configurable`. The `__` prefix keeps LangGraph
 * from copying it into checkpoint metadata or stream output.
 * @internal
 */
export const PRINCIPAL_KEY = "__warden_principal";

/**
 * The verified principal a run carries, or `undefined`. With no argument it
 * reads the config of the run in progress, so a tool body can call it bare.
 * A look-alike object that no verifier minted is never returned.
 */
export function getPrincipal(config?: RunnableConfig): Principal | undefined {
  const source = config ?? (AsyncLocalStorageProviderSingleton.getRunnableConfig() as RunnableConfig | undefined);
  const value = source?.configurable?.[PRINCIPAL_KEY];
  return isPrincipal(value) ? value : undefined;
}

/**
 * Key inside `configurable` of the run id of the guarded call a config was
 * handed down from, when that call had no callback manager to name it as the
 * parent (a guarded tool invoked with no callbacks at all). @internal
 */
export const PARENT_RUN_KEY = "__warden_parent_run";

/**
 * The parent run of a call made with `config`: the callback manager's parent
 * run, else the guarded call the config was handed down from. @internal
 */
export function parentRunOf(config: RunnableConfig | undefined): string | undefined {
  const callbacks = config?.callbacks as { getParentRunId?: () => string | undefined } | undefined;
  const parent = typeof callbacks?.getParentRunId === "function" ? callbacks.getParentRunId() : undefined;
  return parent ?? handedDownRun(config);
}

/** The run id of the guarded call `config` was handed down from (see {@link PARENT_RUN_KEY}). @internal */
export function handedDownRun(config: RunnableConfig | undefined): string | undefined {
  const value: unknown = config?.configurable?.[PARENT_RUN_KEY];
  return typeof value === "string" ? value : undefined;
}

/** The raw value in the principal slot of a config, verified or not. @internal */
export function principalSlot(config: RunnableConfig | undefined): unknown {
  return config?.configurable?.[PRINCIPAL_KEY];
}

function withHandler(callbacks: RunnableConfig["callbacks"], handler: BaseCallbackHandler): RunnableConfig["callbacks"] {
  if (callbacks === undefined) return [handler];
  if (Array.isArray(callbacks)) return callbacks.includes(handler) ? callbacks : [...callbacks, handler];
  if (callbacks instanceof CallbackManager) {
    const copy = callbacks.copy();
    if (!copy.handlers.includes(handler)) copy.addHandler(handler, true);
    return copy;
  }
  return [handler];
}

/**
 * Builds a RunnableConfig that carries `principal` (and, when given, an audit
 * handler) on top of `base`. The principal's `sub` and `tenant` also go into
 * `metadata` so callback handlers can name the actor.
 * @internal
 */
export function configWithPrincipal<C extends RunnableConfig>(principal: Principal, base: C | undefined, handler: BaseCallbackHandler | undefined): C & RunnableConfig {
  const threadId = base?.configurable?.thread_id;
  // The actor comes from the principal only: a warden_tenant the base config carries (another
  // user's, or the caller's own words) must not survive for a principal without a tenant.
  const { warden_sub: _sub, warden_tenant: _tenant, ...baseMetadata } = base?.metadata ?? {};
  const config: RunnableConfig = {
    ...base,
    configurable: { ...base?.configurable, [PRINCIPAL_KEY]: principal },
    metadata: {
      // As LangGraph does inside a graph, so runs outside one are joined to their thread too.
      ...(typeof threadId === "string" || typeof threadId === "number" ? { thread_id: threadId } : {}),
      ...baseMetadata,
      warden_sub: principal.sub,
      ...(principal.tenant !== undefined ? { warden_tenant: principal.tenant } : {}),
    },
  };
  if (handler) config.callbacks = withHandler(base?.callbacks, handler);
  return config as C & RunnableConfig;
}
