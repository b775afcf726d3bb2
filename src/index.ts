/**
 * Warden: zero-trust security for LangChain.js agents.
 *
 * @module langchain-warden
 */

export type { Approver, CallbackApproverOptions } from "./approval/approver.js";
export { callbackApprover, interruptApprover } from "./approval/approver.js";
export type { ApprovalDecision } from "./approval/decision.js";
export { approvalDecisionSchema } from "./approval/decision.js";
export type { InvalidDecisionCode } from "./approval/flow.js";
export type { HITLActionRequest, HITLApprovalResponse, HITLDecision, HITLRequestView, HITLReviewConfig } from "./approval/hitl-format.js";
export { hitlApprovalResponseSchema, hitlDecisionSchema } from "./approval/hitl-format.js";
export type { ApprovalLedgerOptions } from "./approval/ledger.js";
export { DEFAULT_LEDGER_MAX_ENTRIES, DEFAULT_LEDGER_RETENTION_MS } from "./approval/ledger.js";
export type { PendingApproval } from "./approval/pending.js";
export { pendingApprovals } from "./approval/pending.js";
export type { ApprovalDecisionKind, ApprovalRequest } from "./approval/request.js";
export type { ApprovalStore, RedisApprovalClient, RedisApprovalStoreOptions } from "./approval/store.js";
export { memoryApprovalStore, redisApprovalStore } from "./approval/store.js";
export type { AuditFailMode, AuditHead, AuditLogOptions } from "./audit/audit-log.js";
export { AuditLog } from "./audit/audit-log.js";
export { WardenAuditHandler } from "./audit/callback-handler.js";
export { callbackSink } from "./audit/callback-sink.js";
export { DEFAULT_AUDIT_PATH } from "./audit/default-sink.js";
export type { AuditDigester, AuditDigestKey } from "./audit/digest.js";
export { DIGEST_KEY_INFO, deriveDigestKey, digestFor } from "./audit/digest.js";
export type {
  AuditActor,
  AuditEvent,
  AuditEventInput,
  AuditEventType,
  AuditOrigin,
  AuditOutcome,
  AuditRun,
  AuditSigning,
  AuditSink,
  AuditTarget,
} from "./audit/event.js";
export type { JsonlDurability, JsonlSink, JsonlSinkOptions } from "./audit/jsonl-sink.js";
export { jsonlSink } from "./audit/jsonl-sink.js";
export type { AuditKeyPair } from "./audit/keys.js";
export { auditKeyId, generateAuditKeys } from "./audit/keys.js";
export type { MemorySink, MemorySinkOptions } from "./audit/memory-sink.js";
export { DEFAULT_MEMORY_SINK_MAX, memorySink } from "./audit/memory-sink.js";
export type { AuditReportOptions } from "./audit/report.js";
export { renderAuditReport } from "./audit/report.js";
export type {
  AuditApprovalDecision,
  AuditApprovalRow,
  AuditCounts,
  AuditDenialGroup,
  AuditReportLimits,
  AuditReportSummarizer,
  AuditReportSummary,
  AuditTargetActivity,
  AuditThrottleEvent,
  AuditTimelineBucket,
  AuditUserActivity,
} from "./audit/report-summary.js";
export { createAuditReportSummarizer, summarizeAuditEvents } from "./audit/report-summary.js";
export { auditEventSchema } from "./audit/schema.js";
export type { AuditChainSummary, AuditProblem, AuditProblemKind, AuditVerification, ExpectedHead, VerifyAuditOptions } from "./audit/verify.js";
export { auditEventHash, verifyAuditLog } from "./audit/verify.js";
export type { Clock } from "./clock.js";
export type { InvalidTokenReason, LimitInfo, WardenErrorCode } from "./errors.js";
export {
  AccessDeniedError,
  ApprovalInvalidError,
  ApprovalRejectedError,
  AuditWriteError,
  BudgetExceededError,
  CircuitOpenError,
  InvalidTokenError,
  LimitsUnavailableError,
  MissingPrincipalError,
  NestingLimitError,
  PolicyError,
  RateLimitedError,
  TaintUnavailableError,
  WardenError,
} from "./errors.js";
export type { GuardModelOptions } from "./guards/model.js";
export { GuardedChatModel, guardModel } from "./guards/model.js";
export type { GuardRetrieverOptions, RetrieverGuardOptions } from "./guards/retriever.js";
export { GuardedRetriever, guardRetriever } from "./guards/retriever.js";
export type { OnDenied } from "./guards/runtime.js";
export type { StandaloneGuardOptions } from "./guards/standalone.js";
export type { GuardableTool, GuardToolOptions, ToolGuardOptions } from "./guards/tool.js";
export { GuardedTool, guardTool } from "./guards/tool.js";
export { isWardenApiKey } from "./identity/api-key-format.js";
export type { ApiKeyRecord, ApiKeyRecordInput, CreateApiKeyOptions, CreatedApiKey } from "./identity/api-key-record.js";
export { apiKeyDigest, createApiKey } from "./identity/api-key-record.js";
export type { ApiKeyStore, RedisApiKeyClient, RedisApiKeyStoreOptions, WritableApiKeyStore } from "./identity/api-key-stores.js";
export { memoryApiKeyStore, redisApiKeyStore } from "./identity/api-key-stores.js";
export type { ApiKeyOptions, IdentityOptions, IntrospectionOptions } from "./identity/options.js";
export type { Principal, PrincipalKind } from "./identity/principal.js";
export { isPrincipal } from "./identity/principal.js";
export { scopeGrants } from "./identity/scopes.js";
// The masking engine's public names: createMasker, memoryVault, redisVault, MaskingBlockedError, the type lists and their types.
export * from "./masking/index.js";
export type { DecisionCode, EffectiveApprovalRule, PolicyDecision, PolicyEffect } from "./policy/decision.js";
export type { DocumentFilter, DocumentRules, DocumentRulesInput, RetrieverRule, RetrieverRuleInput } from "./policy/retriever-rule.js";
export type { ApprovalRule, BreakerRule, Condition, ConditionInput, ModelRule, ModelRuleInput, Policy, PolicyInput, ToolRule, ToolRuleInput } from "./policy/schema.js";
export type { DocumentConstraint } from "./retrieval/document-constraint.js";
export { aclEntriesFor, aclEntry } from "./retrieval/document-rules.js";
export type { MetadataFilterTranslator, PushdownOptions } from "./retrieval/pushdown.js";
export type { TaintSource, ThreadTaint } from "./retrieval/taint.js";
export { getPrincipal } from "./run-config.js";
export type { LimitsOptions } from "./throttle/limits-runtime.js";
export type { Rate } from "./throttle/rate.js";
export type { RedisLimitsClient } from "./throttle/redis-store.js";
export type { Warden, WardenApprovalOptions, WardenAuditOptions, WardenMaskingOptions, WardenOptions } from "./warden.js";
export { createWarden } from "./warden.js";
