import { NestingLimitError, WardenError } from "../errors.js";
import { isGraphBubbleUp, isGraphDrained, isGraphInterrupt, isParentCommand } from "../langgraph-signals.js";
import { MaskingBlockedError } from "../masking/errors.js";
import type { Masker } from "../masking/masker.js";
import type { MaskCallOptions } from "../masking/types.js";
import type { MaskingRuntime } from "./masking-runtime.js";

/** A LangGraph control-flow signal (interrupt, parent command, drain): never an error to mask. */
export function isControlFlow(error: unknown): boolean {
  return isGraphBubbleUp(error) || isGraphInterrupt(error) || isParentCommand(error) || isGraphDrained(error);
}

/** An error that leaves a guard, and what masking found in it. */
export interface MaskedError {
  error: unknown;
  findings: readonly { type: string }[];
}

/** What `String(error)` gives (what agents put in an error ToolMessage), or `""` when it throws. */
function shownText(error: unknown): string {
  try {
    return String(error);
  } catch {
    return "";
  }
}

/** Pins what a masked error copy shows as text, whatever its prototype's `toString` would read. */
function pinText(copy: object, text: string): void {
  const show = (): string => text;
  Object.defineProperty(copy, "toString", { value: show, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(copy, Symbol.toPrimitive, { value: show, writable: true, enumerable: false, configurable: true });
}

/**
 * Masks an error before it leaves a guard: ToolNode and `createAgent` turn a
 * tool's error into a ToolMessage from its `message` and `String(error)`,
 * and traces record it whole.
 *
 * - LangGraph control-flow signals are returned as they are, and so is an
 *   error in which nothing is masked (Warden's own errors, whose messages
 *   hold no values, come back as the same object). A `WardenError` a tool
 *   throws itself, or one whose `cause` came from elsewhere, is masked like
 *   any other.
 * - Otherwise a copy of the same class (same prototype, so `instanceof` and
 *   `name` still hold) is returned, with its message, stack, cause and every
 *   own property masked (keys and numbers too), and its text pinned to the
 *   masked `String(error)`. State kept outside own properties (private
 *   fields) is not carried over. A thrown non-error is masked as a value.
 * - An error whose masking fails (a getter that throws) becomes a
 *   `WardenError` with a fixed message; a blocked type throws
 *   `MaskingBlockedError`, a cause chain nested too deep `NestingLimitError`.
 */
export function maskError(masker: Masker, error: unknown, options: MaskCallOptions): MaskedError {
  if (isControlFlow(error)) return { error, findings: [] };
  try {
    const copy = masker.maskDeep(error, options);
    const shown = shownText(error);
    const text = masker.mask(shown, options);
    const masked = (findings: readonly { strategy: string }[]) => findings.some((finding) => finding.strategy !== "reveal");
    if (!masked(copy.findings) && !masked(text.findings)) return { error, findings: [] };
    if (typeof copy.value === "object" && copy.value !== null) pinText(copy.value, text.text);
    return { error: copy.value, findings: masked(copy.findings) ? copy.findings : text.findings };
  } catch (failure) {
    if (failure instanceof MaskingBlockedError || failure instanceof NestingLimitError) throw failure;
    return { error: new WardenError("WARDEN_ERROR", "The call failed; its error was withheld because it could not be masked"), findings: [] };
  }
}

/** What a guard does with an error that leaves it. */
export interface LeavingErrorHooks {
  /** Records what was masked (after the tokens are stored). */
  masked(findings: readonly { type: string }[]): Promise<void>;
  /** Records an error withheld because it holds a blocked type. */
  withheld?(blocked: MaskingBlockedError): Promise<void>;
}

/**
 * The error that leaves a guard in place of `error`: masked by
 * {@link maskError} when the guard masks (its tokens stored in the vault
 * first), else `error` itself. When masking refuses the error (a blocked
 * type, too deep) or the vault cannot store its tokens, that failure leaves
 * instead.
 */
export async function leavingError(masking: MaskingRuntime | undefined, error: unknown, options: MaskCallOptions, hooks: LeavingErrorHooks): Promise<unknown> {
  if (!masking) return error;
  try {
    const masked = maskError(masking.masker, error, options);
    if (masked.findings.length > 0) {
      await masking.masker.flush();
      await hooks.masked(masked.findings);
    }
    return masked.error;
  } catch (failure) {
    if (failure instanceof MaskingBlockedError) await hooks.withheld?.(failure);
    return failure;
  }
}
