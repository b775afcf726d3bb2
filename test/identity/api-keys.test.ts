/**
 * API keys: their form, createApiKey, and authenticate() with keys — valid,
 * unknown, wrong, revoked, expired, malformed — with every refusal coded,
 * recorded and free of any part of the key; a burst of wrong keys reaching the
 * store at most once per key; a store that fails or hangs refusing keys.
 */
import { inspect } from "node:util";
import {
  type ApiKeyRecordInput,
  type ApiKeyStore,
  apiKeyDigest,
  createApiKey,
  createWarden,
  type InvalidTokenError,
  isPrincipal,
  isWardenApiKey,
  memoryApiKeyStore,
  PolicyError,
} from "langchain-warden";
import { createTestIdentity, fakeClock, memorySink } from "langchain-warden/testing";
import { describe, expect, it } from "vitest";
import { apiKeyChecksum, formatApiKey, parseApiKey } from "../../src/identity/api-key-format.js";
import { crc32 } from "../../src/masking/checksums.js";
import { expectRefused, type Harness } from "./helpers.js";

/** A warden that takes API keys from `store` (and nothing else). */
function keyHarness(store: ApiKeyStore, extra: { lookupTimeoutMs?: number } = {}): Harness {
  const sink = memorySink();
  const clock = fakeClock();
  const warden = createWarden({ identity: { apiKeys: { store, ...extra } }, policy: { tools: {} }, audit: { sink }, clock });
  return { warden, sink, clock };
}

/** A store that counts its lookups. */
function countingStore(records: ApiKeyRecordInput[]): ApiKeyStore & { gets: string[] } {
  const inner = memoryApiKeyStore(records);
  const gets: string[] = [];
  return {
    gets,
    get(id) {
      gets.push(id);
      return inner.get(id);
    },
  };
}

/** `key` with its secret replaced by `secret` (and a valid checksum): a wrong key for the same id. */
function withSecret(key: string, secret: string): string {
  const parts = parseApiKey(key)!;
  return formatApiKey({ ...parts, secret });
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const shift = (c: string, by = 1) => BASE62[(BASE62.indexOf(c) + by) % 62]!;

describe("the key form", () => {
  it("createApiKey returns wdn_<env>_<16-char id>_<43-char secret><6-char checksum> and a record holding only its digest", () => {
    const { key, record } = createApiKey({ sub: "billing-service", tenant: "acme", scopes: ["orders:read", "orders:read"], roles: ["ops"] });
    expect(key).toMatch(/^wdn_live_[A-Za-z0-9]{16}_[A-Za-z0-9]{49}$/);
    const parts = parseApiKey(key)!;
    expect(parts.environment).toBe("live");
    expect(parts.id).toBe(record.id);
    expect(record).toEqual({
      id: parts.id,
      hash: apiKeyDigest(key),
      sub: "billing-service",
      tenant: "acme",
      scopes: ["orders:read"],
      roles: ["ops"],
      createdAt: expect.any(Number),
    });
    expect(record.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The record holds no part of the secret.
    expect(JSON.stringify(record)).not.toContain(parts.secret.slice(0, 12));
    expect(JSON.stringify(record)).not.toContain(key);
  });

  it("makes a different key every time, with an environment label when asked", () => {
    const keys = new Set(Array.from({ length: 200 }, () => createApiKey({ sub: "s" }).key));
    expect(keys.size).toBe(200);
    const ids = new Set([...keys].map((k) => parseApiKey(k)!.id));
    expect(ids.size).toBe(200);
    expect(createApiKey({ sub: "s", environment: "test" }).key.startsWith("wdn_test_")).toBe(true);
  });

  it("spreads the secret's characters over all 62 letters and digits (no modulo bias worth seeing)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 400; i++) for (const c of parseApiKey(createApiKey({ sub: "s" }).key)!.secret) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (400 * 43) / 62;
    for (const [, n] of counts) {
      expect(n).toBeGreaterThan(expected * 0.6);
      expect(n).toBeLessThan(expected * 1.4);
    }
  });

  it("the checksum is the CRC-32 of the rest, so any single changed character is caught", () => {
    const { key } = createApiKey({ sub: "s" });
    // The standard check value of CRC-32/ISO-HDLC, and zlib's crc32("hello").
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("hello")).toBe(907060870);
    expect(crc32("")).toBe(0);
    expect(isWardenApiKey(key)).toBe(true);
    const body = key.slice(0, -6);
    expect(key.slice(-6)).toBe(apiKeyChecksum(body));
    for (let i = 4; i < key.length; i++) {
      if (key[i] === "_") continue;
      const typo = key.slice(0, i) + shift(key[i]!) + key.slice(i + 1);
      expect(isWardenApiKey(typo), `changed at ${i}`).toBe(false);
    }
    expect(isWardenApiKey(`${key}x`)).toBe(false);
    expect(isWardenApiKey(key.slice(1))).toBe(false);
    expect(isWardenApiKey(key.toUpperCase())).toBe(false);
    expect(isWardenApiKey(42)).toBe(false);
  });

  it("refuses bad createApiKey options with a PolicyError naming the field", () => {
    const refusal = (options: unknown) => {
      try {
        createApiKey(options as never);
      } catch (error) {
        expect(error).toBeInstanceOf(PolicyError);
        return (error as PolicyError).path;
      }
      throw new Error("accepted");
    };
    expect(refusal({ sub: "" })).toBe("createApiKey.sub");
    expect(refusal({ sub: "s", scopes: ["a b"] })).toBe("createApiKey.scopes[0]");
    expect(refusal({ sub: "s", expiresAt: Date.now() - 1 })).toBe("createApiKey.expiresAt");
    expect(refusal({ sub: "s", environment: "Live" })).toBe("createApiKey.environment");
    expect(refusal({ sub: "s", environment: "a_b" })).toBe("createApiKey.environment");
    expect(refusal({ sub: "s", owner: "x" })).toBe("createApiKey");
  });
});

