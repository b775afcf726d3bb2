/**
 * Opaque tokens through a real RFC 7662 introspection server on 127.0.0.1:
 * client authentication, the mapping of an active answer to a principal, and
 * a refusal for inactive, expired, wrong-audience tokens, and for an endpoint
 * that hangs, fails, or answers something that is not an introspection
 * response. Answers are cached by a digest of the token, bounded by its exp.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createApiKey, createWarden, type IdentityOptions, type IntrospectionOptions, isPrincipal, PolicyError } from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectRefused, type Harness, sendJson, startServer, type TestServer } from "./helpers.js";

const CLIENT_ID = "warden api";
const CLIENT_SECRET = "s3cret:with/odd chars+";
const AUDIENCE = "orders-api";
const now = () => Math.floor(Date.now() / 1000);

/** What the server answers for each token (a function of the token, read at request time). */
const answers: Record<string, (res: ServerResponse) => void> = {
  "opaque-active-0001": (res) =>
    sendJson(res, {
      active: true,
      sub: "alice",
      scope: "orders:read orders:refund",
      aud: AUDIENCE,
      exp: now() + 3600,
      tenant: "acme",
      roles: ["support"],
      client_id: "web-app",
      iss: "https://idp.test/",
    }),
  "opaque-audlist-0001": (res) => sendJson(res, { active: true, sub: "bob", aud: ["other-api", AUDIENCE], exp: now() + 3600 }),
  "opaque-inactive-01": (res) => sendJson(res, { active: false }),
  "opaque-expired-001": (res) => sendJson(res, { active: true, sub: "alice", aud: AUDIENCE, exp: now() - 60 }),
  "opaque-wrongaud-01": (res) => sendJson(res, { active: true, sub: "alice", aud: "billing-api", exp: now() + 3600 }),
  "opaque-noaud-00001": (res) => sendJson(res, { active: true, sub: "alice", exp: now() + 3600 }),
  "opaque-noexp-00001": (res) => sendJson(res, { active: true, sub: "alice", aud: AUDIENCE }),
  "opaque-nosub-00001": (res) => sendJson(res, { active: true, aud: AUDIENCE, exp: now() + 3600 }),
  "opaque-future-0001": (res) => sendJson(res, { active: true, sub: "alice", aud: AUDIENCE, exp: now() + 3600, nbf: now() + 600 }),
  "opaque-service-001": (res) => sendJson(res, { active: true, sub: "reporting-job", client_id: "reporting-job", aud: AUDIENCE, exp: now() + 3600, scope: "orders:read" }),
  "opaque-orgclaim-01": (res) => sendJson(res, { active: true, sub: "carol", aud: AUDIENCE, exp: now() + 3600, org_id: "globex", perms: ["kb:read"] }),
  "opaque-badscope-01": (res) => sendJson(res, { active: true, sub: "carol", aud: AUDIENCE, exp: now() + 3600, scope: 42 }),
  "opaque-shortexp-01": (res) => sendJson(res, { active: true, sub: "dave", aud: AUDIENCE, exp: now() + 2 }),
  "opaque-hanging-001": () => undefined,
  "opaque-error500-01": (res) => sendJson(res, { error: "server_error" }, 500),
  "opaque-garbage-001": (res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"active": true, "sub": "alice", ');
  },
  "opaque-html-00001": (res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html>maintenance</html>");
  },
  "opaque-noactive-01": (res) => sendJson(res, { sub: "alice", aud: AUDIENCE, exp: now() + 3600 }),
  "opaque-strings-001": (res) => sendJson(res, { active: "true", sub: "alice", aud: AUDIENCE, exp: now() + 3600 }),
  "opaque-array-0001": (res) => sendJson(res, [{ active: true }]),
  "opaque-redirect-01": (res) => {
    res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" });
    res.end();
  },
};

