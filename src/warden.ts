import { randomUUID } from "node:crypto";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseRetrieverInterface } from "@langchain/core/retrievers";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { JWK } from "jose";
import { z } from "zod";
import { type Approver, interruptApprover } from "./approval/approver.js";
import { ApprovalLedger, type ApprovalLedgerOptions } from "./approval/ledger.js";
import { RequestBinder } from "./approval/request.js";
import { approvalKey } from "./approval/secret.js";
import { type ApprovalStore, memoryApprovalStore } from "./approval/store.js";
import { AuditLog, type AuditLogOptions } from "./audit/audit-log.js";
import { WardenAuditHandler } from "./audit/callback-handler.js";
import { defaultAuditSink } from "./audit/default-sink.js";
import { MIN_DIGEST_KEY_BYTES } from "./audit/digest.js";
import { type AuditEvent, type AuditSink, actorOf, auditRun } from "./audit/event.js";
import { type Clock, systemClock } from "./clock.js";
import { AccessDeniedError, InvalidTokenError, MissingPrincipalError, PolicyError } from "./errors.js";
import { createMaskingRuntime, type MaskingPolicy, tokenScope } from "./guards/masking-runtime.js";
import { GuardedChatModel } from "./guards/model.js";
import { requirePrincipal } from "./guards/principal.js";
import { GuardedRetriever, type RetrieverGuardOptions } from "./guards/retriever.js";
import type { ApprovalRuntime, GuardRuntime } from "./guards/runtime.js";
import { registerRuntime } from "./guards/runtime-registry.js";
import { type GuardableTool, GuardedTool, type ToolGuardOptions } from "./guards/tool.js";
import { type Authenticator, createAuthenticator } from "./identity/authenticator.js";
import { type IdentityOptions, identityOptionsSchema } from "./identity/options.js";
import { type Principal, principalIssuerKey } from "./identity/principal.js";
import { hasScope } from "./identity/scopes.js";
import type { Masker, MaskerOptions } from "./masking/masker.js";
import { canEverUse, effectiveScopes } from "./policy/decision.js";
import { type Policy, type PolicyInput, policySchema } from "./policy/schema.js";
import { configWithPrincipal, PRINCIPAL_KEY } from "./run-config.js";
import { createLimitsRuntime, createTaintStore, type LimitsOptions, limitsOptionsSchema, policyUsesSharedState } from "./throttle/limits-runtime.js";
import { parseOptions } from "./validate.js";

/**
 * Audit options of {@link createWarden}: those of {@link AuditLogOptions}
 * (fail mode, chain id, signing key and checkpoint cadence, service name,
 * `onCheckpoint`), with an optional sink — or an existing log.
 */
export interface WardenAuditOptions extends Partial<Omit<AuditLogOptions, "clock" | "sink">> {
  /**
   * Where events go. Defaults to `jsonlSink(DEFAULT_AUDIT_PATH)`: the file `warden-audit.jsonl` in the
   * working directory (see {@link DEFAULT_AUDIT_PATH}).
   */
  sink?: AuditSink;
  /**
   * Also record what no guard covers (unguarded tools, models, retrievers and
   * chains of the run) through `warden.auditHandler`, which `config()` then
   * attaches (default `false`). Everything a guard decides or runs is recorded
   * by the guard itself either way; the handler costs every run LangChain's
   * callback machinery (see docs/audit.md).
   */
  recordUnguarded?: boolean;
  /**
   * An existing audit log to write to instead (e.g. one chain shared by several
   * wardens of one process). Excludes every other audit option.
   */
  log?: AuditLog;
}

