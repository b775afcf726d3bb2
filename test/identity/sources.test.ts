/**
 * Identity sources as options: JWT verification, API keys and introspection
 * alone or together; no source at all refused; options of a source that is
 * not configured refused; the kind of caller a JWT stands for.
 */

import { createApiKey, createWarden, type IdentityOptions, memoryApiKeyStore, PolicyError } from "langchain-warden";
import { createTestIdentity, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";

const idp = createTestIdentity();
const introspection = { endpoint: "https://idp.example.com/introspect", clientId: "c", clientSecret: "s", audience: "api" };

function refusal(identity: unknown): PolicyError {
  let caught: unknown;
  try {
    createWarden({ identity: identity as IdentityOptions, policy: { tools: {} } });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PolicyError);
  return caught as PolicyError;
}

describe("identity sources", () => {
  it("runs on API keys only, or on introspection only", () => {
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { records: [] } }, policy: { tools: {} } })).not.toThrow();
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { store: memoryApiKeyStore() } }, policy: { tools: {} } })).not.toThrow();
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { introspection }, policy: { tools: {} } })).not.toThrow();
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { ...idp.identity, apiKeys: { records: [] }, introspection }, policy: { tools: {} } })).not.toThrow();
  });

  it("refuses a warden with no identity source at all", () => {
    for (const identity of [{}, undefined, { apiKeys: undefined, introspection: undefined }]) {
      const error = refusal(identity);
      expect(error.path).toBe("identity");
      if (identity !== undefined) expect(error.message).toContain("no identity source");
    }
  });

  it("refuses options that only JWT verification reads when it is not configured", () => {
    for (const key of ["algorithms", "maxTokenAge", "requiredClaims", "typ", "jwksTimeoutMs", "tokenCache"] as const) {
      const value = { algorithms: ["ES256"], maxTokenAge: 60, requiredClaims: ["x"], typ: "at+jwt", jwksTimeoutMs: 100, tokenCache: false }[key];
      expect(refusal({ apiKeys: { records: [] }, [key]: value }).path).toBe(`identity.${key}`);
    }
    // The claim mapping and the clock tolerance also serve introspection, but not API keys.
    expect(refusal({ apiKeys: { records: [] }, claims: { tenant: "org" } }).path).toBe("identity.claims");
    expect(refusal({ apiKeys: { records: [] }, clockTolerance: 5 }).path).toBe("identity.clockTolerance");
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { introspection, claims: { tenant: "org" }, clockTolerance: 5 }, policy: { tools: {} } })).not.toThrow();
  });

  it("refuses half a JWT configuration beside another source", () => {
    expect(refusal({ apiKeys: { records: [] }, issuer: "https://idp.test/" }).path).toBe("identity.audience");
    expect(refusal({ apiKeys: { records: [] }, jwks: idp.jwks }).path).toBe("identity.issuer");
    expect(refusal({ introspection, issuer: "https://idp.test/", audience: "x" }).message).toContain("exactly one key source");
  });

  it("refuses apiKeys with both or neither of records and store, duplicate ids, and malformed records", () => {
    const { record } = createApiKey({ sub: "svc" });
    expect(refusal({ apiKeys: {} }).path).toBe("identity.apiKeys");
    expect(refusal({ apiKeys: { records: [record], store: memoryApiKeyStore() } }).path).toBe("identity.apiKeys");
    expect(refusal({ apiKeys: { records: [record, { ...record }] } }).path).toBe("identity.apiKeys.records[1].id");
    expect(refusal({ apiKeys: { records: [{ ...record, revoked_at: 1 }] } }).path).toBe("identity.apiKeys.records[0]");
    expect(refusal({ apiKeys: { records: [{ ...record, hash: "plain-secret" }] } }).path).toBe("identity.apiKeys.records[0].hash");
    expect(refusal({ apiKeys: { records: [{ ...record, id: "short" }] } }).path).toBe("identity.apiKeys.records[0].id");
    expect(refusal({ apiKeys: { store: { lookup: () => undefined } } }).path).toBe("identity.apiKeys.store");
    expect(refusal({ apiKeys: { records: [], lookupTimeoutMs: 0 } }).path).toBe("identity.apiKeys.lookupTimeoutMs");
    expect(refusal({ apiKeys: { records: [], refusalCache: { ttlMs: 0 } } }).path).toBe("identity.apiKeys.refusalCache.ttlMs");
  });

  it("refuses duplicate ids and malformed records in memoryApiKeyStore() too", () => {
    const { record } = createApiKey({ sub: "svc" });
    expect(() => memoryApiKeyStore([record, record])).toThrow(PolicyError);
    expect(() => memoryApiKeyStore([{ ...record, sub: "" }])).toThrow(/records\[0\]\.sub/);
  });
});

describe("the kind of caller a JWT stands for", () => {
  const warden = createWarden({ audit: { sink: memorySink() }, identity: idp.identity, policy: { tools: {} } });

  it("is a user by default", async () => {
    expect((await warden.authenticate(await idp.issue({ sub: "alice" }))).kind).toBe("user");
    expect((await warden.authenticate(await idp.issue({ sub: "alice", client_id: "web-app" }))).kind).toBe("user");
  });

  it("is a service for a client-credentials token: sub equal to client_id (RFC 9068), or Auth0's gty", async () => {
    expect((await warden.authenticate(await idp.issue({ sub: "etl-job", client_id: "etl-job" }))).kind).toBe("service");
    expect((await warden.authenticate(await idp.issue({ sub: "abc@clients", gty: "client-credentials" }))).kind).toBe("service");
  });
});