describe("authenticate() with an API key", () => {
  it("mints a service principal with the record's sub, tenant, scopes, roles and expiry", async () => {
    const expiresAt = Date.now() + 3_600_000;
    const { key, record } = createApiKey({ sub: "billing-service", tenant: "acme", scopes: ["orders:read"], roles: ["ops"], expiresAt });
    const h = keyHarness(memoryApiKeyStore([record]));
    for (const presented of [key, `Bearer ${key}`, ` ${key} `]) {
      const principal = await h.warden.authenticate(presented);
      expect(isPrincipal(principal)).toBe(true);
      expect(principal).toMatchObject({ sub: "billing-service", kind: "service", tenant: "acme", scopes: ["orders:read"], roles: ["ops"], expiresAt });
      expect(principal.claims).toEqual({
        sub: "billing-service",
        tenant: "acme",
        scope: "orders:read",
        roles: ["ops"],
        key_id: record.id,
        iat: Math.floor(record.createdAt / 1000),
        exp: Math.floor(expiresAt / 1000),
      });
      // The warden trusts it like any other principal of its own.
      expect(() => h.warden.config(principal)).not.toThrow();
      expect(JSON.stringify(principal)).not.toContain(key);
    }
    expect(h.sink.ofType("token.rejected")).toEqual([]);
  });

  it("a key without expiry mints a principal that does not expire", async () => {
    const { key, record } = createApiKey({ sub: "cron" });
    const principal = await keyHarness(memoryApiKeyStore([record])).warden.authenticate(key);
    expect(principal.expiresAt).toBe(Number.POSITIVE_INFINITY);
    expect(principal.scopes).toEqual([]);
    expect(principal.tenant).toBeUndefined();
  });

  it("takes records given inline (identity.apiKeys.records)", async () => {
    const { key, record } = createApiKey({ sub: "inline" });
    const warden = createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { records: [record] } }, policy: { tools: {} } });
    expect((await warden.authenticate(key)).sub).toBe("inline");
  });

  it("refuses a key whose id is unknown, and one whose secret is wrong, alike (unknown-key), naming no part of either", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const h = keyHarness(memoryApiKeyStore([record]));
    const stranger = createApiKey({ sub: "svc" }).key;
    const unknown = await expectRefused(h, stranger, "unknown-key");
    const parts = parseApiKey(key)!;
    const wrong = await expectRefused(h, withSecret(key, [...parts.secret].map((c) => shift(c)).join("")), "unknown-key");
    expect(unknown.message).toBe(wrong.message);
    expect(unknown.keyId).toBeUndefined();
    expect(wrong.keyId).toBeUndefined();
    for (const refusal of [unknown, wrong]) {
      const texts = [refusal.message, inspect(refusal, { depth: 8 }), JSON.stringify(h.sink.events)];
      for (const text of texts) {
        expect(text).not.toContain(parts.secret.slice(0, 8));
        expect(text).not.toContain(parseApiKey(stranger)!.secret.slice(0, 8));
      }
    }
    expect(h.sink.ofType("token.rejected").map((e) => e.data?.source)).toEqual(["api-key", "api-key"]);
  });

  it("refuses a malformed key or a key with a bad checksum before any lookup (malformed)", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const store = countingStore([record]);
    const h = keyHarness(store);
    const typo = key.slice(0, 30) + shift(key[30]!) + key.slice(31);
    await expectRefused(h, typo, "malformed");
    await expectRefused(h, key.slice(0, -1), "malformed");
    await expectRefused(h, `${key}A`, "malformed");
    await expectRefused(h, "wdn_live_short_key", "malformed");
    await expectRefused(h, key.replace("wdn_live_", "wdn_LIVE_"), "malformed");
    expect(store.gets).toEqual([]);
  });

  it("revokes a key at once: the next request is refused (revoked), recorded with the key's id, and never a part of the key", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const store = memoryApiKeyStore([record]);
    const h = keyHarness(store);
    expect((await h.warden.authenticate(key)).sub).toBe("svc");
    expect(await store.revoke(record.id)).toBe(true);
    const refusal = await expectRefused(h, key, "revoked");
    expect(refusal.keyId).toBe(record.id);
    expect(h.sink.ofType("token.rejected").at(-1)?.data).toMatchObject({ source: "api-key", keyId: record.id });
    // A wrong secret for a revoked key's id learns nothing about it.
    await expectRefused(h, withSecret(key, "A".repeat(43)), "unknown-key");
    expect(await store.revoke("0000000000000000")).toBe(false);
  });

  it("refuses a record that carries revokedAt whatever the time, even a future one", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const h = keyHarness(memoryApiKeyStore([{ ...record, revokedAt: Date.now() + 86_400_000 }]));
    await expectRefused(h, key, "revoked");
  });

  it("refuses a key once its expiresAt has passed by the warden's clock (expired)", async () => {
    const { key, record } = createApiKey({ sub: "svc", expiresAt: Date.now() + 60_000 });
    const h = keyHarness(memoryApiKeyStore([record]));
    const principal = await h.warden.authenticate(key);
    h.clock.advance(60_001);
    const refusal = await expectRefused(h, key, "expired");
    expect(refusal.keyId).toBe(record.id);
    // The principal minted before expires with its key, at every guarded call.
    expect(principal.expiresAt).toBeLessThanOrEqual(h.clock.now());
  });

  it("refuses an API key when the warden takes none, and a JWT when it takes only keys (unsupported)", async () => {
    const idp = createTestIdentity();
    const { key } = createApiKey({ sub: "svc" });
    const jwtOnly = createWarden({ identity: idp.identity, policy: { tools: {} }, audit: { sink: memorySink() } });
    await expect(jwtOnly.authenticate(key)).rejects.toMatchObject({ reason: "unsupported" });
    const h = keyHarness(memoryApiKeyStore([]));
    await expectRefused(h, await idp.issue({ sub: "alice" }), "unsupported");
    await expectRefused(h, "an-opaque-token-of-some-provider", "unsupported");
    await expectRefused(h, "", "missing");
    await expectRefused(h, undefined, "missing");
    expect(h.sink.ofType("token.rejected").map((e) => e.data?.source)).toEqual([null, null, null, null]);
  });

  it("takes JWTs and API keys side by side", async () => {
    const idp = createTestIdentity();
    const { key, record } = createApiKey({ sub: "svc" });
    const warden = createWarden({ audit: { sink: memorySink() }, identity: { ...idp.identity, apiKeys: { records: [record] } }, policy: { tools: {} } });
    expect(await warden.authenticate(await idp.issue({ sub: "alice" }))).toMatchObject({ sub: "alice", kind: "user" });
    expect(await warden.authenticate(key)).toMatchObject({ sub: "svc", kind: "service" });
  });
});