/** Approval options of {@link createWarden}. */
export interface WardenApprovalOptions {
  /** Who decides: LangGraph `interrupt()` (default) or `callbackApprover(fn)`. */
  approver?: Approver;
  /**
   * Key that binds request ids (HMAC, at least 32 bytes). By default it is
   * derived from `audit.signingKey` (HKDF-SHA256, info
   * `"langchain-warden approvals v1"`), so instances sharing a signing key
   * share approvals; without either it is random per warden, and a request
   * another process raised is refused as `foreign-binding`. Give every process
   * the same one when one may resume a request another raised (e.g. with a
   * PostgreSQL checkpointer).
   */
  secret?: string | Uint8Array;
  /**
   * Where approved requests are claimed before they run. In-process by default;
   * give several instances a shared `redisApprovalStore({ client })` so a
   * decision replayed on another instance or from an old checkpoint never runs
   * its action twice.
   */
  store?: ApprovalStore;
  /**
   * Bounds of the in-process ledger that keeps a replayed approval from being
   * recorded or run twice: `maxEntries` of each kind (default 10,000) for
   * `retentionMs` (default a day). A run is kept as its outcome once it ends.
   */
  ledger?: ApprovalLedgerOptions;
}

/** Masking options of {@link createWarden}: the masker's, plus who may see what. */
export interface WardenMaskingOptions extends MaskerOptions, MaskingPolicy {
  /** Scope `warden.unmask()` requires (default `pii:unmask`). */
  unmaskScope?: string;
}

/** Options of {@link createWarden}, validated once when the warden is created. */
export interface WardenOptions {
  /** Where callers' identities come from: JWT verification, `apiKeys`, `introspection` (at least one). */
  identity: IdentityOptions;
  /** Who may use which tool, under which conditions. */
  policy: PolicyInput;
  /** Where decisions are recorded. */
  audit?: WardenAuditOptions;
  /** Human approvals for rules with `approval`. */
  approvals?: WardenApprovalOptions;
  /**
   * Masking of everything that leaves the guards (tool results, approval
   * requests, and with `maskModelInput` model prompts). On by default with
   * every detector and the `redact` strategy; `false` turns it off.
   */
  masking?: WardenMaskingOptions | false;
  /**
   * Where the rules' rates, concurrency limits and token budgets are counted:
   * in this process by default; with `redis`, shared by every instance.
   */
  limits?: LimitsOptions;
  /** Time source (inject `fakeClock()` in tests). */
  clock?: Clock;
  /**
   * What a refused tool call gives: `"message"` (default, an error ToolMessage
   * the agent can answer with) or `"throw"` (`AccessDeniedError`). The policy's
   * `onDenied`, a rule's, and `warden.tool(t, { onDenied })` take precedence.
   */
  onDenied?: "message" | "throw";
}

/** The Warden facade: authenticate callers, guard tools, build run configs. */
export interface Warden {
  /** The validated policy. */
  readonly policy: Policy;
  /**
   * The LangChain callback handler that records the runs no guard covers;
   * `config()` attaches it with `audit.recordUnguarded`, or add it yourself to
   * a run's `callbacks`.
   */
  readonly auditHandler: WardenAuditHandler;
  /** The audit log (chain id, lost-event count). */
  readonly audit: AuditLog;
  /**
   * Verifies a credential (with or without the `Bearer ` prefix) and mints
   * its principal: a JWT, an API key (`wdn_…`, with `identity.apiKeys`) or an
   * opaque token (with `identity.introspection`), told apart by their form.
   * Takes an `Authorization` or `X-Api-Key` header as it comes: an absent or
   * empty one is refused with reason `missing`. A refusal throws
   * {@link InvalidTokenError} and is recorded as `token.rejected`.
   */
  authenticate(token: string | null | undefined): Promise<Principal>;
  /** Guards one tool. */
  tool<T extends GuardableTool>(tool: T, options?: ToolGuardOptions): GuardedTool;
  /**
   * Guards a chat model: calls need a `policy.models[name]` rule (default name
   * `"default"`) and its scopes; with `masking.maskModelInput` prompts are masked.
   */
  model(model: BaseChatModel, name?: string): GuardedChatModel;
  /**
   * Guards a retriever: calls need a `policy.retrievers[name]` rule (default
   * name `"default"`; no fallback) and its scopes; documents are filtered by
   * the rule's document rules (pushed down to the store where it can take
   * them) and masked.
   */
  retriever(retriever: BaseRetrieverInterface, name?: string, options?: RetrieverGuardOptions): GuardedRetriever;
  /**
   * Restores the tokens of `principal`'s tenant (and `threadId`, when given)
   * in `text`. Only for principals holding the unmask scope; others get
   * `AccessDeniedError`.
   */
  unmask(text: string, principal: Principal, options?: { threadId?: string }): Promise<string>;
  /** The masker the guards use (`undefined` with `masking: false`). */
  readonly masker: Masker | undefined;
  /** Guards several tools. */
  tools(tools: readonly GuardableTool[], options?: ToolGuardOptions): GuardedTool[];
  /**
   * Guards and keeps only the tools `principal` could ever use (a rule exists
   * and its scopes are held), so a model never sees the rest.
   */
  toolsFor(principal: Principal, tools: readonly GuardableTool[], options?: ToolGuardOptions): GuardedTool[];
  /**
   * A RunnableConfig carrying `principal` (and, with `audit.recordUnguarded`,
   * the audit handler) on top of `base`. Pass it to `invoke()`/`stream()` of
   * an agent or chain.
   */
  config<C extends RunnableConfig>(principal: Principal, base?: C): C & RunnableConfig;
  /** Flushes and closes the audit sink. */
  close(): Promise<void>;
}

