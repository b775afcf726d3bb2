import type { Principal } from "../identity/principal.js";
import type { Masker } from "../masking/masker.js";

/** What the guards need to mask what leaves them. */
export interface MaskingRuntime {
  /** The masker every guard uses. */
  readonly masker: Masker;
  /** Types `principal` may see raw (granted by the policy's reveal scopes). */
  revealFor(principal: Principal): readonly string[];
  /** Mask prompts before a guarded chat model's provider sees them. */
  readonly maskModelInput: boolean;
}

/**
 * The vault scope of tokens made for a principal in a thread: tokens are
 * restored only for the same tenant (or, for a principal without a tenant, the
 * same user) and the same thread, never process-wide.
 */
export function tokenScope(principal: Principal, threadId: unknown): string {
  const owner = principal.tenant !== undefined ? `tenant:${principal.tenant}` : `user:${principal.sub}`;
  return `${owner}/${threadId === undefined ? "-" : String(threadId)}`;
}

/** Counts findings by type, for `mask.applied` events (types and counts only, never values). */
export function countByType(findings: readonly { type: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.type] = (counts[finding.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