let server: TestServer;
/** Tokens the server was asked about, in order; and the problems it saw with requests. */
const asked: string[] = [];
const problems: string[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => resolve(body));
  });
}

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const body = new URLSearchParams(await readBody(req));
    const expected = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID).replace(/%20/g, "+")}:${new URLSearchParams({ v: CLIENT_SECRET }).toString().slice(2)}`).toString("base64")}`;
    if (req.method !== "POST") problems.push(`method ${req.method}`);
    if (req.headers["content-type"] !== "application/x-www-form-urlencoded") problems.push(`content-type ${req.headers["content-type"]}`);
    if (req.headers.authorization !== expected) {
      sendJson(res, { error: "invalid_client" }, 401);
      return;
    }
    if (body.get("token_type_hint") !== "access_token") problems.push(`hint ${body.get("token_type_hint")}`);
    const token = body.get("token") ?? "";
    asked.push(token);
    const answer = answers[token] ?? ((r: ServerResponse) => sendJson(r, { active: false }));
    answer(res);
  });
});
afterAll(() => server.close());

const count = (token: string) => asked.filter((t) => t === token).length;

function introspection(extra: Partial<IntrospectionOptions> = {}): IntrospectionOptions {
  return { endpoint: `${server.url}/introspect`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, audience: AUDIENCE, timeoutMs: 300, ...extra };
}

function harness(extra: Partial<IntrospectionOptions> = {}, identity: Partial<IdentityOptions> = {}): Harness {
  const sink = memorySink();
  const clock = fakeClock();
  const warden = createWarden({ identity: { introspection: introspection(extra), ...identity }, policy: { tools: {} }, audit: { sink }, clock });
  return { warden, sink, clock };
}

