import { NestingLimitError } from "../errors.js";
import { isGraphBubbleUp } from "../langgraph-signals.js";
import { createMasker, type Masker } from "../masking/masker.js";
import type { DecisionCode, PolicyDecision } from "../policy/decision.js";
import type { OrderedAuditEventInput } from "./audit-log.js";
import type { AuditDigester } from "./digest.js";
import type { AuditActor, AuditRun, AuditTarget } from "./event.js";

/** Who ran which tool in which run: the common part of lifecycle events. */
export interface ToolRunContext {
  target: AuditTarget;
  actor: AuditActor;
  run?: AuditRun;
}

/** What an error code or name must look like to be recorded as written. */
const SAFE_LABEL = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Finds values in labels; created on first use, with the built-in detectors. */
let labelDetector: Masker | undefined;

/** More digits than this (anywhere in a label) could be a phone, card or account number glued to a word. */
const MAX_LABEL_DIGITS = 6;

/** `label` when it is an identifier-like word in which no detector finds a value, else `"redacted"`. */
function safeLabel(label: string): string {
  if (!SAFE_LABEL.test(label) || (label.match(/\d/g)?.length ?? 0) > MAX_LABEL_DIGITS) return "redacted";
  labelDetector ??= createMasker();
  return labelDetector.mask(label).findings.length === 0 ? label : "redacted";
}

/**
 * A stable, value-free code for an error, as the audit log records it: its
 * string `code`, else its `name` (else `"unknown"`). A code or name is
 * recorded only when it is an identifier of at most 64 characters with at
 * most six digits (`ECONNRESET`, `P2002`, `TypeError`) in which no detector
 * finds a value; anything else (a card number, an email, a key) is recorded
 * as `"redacted"`.
 */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === "string") return safeLabel(code);
  if (!(error instanceof Error)) return "unknown";
  const name = error.name as unknown;
  return typeof name === "string" ? safeLabel(name) : "unknown";
}

/** The digest of what a tool returned; `null` when it cannot be serialised, and `NestingLimitError` when it is nested too deep. */
function outputDigest(output: unknown, digester: Pick<AuditDigester, "digest">): string | null {
  try {
    return digester.digest((output as { content?: unknown })?.content ?? output);
  } catch (error) {
    if (error instanceof NestingLimitError) throw error;
    return null;
  }
}

/**
 * The guard's verdict on one call, as an access event records it: the
 * policy's decision, `too-deep` for arguments nested past `MAX_NESTING`, or
 * `unknown-tool` for a call (through the agent middleware) to a tool the agent
 * does not have.
 */
export type AccessVerdict = Pick<PolicyDecision, "effect" | "reason" | "rule"> & { code: DecisionCode | "too-deep" | "unknown-tool" };

/**
 * `access.allowed` or `access.denied`: the guard's decision on a call, with a
 * keyed digest of the arguments (from `AuditLog.digest()`) and, after an approval, the
 * approved request's id. The code and effect are fixed words and the digest
 * is hex (`null` for arguments too deep to digest), so only the rule and the
 * request id need escaping.
 */
export function accessEvent(allowed: boolean, context: ToolRunContext, verdict: AccessVerdict, argsDigest: string | null, approval?: string): OrderedAuditEventInput {
  const { code, effect, rule } = verdict;
  return {
    type: allowed ? "access.allowed" : "access.denied",
    outcome: allowed ? "success" : "denied",
    ...context,
    reason: approval !== undefined ? "allowed by policy after approval" : verdict.reason,
    data: { ...(approval !== undefined ? { approval } : {}), argsDigest, code, effect, rule },
    dataJson: () =>
      `{${approval !== undefined ? `"approval":${JSON.stringify(approval)},` : ""}"argsDigest":${argsDigest === null ? "null" : `"${argsDigest}"`},"code":"${code}","effect":"${effect}","rule":${JSON.stringify(rule)}}`,
  };
}

/**
 * `tool.end`: the tool returned (an error ToolMessage counts as a failure).
 * Only a keyed digest of the output (the log's: `digester`) is kept; an output nested too deep to digest
 * throws `NestingLimitError` (the guard withholds it and records `tool.error`).
 */
export function toolEndEvent(context: ToolRunContext, output: unknown, digester: Pick<AuditDigester, "digest">): OrderedAuditEventInput {
  const status = (output as { status?: unknown })?.status;
  const digested = outputDigest(output, digester);
  return {
    type: "tool.end",
    outcome: status === "error" ? "failure" : "success",
    ...context,
    data: { outputDigest: digested },
    dataJson: () => (digested === null ? `{"outputDigest":null}` : `{"outputDigest":"${digested}"}`),
  };
}

/**
 * `tool.error`, or — for a LangGraph interrupt or other control-flow signal —
 * `tool.end` with outcome `pending`: the run waits for input, it did not fail.
 */
export function toolErrorEvent(context: ToolRunContext, error: unknown): OrderedAuditEventInput {
  const interrupted = isGraphBubbleUp(error);
  return {
    type: interrupted ? "tool.end" : "tool.error",
    outcome: interrupted ? "pending" : "failure",
    ...context,
    reason: interrupted ? "interrupted: waiting for input" : "the tool failed",
    data: { error: errorCode(error) },
  };
}