/** Rejected tokens longer than this are not digested (they are refused unparsed anyway). */
const MAX_DIGESTED_TOKEN = 16 * 1024;

const wardenOptionsSchema = z.strictObject({
  identity: z.unknown(),
  policy: z.unknown(),
  audit: z
    .strictObject({
      sink: z.custom<AuditSink>((v) => typeof (v as AuditSink)?.write === "function", { message: "expected a sink with write()" }).optional(),
      log: z.instanceof(AuditLog, { message: "expected an AuditLog" }).optional(),
      failMode: z.enum(["closed", "open"]).optional(),
      chain: z.string().min(1).optional(),
      signingKey: z
        .custom<JWK>((v) => typeof v === "object" && v !== null && (v as JWK).kty === "OKP" && typeof (v as JWK).d === "string", {
          message: "expected a private Ed25519 JWK (see generateAuditKeys())",
        })
        .optional(),
      digestKey: z
        .union([z.string(), z.instanceof(Uint8Array)])
        .refine((v) => (typeof v === "string" ? Buffer.byteLength(v) : v.length) >= MIN_DIGEST_KEY_BYTES, {
          message: `the digest key must be at least ${MIN_DIGEST_KEY_BYTES} bytes`,
        })
        .optional(),
      signEvery: z.number().int().positive().optional(),
      signIntervalMs: z.number().int().nonnegative().optional(),
      service: z.string().min(1).optional(),
      onCheckpoint: z.custom<(checkpoint: AuditEvent) => void>((v) => typeof v === "function", { message: "expected a function" }).optional(),
      recordUnguarded: z.boolean().optional(),
    })
    .refine((audit) => audit.log === undefined || Object.keys(audit).every((key) => key === "log" || key === "recordUnguarded"), {
      message: "audit.log excludes every other audit option but recordUnguarded",
    })
    .superRefine((audit, context) => {
      // Only signed checkpoints are paced and published: without a key these would do nothing.
      if (audit.signingKey !== undefined || audit.log !== undefined) return;
      for (const key of ["signEvery", "signIntervalMs", "onCheckpoint"] as const) {
        if (audit[key] !== undefined) context.addIssue({ code: "custom", path: [key], message: "has no effect without audit.signingKey: nothing is signed" });
      }
    })
    .optional(),
  clock: z.custom<Clock>((v) => typeof (v as Clock)?.now === "function", { message: "expected a clock with now()" }).optional(),
  limits: limitsOptionsSchema.optional(),
  onDenied: z.enum(["message", "throw"]).optional(),
  masking: z
    .union([
      z.literal(false),
      z.looseObject({
        reveal: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
        unmaskScope: z.string().min(1).optional(),
        maskModelInput: z.boolean().optional(),
      }),
    ])
    .optional(),
  approvals: z
    .strictObject({
      approver: z
        .custom<Approver>((v) => typeof (v as Approver)?.ask === "function" && ["interrupt", "callback"].includes((v as Approver).kind), {
          message: "expected an approver (interruptApprover() or callbackApprover(fn))",
        })
        .optional(),
      store: z.custom<ApprovalStore>((v) => typeof (v as ApprovalStore)?.claim === "function", { message: "expected a store with claim()" }).optional(),
      ledger: z
        .strictObject({
          maxEntries: z.number().int().positive().optional(),
          retentionMs: z.number().positive().optional(),
        })
        .optional(),
      secret: z
        .union([z.string(), z.instanceof(Uint8Array)])
        .refine((v) => (typeof v === "string" ? Buffer.byteLength(v) : v.length) >= 32, { message: "the approval secret must be at least 32 bytes" })
        .optional(),
    })
    .superRefine((approvals, context) => {
      // A callback approver is asked afresh on every call: no decision is replayed, so nothing is claimed.
      if (approvals.store !== undefined && approvals.approver?.kind === "callback") {
        context.addIssue({ code: "custom", path: ["store"], message: "has no effect with a callback approver: only interrupt decisions are replayed and claimed" });
      }
    })
    .optional(),
});