describe("introspection of opaque tokens", () => {
  it("maps an active answer to a user principal (sub, scope, tenant, roles, exp), authenticating the client with client_secret_basic", async () => {
    const h = harness();
    const principal = await h.warden.authenticate("Bearer opaque-active-0001");
    expect(isPrincipal(principal)).toBe(true);
    expect(principal).toMatchObject({ sub: "alice", kind: "user", tenant: "acme", scopes: ["orders:read", "orders:refund"], roles: ["support"] });
    expect(principal.expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(principal.claims).toMatchObject({ active: true, client_id: "web-app" });
    expect(() => h.warden.config(principal)).not.toThrow();
    expect(problems).toEqual([]);
  });

  it("accepts an aud list naming the API, and an aud check turned off explicitly (audience: false)", async () => {
    expect((await harness().warden.authenticate("opaque-audlist-0001")).sub).toBe("bob");
    expect((await harness({ audience: false }).warden.authenticate("opaque-noaud-00001")).sub).toBe("alice");
    expect((await harness({ audience: ["x-api", AUDIENCE] }).warden.authenticate("opaque-audlist-0001")).sub).toBe("bob");
  });

  it("a client-credentials token (sub = client_id) is a service", async () => {
    expect(await harness().warden.authenticate("opaque-service-001")).toMatchObject({ sub: "reporting-job", kind: "service", scopes: ["orders:read"] });
  });

  it("reads the tenant and scopes from the configured claims", async () => {
    const h = harness({}, { claims: { tenant: "org_id", scopes: "perms" } });
    expect(await h.warden.authenticate("opaque-orgclaim-01")).toMatchObject({ sub: "carol", tenant: "globex", scopes: ["kb:read"] });
  });

  it("refuses an inactive token (inactive)", async () => {
    const h = harness();
    await expectRefused(h, "opaque-inactive-01", "inactive");
    await expectRefused(h, "some-token-the-server-never-issued", "inactive");
    expect(h.sink.ofType("token.rejected").map((e) => e.data?.source)).toEqual(["introspection", "introspection"]);
  });

  it("refuses an expired token (expired), a token not valid yet (not-yet-valid), a wrong or missing aud, a missing sub or exp (claim)", async () => {
    const h = harness();
    await expectRefused(h, "opaque-expired-001", "expired", "exp");
    await expectRefused(h, "opaque-future-0001", "not-yet-valid", "nbf");
    await expectRefused(h, "opaque-wrongaud-01", "claim", "aud");
    await expectRefused(h, "opaque-noaud-00001", "claim", "aud");
    await expectRefused(h, "opaque-nosub-00001", "claim", "sub");
    await expectRefused(h, "opaque-noexp-00001", "claim", "exp");
    await expectRefused(h, "opaque-badscope-01", "claim", "scope");
  });

  it("checks iss when an issuer is configured", async () => {
    expect((await harness({ issuer: "https://idp.test/" }).warden.authenticate("opaque-active-0001")).sub).toBe("alice");
    await expectRefused(harness({ issuer: "https://other.test/" }), "opaque-active-0001", "claim", "iss");
  });

  it("fails closed when the endpoint hangs: refused within the timeout (introspection-unavailable), and asked again next time", async () => {
    const h = harness({ timeoutMs: 150 });
    const error = await expectRefused(h, "opaque-hanging-001", "introspection-unavailable");
    expect(error.message).toContain("150 ms");
    await expectRefused(h, "opaque-hanging-001", "introspection-unavailable");
    expect(count("opaque-hanging-001")).toBe(2);
  });

  it("fails closed on HTTP 500, a redirect, a client the endpoint refuses, and answers that are not introspection responses", async () => {
    const h = harness();
    for (const token of ["opaque-error500-01", "opaque-redirect-01", "opaque-garbage-001", "opaque-html-00001", "opaque-noactive-01", "opaque-strings-001", "opaque-array-0001"]) {
      await expectRefused(h, token, "introspection-unavailable");
    }
    // Refusals of an unavailable endpoint are not remembered.
    await expectRefused(h, "opaque-error500-01", "introspection-unavailable");
    expect(count("opaque-error500-01")).toBe(2);
    // Wrong client credentials: the endpoint answers 401.
    await expectRefused(harness({ clientSecret: "wrong" }), "opaque-active-0001", "introspection-unavailable");
  });

  it("refuses a credential that is not a bearer token (RFC 6750 b64token) without asking the endpoint (malformed)", async () => {
    const h = harness();
    const before = asked.length;
    for (const token of ["two words here", 'quote"injection-00', "line\nbreak-000000", "semi;colon-0000000", "=leading-equals-000"]) {
      await expectRefused(h, token, "malformed");
    }
    expect(asked.length).toBe(before);
    // Every b64token character is accepted and sent as it is.
    await expectRefused(h, "AZaz09-._~+/tok==", "inactive");
    expect(asked.at(-1)).toBe("AZaz09-._~+/tok==");
  });

  it("fails closed when nothing listens at the endpoint", async () => {
    const h = harness({ endpoint: "http://127.0.0.1:1/introspect" });
    const error = await expectRefused(h, "opaque-active-0001", "introspection-unavailable");
    expect(error.message).not.toContain(CLIENT_SECRET);
  });
});

describe("the introspection cache", () => {
  it("reuses an active answer (keyed by a digest of the token), and shares one request between concurrent callers", async () => {
    const h = harness();
    const token = "opaque-audlist-0001";
    const before = count(token);
    const principals = await Promise.all(Array.from({ length: 25 }, () => h.warden.authenticate(token)));
    expect(new Set(principals).size).toBe(1);
    await h.warden.authenticate(token);
    expect(count(token) - before).toBe(1);
  });

  it("reuses an answer no longer than maxTtlMs", async () => {
    const h = harness({ cache: { maxTtlMs: 40 } });
    const token = "opaque-active-0001";
    const before = count(token);
    await h.warden.authenticate(token);
    await h.warden.authenticate(token);
    expect(count(token) - before).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await h.warden.authenticate(token);
    expect(count(token) - before).toBe(2);
  });

  it("reuses an active answer only until the token's exp by the warden's clock", async () => {
    const h = harness();
    const token = "opaque-shortexp-01";
    const before = count(token);
    const principal = await h.warden.authenticate(token);
    h.clock.set(principal.expiresAt);
    // Past exp: not served from the cache; the endpoint's answer (exp now passed) refuses it.
    await expectRefused(h, token, "expired", "exp");
    expect(count(token) - before).toBe(2);
  });

  it("remembers an inactive answer briefly (refusalTtlMs), then asks again", async () => {
    const h = harness({ cache: { refusalTtlMs: 40 } });
    const token = "opaque-inactive-01";
    const before = count(token);
    for (let i = 0; i < 5; i++) await expect(h.warden.authenticate(token)).rejects.toMatchObject({ reason: "inactive" });
    expect(count(token) - before).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(h.warden.authenticate(token)).rejects.toMatchObject({ reason: "inactive" });
    expect(count(token) - before).toBe(2);
  });

  it("asks every time with cache: false", async () => {
    const h = harness({ cache: false });
    const token = "opaque-audlist-0001";
    const before = count(token);
    for (let i = 0; i < 3; i++) await h.warden.authenticate(token);
    expect(count(token) - before).toBe(3);
  });
});

describe("introspection beside the other sources", () => {
  it("verifies JWTs locally, API keys from their store, and everything else through introspection", async () => {
    const idp = createTestIdentity();
    const { key, record } = createApiKey({ sub: "svc" });
    const warden = createWarden({
      audit: { sink: memorySink() },
      identity: { ...idp.identity, apiKeys: { records: [record] }, introspection: introspection() },
      policy: { tools: {} },
    });
    const jwt = await idp.issue({ sub: "jwt-user" });
    const before = asked.length;
    expect(await warden.authenticate(jwt)).toMatchObject({ sub: "jwt-user", kind: "user" });
    expect(await warden.authenticate(key)).toMatchObject({ sub: "svc", kind: "service" });
    expect(asked.length).toBe(before);
    expect(await warden.authenticate("opaque-active-0001")).toMatchObject({ sub: "alice", kind: "user" });
  });

  it("without JWT verification, sends JWT-shaped tokens to introspection too", async () => {
    const idp = createTestIdentity();
    const jwt = await idp.issue({ sub: "x" });
    const before = count(jwt);
    await expect(harness().warden.authenticate(jwt)).rejects.toMatchObject({ reason: "inactive" });
    expect(count(jwt) - before).toBe(1);
  });
});

describe("introspection options", () => {
  const refusedAt = (identity: unknown): string => {
    try {
      createWarden({ identity: identity as IdentityOptions, policy: { tools: {} } });
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      return (error as PolicyError).path;
    }
    throw new Error("accepted");
  };
  const base = { endpoint: "https://idp.example.com/introspect", clientId: "c", clientSecret: "s", audience: AUDIENCE };

  it("accepts https anywhere and plain http only on the loopback", () => {
    expect(() => createWarden({ audit: { sink: memorySink() }, identity: { introspection: base }, policy: { tools: {} } })).not.toThrow();
    for (const endpoint of ["http://localhost:8080/i", "http://127.0.0.1/i", "http://[::1]:9000/i"]) {
      expect(() => createWarden({ audit: { sink: memorySink() }, identity: { introspection: { ...base, endpoint } }, policy: { tools: {} } })).not.toThrow();
    }
    expect(refusedAt({ introspection: { ...base, endpoint: "http://idp.example.com/introspect" } })).toBe("identity.introspection.endpoint");
    expect(refusedAt({ introspection: { ...base, endpoint: "not a url" } })).toBe("identity.introspection.endpoint");
  });

  it("requires the audience (or audience: false), client credentials, and sane timeouts", () => {
    const { audience: _, ...withoutAudience } = base;
    expect(refusedAt({ introspection: withoutAudience })).toBe("identity.introspection.audience");
    expect(refusedAt({ introspection: { ...base, clientSecret: "" } })).toBe("identity.introspection.clientSecret");
    expect(refusedAt({ introspection: { ...base, clientId: undefined } })).toBe("identity.introspection.clientId");
    expect(refusedAt({ introspection: { ...base, timeoutMs: 0 } })).toBe("identity.introspection.timeoutMs");
    expect(refusedAt({ introspection: { ...base, cache: { maxTtlMs: -1 } } })).toBe("identity.introspection.cache.maxTtlMs");
    expect(refusedAt({ introspection: { ...base, tokenEndpoint: "x" } })).toBe("identity.introspection");
  });

  it("never shows the client secret in a refusal", () => {
    let caught: unknown;
    try {
      createWarden({ identity: { introspection: { ...base, endpoint: "http://idp.example.com/i", clientSecret: "hunter2-secret" } }, policy: { tools: {} } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyError);
    expect((caught as Error).message).not.toContain("hunter2");
  });
});
