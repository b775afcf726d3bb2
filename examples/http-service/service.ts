/**
 * Wiring of the HTTP service: identity, warden, checkpointer, audit sink,
 * pending index and agent, from settings (see `settingsFromEnv`).
 *
 * - With `databaseUrl`: LangGraph's `PostgresSaver`, Warden's `postgresSink`
 *   and a PostgreSQL pending index, so a pending approval survives a restart
 *   and any instance can resume it. `approvalsSecret` is then required: every
 *   instance binds approval requests with it.
 * - Without: `MemorySaver`, a JSONL audit file and an in-memory index.
 * - Identity: your IdP's JWKS when `identity` is given; otherwise a local test
 *   issuer (`createTestIdentity`) whose tokens the server prints at start.
 */
import { randomBytes } from "node:crypto";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { MemorySaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { JWK } from "jose";
import { type AuditSink, createWarden, generateAuditKeys, type IdentityOptions, jsonlSink, type Warden } from "langchain-warden";
import { postgresSink } from "langchain-warden/postgres";
import { createTestIdentity, type TestIdentity } from "langchain-warden/testing";
import { createApp } from "./app.js";
import { auditTap } from "./audit-tap.js";
import { memoryPendingIndex, type PendingIndex } from "./pending-index.js";
import { postgresPendingIndex } from "./postgres-pending-index.js";
import { deriveSealingKey } from "./sealed-credential.js";
import { CustomerStore, createSupportAgent, supportPolicy } from "./support-agent.js";

/** What the service is started with. */
export interface ServiceSettings {
  /** PostgreSQL for checkpoints, audit and the pending index; absent: memory and a JSONL file. */
  databaseUrl?: string;
  /** Schema of LangGraph's checkpoint tables (default `public`). */
  checkpointSchema?: string;
  /** Table of the audit log (default `warden_audit`). */
  auditTable?: string;
  /** Table of the pending index (default `http_service_pending`). */
  pendingTable?: string;
  /** JSONL audit file when there is no database (default `audit.jsonl`). */
  auditFile?: string;
  /** Binds approval requests (at least 32 bytes); required with a database. Also seals stored credentials. */
  approvalsSecret?: string;
  /** Private Ed25519 JWK that signs audit checkpoints; absent: a fresh key per start (its public half is on the service). */
  auditSigningKey?: JWK;
  /** Your IdP (`{ issuer, audience, jwksUri }`); absent: a local test issuer. */
  identity?: IdentityOptions;
  /** The realm of `WWW-Authenticate`, and the test issuer's audience (default `support-api`). */
  realm?: string;
  /** Model calls per user (default `20/min`). */
  perUser?: string;
  /** Model tokens per user and day (default 200,000). */
  tokensPerUserDay?: number;
  /** The application's data (default: the demo store). */
  store?: CustomerStore;
  /** The chat model (default: the offline scripted model). */
  model?: BaseChatModel;
  /** Sees errors that become a 500. */
  onUnexpectedError?: (error: unknown) => void;
}

/** A built service. */
export interface Service {
  app: ReturnType<typeof createApp>;
  warden: Warden;
  store: CustomerStore;
  /** The local test issuer, when no IdP was configured (mint demo tokens with `issue`). */
  testIdentity: TestIdentity | undefined;
  /** The public half of the audit signing key: `warden audit verify --key` takes it. */
  auditPublicKey: JWK | undefined;
  /** `postgres` or `memory`. */
  storage: "postgres" | "memory";
  /** Closes the warden (flushing the audit log), the checkpointer and the index. */
  close(): Promise<void>;
}

/** Reads settings from the environment (see docs/http-service.md for each variable). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): ServiceSettings {
  const settings: ServiceSettings = {};
  if (env.DATABASE_URL) settings.databaseUrl = env.DATABASE_URL;
  if (env.CHECKPOINT_SCHEMA) settings.checkpointSchema = env.CHECKPOINT_SCHEMA;
  if (env.AUDIT_FILE) settings.auditFile = env.AUDIT_FILE;
  if (env.WARDEN_APPROVALS_SECRET) settings.approvalsSecret = env.WARDEN_APPROVALS_SECRET;
  if (env.WARDEN_AUDIT_KEY) settings.auditSigningKey = JSON.parse(env.WARDEN_AUDIT_KEY) as JWK;
  if (env.CHAT_RATE_PER_USER) settings.perUser = env.CHAT_RATE_PER_USER;
  if (env.CHAT_TOKENS_PER_USER_DAY) settings.tokensPerUserDay = Number(env.CHAT_TOKENS_PER_USER_DAY);
  const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience, OIDC_JWKS_URI: jwksUri } = env;
  if (issuer || audience || jwksUri) {
    if (!issuer || !audience || !jwksUri) throw new Error("set OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URI together");
    settings.identity = { issuer, audience, jwksUri };
    settings.realm = audience;
  }
  return settings;
}

/** Builds the service from `settings`. */
export async function createService(settings: ServiceSettings = {}): Promise<Service> {
  const realm = settings.realm ?? "support-api";
  const testIdentity = settings.identity ? undefined : createTestIdentity({ issuer: "https://idp.local.test/", audience: realm });
  const identity = settings.identity ?? (testIdentity as TestIdentity).identity;
  const url = settings.databaseUrl;
  if (url && !settings.approvalsSecret) {
    throw new Error("with a database, set an approvals secret (WARDEN_APPROVALS_SECRET, at least 32 bytes) shared by every instance");
  }
  const approvalsSecret = settings.approvalsSecret ?? randomBytes(32).toString("base64url");
  const auditKeys = settings.auditSigningKey ? undefined : generateAuditKeys();
  const signingKey = settings.auditSigningKey ?? (auditKeys?.privateKey as JWK);
  const auditPublicKey = auditKeys?.publicKey ?? publicHalf(signingKey);

  const closers: (() => Promise<void>)[] = [];
  let checkpointer: MemorySaver | PostgresSaver;
  let sink: AuditSink;
  let pending: PendingIndex;
  if (url) {
    const saver = PostgresSaver.fromConnString(url, { schema: settings.checkpointSchema ?? "public" });
    await saver.setup();
    closers.push(() => saver.end());
    checkpointer = saver;
    sink = postgresSink({ connectionString: url, table: settings.auditTable ?? "warden_audit" });
    pending = postgresPendingIndex({ connectionString: url, table: settings.pendingTable ?? "http_service_pending", sealingKey: deriveSealingKey(approvalsSecret) });
  } else {
    checkpointer = new MemorySaver();
    sink = jsonlSink(settings.auditFile ?? "audit.jsonl");
    pending = memoryPendingIndex();
  }
  closers.push(() => pending.close());

  const audit = auditTap(sink);
  const warden = createWarden({
    identity,
    policy: supportPolicy({
      ...(settings.perUser ? { perUser: settings.perUser } : {}),
      ...(settings.tokensPerUserDay !== undefined ? { tokensPerUserDay: settings.tokensPerUserDay } : {}),
    }),
    audit: { sink: audit.sink, signingKey, service: "http-service" },
    approvals: { secret: approvalsSecret },
  });
  const store = settings.store ?? CustomerStore.demo();
  const agent = createSupportAgent({ warden, store, checkpointer, ...(settings.model ? { model: settings.model } : {}) });
  const app = createApp({
    warden,
    agent,
    pending,
    audit,
    realm,
    ...(settings.onUnexpectedError ? { onUnexpectedError: settings.onUnexpectedError } : {}),
  });

  return {
    app,
    warden,
    store,
    testIdentity,
    auditPublicKey,
    storage: url ? "postgres" : "memory",
    async close() {
      // The warden first: it flushes the audit log (whose sink the warden owns and closes).
      await warden.close();
      for (const close of closers.reverse()) await close();
    },
  };
}

/** The public half of an Ed25519 private JWK. */
function publicHalf(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return rest;
}
