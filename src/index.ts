/**
 * Warden: zero-trust security for LangChain.js agents.
 *
 * @module langchain-warden
 */
export { createWarden } from "./warden.js";
export type { Warden, WardenOptions, WardenAuditOptions, WardenApprovalOptions, WardenMaskingOptions } from "./warden.js";
export { GuardedChatModel } from "./guards/model.js";
// The masking engine's public names: createMasker, memoryVault, redisVault, MaskingBlockedError, the type lists and their types.
export * from "./masking/index.js";
export { guardTool, GuardedTool } from "./guards/tool.js";
export type { GuardableTool, GuardToolOptions, ToolGuardOptions } from "./guards/tool.js";
export type { StandaloneGuardOptions } from "./guards/standalone.js";
export { guardModel } from "./guards/model.js";
export { guardRetriever, GuardedRetriever } from "./guards/retriever.js";
export type { GuardRetrieverOptions, RetrieverGuardOptions } from "./guards/retriever.js";
export { aclEntry, aclEntriesFor } from "./retrieval/document-rules.js";
export type { DocumentConstraint } from "./retrieval/document-constraint.js";
export type { PushdownOptions, MetadataFilterTranslator } from "./retrieval/pushdown.js";
export type { TaintSource, ThreadTaint } from "./retrieval/taint.js";
export type { RetrieverRule, RetrieverRuleInput, DocumentRules, DocumentRulesInput, DocumentFilter } from "./policy/retriever-rule.js";
export type { GuardModelOptions } from "./guards/model.js";
export type { OnDenied } from "./guards/runtime.js";
export type { LimitsOptions } from "./throttle/limits-runtime.js";
export type { RedisLimitsClient } from "./throttle/redis-store.js";
export type { Rate } from "./throttle/rate.js";
export { getPrincipal } from "./run-config.js";
export { interruptApprover, callbackApprover } from "./approval/approver.js";
export type { Approver, CallbackApproverOptions } from "./approval/approver.js";
export { approvalDecisionSchema } from "./approval/decision.js";
export type { ApprovalDecision } from "./approval/decision.js";
export type { ApprovalRequest, ApprovalDecisionKind } from "./approval/request.js";
export { pendingApprovals } from "./approval/pending.js";
export { hitlApprovalResponseSchema, hitlDecisionSchema } from "./approval/hitl-format.js";
export type { HITLApprovalResponse, HITLDecision, HITLRequestView, HITLActionRequest, HITLReviewConfig } from "./approval/hitl-format.js";
export { memoryApprovalStore, redisApprovalStore } from "./approval/store.js";
export type { ApprovalStore, RedisApprovalClient, RedisApprovalStoreOptions } from "./approval/store.js";
export { DEFAULT_LEDGER_MAX_ENTRIES, DEFAULT_LEDGER_RETENTION_MS } from "./approval/ledger.js";
export type { ApprovalLedgerOptions } from "./approval/ledger.js";
export type { PendingApproval } from "./approval/pending.js";
export type { InvalidDecisionCode } from "./approval/flow.js";
export { isPrincipal } from "./identity/principal.js";
export type { Principal, PrincipalKind } from "./identity/principal.js";
export type { IdentityOptions, ApiKeyOptions, IntrospectionOptions } from "./identity/options.js";
export { createApiKey, apiKeyDigest } from "./identity/api-key-record.js";
export type { ApiKeyRecord, ApiKeyRecordInput, CreateApiKeyOptions, CreatedApiKey } from "./identity/api-key-record.js";
export { isWardenApiKey } from "./identity/api-key-format.js";
export { memoryApiKeyStore, redisApiKeyStore } from "./identity/api-key-stores.js";
export type { ApiKeyStore, WritableApiKeyStore, RedisApiKeyClient, RedisApiKeyStoreOptions } from "./identity/api-key-stores.js";
export { scopeGrants } from "./identity/scopes.js";
export type { PolicyInput, Policy, ToolRuleInput, ToolRule, ModelRuleInput, ModelRule, BreakerRule, ApprovalRule, Condition, ConditionInput } from "./policy/schema.js";
export type { PolicyDecision, PolicyEffect, DecisionCode, EffectiveApprovalRule } from "./policy/decision.js";
export { DEFAULT_MEMORY_SINK_MAX, memorySink } from "./audit/memory-sink.js";
export type { MemorySink, MemorySinkOptions } from "./audit/memory-sink.js";
export { DEFAULT_AUDIT_PATH } from "./audit/default-sink.js";
export { AuditLog } from "./audit/audit-log.js";
export type { AuditFailMode, AuditLogOptions, AuditHead } from "./audit/audit-log.js";
export { jsonlSink } from "./audit/jsonl-sink.js";
export type { JsonlSink, JsonlSinkOptions, JsonlDurability } from "./audit/jsonl-sink.js";
export { callbackSink } from "./audit/callback-sink.js";
export { generateAuditKeys, auditKeyId } from "./audit/keys.js";
export { digestFor, deriveDigestKey, DIGEST_KEY_INFO } from "./audit/digest.js";
export type { AuditDigester, AuditDigestKey } from "./audit/digest.js";
export type { AuditKeyPair } from "./audit/keys.js";
export { verifyAuditLog, auditEventHash } from "./audit/verify.js";
export type { AuditVerification, AuditProblem, AuditProblemKind, AuditChainSummary, VerifyAuditOptions, ExpectedHead } from "./audit/verify.js";
export { auditEventSchema } from "./audit/schema.js";
export { renderAuditReport } from "./audit/report.js";
export type { AuditReportOptions } from "./audit/report.js";
export { summarizeAuditEvents, createAuditReportSummarizer } from "./audit/report-summary.js";
export type {
  AuditReportSummary,
  AuditReportSummarizer,
  AuditReportLimits,
  AuditTimelineBucket,
  AuditUserActivity,
  AuditDenialGroup,
  AuditApprovalRow,
  AuditApprovalDecision,
  AuditThrottleEvent,
  AuditTargetActivity,
  AuditCounts,
} from "./audit/report-summary.js";
export { WardenAuditHandler } from "./audit/callback-handler.js";
export type {
  AuditEvent,
  AuditEventType,
  AuditOutcome,
  AuditActor,
  AuditTarget,
  AuditRun,
  AuditSink,
  AuditEventInput,
  AuditOrigin,
  AuditSigning,
} from "./audit/event.js";
export type { Clock } from "./clock.js";
export {
  WardenError,
  InvalidTokenError,
  MissingPrincipalError,
  AccessDeniedError,
  ApprovalRejectedError,
  ApprovalInvalidError,
  RateLimitedError,
  BudgetExceededError,
  CircuitOpenError,
  LimitsUnavailableError,
  TaintUnavailableError,
  AuditWriteError,
  PolicyError,
  NestingLimitError,
} from "./errors.js";
export type { WardenErrorCode, InvalidTokenReason, LimitInfo } from "./errors.js";
