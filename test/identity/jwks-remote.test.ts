import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { IdentityOptions } from "langchain-warden";
import { afterEach, describe, expect, it } from "vitest";
import { AUDIENCE, claims, expectRefused, harness, ISSUER, sendJson, signCompact, startServer, type TestKey, type TestServer, testKey } from "./helpers.js";

const current = testKey("ES256", "key-2024");
const next = testKey("ES256", "key-2025");
const attacker = testKey("ES256", "attacker");

let servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

/** A JWKS endpoint at /jwks whose key set can be swapped. */
async function jwksEndpoint(initial: { keys: unknown[] }) {
  let body: unknown = initial;
  const server = await serve((req, res) => {
    if (req.url === "/jwks") sendJson(res, body);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  return {
    server,
    serve(keys: { keys: unknown[] }) {
      body = keys;
    },
  };
}

function remote(server: TestServer, extra: Partial<IdentityOptions> = {}) {
  return harness({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `${server.url}/jwks`,
    jwksTimeoutMs: 2_000,
    jwksCooldownMs: 60_000,
    ...extra,
  } as IdentityOptions);
}

const token = (key: TestKey, clock: { now(): number }, extra: Record<string, unknown> = {}, kid = key.kid) =>
  signCompact({ alg: "ES256", kid }, claims(clock, extra), key.privateKey);

describe("remote JWKS", () => {
  it("verifies a valid token and caches the key set: one fetch for many verifications", async () => {
    const { server } = await jwksEndpoint({ keys: [current.jwk] });
    const h = remote(server);
    const cold = await Promise.all(Array.from({ length: 25 }, (_, i) => h.warden.authenticate(token(current, h.clock, { sub: `u${i}` }))));
    expect(cold.map((p) => p.sub)).toEqual(Array.from({ length: 25 }, (_, i) => `u${i}`));
    for (let i = 0; i < 25; i++) {
      expect((await h.warden.authenticate(token(current, h.clock, { scope: "orders:read" }))).scopes).toEqual(["orders:read"]);
    }
    expect(server.requests).toEqual(["/jwks"]);
    expect(h.sink.ofType("token.rejected")).toEqual([]);
  });

  it("lets a burst of 1,000 unknown kids cause at most one fetch per cooldown", async () => {
    const { server } = await jwksEndpoint({ keys: [current.jwk] });
    const h = remote(server);
    const tokens = Array.from({ length: 1_000 }, (_, i) => token(attacker, h.clock, {}, `unknown-${i}`));
    const results = await Promise.allSettled(tokens.map((t) => h.warden.authenticate(t)));
    expect(results.every((r) => r.status === "rejected" && (r.reason as { reason?: string }).reason === "key")).toBe(true);
    expect(server.requests).toHaveLength(1);
    const again = await Promise.allSettled(tokens.map((t) => h.warden.authenticate(t)));
    expect(again.every((r) => r.status === "rejected" && (r.reason as { reason?: string }).reason === "key")).toBe(true);
    expect(server.requests).toHaveLength(1);
    const rejected = h.sink.ofType("token.rejected");
    expect(rejected).toHaveLength(2_000);
    expect(rejected.every((e) => e.reason === "key")).toBe(true);
    expect((await h.warden.authenticate(token(current, h.clock))).sub).toBe("alice");
    expect(server.requests).toHaveLength(1);
  });

  it("lets a burst of unknown kids after the cooldown refetch at most once per cooldown", async () => {
    const { server } = await jwksEndpoint({ keys: [current.jwk] });
    const h = remote(server, { jwksCooldownMs: 200 });
    await h.warden.authenticate(token(current, h.clock));
    expect(server.requests).toHaveLength(1);
    await sleep(300);
    const results = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => h.warden.authenticate(token(attacker, h.clock, {}, `unknown-${i}`))));
    expect(results.every((r) => r.status === "rejected" && (r.reason as { reason?: string }).reason === "key")).toBe(true);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThanOrEqual(3);
  });

  it("fails closed with jwks-unavailable when the endpoint hangs, within the timeout", async () => {
    const server = await serve(() => {
      /* never answers */
    });
    const h = remote(server, { jwksTimeoutMs: 300 });
    const started = performance.now();
    await expectRefused(h, token(current, h.clock), "jwks-unavailable");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.requests).toEqual(["/jwks"]);
  });

  it("fails closed with jwks-unavailable when the endpoint answers 500", async () => {
    const server = await serve((_req, res) => sendJson(res, { error: "boom" }, 500));
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "jwks-unavailable");
  });

  it("fails closed with jwks-unavailable on malformed JSON", async () => {
    const server = await serve((_req, res) => sendJson(res, '{"keys": [ {"kty": "EC", '));
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "jwks-unavailable");
  });

  it("fails closed with jwks-unavailable on JSON that is not a key set", async () => {
    const server = await serve((_req, res) => sendJson(res, { keys: "none" }));
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "jwks-unavailable");
  });

  it("does not follow a redirect away from the configured endpoint", async () => {
    const elsewhere = await serve((_req, res) => sendJson(res, { keys: [attacker.jwk] }));
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/jwks` });
      res.end();
    });
    const h = remote(server);
    await expectRefused(h, token(attacker, h.clock), "jwks-unavailable");
    expect(elsewhere.requests).toEqual([]);
  });

  it("recovers once an unavailable endpoint comes back", async () => {
    let healthy = false;
    const server = await serve((_req, res) => (healthy ? sendJson(res, { keys: [current.jwk] }) : sendJson(res, {}, 503)));
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "jwks-unavailable");
    healthy = true;
    expect((await h.warden.authenticate(token(current, h.clock))).sub).toBe("alice");
    expect(server.requests).toHaveLength(2);
  });

  it("refuses with key when the key set holds no matching key", async () => {
    const { server } = await jwksEndpoint({ keys: [next.jwk] });
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "key");
  });

  it("refuses with signature when a key set entry has the token's kid but other key material", async () => {
    const { server } = await jwksEndpoint({ keys: [{ ...next.jwk, kid: current.kid }] });
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "signature");
  });

  it("refuses tokens when the served key set holds a private key", async () => {
    const { server } = await jwksEndpoint({ keys: [{ ...(current.privateKey.export({ format: "jwk" }) as object), kid: current.kid }] });
    const h = remote(server);
    await expectRefused(h, token(current, h.clock), "jwks-unavailable");
  });

  it("picks up a rotated key after the cooldown", async () => {
    const endpoint = await jwksEndpoint({ keys: [current.jwk] });
    const h = remote(endpoint.server, { jwksCooldownMs: 200 });
    expect((await h.warden.authenticate(token(current, h.clock))).sub).toBe("alice");
    endpoint.serve({ keys: [current.jwk, next.jwk] });
    await expectRefused(h, token(next, h.clock), "key");
    expect(endpoint.server.requests).toHaveLength(1);
    await sleep(300);
    expect((await h.warden.authenticate(token(next, h.clock, { sub: "bob" }))).sub).toBe("bob");
    expect(endpoint.server.requests).toHaveLength(2);
    expect((await h.warden.authenticate(token(current, h.clock))).sub).toBe("alice");
    expect(endpoint.server.requests).toHaveLength(2);
  });

  it("stops accepting a cached token once its key has left the key set and the key cache has expired", async () => {
    const endpoint = await jwksEndpoint({ keys: [current.jwk, next.jwk] });
    const h = remote(endpoint.server, { jwksCooldownMs: 50, jwksCacheMaxAgeMs: 150, tokenCache: { ttlMs: 60_000 } });
    const issued = token(current, h.clock);
    const first = await h.warden.authenticate(issued);
    expect(await h.warden.authenticate(issued)).toBe(first);
    endpoint.serve({ keys: [next.jwk] });
    await sleep(250);
    await expectRefused(h, issued, "key");
    expect(h.sink.ofType("token.rejected").at(-1)?.reason).toMatch(/key/i);
  });

  it.each(["../../../../dev/null", "/etc/passwd", "' OR '1'='1", "../jwks?x=1", "%2e%2e%2fadmin"])('refuses kid "%s" without it reaching the URL', async (kid) => {
    const { server } = await jwksEndpoint({ keys: [current.jwk] });
    const h = remote(server);
    await expectRefused(h, token(attacker, h.clock, {}, kid), "key");
    await expectRefused(h, token(current, h.clock, {}, kid), "key");
    expect(server.requests).toEqual(["/jwks"]);
  });

  it("never fetches jku or x5u headers, and refuses the token", async () => {
    const { server } = await jwksEndpoint({ keys: [current.jwk] });
    const lure = await serve((_req, res) => sendJson(res, { keys: [attacker.jwk] }));
    const h = remote(server);
    for (const header of [{ jku: `${lure.url}/jwks` }, { x5u: `${lure.url}/cert.pem` }]) {
      await expectRefused(h, signCompact({ alg: "ES256", kid: attacker.kid, ...header }, claims(h.clock), attacker.privateKey), "key");
      await expectRefused(h, signCompact({ alg: "ES256", kid: current.kid, ...header }, claims(h.clock), attacker.privateKey), "signature");
    }
    await expectRefused(h, signCompact({ alg: "ES256", kid: attacker.kid, jwk: attacker.jwk }, claims(h.clock), attacker.privateKey), "key");
    expect(lure.requests).toEqual([]);
    expect(server.requests).toEqual(["/jwks"]);
  });

  it('refuses alg "none" and HMAC without fetching the key set', async () => {
    const { server } = await jwksEndpoint({ keys: [current.jwk] });
    const h = remote(server);
    await expectRefused(h, signCompact({ alg: "none", kid: current.kid }, claims(h.clock), ""), "algorithm");
    await expectRefused(h, signCompact({ alg: "HS256", kid: current.kid }, claims(h.clock), Buffer.from(JSON.stringify(current.jwk))), "algorithm");
    expect(server.requests).toEqual([]);
  });
});
