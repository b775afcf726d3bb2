import { PolicyError } from "../errors.js";
import type { GuardRuntime } from "./runtime.js";

/** The runtime behind each warden facade `createWarden` returned. */
const runtimes = new WeakMap<object, GuardRuntime>();

/** Records that `warden` enforces `runtime`. Called once, by `createWarden`. @internal */
export function registerRuntime(warden: object, runtime: GuardRuntime): void {
  runtimes.set(warden, runtime);
}

/**
 * The policy, audit log, trust and approvals a warden enforces, for parts of
 * the package built on the facade (the agent middleware). A value that
 * `createWarden` did not return is refused with {@link PolicyError}: its
 * guards could not be trusted. @internal
 */
export function runtimeOf(warden: unknown): GuardRuntime {
  const runtime = typeof warden === "object" && warden !== null ? runtimes.get(warden) : undefined;
  if (runtime === undefined) throw new PolicyError("warden", "expected a warden returned by createWarden()");
  return runtime;
}
