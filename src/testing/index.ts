/**
 * Test doubles for applications built on Warden: a token issuer with real
 * keys, an in-memory audit sink and a fake clock.
 *
 * @module langchain-warden/testing
 */

export type { MemorySink, MemorySinkOptions } from "../audit/memory-sink.js";
export { DEFAULT_MEMORY_SINK_MAX, memorySink } from "../audit/memory-sink.js";
export type { ScriptedDecision } from "./approvers.js";
export { autoApprove, autoReject, resumePending, scriptedApprover } from "./approvers.js";
export type { FakeClock } from "./fake-clock.js";
export { fakeClock } from "./fake-clock.js";
export type { ScriptedAnswer, ScriptedModelOptions, ScriptedResponder, ScriptedToolCall, ScriptedTurn } from "./scripted-model.js";
export { ScriptedChatModel, scriptedChatModel, turnIndex } from "./scripted-model.js";
export type { IssueOptions, TestIdentity, TestIdentityOptions } from "./test-identity.js";
export { createTestIdentity } from "./test-identity.js";