describe("a burst of wrong keys", () => {
  it("reaches the store at most once per key: the same wrong key, concurrently and again later", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const store = countingStore([record]);
    const h = keyHarness(store);
    const wrong = withSecret(key, "Z".repeat(43));
    const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => h.warden.authenticate(wrong)));
    expect(outcomes.every((o) => o.status === "rejected" && (o.reason as InvalidTokenError).reason === "unknown-key")).toBe(true);
    for (let i = 0; i < 50; i++) await expect(h.warden.authenticate(wrong)).rejects.toMatchObject({ reason: "unknown-key" });
    expect(store.gets).toEqual([record.id]);
    // The genuine key still works (and is looked up: successes are never cached).
    expect((await h.warden.authenticate(key)).sub).toBe("svc");
    expect(store.gets).toHaveLength(2);
  });

  it("shares one lookup between concurrent wrong keys of one id, and remembers each refusal", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const store = countingStore([record]);
    const h = keyHarness(store);
    const wrongs = Array.from({ length: 40 }, (_, i) => withSecret(key, BASE62[i]!.repeat(43)));
    await Promise.allSettled(wrongs.map((k) => h.warden.authenticate(k)));
    expect(store.gets).toEqual([record.id]);
    await Promise.allSettled(wrongs.map((k) => h.warden.authenticate(k)));
    expect(store.gets).toEqual([record.id]);
  });

  it("looks up each unknown id once, however often it is presented", async () => {
    const store = countingStore([]);
    const h = keyHarness(store);
    const strangers = Array.from({ length: 30 }, () => createApiKey({ sub: "x" }).key);
    for (let round = 0; round < 3; round++) await Promise.allSettled(strangers.map((k) => h.warden.authenticate(k)));
    expect(store.gets).toHaveLength(30);
    expect(new Set(store.gets).size).toBe(30);
  });

  it("remembers revoked and expired keys too, so a leaked revoked key hammered in a loop costs one lookup", async () => {
    const revoked = createApiKey({ sub: "svc" });
    const store = countingStore([{ ...revoked.record, revokedAt: 1 }]);
    const h = keyHarness(store);
    for (let i = 0; i < 20; i++) await expect(h.warden.authenticate(revoked.key)).rejects.toMatchObject({ reason: "revoked", keyId: revoked.record.id });
    expect(store.gets).toHaveLength(1);
  });

  it("keeps the refusal memory bounded (refusalCache.maxEntries) and can turn it off", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    const store = countingStore([record]);
    const warden = createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { store, refusalCache: { maxEntries: 2, ttlMs: 60_000 } } }, policy: { tools: {} } });
    const [a, b, c] = ["A", "B", "C"].map((s) => withSecret(key, s.repeat(43))) as [string, string, string];
    for (const k of [a, b, c, a]) await warden.authenticate(k).catch(() => undefined);
    // a was pushed out by c, so it is looked up again (and pushes out b); c and a are remembered.
    expect(store.gets).toHaveLength(4);
    for (const k of [c, a]) await warden.authenticate(k).catch(() => undefined);
    expect(store.gets).toHaveLength(4);
    await warden.authenticate(b).catch(() => undefined);
    expect(store.gets).toHaveLength(5);

    const uncached = countingStore([record]);
    const plain = createWarden({ audit: { sink: memorySink() }, identity: { apiKeys: { store: uncached, refusalCache: { maxEntries: 0 } } }, policy: { tools: {} } });
    for (let i = 0; i < 3; i++) await plain.authenticate(a).catch(() => undefined);
    expect(uncached.gets).toHaveLength(3);
  });
});