/**
 * Creates a Warden: validates every option once (a bad one throws
 * {@link PolicyError} naming its path) and wires identity, policy, guards and
 * audit.
 */
export function createWarden(options: WardenOptions): Warden {
  const top = parseOptions(wardenOptionsSchema, options, "options");
  const identity = parseOptions(identityOptionsSchema, top.identity, "identity");
  const declared = top.policy as { onDenied?: unknown } | undefined;
  const policy = parseOptions(
    policySchema,
    top.onDenied !== undefined && declared?.onDenied === undefined ? { ...(top.policy as object), onDenied: top.onDenied } : top.policy,
    "policy",
  );
  const clock = top.clock ?? systemClock;
  let verifier: Authenticator;
  try {
    verifier = createAuthenticator(identity, clock);
  } catch (error) {
    throw new PolicyError("identity", error instanceof Error ? error.message : "invalid key material");
  }
  const { sink, log, recordUnguarded = false, ...auditOptions } = top.audit ?? {};
  let audit: AuditLog;
  try {
    audit = log ?? new AuditLog({ ...auditOptions, sink: sink ?? defaultAuditSink(), clock });
  } catch (error) {
    throw new PolicyError("audit.signingKey", error instanceof Error ? error.message : "invalid signing key");
  }
  const auditHandler = new WardenAuditHandler(audit);
  const trusts = (value: unknown): value is Principal => principalIssuerKey(value) === verifier.issuerKey;
  const approvals: ApprovalRuntime = {
    approver: top.approvals?.approver ?? interruptApprover(),
    binder: new RequestBinder(approvalKey(top.approvals?.secret, top.audit?.signingKey)),
    ledger: new ApprovalLedger(top.approvals?.ledger),
    store: top.approvals?.store ?? memoryApprovalStore(),
    verifyToken: (token) => verifier.verify(token),
  };
  const maskingOptions = top.masking === false ? undefined : ((top.masking ?? {}) as WardenMaskingOptions);
  const { unmaskScope = "pii:unmask", ...guardMasking } = maskingOptions ?? {};
  const masking = maskingOptions ? createMaskingRuntime(guardMasking, policy) : undefined;
  if (top.limits?.redis !== undefined && !policyUsesSharedState(policy)) {
    throw new PolicyError("options.limits.redis", "has no effect: no rule sets a rate, a concurrency limit or a token budget, and no retriever or tool is untrusted");
  }
  const limits = createLimitsRuntime(top.limits ?? {}, clock);
  const taint = createTaintStore(top.limits ?? {});
  const runtime: GuardRuntime = { policy, audit, clock, trusts, auditHandler, approvals, limits, taint, ...(masking ? { masking } : {}) };

  // A tool guarded by another warden (or a standalone guard) is guarded again under this
  // warden's policy: its own guard would apply other rules and trust other principals.
  const guard = (tool: GuardableTool, guardOptions?: ToolGuardOptions) =>
    tool instanceof GuardedTool ? (tool.guardedBy(runtime) ? tool : new GuardedTool(tool.inner, runtime, guardOptions)) : new GuardedTool(tool, runtime, guardOptions);

  const warden: Warden = {
    policy,
    auditHandler,
    audit,
    async authenticate(token) {
      try {
        return await verifier.verify(token);
      } catch (error) {
        const refusal = error instanceof InvalidTokenError ? error : new InvalidTokenError("malformed", "Token could not be verified", { cause: error });
        await audit.record({
          type: "token.rejected",
          outcome: "denied",
          actor: { sub: "anonymous" },
          target: { kind: "identity", name: "authenticate" },
          reason: refusal.reason,
          data: {
            source: verifier.sourceOf(token) ?? null,
            ...(refusal.claim ? { claim: refusal.claim } : {}),
            ...(refusal.keyId ? { keyId: refusal.keyId } : {}),
            tokenDigest: typeof token === "string" && token.length <= MAX_DIGESTED_TOKEN ? audit.digest(token) : null,
          },
        });
        throw refusal;
      }
    },
    masker: masking?.masker,
    tool: (tool, guardOptions) => guard(tool, guardOptions),
    model(model, name = "default") {
      if (!(model instanceof GuardedChatModel)) return new GuardedChatModel(model, runtime, name);
      if (model.guardedBy(runtime)) return model;
      throw new PolicyError("model", "this model is guarded by another warden: pass the model itself");
    },
    retriever(retriever, name = "default", guardOptions) {
      if (!(retriever instanceof GuardedRetriever)) return new GuardedRetriever(retriever, runtime, name, guardOptions);
      if (retriever.guardedBy(runtime)) return retriever;
      throw new PolicyError("retriever", "this retriever is guarded by another warden: pass the retriever itself");
    },
    async unmask(text, principal, options = {}) {
      const target = { kind: "tool" as const, name: "unmask" };
      // Joined to the thread whose tokens it restores.
      const run = options.threadId !== undefined ? auditRun(randomUUID(), undefined, options.threadId) : undefined;
      // As every guard: a foreign, forged or expired principal is refused, and the refusal recorded.
      await requirePrincipal(runtime, { configurable: { [PRINCIPAL_KEY]: principal } }, target, run);
      const allowed = masking !== undefined && hasScope(effectiveScopes(policy, principal), unmaskScope);
      const actor = actorOf(principal);
      await audit.record({
        type: allowed ? "access.allowed" : "access.denied",
        outcome: allowed ? "success" : "denied",
        actor,
        target,
        reason: allowed ? "allowed by policy" : masking ? `missing scope ${unmaskScope}` : "masking is off",
        ...(run ? { run } : {}),
        data: { rule: "masking.unmaskScope" },
      });
      if (!allowed) throw new AccessDeniedError("tool", "unmask", "you are not permitted to restore masked values");
      await audit.commit();
      return masking!.masker.unmask(text, { tenant: tokenScope(principal, options.threadId) });
    },
    tools: (tools, guardOptions) => tools.map((tool) => guard(tool, guardOptions)),
    toolsFor(principal, tools, guardOptions) {
      if (!trusts(principal)) throw new MissingPrincipalError("toolsFor() needs a principal minted by this warden");
      return tools.filter((tool) => canEverUse(policy, principal, tool.name)).map((tool) => guard(tool, guardOptions));
    },
    config(principal, base) {
      if (!trusts(principal)) throw new MissingPrincipalError("config() needs a principal minted by this warden");
      return configWithPrincipal(principal, base, recordUnguarded ? auditHandler : undefined);
    },
    async close() {
      limits.breakers.shutdown();
      await audit.close();
    },
  };
  registerRuntime(warden, runtime);
  return warden;
}
