import { loadLangGraph } from "../langgraph-signals.js";
import type { ApprovalRequest } from "./request.js";

/** Marks the answer of an approver that timed out: the request is rejected by Warden itself. @internal */
export const TIMED_OUT: unique symbol = Symbol("warden.approval.timeout");

/**
 * Who decides on approval requests. `ask` returns the approver's answer (an
 * {@link ApprovalDecision}, verified by Warden) — or, for the LangGraph
 * approver, pauses the graph by throwing its interrupt.
 */
export interface Approver {
  /** `interrupt`: answers arrive as LangGraph resume values, one interrupt at a time. */
  readonly kind: "interrupt" | "callback";
  /** Asks for an answer to `request`. */
  ask(request: ApprovalRequest): unknown;
}

/**
 * The default approver: raises a LangGraph `interrupt()` whose value is the
 * request; the run pauses until it is resumed with
 * `new Command({ resume: decision })` (or a map keyed by interrupt id). Needs a
 * graph with a checkpointer.
 */
export function interruptApprover(): Approver {
  return { kind: "interrupt", ask: async (request) => (await loadLangGraph()).interrupt(request) };
}

/** Options of {@link callbackApprover}. */
export interface CallbackApproverOptions {
  /** How long to wait for an answer, in ms (default 5 minutes); then the request is rejected. */
  timeout?: number;
}

/**
 * An approver for applications without LangGraph interrupts: `decide` gets the
 * request and returns the approver's decision (with the approver's own token,
 * verified like any other). No answer within `timeout` rejects the request.
 */
export function callbackApprover(decide: (request: ApprovalRequest) => unknown, options: CallbackApproverOptions = {}): Approver {
  if (typeof decide !== "function") throw new TypeError("callbackApprover() takes a function");
  const timeout = options.timeout ?? 300_000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new RangeError("callbackApprover(): timeout must be a positive number of ms");
  return {
    kind: "callback",
    async ask(request) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeout);
        timer.unref?.();
      });
      try {
        return await Promise.race([Promise.resolve().then(() => decide(request)), expired]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