describe("a key store that fails", () => {
  it("refuses keys (key-store-unavailable) when the store throws, and does not remember that refusal", async () => {
    const { key } = createApiKey({ sub: "svc" });
    let calls = 0;
    const h = keyHarness({
      get() {
        calls++;
        throw new Error("connection refused");
      },
    });
    await expectRefused(h, key, "key-store-unavailable");
    await expectRefused(h, key, "key-store-unavailable");
    expect(calls).toBe(2);
  });

  it("refuses keys within lookupTimeoutMs when the store hangs", async () => {
    const { key } = createApiKey({ sub: "svc" });
    const h = keyHarness({ get: () => new Promise(() => undefined) }, { lookupTimeoutMs: 50 });
    await expectRefused(h, key, "key-store-unavailable");
  });

  it("refuses a key whose stored record cannot be read (a misspelt field, a bad digest), without guessing", async () => {
    const { key, record } = createApiKey({ sub: "svc" });
    for (const bad of [{ ...record, revoked_at: 1 }, { ...record, hash: record.hash.toUpperCase() }, { ...record, scopes: "orders:read" }, "not a record"]) {
      const h = keyHarness({ get: async () => bad as never });
      await expectRefused(h, key, "key-store-unavailable");
    }
  });

  it("refuses a key whose record answers for another id", async () => {
    const { key } = createApiKey({ sub: "svc" });
    const other = createApiKey({ sub: "svc" });
    // The store returns a record of another key (a bug, or a forged row holding this key's digest under another id).
    const h = keyHarness({ get: async () => ({ ...other.record, hash: apiKeyDigest(key) }) });
    await expectRefused(h, key, "unknown-key");
  });
});
