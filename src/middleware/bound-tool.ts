import { type CallbackManagerForToolRun, type Callbacks, parseCallbackConfigArg } from "@langchain/core/callbacks/manager";
import { StructuredTool, type ToolRunnableConfig } from "@langchain/core/tools";
import type { GuardedTool } from "../guards/tool.js";
import { PRINCIPAL_KEY } from "../run-config.js";

/** `config` with the run's principal in it, as `warden.config()` would carry it. */
function withPrincipal(config: ToolRunnableConfig, principal: unknown): ToolRunnableConfig {
  return { ...config, configurable: { ...config.configurable, [PRINCIPAL_KEY]: principal } };
}

/**
 * A guarded tool for one tool call of a run whose principal travels in
 * createAgent's `context` rather than in the config: it hands the guard the
 * run's config with that principal in it, and adds nothing else (no run of
 * its own: the guard's run is the tool's run). The guard verifies the
 * principal like any other. @internal
 */
export class PrincipalBoundTool extends StructuredTool {
  static override lc_name(): string {
    return "PrincipalBoundTool";
  }

  name: string;
  description: string;
  override schema: StructuredTool["schema"];

  /**
   * @param guarded - the tool's guard
   * @param principal - the run's principal (unverified: the guard verifies it)
   */
  constructor(
    private readonly guarded: GuardedTool,
    private readonly principal: unknown,
  ) {
    super({ responseFormat: guarded.responseFormat, verboseParsingErrors: guarded.verboseParsingErrors });
    this.name = guarded.name;
    this.description = guarded.description;
    this.schema = guarded.schema;
    this.returnDirect = guarded.returnDirect;
  }

  /** Goes straight to the guard, with the principal in the config. */
  override call(arg: unknown, configArg?: Callbacks | ToolRunnableConfig, tags?: string[]): Promise<unknown> {
    return this.guarded.call(arg, withPrincipal(parseCallbackConfigArg(configArg) as ToolRunnableConfig, this.principal), tags);
  }

  /** Reached only through `StructuredTool.call`, which {@link call} replaces: the guard runs the call. */
  protected _call(arg: unknown, _runManager?: CallbackManagerForToolRun, config?: ToolRunnableConfig): Promise<unknown> {
    return this.guarded.invoke(arg as never, withPrincipal(config ?? {}, this.principal));
  }
}
