import { PolicyError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { hasScope } from "../identity/scopes.js";
import { createMasker, type Masker, type MaskerOptions } from "../masking/masker.js";
import { effectiveScopes } from "../policy/decision.js";
import type { Policy } from "../policy/schema.js";

/** What the guards need to mask what leaves them. */
export interface MaskingRuntime {
  /** The masker every guard uses. */
  readonly masker: Masker;
  /** Types `principal` may see raw (granted by the policy's reveal scopes). */
  revealFor(principal: Principal): readonly string[];
  /** Mask prompts before a guarded chat model's provider sees them. */
  readonly maskModelInput: boolean;
}

/** Who may see what raw, and whether prompts are masked: the guards' masking options. */
export interface MaskingPolicy {
  /** Scopes that let their holders see types raw, e.g. `{ "pii:read": ["email", "phone"] }`. */
  reveal?: Record<string, readonly string[]>;
  /** Mask prompts before a guarded chat model's provider sees them (default `false`). */
  maskModelInput?: boolean;
}

const NOTHING_REVEALED: readonly string[] = Object.freeze([]);

/** Builds the guards' masking from the masker's options and the policy (a bad option throws `PolicyError`). */
export function createMaskingRuntime(options: MaskerOptions & MaskingPolicy, policy: Policy): MaskingRuntime {
  const { reveal = {}, maskModelInput = false, ...maskerOptions } = options;
  const revealScopes = Object.entries(reveal);
  let masker: Masker;
  try {
    masker = createMasker(maskerOptions);
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    throw new PolicyError("masking", error instanceof Error ? error.message : "invalid masking options");
  }
  return {
    masker,
    maskModelInput,
    revealFor(principal) {
      if (revealScopes.length === 0) return NOTHING_REVEALED;
      const scopes = effectiveScopes(policy, principal);
      const types = new Set<string>();
      for (const [scope, revealed] of revealScopes) if (hasScope(scopes, scope)) for (const type of revealed) types.add(type);
      return [...types];
    },
  };
}

/**
 * The vault scope of tokens made for a principal in a thread: tokens are
 * restored only for the same tenant (or, for a principal without a tenant, the
 * same user) and the same thread, never process-wide.
 */
export function tokenScope(principal: Principal, threadId: unknown): string {
  // A JSON array: tenant, user and thread ids are free text, so no separator may merge two scopes.
  const owner = principal.tenant !== undefined ? ["tenant", principal.tenant] : ["user", principal.sub];
  return JSON.stringify([...owner, threadId === undefined ? null : String(threadId)]);
}

/** Counts findings by type, for `mask.applied` events (types and counts only, never values). */
export function countByType(findings: readonly { type: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.type] = (counts[finding.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
